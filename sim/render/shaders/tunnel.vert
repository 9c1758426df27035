// Inside a tunnel: a quad over the part of the tile above the horizon, where the ceiling is.

in vec2 in_corner;  // -1..1 over the tile
in float i_tile;

uniform float u_horizon_v;  // horizon row (px from the top, may lie outside the tile)
uniform vec4 u_intrinsics;  // focal (px), cx, cy (px), camera height (m)

flat out vec4 v_fog;        // rgb, a: extinction (1/m)
flat out float v_exposure;
noperspective out vec3 v_ray;  // camera-frame view ray with z = 1

void main() {
    int tile = int(i_tile + 0.5);
    float horizon = clamp(u_horizon_v, 0.0, u_tile_px.y);
    vec2 px = vec2((0.5 * in_corner.x + 0.5) * u_tile_px.x, (0.5 * in_corner.y + 0.5) * horizon);
    gl_Position = tile_quad_position(2.0 * px / u_tile_px - 1.0, tile, 1.0);
    v_ray = vec3((px - u_intrinsics.yz) / u_intrinsics.x, 1.0);
    v_fog = tile_row(tile, T_FOG);
    v_exposure = tile_row(tile, T_SUN).w;
}
