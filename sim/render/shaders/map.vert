// Static map triangles in world coordinates, one instance per (chunk, tile) that sees them.

in vec3 in_position;
in vec3 in_normal;      // for cards: the corner's offset (right, up) from the anchor (m)
in vec3 in_colour;
in vec2 in_material_s;  // material code, s along the road (m)
in float i_tile;

void main() {
    int tile = int(i_tile + 0.5);
    int material = int(in_material_s.x + 0.5);
    vec3 world = in_position;
    vec3 normal = in_normal;
    if (material == MAT_CARD) {
        // Turn the card parallel to the image plane (the camera has no roll, so its right
        // axis is horizontal) and light it as if it leaned back towards the camera.
        vec3 forward = tile_row(tile, T_CAM_Z).xyz;
        world += tile_row(tile, T_CAM_X).xyz * in_normal.x + vec3(0.0, 0.0, in_normal.y);
        normal = normalize(vec3(-forward.xy, 0.8));
        material = MAT_FOLIAGE;
    }
    surface_vertex(world, normal, in_colour, material, in_material_s.y, 0.0, tile);
}
