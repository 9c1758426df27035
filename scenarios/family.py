"""A scenario family: one kind of edge case, with everything needed to sample, build and weigh it.

A family names its map template, its typed parameters with naturalistic distributions f (the
weather condition is always one of them), how often it occurs per km of naturalistic driving
(its exposure, with a source or "assumed"), a builder from parameters to an `EpisodeSpec`,
and its criticality measure (how close an episode that did not fail came to failing: its
smallest time to collision, or for a family about losing grip, how much of the road's grip
the ego used). Nominal families have no encounter: their failures are counted per km
directly and they carry most of the km.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

from scenarios.parameters import Categorical, Parameter, is_assumed
from scenarios.weather_mix import CONDITION
from sim.episode_spec import EpisodeSpec

TTC_CAP_S = 10.0
GRIP_FLOOR = 0.01  # keeps a slide the ego recovered from apart from a failure (criticality 0)


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    vocabulary: str
    template: str
    parameters: tuple[Parameter, ...]
    exposure_per_km: float | None
    exposure_source: str
    build: Callable[[dict, int], EpisodeSpec]
    nominal: bool = False
    near_miss: Literal["ttc", "grip"] = "ttc"

    @property
    def all_parameters(self) -> tuple[Parameter, ...]:
        """The family's own parameters followed by the weather condition."""
        return self.parameters + (CONDITION,)

    @property
    def assumed(self) -> bool:
        """True when the exposure or any parameter distribution is an assumption."""
        return is_assumed(self.exposure_source) or any(is_assumed(p.source) for p in self.all_parameters)

    def parameter(self, name: str) -> Parameter:
        for p in self.all_parameters:
            if p.name == name:
                return p
        raise KeyError(f"family {self.name} has no parameter {name!r}")

    def from_unit(self, u: np.ndarray) -> list[dict]:
        """Points of the unit cube u [n, d] -> parameter dicts (categoricals as their values)."""
        rows = []
        columns = [p.ppf(u[:, k]) for k, p in enumerate(self.all_parameters)]
        for i in range(u.shape[0]):
            rows.append({p.name: (p.values[int(col[i])] if isinstance(p, Categorical) else float(col[i]))
                         for p, col in zip(self.all_parameters, columns)})
        return rows

    def log_f(self, params: dict) -> float:
        """log of the naturalistic density f at params (sum over independent parameters)."""
        return float(self.log_f_rows([params])[0])

    def log_f_rows(self, rows: list[dict]) -> np.ndarray:
        """log f at each of the parameter dicts -> [n]."""
        total = np.zeros(len(rows))
        for p in self.all_parameters:
            values = [row[p.name] for row in rows]
            codes = [p.values.index(v) for v in values] if isinstance(p, Categorical) else values
            total += p.log_pdf(np.asarray(codes))
        return total


def criticality(record: dict, near_miss: str = "ttc") -> float:
    """Lower is more critical: 0 for a failed episode, else, in seconds up to TTC_CAP_S, its
    min time-to-collision ("ttc"), or TTC_CAP_S scaled by the share of the road's grip it
    left unused at its peak ("grip"; a slide that did not end the episode is just above 0)."""
    if record["outcome"] not in ("success", "timeout"):
        return 0.0
    if near_miss == "grip":
        return TTC_CAP_S * float(np.clip(1.0 - record["max_grip_use"], GRIP_FLOOR, 1.0))
    return float(min(record["min_ttc_s"], TTC_CAP_S))
