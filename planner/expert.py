"""The privileged expert: the sampling planner fed ground truth instead of perception.

It labels training data and is the perception-free upper bound: a failure the expert also
makes is a planning failure; one only the camera stack makes is a perception failure.
"""
from __future__ import annotations

from functools import partial


from planner.controller import Tuning, follow
from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput, EpisodeStart, TruthParts
from planner.obstacle_forecast import constant_velocity, followers
from planner.sampling_planner import Plan, PlanInputs, first_conflict, plan, plan_times
from sim.ground_truth import GroundTruth
from sim.observation import Observation
from sim.traffic_lights import GREEN

QUEUE_REACH_M = 60.0  # a red light this close: what stands ahead is a queue to wait in, not to pass


class ExpertDriver:
    """Drives from ground truth; `last_plan` keeps the latest plan for labels and logs.
    tuning: how gently it controls, for a driver whose commands arrive late (see
    teleop.operator_model)."""

    needs = DriverNeeds(truth=TruthParts())
    capabilities = DriverCapabilities()

    def __init__(self, tuning: Tuning = Tuning()):
        self.tuning = tuning
        self.last_plan: Plan | None = None

    def reset(self, starts: list[EpisodeStart]) -> None:
        """The expert keeps nothing from one tick to the next."""

    def act(self, obs: Observation, truth: GroundTruth) -> DriverOutput:
        ahead = truth.object_mask & ~followers(truth.objects)
        forecast = constant_velocity(truth.objects, ahead, plan_times(obs.speed_mps.device))
        light_red = (truth.light_state >= 0) & (truth.light_state != GREEN)
        inputs = PlanInputs(
            path=obs.route_ahead, ego_speed_mps=obs.speed_mps, speed_limit_mps=truth.speed_limit_mps,
            light_red=light_red, light_distance_m=truth.light_distance_m,
            conflict_step=partial(first_conflict, obstacles=forecast), drivable_at=truth.drivable_at,
            keep_lane=light_red & (truth.light_distance_m < QUEUE_REACH_M),
            speed_limits_ahead_mps=truth.speed_limits_ahead_mps)
        self.last_plan = plan(inputs)
        return DriverOutput(follow(self.last_plan.waypoints, self.last_plan.target_speed_mps, obs.speed_mps,
                                   self.tuning))
