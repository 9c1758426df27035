"""An OpenSCENARIO 1.2 ParameterValueDistribution file as the naturalistic distribution f of
its scenario's parameters, so every sampler (naturalistic, Halton, cross-entropy) works on it.

Stochastic distributions, one parameter each:
- NormalDistribution (expectedValue, variance), LogNormalDistribution (the expected value and
  variance of the log-normal variable itself, as the standard defines them), UniformDistribution,
  Histogram (its bins as a piecewise-uniform density): continuous, on double parameters;
- PoissonDistribution: the integers of its support with their probabilities;
- ProbabilityDistributionSet: its values with their weights.
Each is truncated to its Range; a normal or log-normal without one is truncated at its
1e-9 and 1 - 1e-9 quantiles (the parameter box every sampler maps the unit cube onto).
Deterministic distributions are no naturalistic model of anything: a DistributionSet, a
DistributionRange's grid and a ValueSetDistribution's sets each become a categorical
parameter, uniform over its values, with the source "assumed: ..." so reports flag it. A
ValueSetDistribution is one parameter whose values name whole sets of assignments.
The Stochastic element's numberOfTestRuns and randomSeed are not read: the suite sets counts
and seeds. UserDefinedDistribution is refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lxml import etree

from scenarios.parameters import Categorical, Continuous, Distribution, Parameter, lognorm, norm, uniform
from sim.xml_reader import XmlReader

TAIL = 1e-9  # quantile at which an unbounded normal or log-normal is truncated
MAX_VALUES = 10_000  # values of a Poisson distribution's support or a range's grid
SUPPORTED = frozenset("""
OpenSCENARIO ParameterValueDistribution ScenarioFile Stochastic StochasticDistribution NormalDistribution
LogNormalDistribution UniformDistribution PoissonDistribution Histogram Bin ProbabilityDistributionSet Element Range
Deterministic DeterministicSingleParameterDistribution DistributionSet DistributionRange DeterministicMultiParameterDistribution
ValueSetDistribution ParameterValueSet ParameterAssignment FileHeader
""".split())
CONTINUOUS_TYPES = ("double",)
INTEGER_TYPES = ("integer", "unsignedInt", "unsignedShort", "double")


@dataclass(frozen=True)
class ScenarioDistribution:
    """The scenario file a distribution names, its parameters with f, and for each value of a
    ValueSetDistribution's parameter the assignments it stands for."""

    scenario: Path
    parameters: tuple[Parameter, ...]
    value_sets: dict[str, dict[str, dict[str, str]]]

    def assignments(self, draw: dict) -> dict[str, str]:
        """The scenario's parameter values for one draw of the family's parameters."""
        values: dict[str, str] = {}
        for p in self.parameters:
            if p.name in self.value_sets:
                values.update(self.value_sets[p.name][draw[p.name]])
            else:
                values[p.name] = draw[p.name] if isinstance(p, Categorical) else repr(float(draw[p.name]))
        return values


def read_distribution(reader: XmlReader, root: etree._Element, declared: dict[str, str]) -> ScenarioDistribution:
    """The distribution file `root` (read by `reader`) over the scenario whose global
    ParameterDeclarations are `declared` (name -> parameterType)."""
    body = reader.one(root, "ParameterValueDistribution")
    for element in body.iter():
        if isinstance(element.tag, str) and element.tag not in SUPPORTED:
            raise reader.fail(element, "is not supported in a ParameterValueDistribution; expected stochastic "
                                       "(normal, log-normal, uniform, Poisson, histogram, probability set) or "
                                       "deterministic (set, range, value sets) distributions")
    scenario = (Path(reader.source).parent / reader.text(reader.one(body, "ScenarioFile"), "filepath")).resolve()
    parameters: list[Parameter] = []
    value_sets: dict[str, dict[str, dict[str, str]]] = {}
    name = Path(reader.source).name
    for single in body.findall("Stochastic/StochasticDistribution"):
        parameter = reader.text(single, "parameterName")
        _declared(reader, single, parameter, declared)
        parameters.append(_stochastic(reader, single, parameter, declared[parameter], name))
    for single in body.findall("Deterministic/DeterministicSingleParameterDistribution"):
        parameter = reader.text(single, "parameterName")
        _declared(reader, single, parameter, declared)
        parameters.append(_deterministic(reader, single, parameter, name))
    for k, multi in enumerate(body.findall("Deterministic/DeterministicMultiParameterDistribution/"
                                           "ValueSetDistribution")):
        sets = {}
        for value_set in multi.findall("ParameterValueSet"):
            assigned = {}
            for assignment in value_set.findall("ParameterAssignment"):
                parameter = reader.text(assignment, "parameterRef")
                _declared(reader, assignment, parameter, declared)
                assigned[parameter] = reader.text(assignment, "value")
            sets[", ".join(f"{p}={v}" for p, v in assigned.items())] = assigned
        if not sets:
            raise reader.fail(multi, "holds no ParameterValueSet; its support is empty")
        set_name = f"value_set_{k + 1}"
        value_sets[set_name] = sets
        parameters.append(Categorical(set_name, tuple(sets), (1.0 / len(sets),) * len(sets),
                                      f"assumed: uniform over the value sets of {name}"))
    if not parameters:
        raise reader.fail(body, "holds no distribution; expected a Stochastic or Deterministic one")
    names = [p.name for p in parameters if p.name not in value_sets]
    names += [n for sets in value_sets.values() for n in {n for s in sets.values() for n in s}]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise reader.fail(body, f"gives {', '.join(twice)} more than one distribution; expected one each")
    return ScenarioDistribution(scenario, tuple(parameters), value_sets)


def _declared(reader: XmlReader, element: etree._Element, parameter: str, declared: dict[str, str]) -> None:
    if parameter not in declared:
        raise reader.fail(element, f"names parameter {parameter!r}, which the scenario never declares; it "
                                   f"declares {', '.join(declared) or 'none'}")


def _range(reader: XmlReader, element: etree._Element) -> tuple[float, float] | None:
    found = element.find("Range")
    if found is None:
        return None
    low, high = reader.number(found, "lowerLimit"), reader.number(found, "upperLimit")
    if not low <= high:
        raise reader.fail(found, f"lowerLimit={low:g} > upperLimit={high:g}: the support is empty")
    return low, high


def _continuous(reader: XmlReader, element: etree._Element, parameter: str, distribution: Distribution,
                source: str) -> Continuous:
    bounds = _range(reader, element)
    if bounds is None:
        frozen = distribution.frozen
        bounds = float(frozen.ppf(TAIL)), float(frozen.ppf(1 - TAIL))
    low, high = bounds
    mass = distribution.frozen.cdf(high) - distribution.frozen.cdf(low)
    if not mass > 0:
        raise reader.fail(element, f"has no probability inside its Range [{low:g}, {high:g}]: the support is empty")
    return Continuous(parameter, "", low, high, distribution, source)


def _stochastic(reader: XmlReader, single: etree._Element, parameter: str, kind: str, file: str) -> Parameter:
    body = next(iter(single), None)
    if body is None:
        raise reader.fail(single, "is empty; expected a stochastic distribution")
    source = f"{file} ({body.tag})"
    if body.tag in ("NormalDistribution", "LogNormalDistribution", "UniformDistribution", "Histogram"):
        if kind not in CONTINUOUS_TYPES:
            raise reader.fail(body, f"is continuous but parameter {parameter} is {kind}; expected a double "
                                    "parameter (or a Poisson or probability set for discrete values)")
    if body.tag in ("NormalDistribution", "LogNormalDistribution"):
        mean, variance = reader.number(body, "expectedValue"), reader.number(body, "variance")
        if not variance > 0:
            raise reader.fail(body, f"variance={variance:g}; expected a variance > 0")
        if body.tag == "NormalDistribution":
            return _continuous(reader, body, parameter, norm(mean, math.sqrt(variance)), source)
        if not mean > 0:
            raise reader.fail(body, f"expectedValue={mean:g}; a log-normal's expected value must be > 0")
        sigma2 = math.log1p(variance / mean ** 2)
        return _continuous(reader, body, parameter, lognorm(math.sqrt(sigma2), math.exp(math.log(mean) - sigma2 / 2)),
                           source)
    if body.tag == "UniformDistribution":
        bounds = _range(reader, body)
        if bounds is None or bounds[1] == bounds[0]:
            raise reader.fail(body, "needs a Range with lowerLimit < upperLimit")
        return _continuous(reader, body, parameter, uniform(bounds[0], bounds[1] - bounds[0]), source)
    if body.tag == "Histogram":
        return _continuous(reader, body, parameter, _histogram(reader, body), source)
    if body.tag == "PoissonDistribution":
        return _poisson(reader, body, parameter, kind, source)
    if body.tag == "ProbabilityDistributionSet":
        elements = body.findall("Element")
        weights = [reader.number(e, "weight") for e in elements]
        if not elements or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise reader.fail(body, "needs Elements with weights >= 0 that are not all 0: the support is empty")
        values = tuple(reader.text(e, "value") for e in elements)
        return Categorical(parameter, values, tuple(w / sum(weights) for w in weights), source)
    raise reader.fail(body, "is not a stochastic distribution the import samples; expected NormalDistribution, "
                            "LogNormalDistribution, UniformDistribution, PoissonDistribution, Histogram or "
                            "ProbabilityDistributionSet")


def _histogram(reader: XmlReader, body: etree._Element) -> Distribution:
    """Bins (weight, Range) as a piecewise-uniform density; gaps between bins have weight 0."""
    bins = sorted((*_bin_range(reader, b), reader.number(b, "weight")) for b in body.findall("Bin"))
    if not bins or any(w < 0 for *_, w in bins) or sum(w for *_, w in bins) <= 0:
        raise reader.fail(body, "needs Bins with weights >= 0 that are not all 0: the support is empty")
    edges, weights = [bins[0][0]], []
    for low, high, weight in bins:
        if low < edges[-1] - 1e-12:
            raise reader.fail(body, f"has bins that overlap at {low:g}; expected disjoint ranges")
        if low > edges[-1]:
            edges.append(low)
            weights.append(0.0)
        edges.append(high)
        weights.append(weight)
    return Distribution("histogram", tuple(edges), weights=tuple(weights))


def _bin_range(reader: XmlReader, element: etree._Element) -> tuple[float, float]:
    bounds = _range(reader, element)
    if bounds is None or bounds[0] == bounds[1]:
        raise reader.fail(element, "needs a Range with lowerLimit < upperLimit")
    return bounds


def _poisson(reader: XmlReader, body: etree._Element, parameter: str, kind: str, source: str) -> Categorical:
    from scipy import stats

    if kind not in INTEGER_TYPES:
        raise reader.fail(body, f"gives integers but parameter {parameter} is {kind}; expected an integer parameter")
    mean = reader.number(body, "expectedValue")
    if not mean > 0:
        raise reader.fail(body, f"expectedValue={mean:g}; expected a Poisson mean > 0")
    poisson = stats.poisson(mean)
    low, high = _range(reader, body) or (0.0, float(poisson.ppf(1 - TAIL)))
    values = np.arange(math.ceil(max(low, 0.0)), math.floor(high) + 1)
    if len(values) > MAX_VALUES:
        raise reader.fail(body, f"has {len(values)} values in its support; at most {MAX_VALUES} are sampled")
    probs = poisson.pmf(values)
    if not len(values) or probs.sum() <= 0:
        raise reader.fail(body, f"has no integer with probability inside [{low:g}, {high:g}]: the support is empty")
    return Categorical(parameter, tuple(str(int(v)) for v in values), tuple(probs / probs.sum()), source)


def _deterministic(reader: XmlReader, single: etree._Element, parameter: str, file: str) -> Categorical:
    body = next(iter(single), None)
    if body is not None and body.tag == "DistributionSet":
        values = tuple(reader.text(e, "value") for e in body.findall("Element"))
        what = "set"
    elif body is not None and body.tag == "DistributionRange":
        step = reader.number(body, "stepWidth")
        low, high = _range(reader, body) or (None, None)
        if low is None or not step > 0:
            raise reader.fail(body, "needs a Range and a stepWidth > 0")
        count = int(math.floor((high - low) / step + 1e-9)) + 1
        if count > MAX_VALUES:
            raise reader.fail(body, f"has {count} values; at most {MAX_VALUES} are sampled")
        values = tuple(repr(low + k * step) for k in range(count))
        what = "range"
    else:
        raise reader.fail(body if body is not None else single, "is not a deterministic distribution the "
                                                                "import samples; expected a DistributionSet or "
                                                                "DistributionRange")
    if not values:
        raise reader.fail(body, "holds no value: the support is empty")
    return Categorical(parameter, values, (1.0 / len(values),) * len(values),
                       f"assumed: uniform over the deterministic {what} of {file}")
