// The label cameras' surface vertices (the LABELS programs): the position, and the label and
// depth the fragment shader encodes. Same signature as surface_vertex.glsl's, so map.vert and
// actor.vert serve both: in a label render an actor instance's state column holds its label
// (tag + 256 id, >= 1; see instances.py); map.vert passes 0, and the map's tag comes from the
// material.

flat out float v_label;  // tag + 256 * instance id
out float v_depth_m;     // along the optical axis

void surface_vertex(vec3 world, vec3 normal, vec3 albedo, int material, float s, float state, int tile) {
    vec3 cam = to_camera(tile, world);
    place_vertex(cam, tile);
    v_depth_m = cam.z;
    v_label = state > 0.5 ? state : float(map_tag(material));
}
