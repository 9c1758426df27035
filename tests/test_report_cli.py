"""`nines report` and `nines compare` on real runs made in the test, through the console
script's entry point in this process."""
import json

import pytest

from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from reliability.nines_ladder import nines_ladder
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
    crashed = int((stored[["collisions_pedestrian", "collisions_vehicle", "collisions_static"]].sum(axis=1) > 0).sum())
    # the lane keeper never brakes: it hits every stopped car (and traffic ahead in town)
    assert crashed >= 3 and crash["estimate"]["events"] == crashed
    assert report["km"] == pytest.approx(stored.km.sum())
    expected = [r.verdict for r in nines_ladder(crashed, report["km"])]
    assert [r["verdict"] for r in crash["ladder"]] == expected
    assert report["leaderboard_2_0"]["driving_score"] < 100.0
    families = {f["family"]: f for f in report["families"]}
    assert families["lead_vehicle_stopped"]["p"] == pytest.approx(1.0)
    assert report["expected_fatalities"] > 0


def test_report_table_and_bad_input(runs, nines):
    db, ids = runs
    table = nines("report", ids["expert"], "--db", str(db))
    assert table.returncode == 0 and "nines ladder" in table.stdout and "Leaderboard 2.0" in table.stdout
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
    for episode_id in failed.episode_id:
        assert episode_id in result.stdout
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
