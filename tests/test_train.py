"""train.py end to end on CPU: on-the-fly expert data, resuming, and training from a dataset
recorded by `nines collect`; bad input ends with one line and exit code 2."""
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from nines.dataset_files import load_dataset
from perception import checkpoint
from perception.obstacle_rays import MAX_RANGE_M
from run_helpers import run_here

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--batch", "8", "--sim-batch", "4", "--buffer-size", "256", "--eval-episodes", "1", "--members", "2",
         "--no-progress"]
SUITE = "name: tiny\nseed: 3\nbatch: 4\nfamilies:\n  - {family: nominal_urban, episodes: 2}\n" \
        "  - {family: lead_vehicle_stopped, episodes: 1}\n"


def train(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "train.py"), *SMALL, *args], capture_output=True, text=True,
                          timeout=900, cwd=cwd)


def nines(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nines", *args], capture_output=True, text=True, timeout=900, cwd=cwd)


def test_train_on_the_fly_writes_checkpoints_and_resumes(tmp_path):
    out = tmp_path / "run"
    first = train("--out", str(out), "--steps", "4", "--save-every", "2", "--eval-every", "100")
    assert first.returncode == 0, first.stderr
    payload = checkpoint.read(out / "last.pt")
    assert payload["training_state"]["step"] == 4
    net, metadata = checkpoint.load(out / "camera.pt", 128, 64)
    assert metadata["camera"]["width"] == 128 and metadata["training"]["steps"] == 4
    assert metadata["evaluation"]["episodes"] == 2 and 0 <= metadata["evaluation"]["route_completion"] <= 1
    # calibration was fitted on the training data: the OOD statistics moved off their defaults
    assert not torch.equal(net.feature_mean, torch.zeros_like(net.feature_mean))
    before = {k: v.clone() for k, v in payload["state_dict"].items()}
    second = train("--out", str(out), "--steps", "6", "--save-every", "2", "--eval-every", "100",
                   "--eval-episodes", "0")
    assert second.returncode == 0, second.stderr
    resumed = checkpoint.read(out / "last.pt")
    assert resumed["training_state"]["step"] == 6
    assert any(not torch.equal(before[k], v) for k, v in resumed["state_dict"].items() if v.is_floating_point())
    assert (out / "tb").is_dir() and any((out / "tb").iterdir())


def test_collect_then_train_from_the_dataset(tmp_path):
    (tmp_path / "tiny.yaml").write_text(SUITE)
    result = nines("collect", "tiny.yaml", "--out", "data", "--every", "20", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    dataset = load_dataset(tmp_path / "data")
    n = len(dataset.samples)
    assert n > 50 and dataset.samples.frames.shape[1:] == (64, 128, 3)
    assert dataset.samples.frames.dtype == torch.uint8 and dataset.samples.frames.float().std() > 10
    # the stopped lead vehicle is in the labels: some frames have an obstacle on a ray
    assert (dataset.samples.targets.obstacle_distance_m < MAX_RANGE_M).any()
    assert set(np.unique(dataset.samples.targets.drivable.numpy())) <= {0.0, 1.0}
    trained = train("--out", str(tmp_path / "run"), "--steps", "3", "--data", str(tmp_path / "data"),
                    "--eval-every", "100", "--eval-episodes", "0")
    assert trained.returncode == 0, trained.stderr
    _, metadata = checkpoint.load(tmp_path / "run" / "camera.pt", 128, 64)
    assert metadata["training"]["data"] == str(tmp_path / "data")
    assert metadata["evaluation"] == {} and "evaluation: none" in trained.stdout  # --eval-episodes 0


def train_here(monkeypatch, capsys, *args) -> subprocess.CompletedProcess:
    """train.py run as a script in this process (its imports are already loaded)."""
    return run_here(monkeypatch, capsys, ["train.py", *SMALL, *args],
                    lambda: runpy.run_path(str(ROOT / "train.py"), run_name="__main__"))


def test_bad_training_input_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    results = [(train_here(monkeypatch, capsys, "--out", tmp_path / "run", "--steps", "2", *args), message)
               for args, message in ((["--data", tmp_path / "missing"], "not found"),
                                     (["--camera", "12x5"], "--camera '12x5'"),
                                     (["--device", "tpu"], "--device 'tpu'"))]
    results.append((train("--out", str(tmp_path / "run"), "--steps", "2", "--data", str(tmp_path / "data")),
                    "no meta.json"))
    for result, message in results:
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_the_own_policy_example_trains_on_the_stream_and_runs_through_nines_by_import_path(tmp_path):
    """examples/train_own_policy.py: a policy of its own from the public IterableDataset, then
    `nines run --driver train_own_policy:OwnDriver` (a few steps: the path, not the skill)."""
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT / "examples")}
    trained = subprocess.run([sys.executable, str(ROOT / "examples" / "train_own_policy.py"), "3",
                              str(tmp_path / "policy.pt")], capture_output=True, text=True, env=env,
                             timeout=600)
    assert trained.returncode == 0 and "step 0: loss" in trained.stdout, trained.stderr
    (tmp_path / "suite.yaml").write_text("name: own\nbatch: 2\nclips: false\nfamilies:\n"
                                         "  - {family: nominal_urban, episodes: 2}\n")
    run = subprocess.run([sys.executable, "-m", "nines", "run", str(tmp_path / "suite.yaml"), "--driver",
                          "train_own_policy:OwnDriver", "--driver-arg", f"weights={tmp_path / 'policy.pt'}",
                          "--db", str(tmp_path / "runs.duckdb"), "--no-progress"], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("episode nominal_urban:naturalistic:0:") == 2
