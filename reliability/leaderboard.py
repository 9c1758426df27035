"""CARLA Leaderboard 2.0 and 2.1 metrics from episode records (coefficients in
reference/carla.md): route completion, infraction penalty, driving score, and a results
JSON in the Leaderboard's layout.

An episode is a route. Completion is 100 % for a successful route, else the share of the
route driven. Collisions by type and red lights multiply (2.0) or add (2.1) penalties;
driving off the road counts as "outside route lanes" by its share of the distance driven;
minimum-speed checkpoints use `min_speed_ratios` (ego speed over traffic speed at each of
the 4 checkpoints) when the records carry them.
"""
from __future__ import annotations

import json

import pandas as pd

PENALTY_20 = {"collisions_pedestrian": 0.50, "collisions_vehicle": 0.60, "collisions_static": 0.65,
              "red_lights": 0.70}
PENALTY_21 = {"collisions_pedestrian": 1.0, "collisions_vehicle": 0.7, "collisions_static": 0.6, "red_lights": 0.4}
MIN_SPEED_20, MIN_SPEED_21 = 0.3, 0.4


def route_completion(row) -> float:
    """Percent of the route completed."""
    return 100.0 if row["outcome"] == "success" else 100.0 * float(row["route_completion"])


def _offroad_factor(row) -> float:
    driven_m = 1000.0 * float(row["km"])
    outside = float(row["off_road_m"])
    return 1.0 - min(1.0, outside / driven_m) if driven_m > 0 else 1.0


def _min_speed_ratios(row) -> list[float]:
    ratios = row.get("min_speed_ratios") if hasattr(row, "get") else None
    return [] if ratios is None or (isinstance(ratios, float)) else list(ratios)


def penalty_20(row) -> float:
    penalty = 1.0
    for column, coefficient in PENALTY_20.items():
        penalty *= coefficient ** int(row[column])
    for ratio in _min_speed_ratios(row):
        penalty *= 1 - MIN_SPEED_20 * (1 - min(1.0, ratio))
    return penalty * _offroad_factor(row)


def penalty_21(row) -> float:
    total = sum(value * int(row[column]) for column, value in PENALTY_21.items())
    total += sum(MIN_SPEED_21 * (1 - min(1.0, ratio)) for ratio in _min_speed_ratios(row))
    return _offroad_factor(row) / (1 + total)


def scores(episodes: pd.DataFrame, version: str = "2.0") -> pd.DataFrame:
    """Per episode: route completion (%), penalty, driving score (%)."""
    penalty = penalty_20 if version == "2.0" else penalty_21
    out = pd.DataFrame({"episode_id": episodes["episode_id"]})
    out["route_completion"] = episodes.apply(route_completion, axis=1)
    out["penalty"] = episodes.apply(penalty, axis=1)
    out["driving_score"] = out["route_completion"] * out["penalty"]
    return out


def summary(episodes: pd.DataFrame, version: str = "2.0") -> dict:
    table = scores(episodes, version)
    return {"driving_score": float(table.driving_score.mean()), "route_completion": float(table.route_completion.mean()),
            "infraction_penalty": float(table.penalty.mean())}


def results_json(episodes: pd.DataFrame, version: str = "2.0") -> str:
    """The run as a Leaderboard-style results file (checkpoint with global record and records)."""
    table = scores(episodes, version)
    records = []
    for (_, row), (_, score) in zip(episodes.iterrows(), table.iterrows()):
        records.append({
            "route_id": row["episode_id"], "status": "Completed" if row["outcome"] == "success" else "Failed",
            "scores": {"score_composed": score.driving_score, "score_route": score.route_completion,
                       "score_penalty": score.penalty},
            "infractions": {"collisions_pedestrian": int(row["collisions_pedestrian"]),
                            "collisions_vehicle": int(row["collisions_vehicle"]),
                            "collisions_layout": int(row["collisions_static"]), "red_light": int(row["red_lights"]),
                            "outside_route_lanes": float(row["off_road_m"]),
                            "route_dev": int(row["outcome"] == "route_deviation"),
                            "vehicle_blocked": int(row["outcome"] == "blocked")},
            "meta": {"route_length": float(row["km"]) * 1000.0},
        })
    overall = summary(episodes, version)
    document = {"_checkpoint": {"global_record": {"scores_mean": {
        "score_composed": overall["driving_score"], "score_route": overall["route_completion"],
        "score_penalty": overall["infraction_penalty"]}}, "records": records, "progress": [len(records), len(records)]},
        "leaderboard_version": version, "entry_status": "Finished", "eligible": True}
    return json.dumps(document, indent=2)
