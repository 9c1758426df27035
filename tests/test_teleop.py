"""The remote-operations console on real closed-loop runs of the shipped camera stack: fog
makes it hand off and clear weather does not, a broken camera is a hard trigger, with no
free operator the queue grows while the minimal-risk manoeuvre stops the cars, latency makes
remote driving worse on the same episodes; the staffing formula against a long
discrete-event run of the queue; bad console settings. (A run through the CLI with a console,
its store tables and the report's interventions ladder: tests/test_dashboard.py.)"""
import dataclasses
import heapq
import sys

import numpy as np
import pytest
import torch

from nines.cli import main
from nines.closed_loop import finished_episodes
from nines.drivers import DriverSpec, make_driver
from planner.driver_interface import DriverContext
from reliability import staffing
from scenarios.episode_plan import fixed_tasks
from scenarios.suite import Suite
from sim.camera import CameraConfig
from sim.map_bank import LANE_TYPE_CODES
from sim.weather import PRESETS
from sim.world import BatchedWorld, WorldConfig
from teleop.config import TeleopConfig
from teleop.console import TeleopDriver
from teleop.operations_centre import OperationsCentre, Request


def _tasks(families: dict[str, int], condition: str = "clear", seed: int = 0) -> list:
    suite = Suite(name="t", seed=seed, camera={"width": 128, "height": 64}, clips=False,
                  families=[{"family": f, "episodes": n, "fixed": {"condition": condition}}
                            for f, n in families.items()])
    return [t for p in range(len(suite.families)) for t in fixed_tasks(suite, p)]


def _with_weather(tasks: list, preset: str) -> list:
    return [dataclasses.replace(t, spec=dataclasses.replace(t.spec, weather=PRESETS[preset])) for t in tasks]


def _drive(tasks: list, config: TeleopConfig, **world_config) -> tuple[list[dict], TeleopDriver]:
    """Every task through the camera stack behind a console; one result per episode."""
    world = BatchedWorld(WorldConfig(batch_size=len(tasks), camera=CameraConfig(width=128, height=64),
                                     **world_config))
    context = DriverContext(len(tasks), "cpu", world.config.camera, world.config.dt_s, 0)
    camera = make_driver(DriverSpec("camera"), context)
    driver = TeleopDriver(camera, config, len(tasks), world.config.dt_s, "cpu")
    results = []

    for episode in finished_episodes(world, driver, tasks, keep_clips=False, console=driver):
        record, slot = episode.record, episode.slot
        results.append({"index": tasks.index(episode.task), "outcome": record.outcome, "handoffs": episode.handoffs,
                        "completion": record.progress_m / record.route_length_m,
                        "lane_type": int(world.bank.lane_type[world.bank.lane_at(
                            world.template[slot], torch.stack([world.ego.x_m[slot], world.ego.y_m[slot]]))]),
                        "collisions": record.collisions_vehicle + record.collisions_pedestrian
                        + record.collisions_static})
    world.close()
    return sorted(results, key=lambda r: r["index"]), driver


def test_fog_makes_the_camera_stack_hand_off_and_clear_weather_rarely_does():
    clear = _tasks({"nominal_urban": 4, "lead_vehicle_brakes": 4})
    fog = _with_weather(clear, "dense_fog")
    broken = _with_weather(clear[:2], "black_frame")
    results, _ = _drive(clear + fog + broken, TeleopConfig(operators=18))
    handed = [bool(r["handoffs"]) for r in results]
    assert sum(handed[:8]) <= 1
    assert sum(handed[8:16]) >= 5
    reasons = {h.reason for r in results[16:] for h in r["handoffs"]}
    assert reasons == {"sensor_fault"}
    assert all(h.wait_s == 0.0 for r in results for h in r["handoffs"])  # an operator was always free


def test_without_free_operators_the_queue_grows_and_the_cars_stop():
    tasks = _tasks({"pedestrian_far_side": 3})  # an urban street with an empty parking lane
    always = dict(threshold=1.0, dwell_s=0.0)  # every vehicle asks at once
    # a car standing still for 10 s counts as blocked (30 s by default; shorter keeps the test quick)
    results, driver = _drive(tasks, TeleopConfig(operators=0, **always), blocked_after_s=10.0)
    waiting = [s.waiting for s in driver.queue_samples]
    full = waiting.index(3)
    assert waiting[:full] == sorted(waiting[:full]) and set(waiting[full:full + 40]) == {3}  # 10 s and more
    assert all(r["outcome"] == "blocked" for r in results)  # the minimal-risk manoeuvre stood them still
    # they stop at the road edge: in the parking lane, which the camera sees free
    assert all(r["lane_type"] == LANE_TYPE_CODES["parking"] and r["collisions"] == 0 for r in results)
    rows = [h for r in results for h in r["handoffs"]]
    assert len(rows) == 3 and all(h.wait_s is None and h.outcome == "blocked_while_waiting" for h in rows)

    staffed, _ = _drive(tasks, TeleopConfig(operators=3, **always))
    waits = [h.wait_s for r in staffed for h in r["handoffs"]]
    assert waits and max(waits) <= 0.5


def test_more_latency_makes_remote_driving_worse_on_the_same_episodes():
    tasks = _tasks({"lead_vehicle_brakes": 8}, seed=1)
    remote = dict(operators=8, mode="driving", threshold=1.0, dwell_s=0.0, release_threshold=1.0,
                  path_awareness_s=0.5, awareness_sigma=0.0)
    fast, _ = _drive(tasks, TeleopConfig(latency_ms=0.0, jitter_ms=0.0, **remote))
    slow, _ = _drive(tasks, TeleopConfig(latency_ms=600.0, jitter_ms=120.0, **remote))
    assert all(h.mode == "driving" for r in fast + slow for h in r["handoffs"])
    assert sum(r["collisions"] > 0 for r in slow) >= sum(r["collisions"] > 0 for r in fast) + 2
    assert np.mean([r["completion"] for r in slow]) < np.mean([r["completion"] for r in fast]) - 0.05


def test_staffing_matches_the_reference_examples():
    # 3 % of time in assistance, 30 s sessions, P(wait > 5 s) <= 5 %: 7, 14 and 100 agents
    for vehicles, agents in ((100, 7), (300, 14), (3000, 100)):
        assert staffing.operators_needed(vehicles * 0.03 / 30, 30.0, 5.0, 0.05) == agents


def _simulated_waits(operators: int, arrival_per_s: float, service_s: float, requests: int) -> np.ndarray:
    """A discrete-event run of the operations centre with Poisson arrivals and exponential
    service: the queue model of the console, with every request equally urgent."""
    rng = np.random.default_rng(0)
    centre, events, waits = OperationsCentre(operators), [], []
    arrivals = np.cumsum(rng.exponential(1 / arrival_per_s, requests))
    for slot, time_s in enumerate(arrivals):
        heapq.heappush(events, (time_s, 1, slot))
    while events:
        now, kind, value = heapq.heappop(events)
        if kind == 1:
            centre.submit(Request(value, 1.0, now, "test"))
        else:
            centre.release(value)
        for request in centre.assign(now):
            waits.append(request.wait_s)
            heapq.heappush(events, (now + rng.exponential(service_s), 0, request.operator))
    return np.array(waits)


def test_erlang_c_agrees_with_a_long_discrete_event_run():
    operators, arrival, service = 5, 0.1, 35.0  # offered load 3.5, utilisation 70 %
    waits = _simulated_waits(operators, arrival, service, 200_000)
    assert len(waits) == 200_000
    assert (waits > 0).mean() == pytest.approx(staffing.wait_probability(operators, arrival * service), rel=0.1)
    assert (waits > 5).mean() == pytest.approx(staffing.wait_longer_than(operators, arrival, service, 5.0), rel=0.1)
    assert waits.mean() == pytest.approx(staffing.mean_wait_s(operators, arrival, service), rel=0.1)


def test_the_queue_serves_the_most_urgent_first():
    centre = OperationsCentre(1)
    calm, urgent = Request(0, 30.0, 0.0, "low_confidence"), Request(1, 1.2, 0.5, "ttc_guard")
    centre.submit(calm)
    centre.submit(urgent)
    assert centre.assign(1.0) == [urgent] and centre.waiting == 1
    centre.withdraw(calm)
    centre.release(urgent.operator)
    assert centre.assign(2.0) == [] and centre.waiting == 0 and centre.busy == 0


def _command_line(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """`nines ARGS` through the real entry point in this process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["nines", *args])
    with pytest.raises(SystemExit) as done:
        main()
    return done.value.code, capsys.readouterr().err


@pytest.mark.parametrize("flags, message", [
    (["--operators", "-1"], "teleop.operators = -1 is invalid: expected >= 0"),
    (["--operators", "2", "--latency-ms", "-5"], "teleop.latency_ms = -5.0 is invalid: expected >= 0"),
    (["--operators", "2", "--handoff-threshold", "1.5"], "teleop.threshold = 1.5 is invalid: expected <= 1"),
    (["--driver", "expert", "--operators", "2"], "console needs a driver that reports a confidence"),
])
def test_bad_console_settings_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, flags, message):
    db = tmp_path / "runs.duckdb"
    code, err = _command_line(monkeypatch, capsys, "run", "smoke", "--db", str(db), *flags)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_bad_operator_error_probability_in_a_settings_file(tmp_path, monkeypatch, capsys):
    settings = tmp_path / "console.yaml"
    settings.write_text("operator_error: 1.5\n")
    code, err = _command_line(monkeypatch, capsys, "teleop-sweep", "smoke", "--teleop", str(settings),
                              "--db", str(tmp_path / "runs.duckdb"))
    assert code == 2 and "teleop.operator_error = 1.5 is invalid: expected <= 1" in err
