"""Junction encounters on the signalised 4-way junction: a crossing car running its red
light, and the ego's unprotected left turn across oncoming traffic.

East-west has green for the first 20 s (see sim.map_templates.junction_4way); each arm's
incoming lane ends at the junction edge 12 m from the centre."""
from __future__ import annotations

from scenarios.actor_builders import car, episode
from scenarios.family import Family
from scenarios.parameters import Continuous, norm, uniform

ARM_M = 100.0
JUNCTION_HALF_M = 12.0
ARM_IDS = {"east": 1, "north": 2, "west": 3, "south": 4}


def _arrival_start_s(speed_mps: float, seconds: float, extra_m: float) -> float:
    """s along an incoming arm lane from which a car at speed_mps reaches the junction centre
    (extra_m past the arm's end) after `seconds`; kept on the arm."""
    return max(0.0, min(ARM_M - 1.0, ARM_M + extra_m - speed_mps * seconds))


def _movement(origin: str, destination: str) -> tuple[tuple[int, int], ...]:
    i, j = ARM_IDS[origin], ARM_IDS[destination]
    return ((i, 1), (100 + 10 * i + j, -1), (j, -1))


def _red_light_runner(p: dict, seed: int):
    ego_s = 40.0
    ego_time = (ARM_M - ego_s + JUNCTION_HALF_M) / p["ego_speed"]
    start = _arrival_start_s(p["runner_speed"], ego_time + p["time_offset"], JUNCTION_HALF_M)
    runner = car((4, 1), start, p["runner_speed"], 0, lanes=_movement("south", "north"), ignores_red_lights=True)
    return episode(p, seed, "junction_4way", "west_to_east", ego_s, p["ego_speed"], [runner])


red_light_runner = Family(
    "red_light_runner", "a crossing car runs its red light as the ego crosses on green",
    "Leaderboard 2.0 OppositeVehicleRunningRedLight", "junction_4way",
    (Continuous("ego_speed", "m/s", 6.0, 11.0, norm(9.0, 1.2), "assumed: 40 km/h junction"),
     Continuous("runner_speed", "m/s", 6.0, 16.0, norm(11.0, 2.5), "assumed"),
     Continuous("time_offset", "s", -3.0, 3.0, uniform(-3.0, 6.0), "assumed")),
    0.002, "assumed: red-light running at one crossing in 500 km", _red_light_runner)


def _left_turn(p: dict, seed: int):
    ego_s = 50.0
    ego_time = (ARM_M - ego_s + JUNCTION_HALF_M) / p["ego_speed"]
    start = _arrival_start_s(p["oncoming_speed"], ego_time + p["time_offset"], JUNCTION_HALF_M)
    oncoming = car((1, 1), start, p["oncoming_speed"], 1, lanes=_movement("east", "west"))
    follower = car((1, 1), max(0.0, start - p["oncoming_gap"]), p["oncoming_speed"], 2, lanes=_movement("east", "west"))
    return episode(p, seed, "junction_4way", "west_to_north", ego_s, p["ego_speed"], [oncoming, follower])


unprotected_left_turn = Family(
    "unprotected_left_turn", "the ego turns left across oncoming traffic on green",
    "Leaderboard 2.0 SignalizedJunctionLeftTurn; Euro NCAP CCFtap", "junction_4way",
    (Continuous("ego_speed", "m/s", 5.0, 10.0, norm(8.0, 1.0), "assumed"),
     Continuous("oncoming_speed", "m/s", 6.0, 14.0, norm(10.0, 2.0), "assumed"),
     Continuous("time_offset", "s", -3.0, 4.0, uniform(-3.0, 7.0), "assumed"),
     Continuous("oncoming_gap", "m", 10.0, 60.0, uniform(10.0, 50.0), "assumed")),
    0.1, "assumed: a left turn at a signalised junction every 10 km", _left_turn)

FAMILIES = (red_light_runner, unprotected_left_turn)
