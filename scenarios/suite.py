"""Suites: YAML files naming families with counts or km budgets, samplers, seeds, weather
mixes, backend, driver and camera, validated with pydantic.

`load_suite(path)` returns a `Suite` or raises `SuiteError` with one line naming the file,
the field and what was expected.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scenarios.catalog import find_family
from scenarios.family import Family
from scenarios.weather_mix import CONDITION
from sim.camera import CameraConfig


class SuiteError(Exception):
    """A suite file that cannot be used; the message is one line for the user."""


class CESettings(BaseModel):
    """Cross-entropy rounds. The defaults are the budget bench/coverage.py measures: rounds of 64
    reach the MIN_FAILURES the estimate waits for at p down to 1e-6 with rounds to spare; a
    budget that does not settle is reported as "not settled"."""

    model_config = ConfigDict(extra="forbid")
    rounds: int = Field(12, ge=1, le=50)
    per_round: int = Field(64, ge=2, le=100_000)
    epsilon: float = Field(0.1, gt=0, le=1, description="share of f in the defensive mixture")
    elite_fraction: float = Field(0.2, gt=0, le=1)


class FamilyEntry(BaseModel):
    """One family in a suite: `episodes` or a `km` budget, a sampler, fixed parameters."""

    model_config = ConfigDict(extra="forbid")
    family: str
    episodes: int | None = Field(None, ge=1, le=1_000_000)
    km: float | None = Field(None, gt=0, le=1_000_000)
    sampler: Literal["naturalistic", "halton", "ce"] = "naturalistic"
    ce: CESettings | None = None
    weather: dict[str, float] | None = Field(None, description="condition -> relative weight (the proposal)")
    fixed: dict[str, float | str] = Field(default_factory=dict, description="parameters held at a value")
    exposure_per_km: float | None = Field(None, gt=0, description="how often the family's encounter occurs per km "
                                                                "of driving, replacing the family's own")
    exposure_source: str | None = Field(None, min_length=1, description="where exposure_per_km comes from")

    @field_validator("family")
    @classmethod
    def _known_family(cls, name: str) -> str:
        find_family(name)  # FamilyError (a ValueError) names what is wrong
        return name

    @model_validator(mode="after")
    def _consistent(self) -> "FamilyEntry":
        chosen = find_family(self.family)
        if self.sampler == "ce":
            if self.km is not None:
                raise ValueError("a km budget needs the naturalistic or halton sampler; ce runs rounds")
            if self.weather is not None:
                raise ValueError("a weather mix applies to the naturalistic and halton samplers")
            self.ce = self.ce or CESettings()
        elif (self.episodes is None) == (self.km is None):
            raise ValueError("give exactly one of episodes or km")
        if self.ce is not None and self.sampler != "ce":
            raise ValueError("ce settings need sampler: ce")
        for name, weight in (self.weather or {}).items():
            if name not in CONDITION.values:
                raise ValueError(f"weather condition {name!r} is unknown; expected one of {', '.join(CONDITION.values)}")
            if not weight >= 0:
                raise ValueError(f"weather weight for {name} must be >= 0")
        if self.weather is not None and sum(self.weather.values()) <= 0:
            raise ValueError("weather weights must not all be 0")
        if self.exposure_source is not None and self.exposure_per_km is None:
            raise ValueError("exposure_source needs exposure_per_km")
        if chosen.nominal and self.exposure_per_km is not None:
            raise ValueError(f"family {self.family} is nominal: its failures are counted per km, with no exposure")
        if not chosen.nominal and chosen.exposure_per_km is None and self.exposure_per_km is None:
            raise ValueError(f"family {self.family} declares no exposure per km; give exposure_per_km (how often "
                             "its encounter occurs per km of driving) and exposure_source")
        for name, value in self.fixed.items():
            try:
                parameter = chosen.parameter(name)
            except KeyError:
                raise ValueError(f"family {self.family} has no parameter {name!r}") from None
            if not parameter.contains(value):
                raise ValueError(f"fixed {name} = {value!r} is outside its support ({parameter.describe()})")
        return self


    def resolved(self) -> Family:
        """The family with the suite's exposure per km, where it gives one (without a source,
        flagged assumed)."""
        chosen = find_family(self.family)
        if self.exposure_per_km is None:
            return chosen
        return replace(chosen, exposure_per_km=self.exposure_per_km,
                       exposure_source=self.exposure_source or "assumed (the suite names no source)")


class DriverChoice(BaseModel):
    """A driver named by import path (package.module:factory) or entry point, with its
    factory's keyword arguments."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    import_: str = Field(alias="import", min_length=1)
    args: dict = Field(default_factory=dict)


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    backend: Literal["embedded", "carla"] = "embedded"
    driver: str | DriverChoice = "expert"  # a driver name (nines/drivers.py), or {import: ..., args: {...}}
    batch: int = Field(32, ge=1, le=65_536)
    device: Literal["cpu", "cuda"] = "cpu"
    camera: CameraConfig = Field(default_factory=CameraConfig)
    clips: bool = True
    families: list[FamilyEntry] = Field(min_length=1)

    @property
    def maps(self) -> tuple[str, ...]:
        """The maps the suite's families drive on (templates and imported maps)."""
        return tuple(dict.fromkeys(find_family(entry.family).template for entry in self.families))

    @field_validator("families")
    @classmethod
    def _each_family_once(cls, entries: list[FamilyEntry]) -> list[FamilyEntry]:
        # episodes are named and estimated per family; a second entry would collide with the first
        names = [e.family for e in entries]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"family {', '.join(twice)} is listed more than once; list each family once")
        return entries


def _location(loc: tuple) -> str:
    parts = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + str(item))
    return "".join(parts)


def suite_from_yaml(text: str) -> Suite:
    """A suite as a run stored it (validated when the run was made)."""
    return Suite(**yaml.safe_load(text))


def load_suite(path: str | Path) -> Suite:
    path = Path(path)
    if not path.is_file():
        raise SuiteError(f"{path}: no such suite file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SuiteError(f"{path}: malformed YAML{where}; expected a mapping of suite settings") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a mapping of suite settings at the top level")
    try:
        return Suite(**data)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        value = first.get("input")
        shown = "" if isinstance(value, (dict, list)) else f" (got {value!r})"
        raise SuiteError(f"{path}: {_location(first['loc']) or 'suite'}: {message}{shown}") from None
