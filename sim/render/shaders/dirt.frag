// Lens dirt: soft dark blotches, their places and sizes a hash of the tile's seed; the
// frame is multiplied by the result.

const int BLOTS = 7;

void main() {
    vec2 uv = tile_uv();
    uint seed = tile_seed();
    float aspect = u_tile_px.x / u_tile_px.y;
    float blot = 0.0;
    for (int k = 0; k < BLOTS; k++) {
        uint h = hash3(seed, uint(k), 101u);
        vec2 centre = vec2(unit(h) * aspect, unit(hash_u(h)));
        float radius = 0.08 + 0.22 * unit(hash_u(h + 1u));
        float weight = 0.5 + 0.5 * unit(hash_u(h + 2u));
        vec2 d = (uv - centre) / radius;
        float fall = max(1.0 - dot(d, d), 0.0);
        blot += weight * fall * fall;
    }
    float amount = 0.85 * v_lens.z * min(blot, 1.0);
    frag = vec4(mix(vec3(1.0), vec3(0.16, 0.14, 0.11), amount), 1.0);
}
