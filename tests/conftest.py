"""Shared fixtures: the map bank is built once per test session, and so is the reference
(uninterrupted, local) run of the killable suite that the fault and scale tests compare with."""
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
