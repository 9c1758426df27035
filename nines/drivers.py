"""The drivers a run can use, by name."""
from __future__ import annotations

from planner.expert import ExpertDriver
from planner.lane_keeping import LaneKeepingDriver

DRIVERS = {"expert": ExpertDriver, "lane_keeping": LaneKeepingDriver}


def make_driver(name: str):
    return DRIVERS[name]()
