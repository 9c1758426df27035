// Integer hashes: the only source of randomness (rain, snow, dirt, noise), so every frame is
// a pure function of the scene. lowbias32 by Chris Wellons; the same function is used in
// numpy for the raindrops (lens.py).

uint hash_u(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

uint hash3(uint a, uint b, uint c) {
    return hash_u(a ^ hash_u(b ^ hash_u(c)));
}

// Uniform in [0, 1) from the top 24 bits (exact in a float).
float unit(uint h) {
    return float(h >> 8) * (1.0 / 16777216.0);
}
