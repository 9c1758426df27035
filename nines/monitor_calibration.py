"""`nines calibrate-monitor`: fit the camera stack's failure monitor on calibration runs and
write it into a checkpoint.

The calibration runs are the regression suite's families (or another suite's) in the
conditions that break cameras, under suite seeds of their own, so the regression suite's own
seeds stay held out for judging the monitor. The camera driver drives every episode (its
driving does not depend on the monitor: only what it reports does); every logged tick's
monitor inputs are labelled "does this episode fail within HORIZON_S", the label
reliability.monitor_quality scores, and planner.failure_monitor.fit_monitor fits the MLP.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nines.episode_stream import EpisodeResult, stream_episodes
from nines.report import ADVERSE_CONDITIONS
from nines.run_settings import RunSettings
from nines.user_error import UserError
from perception.checkpoint import with_monitor
from planner.failure_monitor import FEATURES, HORIZON_S, fit_monitor
from reliability.monitor_quality import auroc, failure_soon_labels
from scenarios.episode_plan import counted_tasks
from scenarios.suite import Suite


def calibration_suite(suite: Suite, seed: int) -> Suite:
    """The suite's families in the adverse conditions, evenly mixed, under `seed`."""
    weather = {condition: 1.0 for condition in ADVERSE_CONDITIONS}
    families = [e.model_copy(update={"weather": weather, "fixed": {}}) for e in suite.families]
    return suite.model_copy(update={"families": families, "seed": seed, "clips": False})


def labelled_ticks(results: list[EpisodeResult]) -> tuple[pd.DataFrame, np.ndarray]:
    """The logged ticks of finished episodes (episode_id, time_s, confidence) with their
    monitor inputs [N, F]."""
    ticks, features = [], []
    for result in results:
        if result.monitor_features is None:
            continue
        ticks += [(result.task.episode_id, c.time_s, c.confidence) for c in result.confidence]
        features.append(result.monitor_features)
    if not features:
        raise UserError("the driver logged no failure-monitor inputs; calibrate-monitor needs the camera driver")
    return pd.DataFrame(ticks, columns=["episode_id", "time_s", "confidence"]), np.concatenate(features)


def failure_times(results: list[EpisodeResult]) -> pd.Series:
    """Per episode: when it failed (its end), NaN if it did not."""
    return pd.Series({r.task.episode_id: r.record.time_s if r.record.failed else np.nan for r in results},
                     dtype=float)


def drive(settings: RunSettings, suite: Suite) -> list[EpisodeResult]:
    """Every episode of the suite, driven to its end."""
    tasks = counted_tasks(suite, "calibrate-monitor")
    return [item for item in stream_episodes(settings, suite, [tasks]) if isinstance(item, EpisodeResult)]


def calibrate(suite: Suite, seeds: list[int], checkpoint: Path, out: Path, batch: int, device: str,
              report=print) -> dict:
    """Drive the calibration runs, fit the monitor, write `checkpoint` + monitor to `out`;
    returns what the checkpoint records of it."""
    ticks, features, times = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        run_suite = calibration_suite(suite, seed)
        settings = RunSettings("camera", batch, device, {"checkpoint": str(checkpoint)})
        results = drive(settings, run_suite)
        seed_ticks, seed_features = labelled_ticks(results)
        seed_ticks["episode_id"] = f"{seed}:" + seed_ticks["episode_id"]
        seed_times = failure_times(results).rename(lambda e: f"{seed}:{e}")
        ticks.append(seed_ticks)
        features.append(seed_features)
        times.append(seed_times)
        report(f"seed {seed}: {len(results)} episodes, {int(seed_times.notna().sum())} failures, "
               f"{len(seed_ticks)} ticks in {time.perf_counter() - start:.0f} s")
    ticks, times = pd.concat(ticks, ignore_index=True), pd.concat(times)
    features = torch.tensor(np.concatenate(features))
    fails_soon = failure_soon_labels(ticks, times, HORIZON_S)
    if not fails_soon.any():
        raise UserError(f"the calibration runs (seeds {', '.join(map(str, seeds))}) had no failure to learn from; "
                        "add seeds or use a larger suite")
    monitor = fit_monitor(features, torch.tensor(fails_soon))
    risk = monitor.risk(features).numpy()
    info = {"features": list(FEATURES), "horizon_s": HORIZON_S, "suite": suite.name, "seeds": seeds,
            "conditions": list(ADVERSE_CONDITIONS), "ticks": len(ticks), "positive_ticks": int(fails_soon.sum()),
            "episodes": len(times), "failures": int(times.notna().sum()),
            "auroc_calibration": auroc(ticks.assign(confidence=1.0 - risk), times, HORIZON_S)}
    with_monitor(checkpoint, out, monitor.state_dict(), info)
    return info
