"""Every scenario family by name."""
from __future__ import annotations

from scenarios.families import junctions, lateral, longitudinal, nominal, obstructions, vulnerable
from scenarios.family import Family

FAMILIES: dict[str, Family] = {
    family.name: family
    for module in (nominal, longitudinal, lateral, vulnerable, obstructions, junctions)
    for family in module.FAMILIES
}
