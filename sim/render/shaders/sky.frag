// The sky above the horizon: a gradient from the horizon's colour to the zenith's, and fog
// that thickens towards the horizon (the sun is added by its own pass).

const float SKY_DEPTH_M = 200.0;  // how much air a horizontal sky ray crosses, for fog

void main() {
    float elevation = max(dot(v_ray, u_up_cam), 0.0) * inversesqrt(dot(v_ray, v_ray));
    vec3 sky = mix(v_near.rgb, v_zenith, sqrt(elevation));
    frag = fogged(sky, SKY_DEPTH_M / max(elevation, 0.02));
}
