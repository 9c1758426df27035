// Lens and sensor overlays: one quad over each tile that needs the effect.

in vec2 in_corner;  // -1..1 over the tile
in float i_tile;

flat out int v_tile;
flat out vec4 v_lens;    // seed, time (s), dirt, noise std
flat out vec4 v_precip;  // rain, slant, snowfall, streak brightness
flat out vec4 v_glare;   // sun u, v (px), strength, -
flat out vec3 v_sun_colour;

void main() {
    int tile = int(i_tile + 0.5);
    v_tile = tile;
    gl_Position = tile_quad_position(in_corner, tile, 0.0);
    v_lens = tile_row(tile, T_LENS);
    v_precip = tile_row(tile, T_PRECIP);
    v_glare = tile_row(tile, T_GLARE);
    vec4 sun = tile_row(tile, T_SUN_LIGHT);
    v_sun_colour = sun.rgb / max(max(sun.r, sun.g), max(sun.b, 1e-3)) * tile_row(tile, T_SUN).w;
}
