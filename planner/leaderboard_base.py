"""A stand-in for the CARLA Leaderboard's agent base class, for machines without the leaderboard.

Leaderboard agents subclass `leaderboard.autoagents.autonomous_agent.AutonomousAgent`; the
leaderboard package is not on PyPI, so where it is not installed `install()` registers this
module's classes under those names before an agent file is imported. The interface follows
Leaderboard 2.x: `__init__(carla_host, carla_port, debug=False)`, `setup(path_to_conf_file)`,
`sensors()`, `set_global_plan(global_plan_gps, global_plan_world_coord)` (which keeps a
thinned copy in `_global_plan` and `_global_plan_world_coord`), `run_step(input_data,
timestamp)` and `destroy()`. Where the real package is installed, it is used instead.
"""
from __future__ import annotations

import importlib.util
import math
import sys
import types
from enum import Enum, IntEnum

PLAN_SPACING_M = 200.0  # the Leaderboard thins the plan it keeps to about one point per 200 m


class Track(Enum):
    SENSORS = "SENSORS"
    MAP = "MAP"


class RoadOption(IntEnum):
    """The road options of a route point, with CARLA's `agents.navigation.local_planner` values."""

    VOID = -1
    LEFT = 1
    RIGHT = 2
    STRAIGHT = 3
    LANEFOLLOW = 4
    CHANGELANELEFT = 5
    CHANGELANERIGHT = 6


def thinned(world_route: list) -> list[int]:
    """Indices of the plan points kept: the first, the last, every change of road option, and
    a point at least every PLAN_SPACING_M (world_route: [(carla.Transform, RoadOption), ...])."""
    keep, travelled = [0], 0.0
    for i in range(1, len(world_route)):
        a, b = world_route[i - 1][0].location, world_route[i][0].location
        travelled += math.hypot(b.x - a.x, b.y - a.y)
        if world_route[i][1] != world_route[i - 1][1] or travelled >= PLAN_SPACING_M or i == len(world_route) - 1:
            keep.append(i)
            travelled = 0.0
    return keep


class AutonomousAgent:
    """The base a Leaderboard agent derives from; subclasses override setup, sensors and run_step."""

    def __init__(self, carla_host: str = "127.0.0.1", carla_port: int = 2000, debug: bool = False):
        self.track = Track.SENSORS
        self._global_plan = None
        self._global_plan_world_coord = None
        self.wallclock_t0 = None

    def setup(self, path_to_conf_file: str) -> None:
        pass

    def sensors(self) -> list[dict]:
        return []

    def run_step(self, input_data: dict, timestamp: float):
        raise NotImplementedError("a Leaderboard agent implements run_step")

    def destroy(self) -> None:
        pass

    def set_global_plan(self, global_plan_gps: list, global_plan_world_coord: list) -> None:
        keep = thinned(global_plan_world_coord)
        self._global_plan_world_coord = [global_plan_world_coord[i] for i in keep]
        self._global_plan = [global_plan_gps[i] for i in keep]


def install() -> None:
    """Make `leaderboard.autoagents.autonomous_agent` importable: the real one where installed,
    this module otherwise."""
    if "leaderboard.autoagents.autonomous_agent" in sys.modules or importlib.util.find_spec("leaderboard"):
        return
    package, autoagents = types.ModuleType("leaderboard"), types.ModuleType("leaderboard.autoagents")
    package.__path__, autoagents.__path__ = [], []
    package.autoagents = autoagents
    autoagents.autonomous_agent = sys.modules[__name__]
    sys.modules.update({"leaderboard": package, "leaderboard.autoagents": autoagents,
                        "leaderboard.autoagents.autonomous_agent": sys.modules[__name__]})


def road_option_type() -> type:
    """CARLA's RoadOption where its `agents` package is installed (the PyPI wheel has none), ours otherwise."""
    try:
        from agents.navigation.local_planner import RoadOption as CarlaRoadOption
    except ImportError:
        return RoadOption
    return CarlaRoadOption
