"""What the label cameras write: CARLA 0.9.16's semantic tags (its CityObjectLabel codes) for
every surface the renderer draws, and the pixel encodings of its depth, semantic and instance
segmentation cameras.

A pixel's label is `tag + 256 * instance id` (instance 0: the map). The encodings, as bytes
of CARLA's BGRA images:
- semantic segmentation: red = tag;
- instance segmentation: red = tag, green and blue = the instance id's low and high byte;
- depth: red + 256 green + 65536 blue = round(depth / 1000 m * (2^24 - 1)), depth along the
  optical axis, 1000 m where nothing is hit (the sky).
The shaders get the codes as #defines generated here (see `shader_source`).
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.actor_kinds import ActorKind
from sim.render.materials import Material

DEPTH_FAR_M = 1000.0
DEPTH_LEVELS = 2 ** 24 - 1


class ImageKind(IntEnum):
    """What a renderer's frames show."""

    RGB = 0
    SEMANTIC = 1
    INSTANCE = 2
    DEPTH = 3


class Tag(IntEnum):
    """CARLA 0.9.16's CityObjectLabel codes of what the renderer draws."""

    UNLABELED = 0
    ROADS = 1
    SIDEWALKS = 2
    BUILDINGS = 3
    POLES = 6
    TRAFFIC_LIGHT = 7
    VEGETATION = 9
    TERRAIN = 10
    SKY = 11
    PEDESTRIANS = 12
    CAR = 14
    TRUCK = 15
    BICYCLE = 19
    STATIC = 20
    ROAD_LINES = 24


ACTOR_TAG = {ActorKind.CAR: Tag.CAR, ActorKind.TRUCK: Tag.TRUCK, ActorKind.PEDESTRIAN: Tag.PEDESTRIANS,
             ActorKind.CYCLIST: Tag.BICYCLE, ActorKind.CONE: Tag.STATIC, ActorKind.BARRIER: Tag.STATIC,
             ActorKind.DEBRIS: Tag.STATIC}
# map surfaces by material: roadside buildings are the map's only PLAIN surfaces
MAP_TAG = {Material.ROAD: Tag.ROADS, Material.SIDEWALK: Tag.SIDEWALKS, Material.PAINT: Tag.ROAD_LINES,
           Material.PLAIN: Tag.BUILDINGS, Material.FOLIAGE: Tag.VEGETATION, Material.CARD: Tag.VEGETATION}


def actor_labels(kind: np.ndarray, instance_id: np.ndarray | None = None) -> np.ndarray:
    """Labels float32 [...] of actors of ActorKind codes kind [...] (int), with instance ids
    [...] (int, < 65536) or none (0)."""
    lookup = np.zeros(max(ActorKind) + 1, dtype=np.float32)
    for actor_kind, tag in ACTOR_TAG.items():
        lookup[actor_kind] = tag
    tags = lookup[np.clip(kind, 0, len(lookup) - 1)]
    return tags if instance_id is None else tags + 256.0 * instance_id.astype(np.float32)


def background_colour(image: ImageKind) -> tuple[float, float, float, float]:
    """The RGBA (0..1) of a pixel that sees nothing but sky."""
    if image == ImageKind.DEPTH:
        return 1.0, 1.0, 1.0, 1.0
    return Tag.SKY / 255.0, 0.0, 0.0, 1.0


def glsl_defines() -> str:
    """`#define` lines: the image kinds, the tags the shaders write, and `map_tag(material)`."""
    kinds = "".join(f"#define IMAGE_{k.name} {k.value}\n" for k in ImageKind)
    tags = "".join(f"#define TAG_{t.name} {t.value}\n" for t in Tag)
    cases = "".join(f"    if (material == {m.value}) return {t.value};\n" for m, t in MAP_TAG.items())
    return (kinds + tags + f"#define DEPTH_FAR_M {DEPTH_FAR_M:.1f}\n#define DEPTH_LEVELS {DEPTH_LEVELS}.0\n"
            f"int map_tag(int material) {{\n{cases}    return TAG_UNLABELED;\n}}\n")
