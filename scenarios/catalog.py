"""Every scenario family by name: the built-ins, and families of other packages.

A family name is one of:
- a built-in (FAMILIES);
- an entry point of the `nines.families` group, which an installed package declares, naming a
  `scenarios.family.Family`;
- an import path, package.module:attribute, naming a Family;
- NAME@MAP for a family that runs on any map (MAP_FAMILIES): a template, an imported map or
  an .xodr path;
- a path to an OpenSCENARIO file (.xosc), a scenario or a ParameterValueDistribution over one,
  read by `openscenario_family.scenario_family`.
A family from elsewhere is known under the name it was given (its entry point or import path),
whatever its own `name` field says: that name is what suites, episodes and reports carry.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from importlib import metadata

from scenarios.families import junctions, lateral, longitudinal, nominal, obstructions, vulnerable
from scenarios.families.map_routes import MAP_FAMILIES, route_keys
from scenarios.family import Family
from sim.map_catalog import load_map

ENTRY_POINT_GROUP = "nines.families"

FAMILIES: dict[str, Family] = {
    family.name: family
    for module in (nominal, longitudinal, lateral, vulnerable, obstructions, junctions)
    for family in module.FAMILIES
}

_LOADED: dict[str, Family] = {}


class FamilyError(ValueError):
    """A family name that does not resolve to a Family; one line for the user."""


@dataclass(frozen=True)
class Listed:
    """A family as `nines families` shows it: its name, where it comes from ("built-in", an
    entry point's distribution and version, or an import path)."""

    name: str
    source: str
    family: Family


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {point.name: point for point in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _load(name: str) -> object:
    points = _entry_points()
    if name in points:
        try:
            return points[name].load()
        except Exception as error:  # a third party's import may raise anything
            raise FamilyError(f"family {name!r}: its entry point {points[name].value} does not import "
                              f"({type(error).__name__}: {error})") from None
    module_name, colon, attribute = name.partition(":")
    if not colon or not module_name or not attribute:
        raise FamilyError(f"unknown family {name!r}; run `nines families` for the list, or name one by "
                          "package.module:attribute")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # a third party's import may raise anything
        raise FamilyError(f"family {name!r}: {module_name} does not import ({type(error).__name__}: {error})") from None
    if attribute not in vars(module):
        raise FamilyError(f"family {name!r}: {module_name} has no attribute {attribute!r}")
    return vars(module)[attribute]


def find_family(name: str) -> Family:
    """The family a name names (see the module); FamilyError when it names none."""
    if name in FAMILIES:
        return FAMILIES[name]
    base, at, map_name = name.partition("@")
    if at:
        if base not in MAP_FAMILIES or not map_name:
            raise FamilyError(f"unknown family {name!r}; families that run on any map: "
                              f"{', '.join(f'{n}@MAP' for n in MAP_FAMILIES)}")
        try:
            load_map(map_name)
            route_keys(map_name, 0.0)  # a map with no route a world holds is refused here, not mid-run
        except ValueError as error:  # MapError included
            raise FamilyError(f"family {name!r}: {error}") from None
        return MAP_FAMILIES[base](map_name)
    if name.endswith(".xosc") and name not in _LOADED:
        # imported here: reading scenarios needs torch, which listing the families does not
        from scenarios.openscenario_family import scenario_family
        from scenarios.openscenario_files import ScenarioImportError

        try:
            _LOADED[name] = scenario_family(name)
        except ScenarioImportError as error:
            raise FamilyError(str(error)) from None
    if name not in _LOADED:
        found = _load(name)
        if not isinstance(found, Family):
            raise FamilyError(f"family {name!r} is a {type(found).__name__}; expected a scenarios.family.Family")
        _LOADED[name] = replace(found, name=name)
    return _LOADED[name]


def listed() -> list[Listed]:
    """The built-ins, then every installed family (FamilyError when one does not load)."""
    rows = [Listed(name, "built-in", f) for name, f in FAMILIES.items()]
    rows += [Listed(f"{name}@MAP", "built-in, any map", build("MAP")) for name, build in MAP_FAMILIES.items()]
    for name, point in sorted(_entry_points().items()):
        dist = point.dist
        rows.append(Listed(name, f"{dist.name} {dist.version}" if dist else point.value, find_family(name)))
    return rows
