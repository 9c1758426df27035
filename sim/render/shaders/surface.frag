// Every map and actor surface: the per-vertex light, then fog by distance. A wet road's tiles
// use the WET_SHEEN variant, which adds the sheen; tiles with point lights (night, tunnel, low
// sun) the POINT_LIGHTS variant, which adds headlights and street-light pools to the sheen;
// the rest skip that work (most of this shader's cost).

in vec4 v_view_s;
flat in vec4 v_lit;
flat in vec4 v_albedo;
flat in vec4 v_normal;
flat in vec4 v_fog;
flat in vec4 v_sky;

uniform vec3 u_headlight_pos;  // camera frame (m): the front of the ego
uniform vec3 u_headlight_dir;  // camera frame, unit: along the ego, dipped

out vec4 frag;

#ifdef POINT_LIGHTS
float headlight(vec3 p, vec3 n, float intensity) {
    vec3 ray = p - u_headlight_pos;
    float dist2 = dot(ray, ray);
    vec3 dir = ray * inversesqrt(dist2);
    float cone = clamp((dot(dir, u_headlight_dir) - HEADLIGHT_COS_OUTER) / (HEADLIGHT_COS_INNER - HEADLIGHT_COS_OUTER),
                       0.0, 1.0);
    // Wrapped Lambert: the road is lit at grazing angles, where plain Lambert would be ~0.
    float facing = clamp(0.35 + 0.65 * dot(n, -dir), 0.0, 1.0);
    return intensity * cone * facing / (1.0 + dist2 * HEADLIGHT_FALLOFF);
}
#endif

void main() {
    vec3 p = v_view_s.xyz;
    float dist = length(p);
    vec3 colour = v_lit.rgb;
#ifdef POINT_LIGHTS
    float pool_dist = (fract(v_view_s.w / STREET_LIGHT_SPACING_M) - 0.5) * STREET_LIGHT_SPACING_M;
    float pool = v_albedo.a * max(1.0 - pool_dist * pool_dist * (1.0 / 49.0), 0.0);
    colour += v_albedo.rgb * (headlight(p, v_normal.xyz, v_lit.a) + pool);
#endif
#ifdef WET_SHEEN
    float graze = 1.0 - abs(dot(p, v_normal.xyz)) / dist;
    float graze2 = graze * graze;
    colour += v_normal.w * graze2 * graze2 * v_sky.rgb;
#endif
    float fog = 1.0 - exp(-v_fog.a * max(dist - v_sky.a, 0.0));
    frag = vec4(mix(colour, v_fog.rgb, fog), 1.0);
}
