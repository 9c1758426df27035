// A label camera's pixel from a label (tag + 256 * instance id) and a depth (m): the
// encodings of CARLA's semantic, instance and depth cameras (see labels.py), as RGBA.

uniform int u_image;  // IMAGE_SEMANTIC, IMAGE_INSTANCE or IMAGE_DEPTH

vec4 label_colour(float label, float depth_m) {
    if (u_image == IMAGE_DEPTH) {
        // min: at 2^24 - 0.5, float32 rounds up to 2^24, one level past white
        float level = min(floor(clamp(depth_m / DEPTH_FAR_M, 0.0, 1.0) * DEPTH_LEVELS + 0.5), DEPTH_LEVELS);
        return vec4(mod(level, 256.0), mod(floor(level / 256.0), 256.0), floor(level / 65536.0), 255.0) / 255.0;
    }
    float id = u_image == IMAGE_INSTANCE ? floor(label / 256.0) : 0.0;
    return vec4(mod(label, 256.0), mod(id, 256.0), floor(id / 256.0), 255.0) / 255.0;
}
