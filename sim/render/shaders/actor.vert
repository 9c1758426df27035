// Unit actor meshes, one instance per (tile, actor): scaled to the actor's size, turned by
// its yaw and moved to its position.

in vec3 in_position;
in vec3 in_normal;
in vec3 in_colour;
in vec2 in_material_s;
in float i_tile;
in vec3 i_pose;    // x (m), y (m), yaw (rad)
in vec3 i_size;    // length, width, height (m)
in vec3 i_colour;  // body colour
in float i_state;  // traffic light state

void main() {
    vec3 local = in_position * i_size;
    float c = cos(i_pose.z);
    float s = sin(i_pose.z);
    vec3 world = vec3(i_pose.x + c * local.x - s * local.y, i_pose.y + s * local.x + c * local.y, local.z);
    // Normals of a stretched mesh scale inversely to it.
    vec3 n = normalize(in_normal / i_size);
    vec3 normal = vec3(c * n.x - s * n.y, s * n.x + c * n.y, n.z);
    int material = int(in_material_s.x + 0.5);
    vec3 albedo = material == MAT_BODY ? i_colour : in_colour;
    surface_vertex(world, normal, albedo, material, -1.0, i_state, int(i_tile + 0.5));
}
