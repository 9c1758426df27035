// Low sun: a bright bloom round the sun's image and a veil over the whole frame, added.

void main() {
    float d = length(tile_px() - v_glare.xy) / u_tile_px.y;
    float bloom = 0.9 / (1.0 + d * d * 60.0);
    frag = vec4(v_sun_colour * v_glare.z * (0.16 + bloom), 1.0);
}
