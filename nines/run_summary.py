"""What a person reads after `nines run`, `nines report` and `nines demo`: one screen of an
80-column terminal (at most SCREEN_ROWS rows once long lines wrap). The headline (the
exposure-weighted crash rate with its bound, the nines demonstrated, the human line), the
ladder's next rung, the families that carry the risk, the failures to look at with their
clips and the `nines rerun` command, and where the full tables are.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

SCREEN_ROWS = 24
MOST_FAILURES = 4
MOST_FAMILIES = 3


@dataclass
class Failure:
    """A failed episode: its id, its kind (e.g. collision_vehicle), its clip ("" without one)
    and its cause (perception / planning, "" before `nines split`)."""

    episode_id: str
    failure_type: str
    clip_path: str
    cause: str


def failures_of(episodes: pd.DataFrame, causes: pd.DataFrame) -> list[Failure]:
    """The run's failures, the most severe kinds (collisions with people first) first."""
    failed = episodes[episodes["failure"]]
    cause = dict(zip(causes["episode_id"], causes["cause"])) if len(causes) else {}
    order = {"collision_pedestrian": 0, "collision_vehicle": 1, "collision_static": 2}
    rows = sorted(failed.itertuples(), key=lambda r: (order.get(r.failure_type, 3), r.episode_id))
    return [Failure(r.episode_id, r.failure_type, r.clip_path or "", cause.get(r.episode_id, "")) for r in rows]


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2g}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _ladder_line(crash: dict) -> str:
    """The demonstrated nines and the first rung that is not, with the km it still needs."""
    for rung in crash["ladder"]:
        if rung["verdict"] == "demonstrated":
            continue
        if rung["verdict"] == "refuted":
            return f"next rung: 10^-{rung['nine']} per km is refuted by the failures seen"
        return (f"next rung: 10^-{rung['nine']} per km needs {rung['km_needed']:,.3g} more "
                "naturalistic-equivalent km without a crash")
    return "every rung up to 10^-9 per km is demonstrated"


def summary_lines(report: dict, failures: list[Failure], db: Path) -> list[str]:
    run_id = report["run_id"]
    crash = report["streams"]["crash"]["weighted"]
    human = next(r for r in report["human_reference"] if r["severity"] == "any crash")
    lines = [f"run {run_id}: {report['episodes']} episodes, {report['km']:.2f} km, {_count(len(failures), 'failure')}",
             f"crash rate {_rate(crash['rate'])} per km, exposure-weighted; {report['confidence']:.0%} bound "
             f"{_rate(crash['upper_one_sided'])}",
             f"nines demonstrated: {crash['nines_demonstrated']}; humans crash {human['per_km']:.2g} per km",
             _ladder_line(crash)]
    if crash["unhealthy_families"]:
        lines.append(f"flagged unreliable: {', '.join(crash['unhealthy_families'])}")
    carriers = sorted((f for f in crash["families"] if f["share"]), key=lambda f: -f["share"])[:MOST_FAMILIES]
    if carriers:
        lines.append("risk carried by: " + ", ".join(f"{f['family']} {f['share']:.0%}" for f in carriers))
    teleop = report["teleop"]
    if teleop is not None:
        lines.append(f"remote operations: {_count(teleop['handoffs'], 'handoff')}, wait median "
                     f"{_rate(teleop['wait_median_s'])} s, never served {teleop['never_served']}")
    if failures:
        lines.append(f"failures to look at ({min(len(failures), MOST_FAILURES)} of {len(failures)}):")
        for failure in failures[:MOST_FAILURES]:
            cause = f", {failure.cause}" if failure.cause else ""
            lines.append(f"  {failure.episode_id}: {failure.failure_type}{cause}")
            if failure.clip_path:
                lines.append(f"    clip {Path(failure.clip_path).name}")
        clips = {str(Path(f.clip_path).parent) for f in failures if f.clip_path}
        if clips:
            lines.append(f"  clips in {sorted(clips)[0]}")
        lines.append(f"  drive one again: nines rerun {run_id} {failures[0].episode_id} --db {db}")
    lines += [f"all tables: nines report {run_id} --full (or --json) --db {db}",
              f"dashboard: nines dashboard --db {db}"]
    return lines


def print_summary(console: Console, report: dict, failures: list[Failure], db: Path) -> None:
    for line in summary_lines(report, failures, db):
        console.print(line, soft_wrap=True, highlight=False, markup=False)
