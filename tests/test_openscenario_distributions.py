"""OpenSCENARIO 1.2 ParameterValueDistributions as a family's f: each kind of distribution is
read as the file defines it (draws of the family's naturalistic sampler match the known
distribution by simulation), a draw sets the scenario's parameters, a suite runs the file
with every sampler and reports it, and bad distributions are one line naming the file."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from run_helpers import nines_here
from scenarios.catalog import find_family
from scenarios.openscenario_family import scenario_family
from scenarios.openscenario_files import ScenarioImportError
from scenarios.samplers import halton, naturalistic
from xosc_features import SCENARIO, write_distribution

DRAWS = 4000
EGO_SPEED, CUT_DISTANCE = 0, 1  # the scenario's parameters: EgoSpeed (double), CutDistance (double)


def _stochastic(*distributions: tuple[str, str]) -> str:
    body = "".join(f'<StochasticDistribution parameterName="{name}">{element}</StochasticDistribution>'
                   for name, element in distributions)
    return f'<Stochastic numberOfTestRuns="10" randomSeed="1">{body}</Stochastic>'


def _draws(tmp_path, body: str, scenario: str = SCENARIO) -> tuple[object, dict[str, np.ndarray]]:
    family = scenario_family(str(write_distribution(tmp_path, body, scenario)))
    rows = [d.params for d in naturalistic(family, DRAWS, np.random.default_rng(7))]
    return family, {p.name: np.array([row[p.name] for row in rows]) for p in family.parameters}


def test_a_truncated_normal_and_a_histogram_are_sampled_as_the_file_defines_them(tmp_path):
    family, draws = _draws(tmp_path, _stochastic(
        ("EgoSpeed", '<NormalDistribution expectedValue="12" variance="4"><Range lowerLimit="9" upperLimit="16"/>'
                     '</NormalDistribution>'),
        ("CutDistance", '<Histogram><Bin weight="1"><Range lowerLimit="8" upperLimit="10"/></Bin>'
                        '<Bin weight="3"><Range lowerLimit="12" upperLimit="20"/></Bin></Histogram>')))
    truth = stats.truncnorm((9 - 12) / 2, (16 - 12) / 2, loc=12, scale=2)
    assert stats.kstest(draws["EgoSpeed"], truth.cdf).pvalue > 0.01
    cut = draws["CutDistance"]
    assert not ((cut > 10) & (cut < 12)).any()  # the gap between the bins has no mass
    assert np.mean(cut < 10) == pytest.approx(0.25, abs=3 * np.sqrt(0.25 * 0.75 / DRAWS))
    assert stats.kstest(cut[cut >= 12], stats.uniform(12, 8).cdf).pvalue > 0.01
    # log f is the truncated density's (the samplers weigh with it)
    row = {"EgoSpeed": 13.0, "CutDistance": 15.0, "condition": "clear"}
    expected = truth.logpdf(13.0) + np.log(0.75 / 8) + np.log(family.parameter("condition").probs[0])
    assert family.log_f(row) == pytest.approx(expected)


def test_a_log_normal_has_the_mean_and_variance_the_file_gives(tmp_path):
    _, draws = _draws(tmp_path, _stochastic(
        ("EgoSpeed", '<LogNormalDistribution expectedValue="12" variance="4"/>')))
    speeds = draws["EgoSpeed"]
    assert speeds.mean() == pytest.approx(12.0, abs=4 * 2 / np.sqrt(DRAWS))
    assert speeds.var() == pytest.approx(4.0, rel=0.15)


def test_poisson_and_probability_sets_give_their_values_with_their_probabilities(tmp_path):
    scenario = SCENARIO.replace('name="CutDistance" parameterType="double"',
                                'name="CutDistance" parameterType="integer"')
    family, draws = _draws(tmp_path, _stochastic(
        ("EgoSpeed", '<ProbabilityDistributionSet><Element value="10" weight="1"/><Element value="14" weight="3"/>'
                     '</ProbabilityDistributionSet>'),
        ("CutDistance", '<PoissonDistribution expectedValue="12"><Range lowerLimit="8" upperLimit="20"/>'
                        '</PoissonDistribution>')), scenario)
    assert np.mean(draws["EgoSpeed"] == "14") == pytest.approx(0.75, abs=3 * np.sqrt(0.75 * 0.25 / DRAWS))
    counts = np.array([np.sum(draws["CutDistance"] == str(k)) for k in range(8, 21)])
    pmf = stats.poisson(12).pmf(np.arange(8, 21))
    assert counts.sum() == DRAWS
    assert stats.chisquare(counts, DRAWS * pmf / pmf.sum()).pvalue > 0.01


def test_deterministic_sets_ranges_and_value_sets_are_uniform_and_flagged_assumed(tmp_path):
    family, draws = _draws(tmp_path, """<Deterministic>
      <DeterministicSingleParameterDistribution parameterName="CutDistance">
        <DistributionRange stepWidth="2"><Range lowerLimit="8" upperLimit="14"/></DistributionRange>
      </DeterministicSingleParameterDistribution>
      <DeterministicMultiParameterDistribution><ValueSetDistribution>
        <ParameterValueSet><ParameterAssignment parameterRef="EgoSpeed" value="9"/></ParameterValueSet>
        <ParameterValueSet><ParameterAssignment parameterRef="EgoSpeed" value="15"/></ParameterValueSet>
      </ValueSetDistribution></DeterministicMultiParameterDistribution></Deterministic>""")
    cut, sets = family.parameters
    assert cut.values == ("8.0", "10.0", "12.0", "14.0") and cut.source.startswith("assumed: uniform")
    assert sets.values == ("EgoSpeed=9", "EgoSpeed=15")
    for value in cut.values:
        assert np.mean(draws["CutDistance"] == value) == pytest.approx(0.25, abs=0.03)
    # a draw sets the scenario's parameters: the ego's speed, the cut-in's distance (centre to centre)
    spec = family.build({"CutDistance": "10.0", "value_set_1": "EgoSpeed=15", "condition": "clear"}, 3)
    assert spec.ego_speed_mps == 15.0 and spec.seed == 3
    cutter = spec.actors[0]
    assert cutter.events[0].trigger.value == pytest.approx(10.0 - 0.5 * (4.6 + 4.8))


def test_halton_sweeps_the_file_s_parameters_and_weighs_by_its_f(tmp_path):
    family, _ = _draws(tmp_path, _stochastic(
        ("EgoSpeed", '<UniformDistribution><Range lowerLimit="8" upperLimit="14"/></UniformDistribution>')))
    sweep = halton(family, 64, seed=1)
    speeds = np.array([d.params["EgoSpeed"] for d in sweep])
    assert speeds.min() >= 8 and speeds.max() <= 14 and np.histogram(speeds, 4, (8, 14))[0].min() >= 14
    assert all(d.log_f == pytest.approx(family.log_f(d.params)) for d in sweep)


def test_a_suite_runs_a_distribution_file_with_ce_and_reports_it(tmp_path, monkeypatch, capsys):
    path = write_distribution(tmp_path, _stochastic(
        ("CutDistance", '<NormalDistribution expectedValue="12" variance="9"><Range lowerLimit="6" upperLimit="20"/>'
                        '</NormalDistribution>')))
    listed = nines_here(monkeypatch, capsys, "import-scenario", str(path))
    assert listed.returncode == 0, listed.stderr
    assert "parameter CutDistance: 6..20 , f = norm(12, 3) (source: cut_in_distribution.xosc" in listed.stdout
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: dist\nseed: 1\nbatch: 8\nclips: false\ndriver: expert\nfamilies:\n"
                     f"  - {{family: {path}, sampler: ce, ce: {{rounds: 2, per_round: 8}}, exposure_per_km: 0.03,"
                     f" exposure_source: a test}}\n")
    db = tmp_path / "runs.duckdb"
    done = nines_here(monkeypatch, capsys, "run", str(suite), "--db", str(db), "--no-progress")
    assert done.returncode == 0, done.stderr
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        run_id, = con.execute("SELECT run_id FROM runs").fetchone()
        rows = con.execute("SELECT params, log_f FROM episodes").fetchall()
    family = find_family(str(path))
    assert len(rows) == 16
    for params, log_f in rows:
        drawn = json.loads(params)
        assert 6 <= drawn["CutDistance"] <= 20 and log_f == pytest.approx(family.log_f(drawn), abs=1e-9)
    report = nines_here(monkeypatch, capsys, "report", run_id, "--db", str(db), "--json")
    assert report.returncode == 0, report.stderr
    estimate, = json.loads(report.stdout)["families"]
    assert estimate["exposure_per_km"] == pytest.approx(0.03) and estimate["family"] == str(path)


BAD = [
    ('<StochasticDistribution parameterName="Nope"><UniformDistribution><Range lowerLimit="1" upperLimit="2"/>'
     '</UniformDistribution></StochasticDistribution>', "names parameter 'Nope', which the scenario never declares"),
    ('<StochasticDistribution parameterName="EgoSpeed"><UniformDistribution><Range lowerLimit="5" upperLimit="2"/>'
     '</UniformDistribution></StochasticDistribution>', "lowerLimit=5 > upperLimit=2: the support is empty"),
    ('<StochasticDistribution parameterName="EgoSpeed"><NormalDistribution expectedValue="1" variance="0"/>'
     '</StochasticDistribution>', "variance=0; expected a variance > 0"),
    ('<StochasticDistribution parameterName="EgoSpeed"><NormalDistribution expectedValue="100" variance="1">'
     '<Range lowerLimit="0" upperLimit="1"/></NormalDistribution></StochasticDistribution>',
     "has no probability inside its Range [0, 1]"),
    ('<StochasticDistribution parameterName="EgoSpeed"><UserDefinedDistribution type="mine">1</UserDefinedDistribution>'
     '</StochasticDistribution>', "<UserDefinedDistribution> is not supported in a ParameterValueDistribution"),
    ('<StochasticDistribution parameterName="nines_exposure_source"><NormalDistribution expectedValue="1" '
     'variance="1"/></StochasticDistribution>', "is continuous but parameter nines_exposure_source is string"),
    ('<StochasticDistribution parameterName="EgoSpeed"><ProbabilityDistributionSet><Element value="10" weight="1"/>'
     '<Element value="fast" weight="1"/></ProbabilityDistributionSet></StochasticDistribution>',
     "value='fast'; expected a number"),  # a value that breaks the scenario is refused before any run
]


@pytest.mark.parametrize("inner, message", BAD)
def test_bad_distributions_are_one_line_naming_the_file(inner, message, tmp_path):
    path = write_distribution(tmp_path, f'<Stochastic numberOfTestRuns="1">{inner}</Stochastic>')
    with pytest.raises(ScenarioImportError) as raised:
        scenario_family(str(path))
    text = str(raised.value)
    assert "\n" not in text and message in text and text.startswith(str(tmp_path)), text
