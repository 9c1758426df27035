"""Encounters that come from the side or across the line: cut-ins, merging from the on-ramp,
an oncoming car invading the lane in a curve, and losing grip on a wet curve."""
from __future__ import annotations

from scenarios.actor_builders import car, episode, when
from scenarios.family import Family
from scenarios.parameters import Continuous, beta, lognorm, norm, uniform

EGO_S_M = 5.0

lane_change_time = Continuous("lane_change_time", "s", 1.5, 5.0, norm(3.0, 1.0),
                              "assumed: highD lane changes last ~4-6 s; cut-ins are quicker")


def _cut_in(template: str, route: str, ego_lane: tuple[int, int], from_lane: tuple[int, int]):
    def build(p: dict, seed: int):
        start = EGO_S_M + p["cut_gap"] + 25.0
        cutter = car(from_lane, start, p["ego_speed"] + p["relative_speed"], 1,
                     events=(when("distance", p["cut_gap"], "change_lane", p["lane_change_time"]),))
        return episode(p, seed, template, route, EGO_S_M, p["ego_speed"], [cutter])
    return build


highway_cut_in = Family(
    "highway_cut_in", "a car from the right lane cuts in ahead", "Leaderboard 2.0 HighwayCutIn", "highway_on_ramp",
    (Continuous("ego_speed", "m/s", 18.0, 30.0, norm(25.0, 3.0), "assumed: around 90 km/h"),
     Continuous("relative_speed", "m/s", -10.0, 0.0, norm(-3.0, 3.0), "assumed"),
     Continuous("cut_gap", "m", 3.0, 30.0, lognorm(0.5, scale=12.0), "assumed"), lane_change_time),
    0.12, "highD: ~0.12 lane changes per vehicle-km, taken as the rate of cut-ins",
    _cut_in("highway_on_ramp", "main", (1, -1), (1, -2)))

urban_cut_in = Family(
    "urban_cut_in", "a car from the next lane cuts in ahead in town", "Leaderboard 2.0 StaticCutIn (urban)",
    "straight",
    (Continuous("ego_speed", "m/s", 8.0, 17.0, norm(13.0, 3.0), "assumed: around 50 km/h"),
     Continuous("relative_speed", "m/s", -8.0, 0.0, norm(-3.0, 2.5), "assumed"),
     Continuous("cut_gap", "m", 2.0, 25.0, lognorm(0.5, scale=10.0), "assumed"), lane_change_time),
    0.05, "assumed", _cut_in("straight", "main", (1, -1), (1, -2)))


def _merge(p: dict, seed: int):
    traffic = [car((2, -3), p["first_gap"], p["traffic_speed"], 0, lanes=((2, -3), (3, -3))),
               car((2, -3), p["first_gap"] + p["spacing"], p["traffic_speed"], 1, lanes=((2, -3), (3, -3))),
               car((1, -3), 200.0 - p["spacing"], p["traffic_speed"], 2, lanes=((1, -3), (103, -1), (2, -3), (3, -3)))]
    return episode(p, seed, "highway_on_ramp", "ramp_merge", EGO_S_M, p["ego_speed"], traffic)


on_ramp_merge = Family(
    "on_ramp_merge", "the ego merges from the on-ramp into slower traffic",
    "Leaderboard 2.0 MergerIntoSlowTraffic; highway merge", "highway_on_ramp",
    (Continuous("ego_speed", "m/s", 12.0, 22.0, uniform(12.0, 10.0), "assumed"),
     Continuous("traffic_speed", "m/s", 8.0, 26.0, norm(20.0, 4.0), "assumed"),
     Continuous("first_gap", "m", 0.0, 120.0, uniform(0.0, 120.0), "assumed"),
     Continuous("spacing", "m", 12.0, 60.0, lognorm(0.4, scale=30.0), "assumed: ~1-2 s headways")),
    0.1, "assumed: an on-ramp every 10 km", _merge)


def _invading(p: dict, seed: int):
    invader = car((1, 1), p["oncoming_start"], p["oncoming_speed"], 3,
                  events=(when("distance", p["trigger_distance"], "drift", -p["invasion"]),))
    return episode(p, seed, "curve", "forward", EGO_S_M, p["ego_speed"], [invader])


invading_turn = Family(
    "invading_turn", "an oncoming car cuts the corner into the ego lane", "Leaderboard 2.0 InvadingTurn", "curve",
    (Continuous("ego_speed", "m/s", 8.0, 14.0, norm(12.0, 2.0), "assumed"),
     Continuous("oncoming_speed", "m/s", 8.0, 16.0, norm(12.0, 2.0), "assumed"),
     Continuous("oncoming_start", "m", 90.0, 200.0, uniform(90.0, 110.0), "assumed"),
     Continuous("trigger_distance", "m", 15.0, 60.0, uniform(15.0, 45.0), "assumed"),
     Continuous("invasion", "m", 0.5, 2.5, uniform(0.5, 2.0), "assumed")),
    0.05, "assumed", _invading)


def _control_loss(p: dict, seed: int):
    return episode(p, seed, "curve", "forward", EGO_S_M, p["ego_speed"], [], road_friction=p["friction"])


control_loss_wet_curve = Family(
    "control_loss_wet_curve", "little grip on a curve (wet, oily or icy patch)", "Leaderboard 2.0 ControlLoss",
    "curve",
    (Continuous("ego_speed", "m/s", 10.0, 16.0, norm(13.0, 1.5), "assumed"),
     Continuous("friction", "", 0.1, 1.0, beta(5.0, 1.5), "assumed: mostly dry (mu ~0.8), a tail of wet and icy")),
    0.1, "assumed: a sharp curve every 10 km", _control_loss, near_miss="grip")

FAMILIES = (highway_cut_in, urban_cut_in, on_ramp_merge, invading_turn, control_loss_wet_curve)
