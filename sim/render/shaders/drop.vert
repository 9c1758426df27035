// Raindrops on the lens: one quad per drop, around its circle.

in vec2 in_corner;
in float i_tile;
in vec3 i_drop;  // centre u, v (px), radius (px)

flat out int v_tile;
flat out vec3 v_drop;
out vec2 v_local;  // -1..1 across the drop

void main() {
    int tile = int(i_tile + 0.5);
    v_tile = tile;
    v_drop = i_drop;
    vec2 px = i_drop.xy + in_corner * i_drop.z;
    // Drops at the frame's edge are cut at the tile's border, not drawn into the neighbour.
    vec2 corner = clamp(2.0 * px / u_tile_px - 1.0, -1.0, 1.0);
    v_local = (0.5 * (corner + 1.0) * u_tile_px - i_drop.xy) / i_drop.z;
    gl_Position = tile_quad_position(corner, tile, 0.0);
}
