"""The remote-operations settings of a run, validated with pydantic. Every default is from
../shared/reference/driving-and-teleop.md where it gives one; the rest are marked assumed.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TeleopConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operators: int = Field(4, ge=0, le=100_000, description="operators on duty for the whole fleet (the run's batch)")
    # handoff policy: request after confidence stays below `threshold` for `dwell_s`; release
    # once it stays at or above `release_threshold` for `release_dwell_s` (hysteresis; assumed)
    threshold: float = Field(0.5, ge=0, le=1)
    dwell_s: float = Field(1.0, ge=0, le=60)
    release_threshold: float = Field(0.6, ge=0, le=1)
    release_dwell_s: float = Field(2.0, ge=0, le=600)
    # hard trigger: the chosen plan's time to collision below 1.5 s, the conventional
    # critical threshold (1.5-2 s)
    ttc_guard_s: float = Field(1.5, ge=0, le=10)
    # link: median one-way latency about 150 ms (Waymo, US); jitter and loss assumed
    latency_ms: float = Field(150.0, ge=0, le=10_000)
    jitter_ms: float = Field(30.0, ge=0, le=10_000)
    loss: float = Field(0.01, ge=0, le=1, description="probability that a frame or command is lost")
    # situation awareness from video, lognormal: quick confirmations median 3-5 s, path
    # guidance and taking the wheel 10-20 s (Lu, Coster, de Winter 2017); spread assumed
    confirm_awareness_s: float = Field(4.0, gt=0, le=600)
    path_awareness_s: float = Field(15.0, gt=0, le=600)
    awareness_sigma: float = Field(0.35, ge=0, le=3)
    mode: Literal["auto", "assistance", "driving"] = Field(
        "auto", description="auto: remote driving when perception failed, assistance when planning did")
    operator_error: float = Field(0.02, ge=0, le=1, description="P(an assisting operator picks a wrong path); assumed")
    guidance_s: float = Field(10.0, gt=0, le=600, description="how long an operator's path choice holds; assumed")
    # remote driving: human visuomotor delay in continuous tracking (crossover model, about
    # 0.2-0.3 s) and low-frequency steering noise (0.005 of full lock = 0.17 degrees at the
    # road wheels, some 2.5 degrees at a steering wheel with a 15:1 ratio); assumed values
    reaction_s: float = Field(0.25, ge=0, le=10)
    steer_noise: float = Field(0.005, ge=0, le=1, description="std of operator steering noise, share of full lock")
    # minimal-risk manoeuvre: comfortable braking, well under the 3.5 m/s^2 an ACC may use
    mrm_decel_mps2: float = Field(2.5, gt=0, le=9)
