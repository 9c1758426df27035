// Shared by every program: the per-tile rows (see conditions.TILE_ROWS) and where each
// tile sits in the one framebuffer that holds the whole batch.

uniform sampler2D u_tiles;  // RGBA32F, texel (row, tile)
uniform vec2 u_grid;        // tiles per framebuffer column and row: (rows, cols)
uniform vec2 u_tile_px;     // tile width, height in pixels

vec4 tile_row(int tile, int row) {
    return texelFetch(u_tiles, ivec2(row, tile), 0);
}

// The tile's grid cell: x = row (counted from the framebuffer's first row), y = column.
ivec2 tile_cell(int tile) {
    int rows = int(u_grid.x);
    return ivec2(tile % rows, tile / rows);
}

// Centre of the tile's region in framebuffer NDC.
vec2 tile_centre_ndc(int tile) {
    ivec2 cell = tile_cell(tile);
    return vec2((2.0 * float(cell.y) + 1.0) / u_grid.y - 1.0, (2.0 * float(cell.x) + 1.0) / u_grid.x - 1.0);
}

// Framebuffer pixel of the tile's top-left corner (image row 0 is the lowest GL row of the tile).
vec2 tile_origin_px(int tile) {
    ivec2 cell = tile_cell(tile);
    return vec2(float(cell.y), float(cell.x)) * u_tile_px;
}

// NDC corner of a full-tile quad: corner in -1..1 of the tile -> framebuffer NDC.
vec4 tile_quad_position(vec2 corner, int tile, float ndc_z) {
    return vec4(corner / vec2(u_grid.y, u_grid.x) + tile_centre_ndc(tile), ndc_z, 1.0);
}
