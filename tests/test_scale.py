"""Scale-out on real engines: a Ray cluster of 2 CPUs started here runs the killable suite
into exactly the episode table of the local executor, even when one of its workers is killed
mid-chunk and then the driver itself (resumed on Ray); torchrun runs train.py on two gloo
ranks that hold identical parameters after every step, rank 0 alone writes, and a second
launch resumes from its checkpoint."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from perception import checkpoint
from run_helpers import KILLABLE_EPISODES, episode_table, free_port, nines, wait_for_lines

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ray_address():
    port = free_port()
    started = subprocess.run([str(BIN / "ray"), "start", "--head", "--num-cpus", "2", "--num-gpus", "0",
                              f"--port={port}", "--include-dashboard=false", "--disable-usage-stats"],
                             capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stderr
    yield "auto"  # the cluster just started here (an explicit HOST:PORT also needs RAY_AUTH_MODE=token)
    subprocess.run([str(BIN / "ray"), "stop", "--force"], capture_output=True, timeout=120)


def _chunk_workers() -> list[int]:
    """PIDs of Ray workers now running a chunk (Ray titles them after the task)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(b"ray::drive_chunk"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_ray_runs_the_suite_into_the_local_executors_episode_table(ray_address, killable, tmp_path):
    suite, expected = killable
    db = tmp_path / "ray.duckdb"
    run = nines("run", str(suite), "--db", str(db), "--no-progress", "--executor", "ray", "--address", ray_address,
                "--workers", "2")
    assert run.wait(timeout=600) == 0, run.stderr.read()
    table, runs = episode_table(db)
    assert runs[0][1] == "complete" and table.equals(expected)


def test_a_killed_worker_and_a_killed_driver_lose_and_repeat_nothing(ray_address, killable, tmp_path):
    suite, expected = killable
    db = tmp_path / "ray.duckdb"
    run = nines("run", str(suite), "--db", str(db), "--no-progress", "--executor", "ray", "--address", ray_address,
                "--workers", "2")
    wait_for_lines(run, "episode ")
    workers = _chunk_workers()
    assert workers, "no Ray worker is running a chunk"
    os.kill(workers[0], signal.SIGKILL)
    wait_for_lines(run, "infrastructure error under")  # stored, its episode queued again
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)
    partial, runs = episode_table(db)
    assert runs[0][1] == "running" and 0 < len(partial) < KILLABLE_EPISODES

    resumed = nines("run", "--resume", runs[0][0], "--db", str(db), "--no-progress")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    final, runs = episode_table(db)
    assert runs[0][1] == "complete" and final.equals(expected)
    store = duckdb.connect(str(db), read_only=True)
    lost = store.execute("SELECT episode_id, message FROM infrastructure_errors").fetchall()
    store.close()
    # the killed worker's unfinished episodes were reported as infrastructure, never as driving
    assert lost and all("Ray worker lost mid-chunk" in message for _, message in lost)
    assert {episode for episode, _ in lost} <= set(final["episode_id"])


def test_torchrun_ranks_stay_identical_rank_zero_writes_and_a_relaunch_resumes(tmp_path):
    out = tmp_path / "ddp"
    small = ["--batch", "8", "--sim-batch", "4", "--buffer-size", "256", "--eval-episodes", "0", "--members", "2",
             "--no-progress", "--out", str(out), "--save-every", "2", "--eval-every", "100", "--check-ranks"]

    def launch(steps: int) -> str:
        result = subprocess.run([str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", str(ROOT / "train.py"),
                                 *small, "--steps", str(steps)], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    first = launch(3)
    assert [f"step {k}: parameters identical on 2 ranks" in first for k in (1, 2, 3)] == [True] * 3
    payload = checkpoint.read(out / "last.pt")
    assert payload["training_state"]["step"] == 3 and payload["metadata"]["training"]["world_size"] == 2
    assert len(list((out / "tb").iterdir())) == 1  # one TensorBoard writer: rank 0's

    second = launch(5)
    assert "rank 0: resuming" in second and "rank 1: resuming" in second and "at step 3" in second
    assert [f"step {k}: parameters identical" in second for k in (3, 4, 5)] == [False, True, True]
    assert checkpoint.read(out / "last.pt")["training_state"]["step"] == 5
