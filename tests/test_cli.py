"""The command line: bad input ends with one line and exit code 2; render writes a picture.

Bad input goes through the console script's own entry point (`nines.cli.main`) in this
process, which is what `nines` runs; two cases also run as the real `nines` command."""
import subprocess
import sys

import cv2
import pytest

from run_helpers import nines_here

NINES = [sys.executable, "-m", "nines"]


def run(*args, cwd=None):
    return subprocess.run(NINES + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


BAD_INPUT = [
    (["render", "--map", "moon_base"], "map 'moon_base'"),
    (["render", "--weather", "clear_noon:fog_density=150"], "weather.fog_density = '150'"),
    (["render", "--weather", "sandstorm"], "weather preset 'sandstorm'"),
    (["render", "--weather", "night:fog_density"], "key=value"),
    (["render", "--width", "4"], "camera.width = 4"),
    (["render", "--fov", "200"], "camera.fov_deg = 200"),
    (["render", "--out", "/no/such/folder/x.png"], "output folder"),
    (["render", "--height", "abc"], "Invalid value"),
    (["serve-carla", "--camera", "800by600"], "WIDTHxHEIGHT"),
    (["serve-carla", "--map", "moon_base"], "map 'moon_base'"),
    (["run", "smoke", "--backend", "carla", "--carla-port", "2998"], "no CARLA server answers at 127.0.0.1:2998"),
    (["run", "smoke", "--backend", "unreal"], "backend 'unreal'"),
    (["run", "smoke", "--backend", "carla", "--operators", "2"], "embedded backend only"),
    (["run", "smoke", "--executor", "spark"], "executor 'spark'"),
    (["run", "smoke", "--executor", "ray", "--address", "127.0.0.1:1"], "no Ray cluster answers at 127.0.0.1:1"),
    (["run", "smoke", "--executor", "ray", "--operators", "2"], "local executor only"),
    (["calibrate-monitor", "--out", "m.pt", "--seeds", "1,two"], "--seeds '1,two'"),
    (["calibrate-monitor", "--out", "m.pt", "--checkpoint", "none.pt"], "checkpoint none.pt not found"),
    (["calibrate-monitor", "--out", "m.pt", "--device", "tpu"], "device 'tpu'"),
]


def _assert_refused_and_nothing_written(code: int, stderr: str, names: str, folder) -> None:
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert any(names in line for line in lines), stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("args, names", BAD_INPUT)
def test_bad_input_is_one_line_and_exit_code_2(args, names, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = nines_here(monkeypatch, capsys, *args)
    _assert_refused_and_nothing_written(result.returncode, result.stderr, names, tmp_path)


@pytest.mark.parametrize("args, names", [BAD_INPUT[0], BAD_INPUT[7]])
def test_the_nines_command_prints_the_same_one_line(args, names, tmp_path):
    result = run(*args, cwd=tmp_path)
    _assert_refused_and_nothing_written(result.returncode, result.stderr, names, tmp_path)


def test_render_writes_a_tile_per_weather(tmp_path):
    out = tmp_path / "frame.png"
    result = run("render", "--map", "junction_4way", "--weather", "clear_noon", "--weather", "night",
                 "--width", "128", "--height", "64", "--out", str(out))
    assert result.returncode == 0, result.stderr
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] >= 64 and image.shape[1] >= 2 * 128


def test_a_request_without_options_runs_the_suite_as_written():
    """`nines run SUITE` and `nines demo` build a RunRequest; what it leaves unset is the suite's."""
    from nines.run_request import ConsoleOptions, RunRequest, read_suite
    from nines.run_settings import RunSettings
    from teleop.config import TeleopConfig

    _, suite = read_suite("smoke")
    planned = RunRequest(suite="smoke").plan()
    assert planned.suite == suite
    assert planned.settings == RunSettings(suite.driver, suite.batch, suite.device, {}, None, suite.backend, None,
                                           "local", None)
    console = RunRequest(suite="smoke", console=ConsoleOptions(operators=4)).plan().settings.teleop
    assert console == TeleopConfig(operators=4).model_dump()
