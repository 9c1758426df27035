"""Car-following encounters on a straight road: a lead that brakes, stands, or crawls, and
debris in the lane on the highway."""
from __future__ import annotations

from scenarios.actor_builders import car, episode, parked, when
from scenarios.family import Family
from scenarios.parameters import Continuous, lognorm, norm, uniform
from sim.actor_kinds import ActorKind

EGO_S_M = 5.0
CAR_LENGTH_M = 4.6
RESUME_AFTER_S = 6.0  # the lead drives on after its stop, as in HardBreakRoute

ego_speed_urban = Continuous("ego_speed", "m/s", 8.0, 17.0, norm(13.0, 3.0), "assumed: around 50 km/h")
headway = Continuous("headway", "s", 0.6, 3.0, lognorm(0.35, scale=1.5),
                     "assumed: lognormal near highD's typical time headways (1-2 s)")


def _lead_brakes(p: dict, seed: int):
    gap = p["headway"] * p["ego_speed"]
    lead = car((1, -1), EGO_S_M + gap + CAR_LENGTH_M, p["ego_speed"],
               events=(when("time", p["brake_after"], "brake", p["decel"]),
                       when("time", p["brake_after"] + RESUME_AFTER_S, "set_speed", p["ego_speed"])))
    return episode(p, seed, "straight", "main", EGO_S_M, p["ego_speed"], [lead])


lead_vehicle_brakes = Family(
    "lead_vehicle_brakes", "the car ahead brakes hard", "Leaderboard 2.0 HardBreakRoute; Euro NCAP CCRb",
    "straight",
    (ego_speed_urban, headway,
     Continuous("decel", "m/s^2", 2.0, 9.0, norm(4.0, 2.0),
                "assumed: centred between Euro NCAP CCRb's 2 and 6 m/s^2"),
     Continuous("brake_after", "s", 1.0, 6.0, uniform(1.0, 5.0), "assumed")),
    0.02, "assumed: one hard braking of the lead vehicle every 50 km", _lead_brakes)


def _lead_stopped(p: dict, seed: int):
    lead = parked(ActorKind.CAR, (1, -1), EGO_S_M + p["distance"])
    return episode(p, seed, "straight", "main", EGO_S_M, p["ego_speed"], [lead])


lead_vehicle_stopped = Family(
    "lead_vehicle_stopped", "a car stands in the ego lane ahead", "Euro NCAP CCRs; NHTSA lead vehicle stopped",
    "straight",
    (ego_speed_urban, Continuous("distance", "m", 30.0, 150.0, uniform(30.0, 120.0), "assumed")),
    0.05, "assumed: NHTSA names lead-vehicle-stopped the most frequent pre-crash type; rate per km assumed",
    _lead_stopped)


def _slower_lead(p: dict, seed: int):
    lead = car((1, -1), EGO_S_M + p["distance"], p["lead_speed"])
    return episode(p, seed, "straight", "main", EGO_S_M, p["ego_speed"], [lead])


slower_lead = Family(
    "slower_lead", "a slower car ahead in the ego lane", "Euro NCAP CCRm; Leaderboard FollowLeadingVehicle",
    "straight",
    (ego_speed_urban, Continuous("distance", "m", 20.0, 80.0, uniform(20.0, 60.0), "assumed"),
     Continuous("lead_speed", "m/s", 1.0, 8.0, uniform(1.0, 7.0), "assumed; Euro NCAP CCRm uses 20 km/h")),
    0.2, "assumed", _slower_lead)


def _debris(p: dict, seed: int):
    debris = parked(ActorKind.DEBRIS, (2, -1), p["position"], p["offset"])
    traffic = [car((1, -2), 60.0, 25.0, 1), car((1, -3), 120.0, 22.0, 2)]
    return episode(p, seed, "highway_on_ramp", "main", EGO_S_M, p["ego_speed"], [debris] + traffic)


debris_on_road = Family(
    "debris_on_road", "debris lies in the ego lane on the highway", "Bench2Drive hazard (debris)",
    "highway_on_ramp",
    (Continuous("ego_speed", "m/s", 18.0, 30.0, norm(25.0, 3.0), "assumed: around 90 km/h"),
     Continuous("position", "m", 20.0, 180.0, uniform(20.0, 160.0), "assumed"),
     Continuous("offset", "m", -1.0, 1.0, uniform(-1.0, 2.0), "assumed")),
    0.01, "assumed", _debris)

FAMILIES = (lead_vehicle_brakes, lead_vehicle_stopped, slower_lead, debris_on_road)
