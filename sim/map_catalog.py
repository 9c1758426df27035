"""Maps by name: the built-in templates, OpenDRIVE maps imported under a name, and .xodr paths.

`nines import-map FILE.xodr --name NAME` keeps a copy of the file in the map directory
($NINES_MAP_DIR, else ~/.cache/nines/maps); from then on NAME is a map like a template, in
every process on the machine (Ray workers included). A name ending in .xodr is a path, read
where it lies. An import takes well under a second for a CARLA town, so what is kept is the
file itself, read again on each load (`load_map` caches it per process).
"""
from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

from sim.map_templates import TEMPLATES
from sim.opendrive_import import MapImportError, import_xodr
from sim.road_network import RoadNetwork

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class MapError(ValueError):
    """A map name that does not resolve; one line for the user."""


def map_dir() -> Path:
    return Path(os.environ.get("NINES_MAP_DIR") or Path.home() / ".cache" / "nines" / "maps")


def is_template(name: str) -> bool:
    return name in TEMPLATES


def imported_names() -> list[str]:
    """Names of the maps imported on this machine, sorted."""
    return sorted(path.stem for path in map_dir().glob("*.xodr"))


def map_names() -> list[str]:
    """Every map a spec may name without a path: templates, then imported maps."""
    return list(TEMPLATES) + [name for name in imported_names() if name not in TEMPLATES]


def import_map(path: str | Path, name: str | None = None) -> RoadNetwork:
    """Import an OpenDRIVE file and keep it under `name` (default: the file's stem)."""
    path = Path(path)
    name = name or path.stem
    if not NAME_PATTERN.match(name) or name.endswith(".xodr"):
        raise MapError(f"map name {name!r}: expected letters, digits, '_', '-' or '.', not ending in .xodr")
    if name in TEMPLATES:
        raise MapError(f"map name {name!r} is a built-in template; choose another --name")
    network = import_xodr(path, name)
    map_dir().mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, map_dir() / f"{name}.xodr")
    load_map.cache_clear()
    return network


@lru_cache(maxsize=16)
def load_map(name: str) -> RoadNetwork:
    """The road network a spec's map name stands for; MapError if none."""
    if name in TEMPLATES:
        return TEMPLATES[name]()
    if name.endswith(".xodr"):
        return _imported(Path(name), Path(name).stem)
    kept = map_dir() / f"{name}.xodr"
    if kept.is_file():
        return _imported(kept, name)
    raise MapError(f"map {name!r} is unknown; expected a template ({', '.join(TEMPLATES)}), a map imported with "
                   "`nines import-map`, or a path to an .xodr file")


def _imported(path: Path, name: str) -> RoadNetwork:
    if not path.is_file():
        raise MapError(f"map {str(path)!r}: no such file; expected an OpenDRIVE .xodr file")
    try:
        return import_xodr(path, name)
    except MapImportError as error:
        raise MapError(str(error)) from None
