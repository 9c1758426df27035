"""Runs a suite into the store: plans its episodes, has its executor drive them (this process,
with continuous batching, or chunks on Ray: nines/episode_stream.py, nines/ray_executor.py)
and writes each finished episode at once, so `resume` after a kill loses and repeats nothing.

A run is its stored suite text plus settings: resuming re-plans the same episodes from them
and skips the ones already stored. km-budget families keep the shortest prefix of their
episode sequence that reaches the budget; CE rounds are planned from the stored results of
the rounds before.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import asdict, replace
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from nines.drivers import CAMERA_DRIVERS, checkpoint_path, driver_spec
from nines.episode_stream import BackendNote, EpisodeResult, InfrastructureNote, StreamItem, stream_episodes
from nines.failure_clips import write_clip
from nines.ray_executor import RayOptions, stream_on_ray
from nines.run_settings import RunSettings
from nines.store import Store, StoreWriteError
from nines.store_rows import DiagnosticRow, EpisodeRow, EventRow, HandoffRow, QueueRow, RunRow, TickRow
from scenarios.episode_plan import EpisodeTask, budget_tasks, ce_round_tasks, fixed_tasks
from scenarios.suite import Suite, suite_from_yaml


def code_version() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def new_run(store: Store, suite: Suite, suite_yaml: str, settings: RunSettings) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_id = f"{suite.name}-{stamp}-{os.urandom(2).hex()}"
    spec = driver_spec(settings.driver, settings.driver_args)
    settings = replace(settings, driver_source={"distribution": spec.distribution, "version": spec.version,
                                                "files": spec.files})
    checkpoint = (str(checkpoint_path(settings.driver_args.get("checkpoint", ""))) if settings.driver in CAMERA_DRIVERS
                  else "")
    store.create_run(RunRow(run_id, datetime.now(timezone.utc), suite.name, suite_yaml, code_version(),
                            settings.driver, checkpoint, json.dumps(settings.__dict__), settings.backend,
                            settings.device, "running", json.dumps(asdict(spec))))
    return run_id


def _store_episode(store: Store, run_id: str, item: EpisodeResult, clip_dir: Path, console: bool) -> EpisodeRow:
    """Write one finished episode (its clip, row, events, ticks, diagnostics, handoffs and the console's
    queue since the episode before); returns its row."""
    episode_id = item.task.episode_id
    clip = ""
    if item.clip is not None:
        try:
            clip = str(write_clip(clip_dir / f"{episode_id.replace(':', '_')}.png", item.clip))
        except OSError as error:
            raise StoreWriteError(f"{clip_dir}: the disk refused a failure clip ({error})") from None
    row = EpisodeRow.of(run_id, item.task, item.slot, item.record, clip, len(item.handoffs) if console else None)
    store.write_episode(
        row, [EventRow(run_id, episode_id, e.time_s, e.kind, e.detail, e.value) for e in item.events],
        [TickRow(run_id, episode_id, c.time_s, c.confidence, c.reason) for c in item.confidence],
        [DiagnosticRow(run_id, episode_id, d.time_s, d.name, d.value) for d in item.diagnostics],
        [HandoffRow.of(run_id, episode_id, h) for h in item.handoffs],
        [QueueRow.of(run_id, sample) for sample in item.queue_samples])
    return row


class _Budget:
    """A km-budget family: launches episodes in order until its stored prefix reaches the budget."""

    def __init__(self, suite: Suite, position: int, km_done: dict[int, float]):
        self.budget_km = suite.families[position].km
        self.km_done = dict(km_done)
        self.tasks = budget_tasks(suite, position)

    def prefix_end(self) -> int | None:
        """Index of the last episode of the shortest complete prefix reaching the budget."""
        total, index = 0.0, 0
        while index in self.km_done:
            total += self.km_done[index]
            if total >= self.budget_km:
                return index
            index += 1
        return None

    def __iter__(self):
        for task in self.tasks:
            if self.prefix_end() is not None:
                return
            if task.index not in self.km_done:
                yield task


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def execute_run(store: Store, run_id: str, show_progress: bool = True,
                on_episode: Callable[[EpisodeRow], None] | None = None):
    """Run (or resume) `run_id` to completion on its executor; returns the per-family summary
    of its episodes. `on_episode` sees every stored episode row as it is written."""
    run = store.run(run_id)
    suite = suite_from_yaml(run["suite_yaml"])
    settings = RunSettings.stored(json.loads(run["config"]))
    store.set_status(run_id, "running")
    done = store.done_episodes(run_id)
    done_ids = set(done["episode_id"])
    clip_dir = store.path.parent / "clips" / run_id
    totals = {"episodes": len(done), "km": float(done["km"].sum()) if len(done) else 0.0,
              "failures": int(done["failure"].sum()) if len(done) else 0}
    start = time.perf_counter()
    budgets = {p: _Budget(suite, p, {int(r.idx): float(r.km) for r in done[done.family == e.family].itertuples()})
               for p, e in enumerate(suite.families) if e.km is not None}
    notes: set[str] = set()

    def write(item: StreamItem) -> None:
        if isinstance(item, BackendNote):
            notes.add(item.text)
            return
        if isinstance(item, InfrastructureNote):
            store.write_infrastructure_error(run_id, item.task.episode_id, item.attempt, item.message)
            progress.console.print(f"infrastructure error under {item.task.episode_id} (attempt {item.attempt}, not "
                                   f"a driving failure): {item.message}", soft_wrap=True)
            return
        task, record = item.task, item.record
        row = _store_episode(store, run_id, item, clip_dir, settings.teleop is not None)
        if on_episode is not None:
            on_episode(row)
        for position, budget in budgets.items():
            if suite.families[position].family == task.family:
                budget.km_done[task.index] = record.km
        totals["episodes"] += 1
        totals["km"] += record.km
        totals["failures"] += int(record.failed)
        elapsed_h = (time.perf_counter() - start) / 3600
        progress.update(bar, advance=1, description=(
            f"{totals['episodes']} episodes, {totals['km']:.2f} km, {totals['failures']} failures, "
            f"{totals['km'] / max(elapsed_h, 1e-9):.0f} km/h"))

    fixed = [t for p, e in enumerate(suite.families) if e.episodes is not None and e.sampler != "ce"
             for t in fixed_tasks(suite, p) if t.episode_id not in done_ids]
    ce_positions = [p for p, e in enumerate(suite.families) if e.sampler == "ce"]
    planned = len(fixed) + sum(suite.families[p].ce.per_round * suite.families[p].ce.rounds for p in ce_positions)

    def waves() -> Iterator[Iterator[EpisodeTask]]:
        """Round 0 holds the fixed and km-budget families; each CE round is planned from the
        stored results of the rounds before, so it is planned only when asked for."""
        rounds = max([suite.families[p].ce.rounds for p in ce_positions], default=1)
        for round_ in range(rounds):
            ce_tasks = []
            for p in ce_positions:
                if round_ >= suite.families[p].ce.rounds:
                    continue
                history = ce_history(store, run_id, suite.families[p].family, round_)
                ce_tasks += [t for t in ce_round_tasks(suite, p, round_, history) if t.episode_id not in done_ids]
            yield _chain(*((fixed, *budgets.values()) if round_ == 0 else ()), ce_tasks)

    if settings.executor == "ray":
        stream = stream_on_ray(settings, suite, waves(), RayOptions(**settings.ray), planned)
    else:
        console_resume_s = store.queue_end_s(run_id) if settings.teleop is not None and len(done) else None
        stream = stream_episodes(settings, suite, waves(), clip_dir, console_resume_s)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                        disable=not show_progress, transient=False)
    with progress, closing(stream):
        bar = progress.add_task("starting", total=planned or None)
        for item in stream:
            write(item)
        for note in sorted(notes):
            progress.console.print(f"{settings.backend} backend: {note}")
    _trim_budgets(store, run_id, suite, budgets)
    store.set_status(run_id, "complete")
    return summary(store, run_id)


def ce_history(store: Store, run_id: str, family: str, before_round: int) -> list[dict]:
    rows = store.db.execute(
        "SELECT round, params, log_f, log_q, outcome, min_ttc_s, max_grip_use FROM episodes WHERE run_id = ? "
        "AND family = ? AND sampler = 'ce' AND round < ? ORDER BY round, idx",
        [run_id, family, before_round]).fetchall()
    return [{"round": r, "params": json.loads(p), "log_f": lf, "log_q": lq, "outcome": o, "min_ttc_s": t,
             "max_grip_use": g} for r, p, lf, lq, o, t, g in rows]


def _trim_budgets(store: Store, run_id: str, suite: Suite, budgets: dict[int, _Budget]) -> None:
    for position, budget in budgets.items():
        end = budget.prefix_end()
        extra = [f"{suite.families[position].family}:{suite.families[position].sampler}:0:{i}"
                 for i in budget.km_done if end is not None and i > end]
        store.drop_episodes(run_id, extra)


def summary(store: Store, run_id: str):
    """Per-family table of a run: episodes, km, failures."""
    return store.db.execute(
        "SELECT family, count(*) AS episodes, sum(km) AS km, sum(failure::INT) AS failures "
        "FROM episodes WHERE run_id = ? GROUP BY family ORDER BY family", [run_id]).df()
