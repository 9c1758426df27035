"""The labelled training stream as a public IterableDataset: observation and labels with their
shapes, a seed stream per torchrun rank, DAgger with any driver as the student."""
import itertools

import pytest
import torch

from nines.drivers import DriverError
from nines.training_stream import LabelledStream, StreamSettings
from perception.obstacle_rays import RAYS
from sim.camera import CameraConfig

CAMERA = CameraConfig(width=64, height=32)


def _first(settings: StreamSettings, items: int = 3) -> list:
    return list(itertools.islice(iter(LabelledStream(settings)), items))


def test_items_carry_the_observation_and_every_label(monkeypatch):
    monkeypatch.setenv("RANK", "0")
    samples = _first(StreamSettings(batch=4, camera=CAMERA), 1)[0]
    n = samples.frames.shape[0]
    assert samples.frames.shape == (n, 32, 64, 3) and samples.frames.dtype == torch.uint8 and n == 4
    assert samples.speed_mps.shape == (n,) and samples.route.shape == (n, 40, 2)
    targets = samples.targets
    assert targets.obstacle_distance_m.shape == (n, RAYS) and targets.waypoints.shape == (n, 5, 2)
    assert targets.light_class.dtype == torch.int64 and targets.target_speed_mps.shape == (n,)


def test_each_rank_draws_its_own_episodes_and_a_rank_repeats_itself(monkeypatch):
    settings = StreamSettings(batch=4, camera=CAMERA, seed=2)
    runs = {}
    for rank in ("0", "1", "0"):
        monkeypatch.setenv("RANK", rank)
        runs.setdefault(rank, []).append(torch.stack([s.speed_mps for s in _first(settings)]))
    assert torch.equal(runs["0"][0], runs["0"][1])
    assert not torch.equal(runs["0"][0], runs["1"][0])


def test_dagger_lets_the_student_drive_while_the_expert_labels(monkeypatch):
    monkeypatch.setenv("RANK", "0")
    expert = _first(StreamSettings(batch=4, camera=CAMERA, every=10), 4)
    student = _first(StreamSettings(batch=4, camera=CAMERA, every=10, student="lane_keeping",
                                    student_args={"cruise_speed_mps": 3.0}, student_share=1.0), 4)
    # the lane keeper holds 3 m/s where the expert drives the speed limit; the expert still labels
    assert student[-1].speed_mps.max() < 4.0 < expert[-1].speed_mps.max()
    assert student[-1].targets.target_speed_mps.max() > 4.0
    with pytest.raises(DriverError, match="unexpected keyword argument"):
        LabelledStream(StreamSettings(student="lane_keeping", student_args={"gain": 1}))
