"""Benchmark of the dashboard's queries: a store of 1,000,000 synthetic episodes over 20 runs
(with handoffs and a console queue for the console runs), and the time each page takes to get
its numbers from it (the same functions the pages call; drawing is the browser's job).
Target: under 2 s per page on 2 CPU cores. `make bench` runs it.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import curves_page, families_page, store_queries, teleop_page  # noqa: E402
from nines.report import family_table  # noqa: E402
from nines.store import Store  # noqa: E402
from nines.store_rows import EpisodeRow, HandoffRow, QueueRow, RunRow, column_names  # noqa: E402
from reliability.run_comparison import family_changes, weighted_rate_ratio  # noqa: E402
from reliability.weighted_estimate import weighted_rate_from_sums  # noqa: E402
from scenarios.catalog import FAMILIES  # noqa: E402


def synthetic_store(path: Path, episodes: int, runs: int, seed: int = 0) -> list[str]:
    """Fill a store with `runs` runs of episodes / runs synthetic episodes each; every
    fourth run has a console. Returns the run ids, oldest first."""
    rng = np.random.default_rng(seed)
    store = Store(path)
    families = sorted(FAMILIES)
    per_run = episodes // runs
    run_ids = []
    for r in range(runs):
        run_id = f"synthetic-{r:02d}"
        console = r % 4 == 3
        config = {"driver": "camera", "batch": 64, "device": "cpu", "checkpoint": "",
                  "teleop": {"threshold": 0.5, "operators": 8} if console else None}
        store.create_run(RunRow(run_id, datetime.now(timezone.utc), "synthetic", "name: synthetic", "bench", "camera",
                                "", json.dumps(config), "embedded", "cpu", "running",
                                json.dumps({"name": "camera"})))
        crash = rng.random(per_run) < 0.02
        kind = rng.integers(0, 3, per_run)
        frame = pd.DataFrame({
            "run_id": run_id,
            "episode_id": [f"{families[i % len(families)]}:naturalistic:0:{i}" for i in range(per_run)],
            "family": [families[i % len(families)] for i in range(per_run)], "sampler": "naturalistic", "round": 0,
            "idx": np.arange(per_run), "seed": np.arange(per_run), "params": "{}",
            "condition": rng.choice(["clear", "rain", "fog", "night"], per_run), "log_f": rng.normal(0, 0.1, per_run),
            "log_q": rng.normal(0, 0.1, per_run), "template": "straight", "route": "outer",
            "km": rng.uniform(0.1, 0.5, per_run), "duration_s": rng.uniform(10, 40, per_run),
            "outcome": np.where(crash, "collision", "success"), "failure": crash,
            "failure_type": np.where(crash, "collision_vehicle", "none"),
            "collisions_pedestrian": (crash & (kind == 0)).astype(int),
            "collisions_vehicle": (crash & (kind == 1)).astype(int),
            "collisions_static": (crash & (kind == 2)).astype(int),
            "impact_speed_mps": np.where(crash, 8.0, 0.0), "collision_kind": "", "red_lights": 0, "off_road_m": 0.0,
            "wrong_way_m": 0.0, "min_ttc_s": rng.exponential(5, per_run), "min_distance_m": 5.0,
            "route_completion": 1.0, "clip_path": "", "handoffs": rng.poisson(0.1, per_run) if console else None,
            "max_grip_use": rng.uniform(0.1, 1.2, per_run)})
        store.db.register("frame", frame[column_names(EpisodeRow)])
        store.db.execute("INSERT INTO episodes SELECT * FROM frame")
        store.db.unregister("frame")
        if console:
            count = int(frame["handoffs"].sum())
            handoffs = pd.DataFrame({"run_id": run_id, "episode_id": rng.choice(frame["episode_id"], count),
                                     "start_s": rng.uniform(0, 30, count), "reason": "out_of_distribution",
                                     "urgency_s": 30.0, "wait_s": rng.exponential(2, count), "awareness_s": 15.0,
                                     "mode": "driving", "operator": rng.integers(0, 8, count),
                                     "operator_s": rng.uniform(10, 30, count), "resolution": "released_confident",
                                     "outcome": "ok", "operator_error": False, "frame_path": ""})
            samples = per_run * 30 // 64 * 4
            queue = pd.DataFrame({"run_id": run_id, "time_s": np.arange(samples) * 0.25,
                                  "waiting": rng.poisson(1, samples), "busy": rng.integers(0, 9, samples),
                                  "operators": 8, "remote_driving": rng.integers(0, 5, samples), "open_requests": "[]"})
            for table, row_type, values in (("handoffs", HandoffRow, handoffs), ("teleop_queue", QueueRow, queue)):
                store.db.register("frame", values[column_names(row_type)])
                store.db.execute(f"INSERT INTO {table} SELECT * FROM frame")
                store.db.unregister("frame")
        run_ids.append(run_id)
    store.close()
    return run_ids


def pages(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> dict:
    """Each page's queries and computations on the newest run (a console run for Teleop)."""
    run, baseline = run_ids[-1], run_ids[-2]
    console_run = [r for i, r in enumerate(run_ids) if i % 4 == 3][-1]

    def nines():
        return store_queries.weighted_rates(con, run_ids, "crash", family_table(), 0.95)

    def regression():
        a, b = (weighted_rate_from_sums(store_queries.family_sums(con, r, "failure"), family_table())
                for r in (baseline, run))
        weighted_rate_ratio(a, b)
        family_changes(a.families, b.families)
        return store_queries.newly_failing(con, baseline, run)

    def replays():
        failed = store_queries.failed_episodes(con, run)
        return store_queries.episode(con, run, failed["episode_id"].iloc[0])

    return {
        "Nines": lambda: (store_queries.runs(con), store_queries.streams_of(con, run), nines()),
        "Curves": lambda: (curves_page.rate_curve(con, run, "crash"),
                           store_queries.family_sums(con, run, "crash"), family_table()),
        "Families": lambda: (families_page.family_rows(con, run, "crash"), store_queries.criticality(con, run),
                             store_queries.by_condition(con, run)),
        "Teleop": lambda: (teleop_page.summary(con, console_run), teleop_page.sweep(con, "synthetic")),
        "Regression": regression,
        "Replays": replays,
        "Console": lambda: store_queries.latest_queue(con, console_run),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.duckdb"
        start = time.perf_counter()
        run_ids = synthetic_store(path, args.episodes, args.runs)
        print(f"machine: {platform.machine()}; store of {args.episodes:,} synthetic episodes over {args.runs} runs "
              f"built in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 2 ** 20:.0f} MiB)")
        con = duckdb.connect(str(path), read_only=True)
        for page, load in pages(con, run_ids).items():
            start = time.perf_counter()
            load()
            print(f"  {page:10s} {time.perf_counter() - start:6.2f} s (target < 2 s)")
        con.close()


if __name__ == "__main__":
    main()
