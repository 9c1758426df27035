"""What the runner, fault, scale and dashboard tests share: a small suite of 12 expert
episodes, `nines` as a subprocess, a command line (`nines`, train.py) through its entry point
in this process, a store's episode table in a comparable form, a free port, and the
benchmark scripts of bench/ as modules."""
import functools
import importlib.util
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import duckdb

KILLABLE_SUITE = """
name: killable
seed: 11
batch: 4
clips: false
families:
  - {family: lead_vehicle_brakes, episodes: 6}
  - {family: slower_lead, episodes: 6}
"""
KILLABLE_EPISODES = 12
COMPARED = ["episode_id", "family", "seed", "params", "log_f", "log_q", "km", "duration_s", "outcome",
            "min_ttc_s", "min_distance_m", "collisions_vehicle"]


def nines(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nines", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def run_here(monkeypatch, capsys, argv: list, entry: Callable[[], object]) -> subprocess.CompletedProcess:
    """A command line run by calling its entry point in this process with sys.argv = argv (a
    subprocess spends seconds importing and setting up) -> its exit code and output."""
    monkeypatch.setattr(sys, "argv", [str(arg) for arg in argv])
    try:
        entry()
    except SystemExit as exit_:
        output = capsys.readouterr()
        return subprocess.CompletedProcess(sys.argv, exit_.code, output.out, output.err)
    raise AssertionError(f"{argv[0]} returned without an exit code")


def nines_here(monkeypatch, capsys, *args) -> subprocess.CompletedProcess:
    """`nines ARGS` through the console script's entry point (`nines.cli.main`) in this process."""
    from nines.cli import main

    return run_here(monkeypatch, capsys, ["nines", *args], main)


def wait_for_lines(process: subprocess.Popen, prefix: str, count: int = 1) -> None:
    """Read `nines run --no-progress` output until `count` lines start with `prefix` (an
    "episode " line is printed after its episode is stored)."""
    seen = 0
    while seen < count:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        seen += line.startswith(prefix)


def episode_table(db_path):
    """(the episodes' COMPARED columns sorted by id, [(run_id, status)])."""
    db = duckdb.connect(str(db_path), read_only=True)
    table = db.execute(f"SELECT {', '.join(COMPARED)} FROM episodes ORDER BY episode_id").df()
    runs = db.execute("SELECT run_id, status FROM runs").fetchall()
    db.close()
    return table, runs


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port_block(size: int) -> int:
    """A port P on 127.0.0.1 such that nothing listens on P .. P + size - 1 now (serve-carla
    takes its port and the next one for streams; Ray worker k takes port + 2k)."""
    for base in range(free_port() % 20000 + 30000, 65535 - size, size):
        probes = [socket.socket() for _ in range(size)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no block of free ports")


BENCH = Path(__file__).resolve().parent.parent / "bench"


@functools.cache
def bench_module(name: str) -> ModuleType:
    """bench/NAME.py as a module. bench/ goes at the end of the path, so its scripts (e.g.
    bench/dashboard.py) never shadow the packages of the same name."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module
