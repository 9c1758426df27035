"""What a simulated operator does: takes a lognormal situation-awareness time before acting
(quick to confirm what the vehicle already wants, slow to find a new path or take the
wheel), picks a path with some probability of picking a wrong one, and when driving
remotely controls more gently the longer the delay and steers with slow noise.

The gentleness follows the crossover model of human control (McRuer): an operator adapts
their gain to the loop's effective delay tau, keeping the crossover frequency below about
(pi/2 - phase margin) / tau so that the loop stays stable. Pedal gains are cut until loop
gain x tau is at most CROSSOVER_RAD (a phase margin of about 55 degrees; assumed), and the
steering aims tau further ahead."""
from __future__ import annotations

import math

import numpy as np

from planner.controller import BRAKE_LOOP_PER_S, THROTTLE_LOOP_PER_S, Tuning
from planner.sampling_planner import OFFSETS_M
from teleop.config import TeleopConfig

NOISE_MEMORY_S = 1.0
CROSSOVER_RAD = 0.6


def delay_s(config: TeleopConfig) -> float:
    """The median time from a frame leaving the vehicle to the command it prompts arriving."""
    return 2 * config.latency_ms / 1000 + config.reaction_s


def remote_tuning(config: TeleopConfig) -> Tuning:
    """How a remote driver controls through this link."""
    tau = delay_s(config)
    if tau <= 0:
        return Tuning()
    throttle, brake = (min(1.0, CROSSOVER_RAD / (loop * tau)) for loop in (THROTTLE_LOOP_PER_S, BRAKE_LOOP_PER_S))
    return Tuning(throttle, brake, tau)


def awareness_s(rng: np.random.Generator, config: TeleopConfig, confirm: bool) -> float:
    median = config.confirm_awareness_s if confirm else config.path_awareness_s
    return float(rng.lognormal(math.log(median), config.awareness_sigma))


def choose_offset(rng: np.random.Generator, correct_m: float, error_probability: float) -> tuple[float, bool]:
    """The lateral offset (m) an assisting operator sends, and whether it is a wrong one."""
    if rng.random() >= error_probability:
        return correct_m, False
    wrong = [o for o in OFFSETS_M if o != correct_m]
    return float(rng.choice(wrong)), True


def next_steer_noise(rng: np.random.Generator, previous: float, config: TeleopConfig, dt_s: float) -> float:
    """One step of AR(1) steering noise with std config.steer_noise and a 1 s memory."""
    keep = math.exp(-dt_s / NOISE_MEMORY_S)
    return keep * previous + math.sqrt(1 - keep ** 2) * config.steer_noise * float(rng.standard_normal())
