"""The failure monitor: fitting finds a real signal, is deterministic, and a calibrated
checkpoint makes the camera driver report 1 - the monitor's risk."""
import subprocess
import sys

import numpy as np
import pandas as pd
import torch

from nines.drivers import DriverSpec, make_driver
from planner.driver_interface import DriverContext
from perception.checkpoint import monitor
from planner.failure_monitor import FEATURES, fit_monitor
from reliability.monitor_quality import auroc
from sim.camera import CameraConfig
from sim.episode_spec import EpisodeSpec
from sim.world import BatchedWorld, WorldConfig


def _auroc(risk: np.ndarray, label: np.ndarray) -> float:
    ticks = pd.DataFrame({"episode_id": np.where(label, "fails", "passes"), "time_s": 0.0, "confidence": 1.0 - risk})
    return auroc(ticks, pd.Series({"fails": 0.0, "passes": np.nan}), 3.0)


def test_fit_finds_the_signal_and_is_deterministic():
    generator = torch.Generator().manual_seed(3)
    features = torch.randn(3000, len(FEATURES), generator=generator)
    # failures come when the approach is fast and the obstacle near, plus noise
    score = features[:, FEATURES.index("speed")] - features[:, FEATURES.index("log_obstacle_distance")]
    fails = score + 0.5 * torch.randn(3000, generator=generator) > 1.5
    first, second = fit_monitor(features, fails, steps=300), fit_monitor(features, fails, steps=300)
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        assert torch.equal(a, b)
    held_out = torch.randn(2000, len(FEATURES), generator=generator)
    truth = (held_out[:, FEATURES.index("speed")] - held_out[:, FEATURES.index("log_obstacle_distance")]) > 1.5
    risk = first.risk(held_out).numpy()
    assert ((risk >= 0) & (risk <= 1)).all()
    assert _auroc(risk, truth.numpy()) > 0.95
    assert _auroc(held_out[:, 0].numpy(), truth.numpy()) < 0.6  # an unrelated feature does not rank


def test_calibrated_checkpoint_drives_the_reported_confidence(tmp_path):
    out = tmp_path / "camera.pt"
    result = subprocess.run([sys.executable, "-m", "nines", "calibrate-monitor", "--suite", "smoke", "--seeds", "5",
                             "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    info = monitor(out)["info"]
    assert info["seeds"] == [5] and info["episodes"] == 16 and info["failures"] >= 1
    assert info["positive_ticks"] > 0 and info["auroc_calibration"] > 0.5
    camera = CameraConfig(width=128, height=64)
    driver = make_driver(DriverSpec("camera", {"checkpoint": str(out)}), DriverContext(2, "cpu", camera, 0.05, 0))
    assert driver.monitor is not None
    world = BatchedWorld(WorldConfig(batch_size=2, camera=camera))
    for slot in range(2):
        world.load(slot, EpisodeSpec("urban_street", "forward", seed=slot))
    for _ in range(3):
        output = driver.act(world.observe())
        world.step(output.control)
    world.close()
    expected = 1.0 - driver.monitor.risk(output.monitor_features)
    assert torch.equal(output.confidence, expected)
    assert not torch.equal(output.confidence, driver.plan_confidence)
