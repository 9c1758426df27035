// The grass plane below the horizon, seen by a label camera: terrain, at the depth at which
// the pixel's ray (z = 1) meets the ground.

void main() {
    float rise = dot(v_ray, u_up_cam);
    frag = label_colour(float(TAG_TERRAIN), u_intrinsics.w / max(-rise, 1e-6));
}
