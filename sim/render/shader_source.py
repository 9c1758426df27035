"""GLSL sources of the renderer's programs, assembled from the files in `shaders/`.

Each program is a list of files concatenated after one header holding the GLSL version, the
program's own #defines (variants) and the numbers Python and GLSL must agree on (material
codes, tile row indices, lighting constants), generated from the Python definitions.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from sim.render import conditions, labels, materials

SHADER_DIR = Path(__file__).with_name("shaders")
VERSION = "#version 330 core\n"

SURFACE_VERTEX = ("common.glsl", "camera.glsl", "surface_vertex.glsl")
LABEL_VERTEX = ("common.glsl", "camera.glsl", "label_vertex.glsl")
OVERLAY_FRAGMENT = ("common.glsl", "hash.glsl", "overlay_in.glsl")

WET_SHEEN = ("WET_SHEEN",)
POINT_LIGHTS = ("WET_SHEEN", "POINT_LIGHTS")
LABELS = ("LABELS",)

# name: (vertex files, fragment files[, defines])
PROGRAMS: dict[str, tuple] = {
    "map": (SURFACE_VERTEX + ("map.vert",), ("surface.frag",)),
    "map_wet": (SURFACE_VERTEX + ("map.vert",), ("surface.frag",), WET_SHEEN),
    "map_lit": (SURFACE_VERTEX + ("map.vert",), ("surface.frag",), POINT_LIGHTS),
    "actor": (SURFACE_VERTEX + ("actor.vert",), ("surface.frag",)),
    "actor_wet": (SURFACE_VERTEX + ("actor.vert",), ("surface.frag",), WET_SHEEN),
    "actor_lit": (SURFACE_VERTEX + ("actor.vert",), ("surface.frag",), POINT_LIGHTS),
    "map_label": (LABEL_VERTEX + ("map.vert",), ("label_out.glsl", "label.frag"), LABELS),
    "actor_label": (LABEL_VERTEX + ("actor.vert",), ("label_out.glsl", "label.frag"), LABELS),
    "ground_label": (("common.glsl", "background.vert"), ("background_in.glsl", "label_out.glsl", "ground_label.frag")),
    "ground": (("common.glsl", "background.vert"), ("background_in.glsl", "ground.frag")),
    "sky": (("common.glsl", "background.vert"), ("background_in.glsl", "sky.frag")),
    "sun": (("common.glsl", "camera.glsl", "sun.vert"), ("common.glsl", "sun.frag")),
    "tunnel": (("common.glsl", "tunnel.vert"), ("tunnel.frag",)),
    "precipitation": (("common.glsl", "overlay.vert"), OVERLAY_FRAGMENT + ("precipitation.frag",)),
    "glare": (("common.glsl", "overlay.vert"), OVERLAY_FRAGMENT + ("glare.frag",)),
    "dirt": (("common.glsl", "overlay.vert"), OVERLAY_FRAGMENT + ("dirt.frag",)),
    "noise": (("common.glsl", "overlay.vert"), OVERLAY_FRAGMENT + ("noise.frag",)),
    "black": (("common.glsl", "overlay.vert"), OVERLAY_FRAGMENT + ("black.frag",)),
    "drop": (("common.glsl", "drop.vert"), ("common.glsl", "drop.frag")),
}


@cache
def _file(name: str) -> str:
    return (SHADER_DIR / name).read_text()


def _source(files: tuple[str, ...], defines: tuple[str, ...]) -> str:
    header = VERSION + "".join(f"#define {name}\n" for name in defines) + materials.glsl_defines() \
        + labels.glsl_defines() + conditions.glsl_defines() + conditions.shader_constants()
    return header + "".join(f"// --- {name}\n{_file(name)}" for name in files)


def program_sources(name: str) -> tuple[str, str]:
    """(vertex shader, fragment shader) source of program `name` (a key of PROGRAMS)."""
    vertex, fragment, *defines = PROGRAMS[name]
    flags = defines[0] if defines else ()
    return _source(vertex, flags), _source(fragment, flags)
