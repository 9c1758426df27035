"""Benchmark: the regression suite with the privileged expert, end to end into a DuckDB store.

Prints wall time, episodes/s and simulated km per hour of wall time on this machine, next to
the targets (regression suite under 5 minutes, >= 2,000 simulated km/h on 2 CPU cores).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nines.run_settings import RunSettings  # noqa: E402
from nines.runner import execute_run, new_run  # noqa: E402
from nines.store import Store  # noqa: E402
from scenarios.suite import load_suite  # noqa: E402

SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "suites" / "regression.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    suite = load_suite(args.suite)
    settings = RunSettings("expert", args.batch or suite.batch, args.device)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        run_id = new_run(store, suite, args.suite.read_text(), settings)
        start = time.perf_counter()
        table = execute_run(store, run_id, show_progress=False)
        elapsed = time.perf_counter() - start
        store.close()
    episodes, km = int(table.episodes.sum()), float(table.km.sum())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device {args.device}, "
          f"batch {settings.batch}")
    print(f"{suite.name}: {episodes} episodes, {km:.2f} km, {int(table.failures.sum())} failures in {elapsed:.1f} s")
    print(f"{episodes / elapsed:.2f} episodes/s, {km / (elapsed / 3600):.0f} simulated km/h "
          f"(targets: under 300 s, >= 2000 km/h)")


if __name__ == "__main__":
    main()
