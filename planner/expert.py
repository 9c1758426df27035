"""The privileged expert: the sampling planner fed ground truth instead of perception.

It labels training data and is the perception-free upper bound: a failure the expert also
makes is a planning failure; one only the camera stack makes is a perception failure.
"""
from __future__ import annotations

from functools import partial

import torch

from planner.controller import Tuning, follow
from planner.obstacle_forecast import constant_velocity
from planner.sampling_planner import Plan, PlanInputs, first_conflict, plan, plan_times
from sim.ground_truth import GroundTruth
from sim.observation import Observation
from sim.traffic_lights import GREEN


class ExpertDriver:
    """Drives from ground truth; `last_plan` keeps the latest plan for labels and logs.
    tuning: how gently it controls, for a driver whose commands arrive late (see
    teleop.operator_model)."""

    privileged = True
    # what the expert reads of the ground truth (see sim.ground_truth.ground_truth)
    truth_options = {"bev_raster": False, "lanes": False}

    def __init__(self, tuning: Tuning = Tuning()):
        self.tuning = tuning
        self.last_plan: Plan | None = None

    def act(self, obs: Observation, truth: GroundTruth) -> torch.Tensor:
        forecast = constant_velocity(truth.objects, truth.object_mask, plan_times(obs.speed_mps.device))
        inputs = PlanInputs(
            path=obs.route_ahead, ego_speed_mps=obs.speed_mps, speed_limit_mps=truth.speed_limit_mps,
            light_red=(truth.light_state >= 0) & (truth.light_state != GREEN),
            light_distance_m=truth.light_distance_m, conflict_step=partial(first_conflict, obstacles=forecast),
            drivable_at=truth.drivable_at)
        self.last_plan = plan(inputs)
        return follow(self.last_plan.waypoints, self.last_plan.target_speed_mps, obs.speed_mps, self.tuning)
