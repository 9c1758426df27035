"""`nines report` and `nines compare` on real runs made in the test, through the console
script's entry point in this process."""
import json

import pytest

from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from nines.report import family_table
from reliability.nines_ladder import ladder
from reliability.weighted_estimate import weighted_rate
from run_helpers import nines_here
from scenarios.suite import load_suite

SUITE = ("name: pair\nbatch: 3\nclips: false\nfamilies:\n"
         "  - {family: lead_vehicle_stopped, episodes: 3, fixed: {distance: 40.0}}\n"
         "  - {family: nominal_urban, episodes: 2}\n")


@pytest.fixture
def nines(monkeypatch, capsys):
    return lambda *args: nines_here(monkeypatch, capsys, *args)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    (folder / "pair.yaml").write_text(SUITE)
    store = Store(folder / "runs.duckdb")
    suite = load_suite(folder / "pair.yaml")
    ids = {}
    for driver in ("expert", "lane_keeping"):
        ids[driver] = new_run(store, suite, SUITE, RunSettings(driver, 3, "cpu"))
        execute_run(store, ids[driver], show_progress=False)
    ids["empty"] = new_run(store, suite, SUITE, RunSettings("expert", 3, "cpu"))
    store.close()
    return folder / "runs.duckdb", ids


def test_report_json_carries_the_ladder_of_the_reliability_module(runs, nines):
    db, ids = runs
    result = nines("report", ids["lane_keeping"], "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    crash = report["streams"]["crash"]
    store = Store(db, read_only=True)
    stored = store.done_episodes(ids["lane_keeping"])
    store.close()
    crashed = (stored[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0)
    # the lane keeper never brakes: it hits every stopped car (and traffic ahead in town)
    assert crashed.sum() >= 3 and crash["events"] == crashed.sum()
    assert report["km"] == pytest.approx(stored.km.sum())
    # every episode here is naturalistic, so the raw rate is over all of them
    assert crash["naturalistic"]["events"] == crashed.sum() and report["naturalistic_km"] == pytest.approx(report["km"])
    weighted = weighted_rate(stored, crashed.to_numpy(float), family_table())
    assert crash["weighted"]["rate"] == pytest.approx(weighted.rate_per_km)
    assert [r["verdict"] for r in crash["weighted"]["ladder"]] == [r.verdict for r in ladder(weighted.bound)]
    assert report["leaderboard_2_0"]["driving_score"] < 100.0
    families = {f["family"]: f for f in report["families"]}
    assert families["lead_vehicle_stopped"]["p"] == pytest.approx(1.0)
    # p is a probability: its interval stays within [0, 1] (3 of 3 failed)
    assert families["lead_vehicle_stopped"]["upper"] == 1.0 and 0 < families["lead_vehicle_stopped"]["lower"] < 1
    assert sum(f["share"] for f in families.values() if f["share"] is not None) == pytest.approx(1.0)
    assert report["expected_fatalities"] > 0 and report["expected_fatalities_per_km"]["rate"] > 0


def test_the_summary_fits_one_80_column_screen_and_says_what_the_report_says(runs, nines, monkeypatch):
    db, ids = runs
    monkeypatch.setenv("COLUMNS", "80")
    report = json.loads(nines("report", ids["lane_keeping"], "--db", str(db), "--json").stdout)
    result = nines("report", ids["lane_keeping"], "--db", str(db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(max(1, -(-len(line) // 80)) for line in lines) <= 24 and "…" not in result.stdout
    crash = report["streams"]["crash"]["weighted"]
    assert f"crash rate {crash['rate']:.2g} per km" in result.stdout
    assert f"bound {crash['upper_one_sided']:.2g}" in result.stdout
    assert f"nines demonstrated: {crash['nines_demonstrated']}" in result.stdout
    store = Store(db, read_only=True)
    failed = store.done_episodes(ids["lane_keeping"]).query("failure")
    store.close()
    assert f"{len(failed)} failures" in lines[0]
    first = next(line for line in lines if "nines rerun" in line).split("nines rerun ")[1].split()[:2]
    assert first[0] == ids["lane_keeping"] and first[1] in set(failed.episode_id)
    top = max(report["streams"]["crash"]["weighted"]["families"], key=lambda f: f["share"] or 0)
    assert f"risk carried by: {top['family']} {top['share']:.0%}" in result.stdout


def test_report_table_and_bad_input(runs, nines):
    db, ids = runs
    table = nines("report", ids["expert"], "--db", str(db), "--full")
    assert table.returncode == 0 and "nines ladder" in table.stdout and "Leaderboard 2.0" in table.stdout
    assert "exposure-weighted" in table.stdout
    unknown = nines("report", "no-such-run", "--db", str(db))
    assert unknown.returncode == 2 and "no run 'no-such-run'" in unknown.stderr
    empty = nines("report", ids["empty"], "--db", str(db))
    assert empty.returncode == 2 and "has no episodes" in empty.stderr
    for result in (unknown, empty):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_compare_lists_the_scenarios_that_newly_fail(runs, nines):
    db, ids = runs
    result = nines("compare", ids["expert"], ids["lane_keeping"], "--db", str(db))
    assert result.returncode == 0, result.stderr
    store = Store(db, read_only=True)
    failed = store.done_episodes(ids["lane_keeping"]).query("failure")
    store.close()
    # the expert passed every scenario, so each failure of the lane keeper is newly failing
    assert f"newly failing scenarios: {len(failed)}" in result.stdout
    assert f"failed in A only, {len(failed)} in B only" in result.stdout
    # five scenarios are too few to call the lane keeper twice as bad at 95 %, but enough to
    # call it more than 0.2 times as bad
    assert "no regression" in nines("compare", ids["expert"], ids["lane_keeping"], "--db", str(db),
                                    "--fail-on-regression", "2.0").stdout
    gate = nines("compare", ids["expert"], ids["lane_keeping"], "--db", str(db), "--fail-on-regression", "0.2")
    assert gate.returncode == 1 and "regression: rate ratio" in gate.stdout
    passes = nines("compare", ids["lane_keeping"], ids["expert"], "--db", str(db), "--fail-on-regression", "1.0")
    assert passes.returncode == 0 and "no regression" in passes.stdout
    for bad in (("--stream", "nonsense"), ("--fail-on-regression", "-1")):
        refused = nines("compare", ids["expert"], ids["lane_keeping"], "--db", str(db), *bad)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    for episode_id in failed.episode_id:
        assert episode_id in result.stdout
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
