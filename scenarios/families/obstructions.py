"""Things that block or open into the ego lane: a parked obstacle, an accident, a construction
zone (go around), a car door opening, a car pulling out of a parking space."""
from __future__ import annotations

from scenarios.actor_builders import car, episode, parked, when
from scenarios.family import Family
from scenarios.parameters import Continuous, norm, uniform
from sim.actor_kinds import ActorKind
from sim.episode_spec import ActorSpec

EGO_S_M = 5.0

ego_speed = Continuous("ego_speed", "m/s", 8.0, 17.0, norm(13.0, 3.0), "assumed: around 50 km/h")
position = Continuous("position", "m", 50.0, 200.0, uniform(50.0, 150.0), "assumed")
next_lane_traffic = Continuous("next_lane_gap", "m", 10.0, 120.0, uniform(10.0, 110.0), "assumed")


def _blocked(obstacles):
    def build(p: dict, seed: int):
        traffic = car((1, -2), EGO_S_M + p["next_lane_gap"], p["ego_speed"] * 0.9, 2)
        return episode(p, seed, "straight", "main", EGO_S_M, p["ego_speed"], obstacles(p["position"]) + [traffic],
                       max_time_s=45.0)
    return build


def _parked_car(s: float) -> list[ActorSpec]:
    return [parked(ActorKind.CAR, (1, -1), s, 0.3)]


def _accident(s: float) -> list[ActorSpec]:
    return [ActorSpec(ActorKind.CAR, "static", x_m=s, y_m=-1.4, yaw_rad=0.5, colour=(0.8, 0.8, 0.8)),
            ActorSpec(ActorKind.CAR, "static", x_m=s + 5.0, y_m=-2.2, yaw_rad=-0.3, colour=(0.2, 0.2, 0.6)),
            parked(ActorKind.CONE, (1, -1), s - 8.0, -0.5)]


def _construction(s: float) -> list[ActorSpec]:
    cones = [parked(ActorKind.CONE, (1, -1), s + 3.0 * k, 1.2 - 0.6 * k) for k in range(4)]
    return cones + [parked(ActorKind.BARRIER, (1, -1), s + 12.0),
                    parked(ActorKind.BARRIER, (1, -1), s + 24.0)]


blocked_note = "assumed: one lane blockage every 20 km"
parked_obstacle = Family(
    "parked_obstacle", "a car stands in the ego lane; go around it", "Leaderboard 2.0 ParkedObstacle", "straight",
    (ego_speed, position, next_lane_traffic), 0.05, blocked_note, _blocked(_parked_car))
accident = Family(
    "accident", "an accident blocks the ego lane; go around it", "Leaderboard 2.0 Accident", "straight",
    (ego_speed, position, next_lane_traffic), 0.01, blocked_note, _blocked(_accident))
construction_zone = Family(
    "construction_zone", "cones and barriers close the ego lane", "Leaderboard 2.0 ConstructionObstacle", "straight",
    (ego_speed, position, next_lane_traffic), 0.02, blocked_note, _blocked(_construction))


def _door(p: dict, seed: int):
    door = parked(ActorKind.CAR, (1, -2), p["position"], 0.0, colour=(0.5, 0.5, 0.1),
                  events=(when("distance", p["trigger_distance"], "open_door"),))
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], [door])


door_opening = Family(
    "door_opening", "a parked car's door opens into the ego lane", "Leaderboard 2.0 VehicleOpensDoorTwoWays",
    "urban_street",
    (Continuous("ego_speed", "m/s", 7.0, 14.0, norm(11.0, 2.0), "assumed"), position,
     Continuous("trigger_distance", "m", 3.0, 30.0, uniform(3.0, 27.0), "assumed")),
    0.1, "assumed", _door)


def _parking_exit(p: dict, seed: int):
    leaver = car((1, -2), p["position"], 0.0, 4, events=(when("distance", p["trigger_distance"], "pull_out",
                                                              p["exit_speed"]),))
    neighbours = [parked(ActorKind.CAR, (1, -2), p["position"] - 6.5), parked(ActorKind.CAR, (1, -2), p["position"] + 6.5)]
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], [leaver] + neighbours)


parking_exit = Family(
    "parking_exit", "a parked car pulls out in front of the ego", "Leaderboard 2.0 ParkingExit / ParkingCutIn",
    "urban_street",
    (Continuous("ego_speed", "m/s", 7.0, 14.0, norm(11.0, 2.0), "assumed"), position,
     Continuous("trigger_distance", "m", 3.0, 35.0, uniform(3.0, 32.0), "assumed"),
     Continuous("exit_speed", "m/s", 2.0, 6.0, uniform(2.0, 4.0), "assumed")),
    0.1, "assumed", _parking_exit)

FAMILIES = (parked_obstacle, accident, construction_zone, door_opening, parking_exit)
