// The sun's disc and glow, added over the background of tiles whose camera faces the sun:
// a quad around the sun's image (clamped to the tile), at the far plane so the surfaces in
// front hide it.

in vec2 in_corner;  // -1..1 over the quad
in float i_tile;

uniform vec4 u_intrinsics;  // focal (px), cx, cy (px), camera height (m)
uniform vec3 u_up_cam;

flat out int v_tile;
flat out vec3 v_sun_cam;    // direction to the sun, camera frame
flat out vec3 v_sun_light;  // colour * brightness, dimmed by the fog between us and it

const float GLOW_RADIUS = 0.5;  // tan of the glow's angular radius
const float SKY_DEPTH_M = 200.0;

void main() {
    int tile = int(i_tile + 0.5);
    v_tile = tile;
    vec4 sun = tile_row(tile, T_SUN);
    vec4 sun_light = tile_row(tile, T_SUN_LIGHT);
    vec4 glare = tile_row(tile, T_GLARE);
    vec2 px = clamp(glare.xy + in_corner * GLOW_RADIUS * u_intrinsics.x, vec2(0.0), u_tile_px);
    gl_Position = tile_quad_position(2.0 * px / u_tile_px - 1.0, tile, 1.0);
    v_sun_cam = direction_to_camera(tile, sun.xyz);
    float elevation = max(dot(v_sun_cam, u_up_cam), 0.02);
    float haze = exp(-tile_row(tile, T_FOG).a * SKY_DEPTH_M / elevation);
    vec3 colour = sun_light.rgb / max(max(sun_light.r, sun_light.g), max(sun_light.b, 1e-3));
    v_sun_light = colour * tile_row(tile, T_SKY_ZENITH).a * haze;
}
