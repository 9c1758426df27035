// Inputs of the sky and ground fragment shaders (outputs of background.vert).

flat in vec4 v_near;
flat in vec3 v_zenith;
flat in vec4 v_fog;
noperspective in vec3 v_ray;

uniform vec4 u_intrinsics;  // focal (px), cx, cy (px), camera height (m)
uniform vec3 u_up_cam;      // world up in the camera frame

out vec4 frag;

vec4 fogged(vec3 colour, float dist) {
    float fog = 1.0 - exp(-v_fog.a * max(dist - v_near.a, 0.0));
    return vec4(mix(colour, v_fog.rgb, fog), 1.0);
}
