"""Shared fixtures: the map bank is built once per test session."""
import pytest

from sim.map_bank import build_map_bank


@pytest.fixture(scope="session")
def bank():
    return build_map_bank("cpu")
