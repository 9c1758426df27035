"""Scenario families of your own: from an installed package's entry point (examples/own_driver
carries `slow-truck`, which CI installs) and by import path, listed by `nines families`, run
with cross-entropy sampling, estimated by `nines report` with their exposure, rerun by episode
id; a name that does not resolve to a family is one line, exit 2."""
import json

import duckdb
import pytest

from run_helpers import nines_here

CE_SUITE = """
name: truck
seed: 2
batch: 8
clips: false
driver: expert
families:
  - {family: slow-truck, sampler: ce, ce: {rounds: 2, per_round: 8}}
  - {family: team_families:WIDE_LOAD, episodes: 4}
"""

TEAM_FAMILIES = '''
from scenarios.actor_builders import car, episode
from scenarios.family import Family
from scenarios.parameters import Continuous, uniform


def _build(p, seed):
    return episode(p, seed, "straight", "main", 5.0, 12.0, [car((1, -1), 60.0, p["lead_speed"])])


WIDE_LOAD = Family("wide_load", "a slow wide load ahead", "team catalogue", "straight",
                   (Continuous("lead_speed", "m/s", 2.0, 6.0, uniform(2.0, 4.0), "assumed"),),
                   0.01, "team survey 2026", _build)
NOT_A_FAMILY = 3
'''


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "suite.yaml").write_text(CE_SUITE)
    (tmp_path / "team_families.py").write_text(TEAM_FAMILIES)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_nines_families_lists_an_installed_family_with_where_it_comes_from(monkeypatch, capsys):
    result = nines_here(monkeypatch, capsys, "families")
    assert result.returncode == 0
    listing = " ".join(result.stdout.split())
    assert ("slow-truck (assumed): a slow truck ahead in the ego lane (Euro NCAP CCRm with a truck, from "
            "nines-own-driver 0.1.0)") in listing
    assert "nominal_urban" in listing and "gap: 25..120 m" in listing


def test_own_families_run_with_ce_are_estimated_and_rerun(folder, monkeypatch, capsys):
    run = nines_here(monkeypatch, capsys, "run", "suite.yaml", "--no-progress")
    assert run.returncode == 0, run.stderr
    with duckdb.connect("runs.duckdb", read_only=True) as con:
        run_id, = con.execute("SELECT run_id FROM runs").fetchone()
        rows = con.execute("SELECT family, sampler, count(*), count(DISTINCT log_q - log_f) FROM episodes "
                           "GROUP BY family, sampler ORDER BY family").fetchall()
        episode_id, = con.execute("SELECT episode_id FROM episodes WHERE family = 'team_families:WIDE_LOAD' "
                                  "ORDER BY episode_id LIMIT 1").fetchone()
    assert rows[0][:3] == ("slow-truck", "ce", 16) and rows[0][3] > 1  # CE's proposals weigh its episodes
    assert rows[1][:3] == ("team_families:WIDE_LOAD", "naturalistic", 4)
    report = nines_here(monkeypatch, capsys, "report", run_id, "--json")
    assert report.returncode == 0, report.stderr
    families = {f["family"]: f for f in json.loads(report.stdout)["families"]}
    assert families["slow-truck"]["exposure_per_km"] == pytest.approx(0.05)
    assert families["team_families:WIDE_LOAD"]["exposure_per_km"] == pytest.approx(0.01)
    truck = families["slow-truck"]
    assert truck["kind"] == "weighted" and truck["episodes"] + truck["exploring_episodes"] == 16 and truck["assumed"]
    again = nines_here(monkeypatch, capsys, "rerun", run_id, episode_id)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("name, message", [
    ("team_families:NOT_A_FAMILY", "family 'team_families:NOT_A_FAMILY' is a int; expected a scenarios.family.Family"),
    ("team_families:MISSING", "team_families has no attribute 'MISSING'"),
    ("no_team.families:X", "no_team.families does not import (ModuleNotFoundError"),
    ("no_such_family", "unknown family 'no_such_family'"),
])
def test_a_name_that_is_no_family_is_one_line_exit_2(folder, monkeypatch, capsys, name, message):
    (folder / "bad.yaml").write_text(CE_SUITE.replace("team_families:WIDE_LOAD", name))
    result = nines_here(monkeypatch, capsys, "run", "bad.yaml")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (folder / "runs.duckdb").exists()
