// Rain streaks slanted by the wind and snowflakes drifting down, alpha-blended over the scene.

const float STREAK_COLUMN = 1.6 / 64.0;  // column width, in tile heights
const float STREAK_PERIOD = 0.45;        // distance between streaks in a column
const float STREAK_LENGTH = 0.09;
const float FLAKE_CELL = 5.0 / 64.0;

void main() {
    vec2 uv = tile_uv();
    float time = v_lens.y;
    uint seed = tile_seed();
    float x = uv.x - uv.y * v_precip.y;
    float column = floor(x / STREAK_COLUMN);
    uint h = hash3(seed, uint(int(column) + 65536), 11u);
    float raining = step(unit(h), 0.5 * v_precip.x);
    float speed = 2.5 + 1.5 * unit(hash_u(h));
    float phase = fract((uv.y - time * speed) / STREAK_PERIOD + unit(hash_u(h + 1u)));
    float across = 1.0 - abs(2.0 * fract(x / STREAK_COLUMN) - 1.0);
    float streak = raining * step(phase, STREAK_LENGTH / STREAK_PERIOD) * across;

    vec2 drift = uv - time * vec2(0.25 * v_precip.y, -0.3);
    vec2 cell = floor(drift / FLAKE_CELL);
    vec2 inside = drift / FLAKE_CELL - cell;
    uint f = hash3(seed, uint(int(cell.x) + 65536), uint(int(cell.y) + 65536));
    vec2 centre = 0.2 + 0.6 * vec2(unit(f), unit(hash_u(f)));
    float radius = 0.12 + 0.12 * unit(hash_u(f + 7u));
    float flake = step(unit(hash_u(f + 3u)), 0.6 * v_precip.z) * smoothstep(radius, 0.5 * radius, length(inside - centre));

    float brightness = v_precip.w;
    vec3 colour = flake > 0.0 ? vec3(min(1.0, 1.8 * brightness)) : brightness * vec3(0.85, 0.9, 0.95);
    frag = vec4(colour, max(0.45 * streak, 0.9 * flake));
}
