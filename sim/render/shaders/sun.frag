// Disc (~1.5 degrees) and a glow falling off as cos(angle)^32, from the pixel's exact ray.

flat in int v_tile;
flat in vec3 v_sun_cam;
flat in vec3 v_sun_light;

uniform vec4 u_intrinsics;

out vec4 frag;

void main() {
    vec2 px = gl_FragCoord.xy - tile_origin_px(v_tile);
    vec3 ray = vec3((px - u_intrinsics.yz) / u_intrinsics.x, 1.0);
    float mu = max(dot(ray, v_sun_cam) * inversesqrt(dot(ray, ray)), 0.0);
    float glow = mu * mu;
    glow *= glow;
    glow *= glow;
    glow *= glow;
    glow *= glow;
    frag = vec4(v_sun_light * (smoothstep(0.99955, 0.99975, mu) + 0.12 * glow), 1.0);
}
