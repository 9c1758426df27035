"""An OpenSCENARIO file as a family a suite names by its path (`family: path/to/file.xosc`).

The file is a scenario or an OpenSCENARIO 1.2 ParameterValueDistribution over one:
- the family's parameters are the distribution's, each with its f
  (`scenarios.openscenario_distributions`); the scenario's other declared parameters keep
  their declared values, so a scenario without a distribution file is one episode per seed;
- an episode is the scenario imported with its draw's values (`import_xosc(parameters=...)`),
  in the file's own weather (its EnvironmentAction) or, without one, the sampled condition's;
- its exposure per km is the suite's `exposure_per_km:` where given (`scenarios.suite`), else
  the scenario's parameters nines_exposure_per_km and nines_exposure_source; a suite refuses a
  family that has neither.
Before any run the scenario is imported at the ends of every parameter's support (each
continuous one at its low and high end, each categorical one at each of up to 50 of its
values, the others at their medians): values that leave the road, name a lane the map lacks
or break the file are refused up front, not in the middle of a run.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from scenarios.family import Family
from scenarios.openscenario_distributions import ScenarioDistribution, read_distribution
from scenarios.openscenario_files import ScenarioImportError, parse_xosc
from scenarios.openscenario_import import declared_parameters, import_xosc
from scenarios.parameters import Categorical
from scenarios.weather_mix import condition_weather
from sim.episode_spec import EpisodeSpec
from sim.xml_reader import XmlReader

CHECKED_VALUES = 50  # of a categorical parameter, imported before a run


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file (`scenario`), the distribution over its parameters if the file named
    was one, and its declared parameters (name -> declared value)."""

    scenario: Path
    distribution: ScenarioDistribution | None
    declared: dict[str, str]

    def values(self, draw: dict) -> dict[str, str]:
        """The scenario's parameter values for one draw of the family's parameters."""
        return self.distribution.assignments(draw) if self.distribution is not None else {}


def open_scenario(path: str | Path) -> ScenarioFile:
    """A scenario or distribution file; ScenarioImportError naming what is wrong."""
    path = Path(path)
    root = parse_xosc(path)
    if root.find("ParameterValueDistribution") is None:
        return ScenarioFile(path, None, _declared_values(path, root))
    reader = XmlReader(str(path), ScenarioImportError)
    scenario_file = reader.one(root, "ParameterValueDistribution/ScenarioFile")
    scenario = (path.parent / reader.text(scenario_file, "filepath")).resolve()
    if not scenario.is_file():
        raise reader.fail(scenario_file, f"filepath={scenario_file.get('filepath')!r}: no such file; expected the "
                                         "OpenSCENARIO scenario the distribution is over")
    scenario_root = parse_xosc(scenario)
    types = {name: d.get("parameterType", "string") for name, d in declared_parameters(scenario, scenario_root).items()}
    return ScenarioFile(scenario, read_distribution(reader, root, types), _declared_values(scenario, scenario_root))


def _declared_values(path: Path, root) -> dict[str, str]:
    return {name: d.get("value") for name, d in declared_parameters(path, root).items()}


def scenario_family(path: str) -> Family:
    """A scenario or distribution file as a family (see the module); ScenarioImportError if it
    cannot be one."""
    opened = open_scenario(path)
    parameters = opened.distribution.parameters if opened.distribution is not None else ()
    spec = import_xosc(opened.scenario)  # refuses the file before any run
    exposure, source = _exposure(opened)
    own_weather = parse_xosc(opened.scenario).find(
        "Storyboard/Init/Actions/GlobalAction/EnvironmentAction") is not None

    def build(params: dict, seed: int) -> EpisodeSpec:
        episode = import_xosc(opened.scenario, seed=seed, parameters=opened.values(params))
        weather = episode.weather if own_weather else condition_weather(params["condition"])
        return replace(episode, seed=seed, weather=weather)

    family = Family(str(path), f"the OpenSCENARIO scenario {opened.scenario.name}", "OpenSCENARIO", spec.template,
                    parameters, exposure, source, build)
    for row in _extremes(family):
        build(row, 0)
    return family


def _exposure(opened: ScenarioFile) -> tuple[float | None, str]:
    if "nines_exposure_per_km" not in opened.declared:
        return None, "assumed"
    value = opened.declared["nines_exposure_per_km"]
    try:
        exposure = float(value)
    except ValueError:
        raise ScenarioImportError(f"{opened.scenario}: nines_exposure_per_km={value!r}; expected a number") from None
    if not exposure > 0:
        raise ScenarioImportError(f"{opened.scenario}: nines_exposure_per_km={value!r}; expected a rate > 0 per km")
    return exposure, opened.declared.get("nines_exposure_source", "assumed")


def _extremes(family: Family) -> list[dict]:
    """Parameter rows at the ends of each parameter's support, the others at their medians."""
    median = family.from_unit(np.full((1, len(family.all_parameters)), 0.5))[0]
    rows = [median]
    for p in family.parameters:
        if isinstance(p, Categorical):
            picks = np.unique(np.linspace(0, len(p.values) - 1, min(len(p.values), CHECKED_VALUES)).round())
            rows += [{**median, p.name: p.values[int(k)]} for k in picks]
        else:
            rows += [{**median, p.name: p.low}, {**median, p.name: p.high}]
    return rows
