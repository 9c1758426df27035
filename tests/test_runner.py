"""The runner and the store: a run killed with SIGKILL and resumed ends with exactly the
episode table of an uninterrupted run; failures get clips; Parquet export; km budgets.
(Other faults: tests/test_faults.py.)"""
import json
import signal

import cv2

from nines.run_settings import RunSettings
from nines.runner import execute_run, new_run
from nines.store import Store
from run_helpers import KILLABLE_EPISODES, episode_table, nines, wait_for_lines
from scenarios.suite import Suite, load_suite


def test_kill_minus_nine_then_resume_loses_and_repeats_nothing(tmp_path, killable):
    suite, expected = killable
    killed = nines("run", str(suite), "--db", str(tmp_path / "killed.duckdb"), "--no-progress")
    wait_for_lines(killed, "episode ", 5)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    partial, runs = episode_table(tmp_path / "killed.duckdb")
    assert runs[0][1] == "running"
    assert 0 < len(partial) < KILLABLE_EPISODES, "the kill should land mid-run"

    resumed = nines("run", "--resume", runs[0][0], "--db", str(tmp_path / "killed.duckdb"), "--no-progress")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    final, runs = episode_table(tmp_path / "killed.duckdb")
    assert runs[0][1] == "complete"
    assert len(final) == KILLABLE_EPISODES and final["episode_id"].is_unique
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


def test_ce_on_a_grip_family_walks_towards_low_friction(tmp_path):
    """control_loss_wet_curve has no other road user (no time to collision): its CE rounds
    steer by the peak grip use the store keeps, towards the icy end of its friction."""
    data = {"name": "grip", "seed": 3, "batch": 24, "clips": False,
            "families": [{"family": "control_loss_wet_curve", "sampler": "ce", "ce": {"rounds": 3, "per_round": 24}}]}
    suite = Suite(**data)
    store = Store(tmp_path / "runs.duckdb")
    run_id = new_run(store, suite, json.dumps(data), RunSettings("expert", 24, "cpu"))
    execute_run(store, run_id, show_progress=False)
    episodes = store.done_episodes(run_id)
    friction = episodes["params"].map(lambda p: json.loads(p)["friction"]).groupby(episodes["round"]).median()
    grip_use = episodes.groupby("round")["max_grip_use"].median()
    assert episodes["max_grip_use"].notna().all() and len(episodes) == 72
    assert friction[2] < friction[0] - 0.1 and grip_use[2] > grip_use[0]
    store.close()
