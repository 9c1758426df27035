// The grass plane below the horizon: one lit colour per tile, fogged by the distance at
// which the pixel's ray meets the ground.

void main() {
    float rise = dot(v_ray, u_up_cam);
    frag = fogged(v_near.rgb, u_intrinsics.w * length(v_ray) / max(-rise, 1e-6));
}
