// Inside a drop the scene is seen through a small lens: flipped, shrunk, blurred and a
// little brighter, with a darker rim. It reads a copy of the frame drawn so far.

flat in int v_tile;
flat in vec3 v_drop;
in vec2 v_local;

uniform sampler2D u_frame;  // copy of the framebuffer

out vec4 frag;

vec3 frame_at(vec2 tile_px) {
    vec2 clamped = clamp(tile_px, vec2(0.5), u_tile_px - 0.5);
    return texture(u_frame, (tile_origin_px(v_tile) + clamped) / vec2(textureSize(u_frame, 0))).rgb;
}

void main() {
    float r2 = dot(v_local, v_local);
    if (r2 > 1.0) discard;
    vec2 source = v_drop.xy - v_local * v_drop.z * 0.6;
    float blur = 0.35 * v_drop.z;
    vec3 colour = 0.25 * (frame_at(source + vec2(blur, 0.0)) + frame_at(source - vec2(blur, 0.0))
                          + frame_at(source + vec2(0.0, blur)) + frame_at(source - vec2(0.0, blur)));
    float rim = mix(1.0, 0.7, smoothstep(0.7, 1.0, r2));
    frag = vec4((colour * 1.12 + 0.04) * rim, 1.0);
}
