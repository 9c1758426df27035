"""`nines collect`: drive a suite's episodes with the privileged expert and record labelled
camera frames as a dataset (nines.dataset_files) for `train.py --data DIR`."""
from __future__ import annotations

from pathlib import Path

from nines.dataset_files import DatasetWriter
from nines.expert_rollouts import ExpertRollouts
from scenarios.episode_plan import counted_tasks
from scenarios.suite import Suite


def collect(suite: Suite, out: Path, every: int, batch: int, device: str) -> int:
    """Record every `every`-th tick of each episode of the suite; returns the sample count."""
    tasks = counted_tasks(suite, "collect")
    rollouts = ExpertRollouts(iter(tasks), min(batch, len(tasks)), suite.camera, device, every=every, seed=suite.seed)
    writer = DatasetWriter(out, suite.camera, f"embedded simulator, suite {suite.name} (seed {suite.seed}), "
                                              f"expert, every {every} ticks")
    while (samples := rollouts.next_samples()) is not None:
        writer.add(samples)
    rollouts.close()
    writer.close()
    return writer.count
