// The black-frame sensor fault: the tile is all zeros.

void main() {
    frag = vec4(0.0);
}
