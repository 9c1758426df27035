"""Nominal driving: routes with background traffic and no scripted encounter. These carry
most of the km; their failures are counted per km directly."""
from __future__ import annotations

from scenarios.actor_builders import car, episode, parked
from scenarios.family import Family
from scenarios.parameters import Continuous, norm, uniform
from sim.actor_kinds import ActorKind

EGO_S_M = 5.0
traffic_speed = Continuous("traffic_speed", "m/s", 6.0, 14.0, norm(11.0, 2.0), "assumed")
density = Continuous("density", "vehicles/100 m", 0.2, 2.0, uniform(0.2, 1.8), "assumed")


def _urban(p: dict, seed: int):
    count = max(1, round(p["density"] * 2.5))
    ahead = [car((1, -1), 40.0 + 60.0 * k, p["traffic_speed"], k) for k in range(count)]
    oncoming = [car((1, 1), 30.0 + 70.0 * k, p["traffic_speed"], k + 1) for k in range(count)]
    parking = [parked(ActorKind.CAR, (1, -2), 30.0 + 45.0 * k) for k in range(4)]
    return episode(p, seed, "urban_street", "forward", EGO_S_M, p["traffic_speed"], ahead + oncoming + parking)


def _highway(p: dict, seed: int):
    count = max(1, round(p["density"] * 2))
    lanes = [((1, -1), (101, -1), (2, -1), (3, -1)), ((1, -2), (102, -1), (2, -2), (3, -2)),
             ((1, -3), (103, -1), (2, -3), (3, -3))]
    traffic = [car(route[0], 30.0 + 50.0 * k + 17.0 * n, p["traffic_speed"] * (1.0 + 0.1 * n), k + n, lanes=route)
               for n, route in enumerate(lanes) for k in range(count)]
    return episode(p, seed, "highway_on_ramp", "main", EGO_S_M, p["traffic_speed"], traffic)


nominal_urban = Family(
    "nominal_urban", "an ordinary drive down a street with traffic and parked cars", "nominal driving",
    "urban_street", (traffic_speed, density), None, "nominal: failures are counted per km", _urban, nominal=True)

nominal_highway = Family(
    "nominal_highway", "an ordinary highway drive in traffic", "nominal driving", "highway_on_ramp",
    (Continuous("traffic_speed", "m/s", 18.0, 30.0, norm(24.0, 3.0), "assumed"), density),
    None, "nominal: failures are counted per km", _highway, nominal=True)

FAMILIES = (nominal_urban, nominal_highway)
