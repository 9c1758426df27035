"""Real faults, each ending cleanly: a store file that is corrupt or cut short is refused with
one line and exit code 2 and left as it was; a disk that refuses writes mid-run stops the run
with one line, and `--resume` once there is room ends with exactly the episodes of an
uninterrupted run. (SIGKILL of the runner: tests/test_runner.py; a Ray worker killed:
tests/test_scale.py; the CARLA server killed: tests/test_carla.py.)"""
import os
import resource
import shutil
import subprocess
import sys

import pytest

from run_helpers import KILLABLE_EPISODES, episode_table, nines, nines_here

# RLIMIT_FSIZE caps every file the run writes: DuckDB's main file needs its 12,288 bytes of
# headers, and its write-ahead log then holds the run and only some of its 12 episodes
FILE_LIMIT_BYTES = 12288


def _damaged_store(kind: str, killable, tmp_path):
    db = tmp_path / "runs.duckdb"
    if kind == "not a database":
        db.write_bytes(b"this is not a database" * 100)
    else:
        suite, _ = killable
        shutil.copy(suite.parent / "whole.duckdb", db)
        os.truncate(db, db.stat().st_size // 2)
    return db


@pytest.mark.parametrize("kind, expected", [("not a database", "not a usable DuckDB store"),
                                            ("truncated", "truncated")])
def test_a_corrupt_or_truncated_store_is_refused_and_left_untouched(kind, expected, killable, tmp_path, monkeypatch,
                                                                   capsys):
    db = _damaged_store(kind, killable, tmp_path)
    before = db.read_bytes()
    for args in (["run", "smoke"], ["report", "killable"]):
        result = nines_here(monkeypatch, capsys, *args, "--db", db)
        assert result.returncode == 2 and expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["runs.duckdb"]


def test_a_full_disk_stops_the_run_cleanly_and_resume_loses_nothing(tmp_path, killable):
    suite, expected = killable
    db = tmp_path / "full.duckdb"
    full = subprocess.run([sys.executable, "-m", "nines", "run", str(suite), "--db", str(db), "--no-progress"],
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE,
                                                                (FILE_LIMIT_BYTES, FILE_LIMIT_BYTES)))
    assert full.returncode == 1, full.stderr
    assert len(full.stderr.strip().splitlines()) == 1 and "the disk refused a write" in full.stderr
    partial, runs = episode_table(db)
    assert f"--resume {runs[0][0]}" in full.stderr
    assert runs[0][1] == "running" and 0 < len(partial) < KILLABLE_EPISODES, "the disk should fill mid-run"

    resumed = nines("run", "--resume", runs[0][0], "--db", str(db), "--no-progress")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    final, runs = episode_table(db)
    assert runs[0][1] == "complete" and final.equals(expected)
