// Every map and actor surface, seen by a label camera.

flat in float v_label;
in float v_depth_m;

out vec4 frag;

void main() {
    frag = label_colour(v_label, v_depth_m);
}
