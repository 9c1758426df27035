"""Bringing your own driver: by import path with arguments, from an installed package's entry
point (examples/own_driver, which CI installs), rebuilt exactly by rerun, split, resume and
Ray; and every way a driver can be wrong is one line, exit 2, nothing stored (or, mid-run,
exit 1 with the finished episodes kept and --resume going on)."""
import duckdb
import pytest

from run_helpers import nines_here

SUITE = """
name: own
seed: 3
batch: 4
clips: false
families:
  - {family: lead_vehicle_stopped, episodes: 3}
  - {family: nominal_urban, episodes: 3}
"""

DRIVERS = '''
import os
import torch
from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput

class Fixed:
    needs = DriverNeeds()
    capabilities = DriverCapabilities()

    def __init__(self, batch, control, fail_after_s):
        self.batch, self.control, self.fail_after_s = batch, control, fail_after_s

    def reset(self, starts):
        pass

    def act(self, obs, truth=None):
        if self.fail_after_s is not None and float(obs.time_s.max()) > self.fail_after_s \\
                and os.path.exists(os.environ["FAIL_FLAG"]):
            raise RuntimeError("lost its GPU")
        control = torch.tensor([self.control] * self.batch, dtype=torch.float32)
        return DriverOutput(control, diagnostics={"throttle_asked": control[:, 1], "time_seen_s": obs.time_s})

def creep(context, throttle=0.3, fail_after_s=None):
    return Fixed(context.batch_size, [0.0, float(throttle), 0.0], fail_after_s)

def nan(context):
    return Fixed(context.batch_size, [float("nan"), 0.0, 0.0], None)

def wide(context):
    class Wide(Fixed):
        def act(self, obs, truth=None):
            return DriverOutput(torch.zeros(self.batch, 4))
    return Wide(context.batch_size, None, None)

def rambling(context):
    class Rambling(Fixed):
        def act(self, obs, truth=None):
            return DriverOutput(torch.zeros(self.batch, 3), diagnostics={"gap_m": torch.zeros(self.batch, 2)})
    return Rambling(context.batch_size, None, None)

def broken(context):
    raise OSError("weights.bin not found")

def weighted(context, weights):
    return Fixed(context.batch_size, [0.0, float(open(weights).read()), 0.0], None)
'''


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "suite.yaml").write_text(SUITE)
    (tmp_path / "team_drivers.py").write_text(DRIVERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("FAIL_FLAG", str(tmp_path / "fail"))
    return tmp_path


def _stored(db) -> tuple[list, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, status, driver, driver_spec FROM runs").fetchall()
        episodes = con.execute("SELECT episode_id, outcome, km FROM episodes ORDER BY episode_id").fetchall()
    return runs, episodes


@pytest.mark.parametrize("driver, args, message", [
    ("team_drivers:nothing", [], "has no factory 'nothing'"),
    ("no_such_team.drivers:make", [], "no_such_team.drivers does not import (ModuleNotFoundError"),
    ("team_drivers:creep", ["--driver-arg", "gain=2"], "unexpected keyword argument 'gain'"),
    ("team_drivers:creep", ["--driver-arg", "throttle"], "--driver-arg 'throttle' is malformed"),
    ("team_drivers:broken", [], "its factory raised OSError: weights.bin not found"),
    ("team_drivers:nan", [], "returned steer = nan in slot 0"),
    ("team_drivers:wide", [], "returned control (4, 4) torch.float32; expected float32 [4, 3]"),
    ("team_drivers:creep", ["--operators", "2"], "reports no confidence"),
    ("team_drivers:rambling", [], "returned diagnostic 'gap_m' of shape (4, 2); expected [4]"),
])
def test_a_wrong_driver_is_one_line_exit_2_and_nothing_is_stored(folder, monkeypatch, capsys, driver, args, message):
    db = folder / "runs.duckdb"
    result = nines_here(monkeypatch, capsys, "run", folder / "suite.yaml", "--driver", driver, *args, "--db", db,
                        "--no-progress")
    assert result.returncode == 2, result.stderr + result.stdout
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not db.exists() or _stored(db) == ([], [])


def test_an_import_path_driver_runs_with_its_arguments_and_is_recorded(folder, monkeypatch, capsys):
    db = folder / "runs.duckdb"
    result = nines_here(monkeypatch, capsys, "run", folder / "suite.yaml", "--driver", "team_drivers:creep",
                        "--driver-arg", "throttle=0.2", "--db", db, "--no-progress")
    assert result.returncode == 0, result.stderr
    runs, episodes = _stored(db)
    assert len(episodes) == 6 and runs[0][1:3] == ("complete", "team_drivers:creep")
    assert '"args": {"throttle": 0.2}' in runs[0][3]
    with duckdb.connect(str(db), read_only=True) as con:  # its named diagnostics, every 0.25 s of every episode
        logged = con.execute("SELECT episode_id, time_s, name, value FROM diagnostics").df()
    assert set(logged["episode_id"]) == {e[0] for e in episodes}
    assert ((logged[logged["name"] == "throttle_asked"]["value"] - 0.2).abs() < 1e-6).all()
    seen = logged[logged["name"] == "time_seen_s"]
    assert ((seen["value"] - seen["time_s"]).abs() < 1e-4).all() and len(seen) > 6 * 10
    steps = seen.sort_values("time_s").groupby("episode_id")["time_s"].diff().dropna()
    assert ((steps - 0.25).abs() < 1e-3).all()


def test_a_changed_checkpoint_is_refused_by_rerun_and_resume(folder, monkeypatch, capsys):
    db, weights = folder / "runs.duckdb", folder / "weights.txt"
    weights.write_text("0.4")
    result = nines_here(monkeypatch, capsys, "run", folder / "suite.yaml", "--driver", "team_drivers:weighted",
                        "--driver-arg", f"weights={weights}", "--db", db, "--no-progress")
    assert result.returncode == 0, result.stderr
    (run_id, *_), episodes = _stored(db)[0][0], _stored(db)[1]
    again = nines_here(monkeypatch, capsys, "rerun", run_id, episodes[0][0], "--db", db)
    assert again.returncode == 0, again.stderr
    weights.write_text("0.9")
    for args in (("rerun", run_id, episodes[0][0]), ("run", "--resume", run_id)):
        refused = nines_here(monkeypatch, capsys, *args, "--db", db)
        assert refused.returncode == 2 and "has changed since the run started" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


def test_a_driver_that_raises_mid_run_stops_it_and_resume_goes_on(folder, monkeypatch, capsys):
    db = folder / "runs.duckdb"
    (folder / "fail").write_text("")
    # 4 slots, 6 episodes: the first one ends (a crash at 5 s) before the driver breaks at 5.5 s
    first = nines_here(monkeypatch, capsys, "run", folder / "suite.yaml", "--driver", "team_drivers:creep",
                       "--driver-arg", "throttle=0.6", "--driver-arg", "fail_after_s=5.5", "--db", db,
                       "--no-progress")
    assert first.returncode == 1 and "raised RuntimeError: lost its GPU" in first.stderr, first.stderr
    assert "--resume" in first.stderr and "episodes in flight: " in first.stderr
    runs, stored = _stored(db)
    assert runs[0][1] == "running" and 0 < len(stored) < 6
    assert all(outcome != "timeout" for _, outcome, _ in stored)  # none stored as a driving result of the crash
    (folder / "fail").unlink()
    second = nines_here(monkeypatch, capsys, "run", "--resume", runs[0][0], "--db", db, "--no-progress")
    assert second.returncode == 0, second.stderr
    runs, episodes = _stored(db)
    assert runs[0][1] == "complete" and len(episodes) == 6 and set(stored) <= set(episodes)


@pytest.mark.slow
def test_a_driver_that_raises_in_a_ray_worker_stops_the_run_with_its_one_line(folder):
    import os
    import subprocess
    import sys

    (folder / "fail").write_text("")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "nines", "run", "suite.yaml", "--driver", "team_drivers:creep",
                             "--driver-arg", "throttle=0.6", "--driver-arg", "fail_after_s=5.5", "--no-progress",
                             "--executor", "ray", "--workers", "2"], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode in (1, 2), result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("nines:")]
    assert len(lines) == 1 and "raised RuntimeError: lost its GPU" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_installed_example_drives_locally_and_on_ray_and_reruns_and_splits_the_same(folder, monkeypatch,
                                                                                         capsys):
    """examples/own_driver, installed with its entry point: `--driver own-driver`."""
    import subprocess
    import sys

    from nines.rerun import rerun
    from nines.store import Store

    db = folder / "runs.duckdb"
    local = nines_here(monkeypatch, capsys, "run", folder / "suite.yaml", "--driver", "own-driver", "--driver-arg",
                       "cruise_speed_mps=8", "--db", db, "--no-progress")
    assert local.returncode == 0, local.stderr
    on_ray = subprocess.run([sys.executable, "-m", "nines", "run", str(folder / "suite.yaml"), "--driver", "own-driver",
                             "--driver-arg", "cruise_speed_mps=8", "--db", str(db), "--no-progress", "--executor", "ray",
                             "--workers", "2"], capture_output=True, text=True, timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        runs = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY created").fetchall()]
        spec = con.execute("SELECT driver_spec FROM runs").fetchone()[0]
        tables = [con.execute("SELECT episode_id, outcome, km, duration_s FROM episodes WHERE run_id = ? "
                              "ORDER BY episode_id", [run]).fetchall() for run in runs]
    assert '"distribution": "nines-own-driver"' in spec and len(tables[0]) == 6
    assert tables[0] == tables[1]  # the same outcomes, km and durations on Ray
    failed = [row for row in tables[0] if row[1] == "collision"]
    assert failed, "the example never brakes: it hits the stopped lead car"
    store = Store(db, read_only=True)
    again = rerun(store, runs[0], failed[0][0])
    store.close()
    assert again.record.outcome == failed[0][1]
    assert (again.record.km, again.record.time_s) == pytest.approx(failed[0][2:])
    split = nines_here(monkeypatch, capsys, "split", runs[0], "--db", db)
    # the example shares nothing with the expert, which drives these episodes without failing
    assert split.returncode == 0 and f"causes (the expert re-drives each failure): driver {len(failed)}\n" in \
        split.stdout, split.stdout
