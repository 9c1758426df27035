"""The camera-only driver: perception's Percept -> the sampling planner -> pure pursuit.

The planner is the expert's own (planner.sampling_planner); only its inputs differ: the
predicted obstacles (rays, checked against each candidate by planner.ray_conflict) instead of
forecast ground-truth boxes, the predicted drivable area, traffic light and speed limit.
Obstacle velocities come from tracking each ray's distance over time (planner.ray_tracker;
the network's guess until a track is long enough), never negative. It swerves only around
something standing in its lane, and only while its own (hand-made) confidence is high;
otherwise it keeps its lane. The confidence it reports is 1 - the failure monitor's risk when
it has one (planner.failure_monitor), else the hand-made value. `blind=True` zeroes the
frames: the baseline that shows the camera is used.
"""
from __future__ import annotations

import torch

from perception.camera_stack import CameraStack
from perception.labels import LIGHT_CLASSES
from perception.percept import Percept
from perception.uncertainty import CENTRAL_RAYS
from planner.confidence import LOW_CONFIDENCE, confidence, low_reason
from planner.controller import follow
from planner.driver_interface import DriverCapabilities, DriverNeeds, DriverOutput, EpisodeStart, PlanReport
from planner.failure_monitor import FailureMonitor, monitor_features
from planner.grid_drivable import grid_drivable
from planner.ray_conflict import ray_conflict
from planner.ray_tracker import RayTracker
from planner.sampling_planner import Plan, PlanInputs, plan
from sim.ground_truth import GroundTruth
from sim.observation import Observation

STOPPING_LIGHTS = [LIGHT_CLASSES.index("yellow"), LIGHT_CLASSES.index("red")]
PASS_WITHIN_M, STANDING_MPS = 30.0, 2.0


def plan_inputs(percept: Percept, obs: Observation, keep_lane: torch.Tensor | None = None,
                forced_offset_m: torch.Tensor | None = None) -> PlanInputs:
    light_red = percept.light_probs[:, STOPPING_LIGHTS].sum(-1) > 0.5
    seen = percept.light_probs.argmax(-1) != LIGHT_CLASSES.index("none")
    distance = torch.where(seen | light_red, percept.light_distance_m, torch.full_like(percept.light_distance_m,
                                                                                       float("inf")))
    return PlanInputs(path=obs.route_ahead, ego_speed_mps=obs.speed_mps, speed_limit_mps=percept.speed_limit_mps,
                      light_red=light_red, light_distance_m=distance,
                      conflict_step=ray_conflict(percept.obstacle_distance_m, percept.obstacle_speed_mps),
                      drivable_at=grid_drivable(percept.drivable, obs.route_ahead), keep_lane=keep_lane,
                      forced_offset_m=forced_offset_m, course_ttc=True)


class CameraDriver:
    """Drives from the camera. It reports the failure monitor's confidence (the hand-made one
    without a monitor) and, for a remote-operations console's trigger, the lower of that and
    the hand-made one, so that perception it cannot trust (members disagreeing, far out of
    distribution) still asks for help when the monitor, fitted on milder conditions, sees no
    failure coming. An operator's lateral offset (`assist`) is kept by the planner."""

    needs = DriverNeeds(camera=True)
    capabilities = DriverCapabilities(reports_confidence=True, accepts_assistance=True)

    def __init__(self, stack: CameraStack, blind: bool = False, monitor: FailureMonitor | None = None):
        self.stack = stack
        self.blind = blind
        self.monitor = monitor
        self.last_percept: Percept | None = None
        self.last_plan: Plan | None = None
        self.plan_confidence: torch.Tensor | None = None
        self.assistance_m: torch.Tensor | None = None
        self.tracker = RayTracker()

    def reset(self, starts: list[EpisodeStart]) -> None:
        """A new episode starts as in a fresh driver: nothing it was unsure of before (the
        obstacle tracker restarts a slot's tracks by itself when its episode time goes back)."""
        if self.plan_confidence is not None:
            self.plan_confidence = self.plan_confidence.clone()
            self.plan_confidence[[start.slot for start in starts]] = 1.0

    def _keep_lane(self, percept: Percept) -> torch.Tensor:
        """Episodes that may not swerve [B]: those unsure of what they see (brake in lane
        rather than swerve on a guess) and those with nothing standing in their lane ahead
        (moving traffic is followed, not overtaken)."""
        central_m = percept.obstacle_distance_m[:, CENTRAL_RAYS]
        nearest = central_m.argmin(-1, keepdim=True)
        standing = (central_m.gather(-1, nearest) < PASS_WITHIN_M) & (
            percept.obstacle_speed_mps[:, CENTRAL_RAYS].gather(-1, nearest) < STANDING_MPS)
        keep = ~standing.squeeze(-1)
        if self.plan_confidence is not None:
            keep |= self.plan_confidence.to(keep.device) < LOW_CONFIDENCE
        return keep

    def assist(self, offset_m: torch.Tensor) -> None:
        """offset_m [B]: remote operators' lateral offsets (m; NaN where none), see PlanInputs."""
        self.assistance_m = None if offset_m.isnan().all() else offset_m

    def act(self, obs: Observation, truth: GroundTruth | None = None) -> DriverOutput:
        """Observation -> control [B, 3] (steer, throttle, brake) with the confidence, the reason
        it is low, the failure monitor's inputs, the plan's offset and time to collision, and
        the obstacle rays it perceives."""
        if self.blind:
            obs = Observation(torch.zeros_like(obs.frames), obs.speed_mps, obs.route_ahead, obs.time_s)
        percept = self.stack.perceive(obs)
        tracked, trusted = self.tracker.update(percept.obstacle_distance_m, obs.speed_mps, obs.time_s)
        # the track once it is long enough (one frame cannot show speed), and obstacles ahead
        # never taken as coming at us (a noisy track would pass them through the ego)
        speed = torch.where(trusted, tracked, percept.obstacle_speed_mps).clamp_min(0.0)
        percept.obstacle_speed_mps = speed
        self.last_percept = percept
        self.last_plan = plan(plan_inputs(percept, obs, self._keep_lane(percept), self.assistance_m))
        self.plan_confidence, weakest = confidence(percept, self.last_plan)
        features = monitor_features(percept, self.last_plan, obs.speed_mps)
        reported = self.plan_confidence if self.monitor is None else (
            1.0 - self.monitor.risk(features).to(self.plan_confidence.device))
        handoff = torch.minimum(reported, self.plan_confidence)
        control = follow(self.last_plan.waypoints, self.last_plan.target_speed_mps, obs.speed_mps)
        return DriverOutput(control, reported, low_reason(handoff, weakest), handoff, features,
                            PlanReport(self.last_plan.offset_m, self.last_plan.min_ttc_s),
                            percept.obstacle_distance_m)
