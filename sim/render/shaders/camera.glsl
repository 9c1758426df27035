// Surface vertices: world -> camera (the tile's rows) -> clip, then moved into the tile.

uniform vec2 u_focal_clip;  // camera x, y per unit depth -> clip x, y: (2 f / W, 2 f / H)
uniform vec2 u_depth_ab;    // clip z = a * depth + b (near..far -> -1..1)

vec3 to_camera(int tile, vec3 world) {
    vec4 rx = tile_row(tile, T_CAM_X);
    vec4 ry = tile_row(tile, T_CAM_Y);
    vec4 rz = tile_row(tile, T_CAM_Z);
    return vec3(dot(rx.xyz, world) + rx.w, dot(ry.xyz, world) + ry.w, dot(rz.xyz, world) + rz.w);
}

vec3 direction_to_camera(int tile, vec3 world) {
    return vec3(dot(tile_row(tile, T_CAM_X).xyz, world), dot(tile_row(tile, T_CAM_Y).xyz, world),
                dot(tile_row(tile, T_CAM_Z).xyz, world));
}

// Camera y points down and GL's window y up, so image row 0 lands on the tile's lowest GL
// row: the readback comes out top row first with no flip. The affine move into the tile
// keeps clip w, so interpolation stays perspective-correct; the clip distances cut at the
// tile's own frustum, which the move would otherwise let spill into neighbouring tiles.
void place_vertex(vec3 cam, int tile) {
    vec4 clip = vec4(cam.xy * u_focal_clip, u_depth_ab.x * cam.z + u_depth_ab.y, cam.z);
    gl_ClipDistance[0] = clip.w - clip.x;
    gl_ClipDistance[1] = clip.w + clip.x;
    gl_ClipDistance[2] = clip.w - clip.y;
    gl_ClipDistance[3] = clip.w + clip.y;
    vec2 centre = tile_centre_ndc(tile);
    gl_Position = vec4(clip.x / u_grid.y + clip.w * centre.x, clip.y / u_grid.x + clip.w * centre.y, clip.z, clip.w);
}
