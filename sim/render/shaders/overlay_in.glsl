// Inputs of every overlay fragment shader (outputs of overlay.vert).

flat in int v_tile;
flat in vec4 v_lens;
flat in vec4 v_precip;
flat in vec4 v_glare;
flat in vec3 v_sun_colour;

out vec4 frag;

// The pixel's position in its tile (px, u right, v down; centres at +0.5). Taken from the
// window position, exactly, so a pattern does not depend on where in the grid the tile is.
vec2 tile_px() {
    return gl_FragCoord.xy - tile_origin_px(v_tile);
}

// Pixel position in units of the tile height, so patterns keep their look at any resolution.
vec2 tile_uv() {
    return tile_px() / u_tile_px.y;
}

uint tile_seed() {
    return uint(v_lens.x);
}
