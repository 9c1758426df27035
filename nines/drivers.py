"""Drivers by name, and what a run records to rebuild its driver exactly.

A driver name is one of:
- a built-in: expert (the privileged expert), lane_keeping (the baseline), camera (the camera
  stack, from `checkpoint`, the shipped one by default) and blind (the camera stack seeing
  black frames);
- an entry point of the `nines.drivers` group, which an installed package declares;
- an import path, package.module:factory;
- leaderboard:path/to/agent.py, a CARLA Leaderboard agent file hosted unmodified
  (planner/leaderboard_host.py; its argument agent_config is the agent's configuration).
Each names a factory `factory(context: DriverContext, **args) -> Driver` (the interface is
planner/driver_interface.py). `driver_spec` resolves a name and its arguments before a run
starts (refusing, in one line, what cannot be imported or bound) and records where the
factory came from and a hash of every file its arguments name; `make_driver` rebuilds it
from that record for `--resume`, `rerun`, Ray workers and the dashboard, and refuses when
a recorded file has changed.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable

from perception.checkpoint import SHIPPED, CheckpointError, monitor
from planner.driver_interface import Driver, DriverContext, DriverError

ENTRY_POINT_GROUP = "nines.drivers"
LEADERBOARD = "leaderboard:"  # leaderboard:path/to/agent.py, a CARLA Leaderboard agent (planner.leaderboard_host)


def _expert(context: DriverContext) -> Driver:
    from planner.expert import ExpertDriver

    return ExpertDriver()


def _lane_keeping(context: DriverContext, cruise_speed_mps: float = 10.0) -> Driver:
    from planner.lane_keeping import LaneKeepingDriver

    return LaneKeepingDriver(float(cruise_speed_mps))


def _camera_stack(context: DriverContext, checkpoint: str, blind: bool) -> Driver:
    from perception.camera_stack import CameraStack
    from planner.camera_driver import CameraDriver

    path = checkpoint_path(checkpoint)
    stack = CameraStack.from_checkpoint(path, context.camera.width, context.camera.height, context.device)
    return CameraDriver(stack, blind=blind, monitor=load_monitor(path, context.device))


def _camera(context: DriverContext, checkpoint: str = "") -> Driver:
    return _camera_stack(context, checkpoint, blind=False)


def _blind(context: DriverContext, checkpoint: str = "") -> Driver:
    return _camera_stack(context, checkpoint, blind=True)


BUILT_IN: dict[str, Callable[..., Driver]] = {"expert": _expert, "lane_keeping": _lane_keeping, "camera": _camera,
                                              "blind": _blind}
CAMERA_DRIVERS = ("camera", "blind")


def checkpoint_path(checkpoint: str) -> Path:
    """The checkpoint a camera driver loads: the given path, or the shipped one when empty."""
    return Path(checkpoint) if checkpoint else SHIPPED


def load_monitor(path: Path, device: str = "cpu"):
    """The failure monitor the checkpoint carries, or None."""
    from planner.failure_monitor import FailureMonitor

    saved = monitor(path)
    if saved is None:
        return None
    failure_monitor = FailureMonitor()
    try:
        failure_monitor.load_state_dict(saved["state_dict"])
    except (RuntimeError, KeyError, TypeError):
        raise CheckpointError(f"checkpoint {path} carries a failure monitor that does not match this version's "
                              "(refit it with `nines calibrate-monitor`)") from None
    return failure_monitor.eval().to(device)


@dataclass(frozen=True)
class DriverSpec:
    """A run's driver as stored with it: its name (built-in, entry point or import path), its
    arguments, the distribution that provides it and its version ("" for nines' own), and the
    sha256 of each file its arguments name (a camera driver's checkpoint)."""

    name: str
    args: dict = field(default_factory=dict)
    distribution: str = ""
    version: str = ""
    files: dict[str, str] = field(default_factory=dict)


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {point.name: point for point in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def resolve(name: str) -> tuple[Callable[..., Driver], str, str]:
    """(factory, distribution, version) of a driver name."""
    if name in BUILT_IN:
        return BUILT_IN[name], "", ""
    if name.startswith(LEADERBOARD):
        from planner.leaderboard_host import hosted_agent

        return functools.partial(hosted_agent, agent_file=name[len(LEADERBOARD):]), "", ""
    points = _entry_points()
    if name in points:
        point = points[name]
        try:
            factory = point.load()
        except Exception as error:  # a third party's import may raise anything
            raise DriverError(f"driver {name!r}: its entry point {point.value} does not import "
                              f"({type(error).__name__}: {error})") from None
        dist = point.dist
        return factory, dist.name if dist else "", dist.version if dist else ""
    module_name, colon, attribute = name.partition(":")
    if not colon or not module_name or not attribute:
        known = ", ".join([*BUILT_IN, *points])
        raise DriverError(f"driver {name!r} is unknown; expected one of: {known}, or package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # a third party's import may raise anything
        raise DriverError(f"driver {name!r}: {module_name} does not import ({type(error).__name__}: {error})") from None
    factory = vars(module).get(attribute)
    if not callable(factory):
        raise DriverError(f"driver {name!r}: {module_name} has no factory {attribute!r}")
    package = module_name.split(".")[0]
    distributions = metadata.packages_distributions().get(package, [])
    distribution = distributions[0] if distributions else ""
    return factory, distribution, metadata.version(distribution) if distribution else ""


def _file_hashes(args: dict) -> dict[str, str]:
    """sha256 of each argument that names an existing file."""
    hashes = {}
    for value in args.values():
        if isinstance(value, str) and value and Path(value).is_file():
            hashes[value] = hashlib.sha256(Path(value).read_bytes()).hexdigest()
    return hashes


def driver_spec(name: str, args: dict) -> DriverSpec:
    """The checked specification of a driver: it imports, and its factory takes these args."""
    if name.startswith(LEADERBOARD):
        name = LEADERBOARD + str(Path(name[len(LEADERBOARD):]).resolve())
    factory, distribution, version = resolve(name)
    try:
        inspect.signature(factory).bind(None, **args)
    except TypeError as error:
        raise DriverError(f"driver {name!r}: {error}; its factory takes {inspect.signature(factory)}") from None
    files = dict(_file_hashes(args))
    if name.startswith(LEADERBOARD):
        files.update(_file_hashes({"agent": name[len(LEADERBOARD):]}))
    if name in CAMERA_DRIVERS and not args.get("checkpoint"):
        files.update(_file_hashes({"checkpoint": str(SHIPPED)}))
    return DriverSpec(name, dict(args), distribution, version, files)


def check_files(spec: DriverSpec) -> None:
    """Refuse a stored spec whose files (a checkpoint) are gone or changed since the run began."""
    for path, digest in spec.files.items():
        if not Path(path).is_file():
            raise DriverError(f"driver {spec.name!r}: {path} is gone since the run started")
        if hashlib.sha256(Path(path).read_bytes()).hexdigest() != digest:
            raise DriverError(f"driver {spec.name!r}: {path} has changed since the run started (sha256 differs); "
                              "restore it, or start a new run")


def make_driver(spec: DriverSpec, context: DriverContext) -> Driver:
    """The driver of a stored spec; refuses when a file it named has changed since."""
    check_files(spec)
    factory, _, _ = resolve(spec.name)
    try:
        return factory(context, **spec.args)
    except (CheckpointError, DriverError):
        raise
    except Exception as error:  # a third party's factory may raise anything
        raise DriverError(f"driver {spec.name!r}: its factory raised {type(error).__name__}: {error}") from None
