// The background of each tile, drawn after the surfaces at the far plane so it only fills
// what they left: an endless grass plane below the horizon, the sky above it. The camera has
// no roll, so the horizon is a pixel row (u_horizon_v) and each part is one quad per tile.

in vec2 in_corner;  // -1..1 over the tile
in float i_tile;

uniform float u_horizon_v;  // horizon row (px from the top, may lie outside the tile)
uniform float u_ground;     // 0: the sky part, 1: the ground part
uniform vec4 u_intrinsics;  // focal (px), cx, cy (px), camera height (m)

flat out vec4 v_near;     // rgb: lit grass, or the sky at the horizon; a: fog start (m)
flat out vec3 v_zenith;   // the sky overhead
flat out vec4 v_fog;      // rgb, a: extinction (1/m)
noperspective out vec3 v_ray;  // camera-frame view ray with z = 1

const vec3 GRASS = vec3(0.25, 0.40, 0.16);
const vec3 SNOW_WHITE = vec3(0.92, 0.94, 0.97);

void main() {
    int tile = int(i_tile + 0.5);
    float horizon = clamp(u_horizon_v, 0.0, u_tile_px.y);
    float top = mix(0.0, horizon, u_ground);
    float bottom = mix(horizon, u_tile_px.y, u_ground);
    vec2 px = vec2((0.5 * in_corner.x + 0.5) * u_tile_px.x, mix(top, bottom, 0.5 * in_corner.y + 0.5));
    gl_Position = tile_quad_position(2.0 * px / u_tile_px - 1.0, tile, 1.0);
    v_ray = vec3((px - u_intrinsics.yz) / u_intrinsics.x, 1.0);
    vec4 sun = tile_row(tile, T_SUN);
    vec4 sun_light = tile_row(tile, T_SUN_LIGHT);
    vec4 ambient = tile_row(tile, T_AMBIENT);
    vec3 grass = mix(GRASS, SNOW_WHITE, min(1.0, 1.2 * ambient.w)) * (1.0 - 0.2 * sun_light.w);
    vec3 lit_grass = grass * (ambient.rgb + sun_light.rgb * max(sun.z, 0.0));
    v_near = vec4(mix(tile_row(tile, T_SKY_HORIZON).rgb, lit_grass, u_ground), tile_row(tile, T_MISC).x);
    v_zenith = tile_row(tile, T_SKY_ZENITH).rgb;
    v_fog = tile_row(tile, T_FOG);
}
