"""Material codes carried by every vertex; the vertex shader reads them to decide how a
surface reacts to light and weather (wet, snow, emission). The shaders get the same numbers
as #defines generated from this enum, so Python and GLSL cannot drift apart."""
from __future__ import annotations

from enum import IntEnum


class Material(IntEnum):
    PLAIN = 0  # lit by sun and sky, snow settles on its top faces
    ROAD = 1  # asphalt and parking bays: darker and glossy when wet, white under snow, street lights
    SIDEWALK = 2  # paving: like road but only half as glossy
    PAINT = 3  # lane markings, stop lines, zebra stripes: road-like, hidden by snow
    BODY = 4  # takes the actor instance's colour (car body, clothes)
    GLASS = 5  # windows: dark, reflect a little sky
    LAMP_GREEN = 6  # traffic light lamps: lit when the instance's state matches (0 green, 1 yellow, 2 red)
    LAMP_YELLOW = 7
    LAMP_RED = 8
    TAIL_LIGHT = 9  # red, glows at night
    HEAD_LIGHT = 10  # white, glows at night
    FOLIAGE = 11  # trees: like plain, but whitened more by snow
    CARD = 12  # a camera-facing card (tree); its vertices hold an offset instead of a normal (see mesh.py)


def glsl_defines() -> str:
    """`#define MAT_<NAME> <code>` lines for the shaders."""
    return "\n".join(f"#define MAT_{m.name} {m.value}" for m in Material) + "\n"
