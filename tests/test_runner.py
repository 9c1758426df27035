"""The runner and the store: a run killed with SIGKILL and resumed ends with exactly the
episode table of an uninterrupted run; failures get clips; Parquet export; km budgets."""
import json
import signal
import subprocess
import sys

import cv2
import duckdb

from nines.runner import RunSettings, execute_run, new_run
from nines.store import Store
from scenarios.suite import load_suite

KILL_SUITE = """
name: killable
seed: 11
batch: 4
clips: false
families:
  - {family: lead_vehicle_brakes, episodes: 6}
  - {family: slower_lead, episodes: 6}
"""
COMPARED = ["episode_id", "family", "seed", "params", "log_f", "log_q", "km", "duration_s", "outcome",
            "min_ttc_s", "min_distance_m", "collisions_vehicle"]


def nines(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "nines", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def episode_table(db_path):
    db = duckdb.connect(str(db_path), read_only=True)
    table = db.execute(f"SELECT {', '.join(COMPARED)} FROM episodes ORDER BY episode_id").df()
    runs = db.execute("SELECT run_id, status FROM runs").fetchall()
    db.close()
    return table, runs


def test_kill_minus_nine_then_resume_loses_and_repeats_nothing(tmp_path):
    suite = tmp_path / "killable.yaml"
    suite.write_text(KILL_SUITE)
    whole = nines("run", str(suite), "--db", str(tmp_path / "whole.duckdb"), "--no-progress")
    assert whole.wait(timeout=600) == 0, whole.stderr.read()

    killed = nines("run", str(suite), "--db", str(tmp_path / "killed.duckdb"), "--no-progress")
    finished = 0
    while finished < 5:  # each line is printed after its episode is stored
        line = killed.stdout.readline()
        assert line, killed.stderr.read()
        finished += line.startswith("episode ")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    partial, runs = episode_table(tmp_path / "killed.duckdb")
    assert runs[0][1] == "running"
    assert 0 < len(partial) < 12, "the kill should land mid-run"

    resumed = nines("run", "--resume", runs[0][0], "--db", str(tmp_path / "killed.duckdb"), "--no-progress")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    expected, _ = episode_table(tmp_path / "whole.duckdb")
    final, runs = episode_table(tmp_path / "killed.duckdb")
    assert runs[0][1] == "complete"
    assert len(final) == 12 and final["episode_id"].is_unique
    assert final.equals(expected)


def test_failures_get_a_clip_and_events(tmp_path, bank):
    suite_path = tmp_path / "crash.yaml"
    suite_path.write_text("name: crash\ndriver: lane_keeping\nbatch: 2\ncamera: {width: 64, height: 32}\n"
                          "families:\n  - {family: lead_vehicle_stopped, episodes: 2, fixed: {distance: 40.0}}\n")
    store = Store(tmp_path / "runs.duckdb")
    suite = load_suite(suite_path)
    run_id = new_run(store, suite, suite_path.read_text(), RunSettings("lane_keeping", 2, "cpu"))
    execute_run(store, run_id, show_progress=False)
    rows = store.db.execute("SELECT episode_id, outcome, failure_type, clip_path, params FROM episodes").fetchall()
    assert [r[1] for r in rows] == ["collision", "collision"]
    assert all(r[2] == "collision_vehicle" for r in rows)
    assert all(json.loads(r[4])["distance"] == 40.0 for r in rows)
    clip = cv2.imread(rows[0][3])
    assert clip is not None and clip.shape[0] == 32 and clip.shape[1] > 4 * 64
    events = store.db.execute("SELECT kind, detail, value FROM events WHERE episode_id = ?", [rows[0][0]]).fetchall()
    assert ("collision" in [e[0] for e in events]) and all(e[2] > 5.0 for e in events if e[0] == "collision")
    written = store.export_parquet(run_id, tmp_path / "parquet")
    assert [p.name for p in written] == ["runs.parquet", "episodes.parquet", "events.parquet", "ticks.parquet",
                                         "failure_causes.parquet", "handoffs.parquet", "teleop_queue.parquet"]
    import pandas as pd
    assert len(pd.read_parquet(written[1])) == 2
    store.close()


def test_km_budget_keeps_the_shortest_prefix_reaching_it(tmp_path):
    suite_path = tmp_path / "budget.yaml"
    suite_path.write_text("name: budget\nbatch: 3\nclips: false\nfamilies:\n  - {family: slower_lead, km: 0.7}\n")
    store = Store(tmp_path / "runs.duckdb")
    run_id = new_run(store, load_suite(suite_path), suite_path.read_text(), RunSettings("expert", 3, "cpu"))
    execute_run(store, run_id, show_progress=False)
    table = store.done_episodes(run_id).sort_values("idx")
    assert list(table.idx) == list(range(len(table)))
    assert table.km.sum() >= 0.7 and table.km.iloc[:-1].sum() < 0.7
    store.close()


def test_corrupt_store_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "runs.duckdb"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = subprocess.run([sys.executable, "-m", "nines", "run", "smoke", "--db", str(db)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2 and "not a usable DuckDB store" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and db.read_bytes() == before
