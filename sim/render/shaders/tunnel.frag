// Inside a tunnel the sky's place is taken by its dark ceiling, with a row of sodium lamps
// along the road; where a pixel's ray meets the ceiling decides whether it sees a lamp.

flat in vec4 v_fog;
flat in float v_exposure;
noperspective in vec3 v_ray;

uniform vec4 u_intrinsics;   // focal (px), cx, cy (px), camera height (m)
uniform vec3 u_up_cam;       // world up in the camera frame
uniform vec3 u_forward_cam;  // the ego's horizontal heading in the camera frame

out vec4 frag;

const float TUNNEL_CEILING_M = 5.5;
const float TUNNEL_LAMP_SPACING_M = 6.0;
const vec3 TUNNEL_LAMP = vec3(1.0, 0.78, 0.5);

void main() {
    float rise = max(dot(v_ray, u_up_cam), 1e-4);
    float t = (TUNNEL_CEILING_M - u_intrinsics.w) / rise;
    float along = dot(v_ray, u_forward_cam) * t;
    float lamp = step(abs(v_ray.x * t), 0.35) * step(fract(along / TUNNEL_LAMP_SPACING_M), 0.4);
    float fog = 1.0 - exp(-v_fog.a * t * length(v_ray));
    frag = vec4(mix(TUNNEL_LAMP * (0.04 + 2.5 * lamp) * v_exposure, v_fog.rgb, fog), 1.0);
}
