// Sensor noise: zero-mean, std v_lens.w of full scale, per pixel and channel, a hash of the
// tile pixel, the seed and the time. Drawn twice, adding the positive part and then
// subtracting the negative part, because blending cannot add a signed value in one pass.

uniform float u_sign;  // +1: output the positive part; -1: the negative part

void main() {
    uvec2 p = uvec2(tile_px());
    uint base = hash3(tile_seed(), floatBitsToUint(v_lens.y), p.x + 4096u * p.y);
    vec3 noise;
    for (int c = 0; c < 3; c++) {
        uint h = hash_u(base + uint(c));
        // Sum of four uniform bytes: mean 510, std 147.8 -> close to Gaussian.
        float sum = float(h & 255u) + float((h >> 8) & 255u) + float((h >> 16) & 255u) + float(h >> 24);
        noise[c] = (sum - 510.0) / 147.8 * v_lens.w;
    }
    frag = vec4(max(u_sign * noise, 0.0), 1.0);
}
