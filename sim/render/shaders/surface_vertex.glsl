// Lighting that is constant over a flat face (sun, sky, weather on the material, emission)
// is worked out here once per vertex; the fragment shader adds what varies across a face:
// headlights, street-light pools, the wet sheen and fog.

out vec4 v_view_s;       // camera-frame position (m), s along the road (m; < 0 off road)
flat out vec4 v_lit;     // rgb: albedo * (sky + sun) + emission; a: headlight intensity
flat out vec4 v_albedo;  // rgb: albedo for the point lights; a: street-light intensity here
flat out vec4 v_normal;  // xyz: camera-frame normal; a: wet sheen
flat out vec4 v_fog;     // rgb: fog colour; a: extinction (1/m)
flat out vec4 v_sky;     // rgb: horizon colour (what a wet road reflects); a: fog start (m)

const vec3 SNOW_WHITE = vec3(0.92, 0.94, 0.97);
const vec3 GLASS_TINT = vec3(0.09, 0.11, 0.14);

void surface_vertex(vec3 world, vec3 normal, vec3 albedo, int material, float s, float state, int tile) {
    vec3 cam = to_camera(tile, world);
    place_vertex(cam, tile);
    vec4 sun = tile_row(tile, T_SUN);
    vec4 sun_light = tile_row(tile, T_SUN_LIGHT);
    vec4 ambient = tile_row(tile, T_AMBIENT);
    vec4 misc = tile_row(tile, T_MISC);
    float wet = sun_light.w;
    float snow = ambient.w;
    bool paved = material == MAT_ROAD || material == MAT_SIDEWALK || material == MAT_PAINT;
    if (material == MAT_GLASS) albedo = GLASS_TINT;
    // Water fills the pores of asphalt and paving and darkens them.
    albedo *= 1.0 - wet * (material == MAT_ROAD ? 0.45 : (paved ? 0.3 : 0.0));
    // Snow settles on faces that look up; paint and leaves disappear under it first.
    float cover = (material == MAT_PAINT || material == MAT_FOLIAGE) ? 0.95 : (paved ? 0.7 : 0.8);
    albedo = mix(albedo, SNOW_WHITE, snow * cover * smoothstep(0.5, 0.9, normal.z));
    vec3 light = ambient.rgb * (0.85 + 0.15 * normal.z) + sun_light.rgb * max(dot(normal, sun.xyz), 0.0);
    vec3 emission = vec3(0.0);
    if (material >= MAT_LAMP_GREEN && material <= MAT_LAMP_RED) {
        bool lit = abs(state - float(material - MAT_LAMP_GREEN)) < 0.5;
        emission = lit ? albedo * 2.0 * sun.w : vec3(0.0);
        albedo = lit ? vec3(0.0) : albedo * 0.08;
    } else if (material == MAT_TAIL_LIGHT || material == MAT_HEAD_LIGHT) {
        emission = albedo * misc.w;
    }
    vec4 horizon = tile_row(tile, T_SKY_HORIZON);
    float sheen = paved ? horizon.w * (material == MAT_SIDEWALK ? 0.5 : 1.0) : (material == MAT_GLASS ? 0.35 : 0.0);
    v_view_s = vec4(cam, s);
    v_lit = vec4(albedo * light + emission, misc.y);
    v_albedo = vec4(albedo, (paved && s >= 0.0) ? misc.z : 0.0);
    v_normal = vec4(direction_to_camera(tile, normal), sheen);
    v_fog = tile_row(tile, T_FOG);
    v_sky = vec4(horizon.rgb, misc.x);
}
