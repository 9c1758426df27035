"""A Gymnasium vector environment over the batched world, for RL users.

Observation per env: {"image": uint8 [H, W, 3], "speed": float32 [1], "route": float32 [K, 2]}.
Action per env: [steer, throttle, brake]. Reward: metres of route progress this tick, minus
`collision_penalty` on a collision. Finished envs reset themselves to the next episode from
`episode_source(seed)` (autoreset: the step that ends an episode returns its last observation).
compile_step: the world's step through torch.compile (WorldConfig.compile_step).
"""
from __future__ import annotations

from typing import Callable

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector.utils import batch_space

from sim.camera import CameraConfig
from sim.episode_spec import EpisodeSpec
from sim.events import OUTCOMES
from sim.world import ROUTE_AHEAD_POINTS, BatchedWorld, WorldConfig


class DrivingVectorEnv(gym.vector.VectorEnv):
    metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}

    def __init__(self, num_envs: int, episode_source: Callable[[int], EpisodeSpec],
                 camera: CameraConfig | None = None, device: str = "cpu", collision_penalty: float = 100.0,
                 compile_step: bool = False):
        self.num_envs = num_envs
        self.camera = camera or CameraConfig()
        self.world = BatchedWorld(WorldConfig(batch_size=num_envs, camera=self.camera, device=device,
                                              compile_step=compile_step))
        self.episode_source = episode_source
        self.collision_penalty = collision_penalty
        self._next_seed = 0
        self.single_observation_space = gym.spaces.Dict({
            "image": gym.spaces.Box(0, 255, (self.camera.height, self.camera.width, 3), np.uint8),
            "speed": gym.spaces.Box(0.0, np.inf, (1,), np.float32),
            "route": gym.spaces.Box(-np.inf, np.inf, (ROUTE_AHEAD_POINTS, 2), np.float32),
        })
        self.single_action_space = gym.spaces.Box(np.array([-1, 0, 0], np.float32), np.array([1, 1, 1], np.float32))
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def _load(self, slot: int) -> None:
        self.world.load(slot, self.episode_source(self._next_seed))
        self._next_seed += 1

    def _observation(self) -> dict[str, np.ndarray]:
        obs = self.world.observe()
        return {"image": obs.frames.cpu().numpy(), "speed": obs.speed_mps.cpu().numpy()[:, None].astype(np.float32),
                "route": obs.route_ahead.cpu().numpy().astype(np.float32)}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self._next_seed = 0 if seed is None else seed
        for slot in range(self.num_envs):
            self._load(slot)
        return self._observation(), {}

    def step(self, actions):
        before = self.world.route.progress_m.clone()
        control = torch.as_tensor(np.asarray(actions, np.float32), device=self.world.device)
        events = self.world.step(control)
        reward = (self.world.route.progress_m - before) - self.collision_penalty * (events.collision > 0).float()
        outcome = events.outcome.cpu().numpy()
        ended = events.ended.cpu().numpy()
        truncated = ended & (outcome == OUTCOMES.index("timeout"))
        terminated = ended & ~truncated
        obs = self._observation()
        infos = {"outcome": np.array([OUTCOMES[k] for k in outcome])}
        for slot in np.flatnonzero(ended):
            self._load(int(slot))
        return obs, reward.cpu().numpy().astype(np.float32), terminated, truncated, infos

    def close_extras(self, **kwargs) -> None:
        self.world.close()
