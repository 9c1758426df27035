"""Pedestrians and cyclists on an urban street: crossing from either side, a child from
behind parked cars, a group at the crosswalk, a cyclist crossing and one riding ahead.

The street's ego lane is at y = -1.625, the right parking lane at -4.5, the sidewalks at
+-6.75 (see sim.map_templates.urban_street)."""
from __future__ import annotations

from scenarios.actor_builders import car, episode, parked, walker
from scenarios.family import Family
from scenarios.parameters import Continuous, norm, uniform
from sim.actor_kinds import CHILD_SIZE_M, ActorKind
from sim.episode_spec import ActorSpec, Trigger

EGO_S_M = 5.0

ego_speed = Continuous("ego_speed", "m/s", 7.0, 14.0, norm(11.0, 2.0), "assumed: 30-50 km/h streets")
crossing_x = Continuous("crossing_x", "m", 40.0, 200.0, uniform(40.0, 160.0), "assumed")
trigger_distance = Continuous("trigger_distance", "m", 8.0, 45.0, uniform(8.0, 37.0), "assumed")
exposure_note = "assumed: no public per-km rate of pedestrian crossings was found"


def _crossing(from_y: float, to_y: float):
    def build(p: dict, seed: int):
        person = walker(ActorKind.PEDESTRIAN, (p["crossing_x"], from_y), (p["crossing_x"], to_y), p["walk_speed"],
                        Trigger("distance", p["trigger_distance"]), colour=(0.8, 0.3, 0.2))
        return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], [person])
    return build


pedestrian_near_side = Family(
    "pedestrian_near_side", "an adult crosses from the near (right) side", "Euro NCAP CPNA; Leaderboard PedestrianCrossing",
    "urban_street",
    (ego_speed, crossing_x, trigger_distance,
     Continuous("walk_speed", "m/s", 0.6, 2.5, norm(1.4, 0.3), "Euro NCAP CPNA walks at 5 km/h; spread assumed")),
    0.3, exposure_note, _crossing(-6.75, 6.75))

pedestrian_far_side = Family(
    "pedestrian_far_side", "an adult crosses from the far (left) side", "Euro NCAP CPFA", "urban_street",
    (ego_speed, crossing_x, trigger_distance,
     Continuous("walk_speed", "m/s", 1.0, 3.5, norm(2.2, 0.4), "Euro NCAP CPFA runs at 8 km/h; spread assumed")),
    0.3, exposure_note, _crossing(6.75, -6.75))


def _child(p: dict, seed: int):
    x = p["crossing_x"]
    occluders = [parked(ActorKind.CAR, (1, -2), x - 5.5), parked(ActorKind.TRUCK, (1, -2), x + 6.5)]
    child = walker(ActorKind.PEDESTRIAN, (x, -4.5), (x, 6.75), p["walk_speed"], Trigger("distance", p["trigger_distance"]),
                   size_m=CHILD_SIZE_M, colour=(0.2, 0.6, 0.9))
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], occluders + [child])


child_behind_parked_cars = Family(
    "child_behind_parked_cars", "a child runs out from between parked cars",
    "Euro NCAP CPNC; Leaderboard DynamicObjectCrossing", "urban_street",
    (ego_speed, crossing_x, Continuous("trigger_distance", "m", 6.0, 30.0, uniform(6.0, 24.0), "assumed"),
     Continuous("walk_speed", "m/s", 1.0, 3.5, norm(1.7, 0.5), "Euro NCAP CPNC child at 5 km/h; running assumed")),
    0.05, exposure_note, _child)


def _group(p: dict, seed: int):
    people = []
    for k, (dx, delay) in enumerate(((0.0, 0.0), (1.2, 0.6), (-0.9, 1.1))):
        people.append(walker(ActorKind.PEDESTRIAN, (80.0 + dx, -6.75 - 0.6 * k), (80.0 + dx, 6.75),
                             p["walk_speed"], Trigger("distance", max(3.0, p["trigger_distance"] - delay * p["ego_speed"])),
                             colour=(0.3 + 0.2 * k, 0.5, 0.3)))
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], people)


pedestrian_group_crossing = Family(
    "pedestrian_group_crossing", "a group crosses at the crosswalk", "Leaderboard 2.0 PedestrianCrossing",
    "urban_street",
    (ego_speed, Continuous("trigger_distance", "m", 20.0, 50.0, uniform(20.0, 30.0), "assumed"),
     Continuous("walk_speed", "m/s", 0.8, 2.0, norm(1.3, 0.25), "assumed: group walking pace")),
    0.2, exposure_note, _group)


def _cyclist_crossing(p: dict, seed: int):
    rider = walker(ActorKind.CYCLIST, (p["crossing_x"], -6.75), (p["crossing_x"], 6.75), p["ride_speed"],
                   Trigger("distance", p["trigger_distance"]), colour=(0.1, 0.6, 0.2))
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], [rider])


cyclist_crossing = Family(
    "cyclist_crossing", "a cyclist crosses from the right", "Euro NCAP CBNA; Leaderboard CrossingBicycleFlow",
    "urban_street",
    (ego_speed, crossing_x, trigger_distance,
     Continuous("ride_speed", "m/s", 2.0, 7.0, norm(4.2, 1.0), "Euro NCAP CBNA rides at 15 km/h; spread assumed")),
    0.1, "assumed", _cyclist_crossing)


def _cyclist_along(p: dict, seed: int):
    rider = ActorSpec(ActorKind.CYCLIST, "lane", lanes=((1, -1),), s_m=EGO_S_M + p["distance"], offset_m=-0.9,
                      speed_mps=p["ride_speed"], colour=(0.1, 0.6, 0.2))
    oncoming = car((1, 1), p["oncoming_s"], 12.0, 2)
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["ego_speed"], [rider, oncoming])


cyclist_along_lane = Family(
    "cyclist_along_lane", "a slow cyclist rides ahead in the ego lane", "Euro NCAP CBLA; Leaderboard HazardAtSideLane",
    "urban_street",
    (ego_speed, Continuous("distance", "m", 20.0, 90.0, uniform(20.0, 70.0), "assumed"),
     Continuous("ride_speed", "m/s", 2.0, 7.0, norm(4.5, 1.0), "Euro NCAP CBLA rides at 15-20 km/h"),
     Continuous("oncoming_s", "m", 0.0, 200.0, uniform(0.0, 200.0), "assumed")),
    0.3, "assumed", _cyclist_along)

FAMILIES = (pedestrian_near_side, pedestrian_far_side, child_behind_parked_cars, pedestrian_group_crossing,
            cyclist_crossing, cyclist_along_lane)
