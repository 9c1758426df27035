"""Shared fixtures: the map bank is built once per test session, and so is the reference
(uninterrupted, local) run of the killable suite that the fault and scale tests compare with.

Which tests are `slow` (left out of `make test-fast`): those that start servers, Ray, torchrun
or Chromium, drive more than ~20 episodes, or simulate hundreds of CE runs. `make test` runs
them all."""
import pytest

from run_helpers import KILLABLE_SUITE, episode_table, nines
from sim.map_bank import build_map_bank


@pytest.fixture(scope="session")
def bank():
    return build_map_bank("cpu")


@pytest.fixture(scope="session")
def killable(tmp_path_factory):
    """(the killable suite's path, the episode table of its uninterrupted local run)."""
    folder = tmp_path_factory.mktemp("killable")
    suite = folder / "killable.yaml"
    suite.write_text(KILLABLE_SUITE)
    whole = nines("run", str(suite), "--db", str(folder / "whole.duckdb"), "--no-progress")
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    table, _ = episode_table(folder / "whole.duckdb")
    return suite, table


SLOW_MODULES = {
    "test_carla": "CARLA wire servers", "test_scale": "Ray and torchrun", "test_train": "training runs",
    "test_camera_stack": "closed-loop runs of the camera stack", "test_failure_monitor": "calibration runs",
    "test_faults": "killed and resumed runs", "test_compiled_step": "torch.compile's cold compile",
    "test_families": "every family driven", "test_runner": "suite runs", "test_teleop": "console runs",
    "test_report_cli": "runs to report on", "test_coverage": "hundreds of CE runs"}
SLOW_FIXTURES = {"store": "the dashboard's runs and its browser", "pools": "pools of CE runs",
                 "killable": "the killable suite's reference run"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__ in SLOW_MODULES or SLOW_FIXTURES.keys() & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)
