"""Bad suites: one line naming the file, the field and what was expected; exit code 2; no
traceback; nothing written to the store. A property test mutates valid suites 500 times."""
import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from run_helpers import nines_here
from scenarios.suite import SuiteError, load_suite

SMOKE = Path(__file__).resolve().parent.parent / "scenarios" / "suites" / "smoke.yaml"
BASE = yaml.safe_load(SMOKE.read_text())


def write(tmp_path: Path, data, name="suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def with_family(**entry):
    data = copy.deepcopy(BASE)
    data["families"] = [entry]
    return data


@pytest.mark.parametrize("data, names", [
    (with_family(family="moon_landing", episodes=2), ["families[0].family", "unknown family 'moon_landing'"]),
    (with_family(family="slower_lead", episodes=-3), ["families[0].episodes", "-3"]),
    (with_family(family="slower_lead", episodes=2, fixed={"lead_speed": 40.0}), ["lead_speed = 40.0", "outside"]),
    (with_family(family="slower_lead", episodes=2, fixed={"wings": 1.0}), ["no parameter 'wings'"]),
    (with_family(family="slower_lead"), ["exactly one of episodes or km"]),
    (with_family(family="slower_lead", episodes=2, weather={"hail": 1.0}), ["weather condition 'hail'"]),
    ({**BASE, "families": [{"family": "slower_lead", "episodes": 2}] * 2},
     ["families: family slower_lead is listed more than once"]),
    ({**BASE, "batch": 0}, ["batch", "greater than or equal to 1"]),
    ({**BASE, "camera": {"width": 5}}, ["camera.width"]),
    ({**BASE, "colour": "red"}, ["colour", "Extra inputs"]),
    ("families: [unclosed\n", ["malformed YAML", "line"]),
    ("- just\n- a list\n", ["mapping"]),
])
def test_bad_suite_names_file_field_and_expectation(tmp_path, data, names):
    path = write(tmp_path, data)
    with pytest.raises(SuiteError) as error:
        load_suite(path)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path))
    for name in names:
        assert name in message, message


def test_cli_rejects_bad_suites_with_exit_2_and_writes_nothing(tmp_path, monkeypatch, capsys):
    cases = {"unknown.yaml": with_family(family="moon_landing", episodes=2),
             "negative.yaml": with_family(family="slower_lead", episodes=-1), "broken.yaml": "a: [b\n"}
    db = tmp_path / "runs.duckdb"
    for name, data in cases.items():
        path = write(tmp_path, data, name)
        result = nines_here(monkeypatch, capsys, "run", path, "--db", db)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr
        assert not db.exists()
    missing = subprocess.run([sys.executable, "-m", "nines", "run", str(tmp_path / "nope.yaml"), "--db", str(db)],
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "no such suite file" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr
    assert not db.exists()


MUTATIONS = st.sampled_from(["drop", "negate", "string", "huge", "unknown_key", "null", "list"])


def mutate(data, path, how, draw_value):
    """Apply one mutation at a path of keys/indices into the suite."""
    target = data
    for key in path[:-1]:
        target = target[key]
    key = path[-1]
    if how == "drop":
        del target[key]
    elif how == "negate" and isinstance(target[key], (int, float)) and not isinstance(target[key], bool):
        target[key] = -target[key] - 1
    elif how == "string":
        target[key] = "not-a-" + str(key)
    elif how == "huge":
        target[key] = 10 ** 12
    elif how == "unknown_key" and isinstance(target, dict):
        target[f"unexpected_{draw_value}"] = 1
    elif how == "null":
        target[key] = None
    elif how == "list":
        target[key] = [target[key]]


def paths(data, prefix=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield prefix + (key,)
            yield from paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield prefix + (index,)
            yield from paths(value, prefix + (index,))


ALL_PATHS = list(paths(BASE))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), MUTATIONS, st.integers(0, 99)), min_size=1, max_size=3))
def test_mutated_suites_load_or_fail_with_one_line(tmp_path, mutations):
    data = copy.deepcopy(BASE)
    for path, how, value in mutations:
        try:
            mutate(data, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue
    suite_path = write(tmp_path, data)
    try:
        suite = load_suite(suite_path)
    except SuiteError as error:
        message = str(error)
        assert "\n" not in message and message.startswith(str(suite_path)) and ": " in message
        return
    assert suite.families and all(entry.family for entry in suite.families)
