"""The remote-operations console around any driver that reports a confidence: a per-episode
state machine AUTONOMOUS -> REQUESTED -> OPERATOR -> AUTONOMOUS over every slot of the batch,
sharing one operations centre. It reads the driver's DriverOutput only (planner.driver_interface).

- AUTONOMOUS: the driver drives; the handoff policy watches its handoff confidence, its
  plan's time to collision (when it reports its plan) and the camera's health.
- REQUESTED: the request (frame, reason, urgency) waits in the centre's queue, then an
  operator builds situation awareness; the car flies the minimal-risk manoeuvre meanwhile,
  to the road edge if the map has one on the right and the driver's obstacle rays show it free.
- OPERATOR, remote driving: the privileged expert on the world as the operator saw it
  (through the delayed, lossy link, after a human reaction time, with steering noise) drives
  until the driver's confidence has recovered. Remote assistance, for drivers that accept it:
  the operator picks a lateral offset (the expert's, or with some probability a wrong one);
  the driver keeps driving with that offset for the guidance time, and the operator is free.

Every handoff becomes one record (see `end_episode`); the queue is sampled over time with
its open requests (what a console shows live); request frames are saved as PNGs and a live
snapshot (the latest sample, its open requests and the recent queue) is rewritten every
second of fleet time when given paths for them. The fleet clock is ticks x dt_s, shared by
all slots; episode times come from the observation.
"""
from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from planner.confidence import REASONS
from planner.driver_interface import (AssistedDriver, Driver, DriverCapabilities, DriverNeeds, DriverOutput,
                                     EpisodeStart, TruthParts)
from planner.expert import ExpertDriver
from sim.ground_truth import GroundTruth
from sim.observation import Observation
from teleop.command_link import CommandLink
from teleop.config import TeleopConfig
from teleop.console_records import HandoffRecord, QueueSample
from teleop.handoff_policy import TRIGGERS, HandoffPolicy
from teleop.minimal_risk import minimal_risk_control, refuge_is_free
from teleop.operations_centre import OperationsCentre, Request
from teleop.operator_model import awareness_s, choose_offset, next_steer_noise, remote_tuning
from teleop.sensor_health import SensorHealth

AUTONOMOUS, REQUESTED, OPERATOR = 0, 1, 2
LIVE_EVERY, LIVE_HISTORY = 20, 240
# reasons the camera cannot see: a human has to see for it (remote driving in auto mode)
PERCEPTION_REASONS = ("sensor_fault", "ensemble_disagreement", "out_of_distribution")
QUEUE_EVERY = 5


@dataclass
class Handoff:
    """One handoff of one episode. phase: waiting, awareness, remote_driving or guided."""

    request: Request
    start_s: float
    mode: str
    refuge_m: float = 0.0
    phase: str = "waiting"
    awareness_s: float = math.nan
    ready_s: float = math.inf
    released_s: float | None = None
    guidance_until_s: float = math.inf
    operator_error: bool = False
    resolution: str = ""
    outcome: str = "ok"

    def record(self, now_s: float) -> HandoffRecord:
        request = self.request
        busy_until = self.released_s if self.released_s is not None else now_s
        return HandoffRecord(
            start_s=self.start_s, reason=request.reason, urgency_s=request.urgency_s, wait_s=request.wait_s,
            awareness_s=self.awareness_s, mode=self.mode, operator=request.operator,
            operator_s=None if request.assigned_s is None else busy_until - request.assigned_s,
            resolution=self.resolution, outcome=self.outcome, operator_error=self.operator_error,
            frame_path=request.frame_path)


class TeleopDriver:
    """Drives B slots: the driver inside, the console's state machine and the operators."""

    capabilities = DriverCapabilities(reports_confidence=True)

    def __init__(self, inner: Driver | AssistedDriver, config: TeleopConfig, batch: int, dt_s: float,
                 device: torch.device | str, frame_dir: Path | None = None, live_path: Path | None = None):
        if not inner.capabilities.reports_confidence:
            raise ValueError("a remote-operations console needs a driver that reports a confidence")
        self.inner, self.config, self.dt_s = inner, config, dt_s
        inner_truth = inner.needs.truth or TruthParts()
        # the camera for the health checks and request frames, the expert's truth for the operators
        self.needs = DriverNeeds(camera=True, truth=inner_truth)
        self.frame_dir, self.live_path = frame_dir, live_path
        self.recent: deque[dict] = deque(maxlen=LIVE_HISTORY)
        self.expert = ExpertDriver(remote_tuning(config))
        self.centre = OperationsCentre(config.operators)
        self.policy = HandoffPolicy(config, dt_s)
        self.health = SensorHealth(dt_s)
        self.link = CommandLink(batch, config, dt_s, device)
        self.state = torch.full((batch,), AUTONOMOUS, dtype=torch.int64, device=device)
        self.active = torch.zeros(batch, dtype=torch.bool, device=device)
        self.forced_offset_m = torch.full((batch,), math.nan, device=device)
        self.open: list[Handoff | None] = [None] * batch
        self.closed: list[list[Handoff]] = [[] for _ in range(batch)]
        self.rngs = [np.random.default_rng(slot) for slot in range(batch)]
        self.noise = np.zeros(batch)
        self.tick = 0
        self.queue_samples: list[QueueSample] = []

    @property
    def now_s(self) -> float:
        return self.tick * self.dt_s

    def reset(self, starts: list[EpisodeStart]) -> None:
        """New episodes: autonomous, each with its own generator for the link and operators."""
        self.inner.reset(starts)
        for start in starts:
            slot = start.slot
            self.state[slot], self.active[slot] = AUTONOMOUS, True
            self.forced_offset_m[slot] = math.nan
            self.open[slot], self.closed[slot] = None, []
            self.rngs[slot] = np.random.default_rng([start.seed, 7])
            self.noise[slot] = 0.0
            self.policy.reset(slot)
            self.health.reset(slot)
            self.link.reset(slot)

    def drain_queue(self) -> list[QueueSample]:
        """The queue samples taken since the last call."""
        samples, self.queue_samples = self.queue_samples, []
        return samples

    def end_episode(self, slot: int, outcome: str, failed: bool) -> list[HandoffRecord]:
        """The episode in slot ended with outcome: close its open handoff (a failure then is a
        failure during the handoff, named by its phase) and return all its handoff records."""
        handoff = self.open[slot]
        if handoff is not None:
            if failed:
                handoff.outcome = f"{outcome}_while_{handoff.phase}"
            self._close(slot, "episode_ended")
        records = [h.record(self.now_s) for h in self.closed[slot]]
        self.closed[slot], self.active[slot] = [], False
        return records

    def _close(self, slot: int, resolution: str) -> None:
        handoff = self.open[slot]
        self.centre.withdraw(handoff.request)
        if handoff.request.assigned_s is not None and handoff.released_s is None:
            self._free_operator(handoff)
        handoff.resolution = resolution
        self.closed[slot].append(handoff)
        self.open[slot] = None
        self.state[slot] = AUTONOMOUS
        self.forced_offset_m[slot] = math.nan
        self.policy.reset(slot)

    def _free_operator(self, handoff: Handoff) -> None:
        handoff.released_s = self.now_s
        self.centre.release(handoff.request.operator)

    def _mode(self, reason: str) -> str:
        """Assistance only for a driver that accepts it; otherwise the operator drives."""
        if not self.inner.capabilities.accepts_assistance:
            return "driving"
        if self.config.mode != "auto":
            return self.config.mode
        return "driving" if reason in PERCEPTION_REASONS else "assistance"

    def _request(self, obs: Observation, triggers, slots: list[int], reason_codes: torch.Tensor | None) -> None:
        reasons = [0] * len(self.open) if reason_codes is None else reason_codes.tolist()
        trigger = triggers.trigger.tolist()
        urgency = triggers.urgency_s.tolist()
        for slot in slots:
            reason = TRIGGERS[trigger[slot]]
            if reason == "low_confidence" and reasons[slot]:
                reason = REASONS[reasons[slot]]
            frame = None if obs.frames is None else obs.frames[slot].cpu().numpy()
            request = Request(slot, min(urgency[slot], 1e9), self.now_s, reason, frame)
            if frame is not None and self.frame_dir is not None:
                path = self.frame_dir / f"request_{self.tick}_{slot}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
                request.frame_path = str(path)
            self.open[slot] = Handoff(request, float(obs.time_s[slot]), self._mode(reason))
            self.state[slot] = REQUESTED
            self.centre.submit(request)

    def _pull_over_where_free(self, obs: Observation, rays_m: torch.Tensor | None) -> None:
        """Vehicles flying the minimal-risk manoeuvre in lane move to the road edge as soon as
        the camera sees it free far enough (between parked cars, that is once slow enough);
        once chosen, the road edge is kept."""
        if obs.refuge_offset_m is None or rays_m is None:
            return
        free = refuge_is_free(rays_m, obs.refuge_offset_m, obs.speed_mps,
                              self.config.mrm_decel_mps2).tolist()
        offsets = obs.refuge_offset_m.tolist()
        for slot, handoff in enumerate(self.open):
            if handoff is not None and handoff.phase in ("waiting", "awareness") and handoff.refuge_m == 0 \
                    and free[slot]:
                handoff.refuge_m = offsets[slot]

    def _start_awareness(self, assigned: list[Request], plan_offset_m: list[float],
                         expert_offset_m: list[float]) -> None:
        """Operators start on the requests just assigned; confirming the vehicle's own plan
        (the expert would take the same offset) is quick, finding another is slow."""
        for request in assigned:
            handoff = self.open[request.slot]
            confirm = handoff.mode == "assistance" and plan_offset_m[request.slot] == expert_offset_m[request.slot]
            handoff.awareness_s = awareness_s(self.rngs[request.slot], self.config, confirm)
            handoff.ready_s, handoff.phase = self.now_s + handoff.awareness_s, "awareness"

    def _operator_about_to_act(self) -> bool:
        """Whether the operators' view of the world is needed this tick: someone drives
        remotely, or will act before the link's history runs out (the expert is the
        costliest part of the console, so it only runs then)."""
        soon_s = self.now_s + self.link.depth * self.dt_s
        return any(h is not None and (h.phase == "remote_driving" or (h.phase == "awareness" and h.ready_s <= soon_s))
                   for h in self.open)

    def _operators_act(self, expert_offset_m: list[float]) -> None:
        for slot, handoff in enumerate(self.open):
            if handoff is None or handoff.phase != "awareness" or handoff.ready_s > self.now_s:
                continue
            self.state[slot] = OPERATOR
            if handoff.mode == "driving":
                handoff.phase = "remote_driving"
                continue
            offset, handoff.operator_error = choose_offset(self.rngs[slot], expert_offset_m[slot],
                                                           self.config.operator_error)
            self.forced_offset_m[slot] = offset
            handoff.phase, handoff.guidance_until_s = "guided", self.now_s + self.config.guidance_s
            self._free_operator(handoff)

    def _release(self, recovered: list[bool]) -> None:
        for slot, handoff in enumerate(self.open):
            if handoff is None:
                continue
            if handoff.phase == "guided" and self.now_s >= handoff.guidance_until_s:
                self._close(slot, "guidance_given")
            elif handoff.phase == "remote_driving" and recovered[slot]:
                self._close(slot, "released_confident")

    def _remote_control(self, control: torch.Tensor, remote: list[int]) -> torch.Tensor:
        """The control of remote-driven slots is what arrives over the link (until the first
        command arrives, the minimal-risk manoeuvre's)."""
        for slot in remote:
            command = self.link.receive(slot, self.rngs[slot])
            if command is None:
                continue
            self.noise[slot] = next_steer_noise(self.rngs[slot], self.noise[slot], self.config, self.dt_s)
            control[slot] = command
            control[slot, 0] = (command[0] + self.noise[slot]).clamp(-1, 1)
        return control

    def _open_requests(self) -> str:
        """JSON list of the open handoffs as a console shows them: slot, reason, time budget,
        wait so far, phase, operator, frame and link delay (the last command's, else the
        configured median round trip)."""
        rows = []
        for slot, handoff in enumerate(self.open):
            if handoff is None:
                continue
            request = handoff.request
            delay_s = self.link.last_delay_s[slot]
            rows.append({"slot": slot, "reason": request.reason, "urgency_s": request.urgency_s,
                         "waited_s": (request.assigned_s if request.assigned_s is not None else self.now_s)
                         - request.submitted_s, "phase": handoff.phase, "operator": request.operator,
                         "frame_path": request.frame_path,
                         "link_ms": 2 * self.config.latency_ms if np.isnan(delay_s) else 1000 * delay_s})
        return json.dumps(rows)

    def _write_live(self) -> None:
        """Rewrite the live snapshot atomically (a reader never sees half a file)."""
        snapshot = {**vars(self.queue_samples[-1]), "history": list(self.recent)}
        snapshot["open_requests"] = json.loads(snapshot["open_requests"])
        self.live_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.live_path.with_suffix(".partial")
        partial.write_text(json.dumps(snapshot), encoding="utf-8")
        partial.replace(self.live_path)

    def act(self, obs: Observation, truth: GroundTruth) -> DriverOutput:
        """Observation and ground truth (for the operators only) -> control [B, 3], with the
        camera driver's confidence, reason and monitor inputs."""
        if self.inner.capabilities.accepts_assistance:
            self.inner.assist(self.forced_offset_m)
        own = self.inner.act(obs, truth if self.inner.needs.truth is not None else None)
        autonomy = own.control
        watched = own.handoff_confidence if own.handoff_confidence is not None else own.confidence
        plan_ttc_s = own.plan.min_ttc_s if own.plan is not None else torch.full_like(watched, math.inf)
        fault = self.health.update(obs.frames, obs.speed_mps)
        autonomous = (self.state == AUTONOMOUS) & self.active
        triggers = self.policy.update(watched, plan_ttc_s, fault, obs.speed_mps, autonomous)
        self._request(obs, triggers, torch.nonzero(triggers.request).flatten().tolist(), own.reason)
        assigned = self.centre.assign(self.now_s)
        expert_offset = [0.0] * len(self.open)
        if assigned or self._operator_about_to_act():
            self.link.push(self.expert.act(obs, truth).control)
            expert_offset = self.expert.last_plan.offset_m.tolist()
        else:
            self.link.push(autonomy)
        plan_offset = own.plan.offset_m.tolist() if own.plan is not None else [math.nan] * len(self.open)
        self._start_awareness(assigned, plan_offset, expert_offset)
        self._operators_act(expert_offset)
        self._release(triggers.recovered.tolist())
        self._pull_over_where_free(obs, own.obstacle_rays_m)
        remote = [slot for slot, h in enumerate(self.open) if h is not None and h.phase == "remote_driving"]
        braking = self.state == REQUESTED
        braking[remote] = True
        stop_at_m = torch.tensor([0.0 if h is None else h.refuge_m for h in self.open],
                                 device=obs.speed_mps.device)
        mrm = minimal_risk_control(obs.route_ahead, obs.speed_mps, autonomy, self.config.mrm_decel_mps2, stop_at_m)
        control = self._remote_control(torch.where(braking.unsqueeze(-1), mrm, autonomy), remote)
        if self.tick % QUEUE_EVERY == 0:
            sample = QueueSample(self.now_s, self.centre.waiting, self.centre.busy, self.centre.operators,
                                 len(remote), self._open_requests())
            self.queue_samples.append(sample)
            self.recent.append({"time_s": sample.time_s, "waiting": sample.waiting, "busy": sample.busy})
        if self.live_path is not None and self.tick % LIVE_EVERY == 0:
            self._write_live()
        self.tick += 1
        return DriverOutput(control, own.confidence, own.reason, own.monitor_features)
