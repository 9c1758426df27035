"""Gymnasium environments over the batched world, for RL users: `DrivingVectorEnv` steps N
episodes as one batch; `DrivingEnv` is one episode at a time (what Gymnasium's own
`SyncVectorEnv` wraps; the tests hold the vector env to its semantics).

Observation per env: {"image": uint8 [H, W, 3], "speed": float32 [1] (m/s), "route": float32
[K, 2] (the route ahead in the ego frame, m)}. Action per env: [steer, throttle, brake].
Reward: metres of route progress this tick, minus `collision_penalty` on a collision. Info:
{"outcome": the episode's outcome so far (sim.events.OUTCOMES)}.

Episodes come from `episode_source(seed)`: env i of the vector env takes seeds base + i,
base + i + N, base + i + 2N, ... (base: reset's seed, 0 by default), so every env's sequence
of episodes is fixed whatever the others do; a DrivingEnv with stride N reset with seed
base + i (as SyncVectorEnv seeds its env i) takes the same ones.

The vector env declares Gymnasium's SAME_STEP autoreset: the step that ends an env's episode
returns the next episode's first observation, with the last one in infos["final_obs"] and
that step's info in infos["final_info"] (masks "_final_obs", "_final_info").
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


def observation_space(camera: CameraConfig) -> gym.spaces.Dict:
    return gym.spaces.Dict({
        "image": gym.spaces.Box(0, 255, (camera.height, camera.width, 3), np.uint8),
        "speed": gym.spaces.Box(0.0, np.inf, (1,), np.float32),
        "route": gym.spaces.Box(-np.inf, np.inf, (ROUTE_AHEAD_POINTS, 2), np.float32),
    })


ACTION_SPACE = gym.spaces.Box(np.array([-1, 0, 0], np.float32), np.array([1, 1, 1], np.float32))


class _Episodes:
    """The world's slots, each fed its own sequence of episodes (see the module)."""

    def __init__(self, world: BatchedWorld, episode_source: Callable[[int], EpisodeSpec], stride: int):
        self.world, self.episode_source, self.stride = world, episode_source, stride
        self.base, self.loaded = 0, [0] * world.config.batch_size

    def restart(self, seed: int | None) -> None:
        self.base, self.loaded = (0 if seed is None else seed), [0] * len(self.loaded)
        for slot in range(len(self.loaded)):
            self.next(slot)

    def next(self, slot: int) -> None:
        seed = self.base + slot + self.stride * self.loaded[slot]
        self.world.load(slot, self.episode_source(seed))
        self.loaded[slot] += 1

    def observation(self) -> dict[str, np.ndarray]:
        """The batch's observation, arrays [N, ...]."""
        obs = self.world.observe()
        return {"image": obs.frames.cpu().numpy(), "speed": obs.speed_mps.cpu().numpy()[:, None].astype(np.float32),
                "route": obs.route_ahead.cpu().numpy().astype(np.float32)}

    def step(self, actions, collision_penalty: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """actions [N, 3] -> reward [N] float32, terminated [N], truncated [N] (a timeout
        truncates, any other end terminates), outcome index [N]."""
        before = self.world.route.progress_m.clone()
        control = torch.as_tensor(np.asarray(actions, np.float32), device=self.world.device)
        events = self.world.step(control)
        reward = (self.world.route.progress_m - before) - collision_penalty * events.collision.gt(0).float()
        ended, outcome = events.ended.cpu().numpy(), events.outcome.cpu().numpy()
        truncated = ended & (outcome == OUTCOMES.index("timeout"))
        return reward.cpu().numpy().astype(np.float32), ended & ~truncated, truncated, outcome


class DrivingEnv(gym.Env):
    """One episode at a time; episodes seed, seed + stride, ... (see the module)."""

    def __init__(self, episode_source: Callable[[int], EpisodeSpec], camera: CameraConfig | None = None,
                 device: str = "cpu", collision_penalty: float = 100.0, stride: int = 1):
        self.camera = camera or CameraConfig()
        self.world = BatchedWorld(WorldConfig(batch_size=1, camera=self.camera, device=device))
        self.episodes = _Episodes(self.world, episode_source, stride)
        self.collision_penalty = collision_penalty
        self.observation_space, self.action_space = observation_space(self.camera), ACTION_SPACE
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None or not self._started:
            self.episodes.restart(seed)
            self._started = True
        else:
            self.episodes.next(0)
        return {k: v[0] for k, v in self.episodes.observation().items()}, {}

    def step(self, action):
        reward, terminated, truncated, outcome = self.episodes.step(np.asarray(action, np.float32)[None],
                                                                    self.collision_penalty)
        obs = {k: v[0] for k, v in self.episodes.observation().items()}
        return obs, float(reward[0]), bool(terminated[0]), bool(truncated[0]), {"outcome": OUTCOMES[int(outcome[0])]}

    def close(self) -> None:
        self.world.close()


class DrivingVectorEnv(gym.vector.VectorEnv):
    metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}

    def __init__(self, num_envs: int, episode_source: Callable[[int], EpisodeSpec],
                 camera: CameraConfig | None = None, device: str = "cpu", collision_penalty: float = 100.0,
                 compile_step: bool = False):
        self.num_envs = num_envs
        self.camera = camera or CameraConfig()
        self.world = BatchedWorld(WorldConfig(batch_size=num_envs, camera=self.camera, device=device,
                                              compile_step=compile_step))
        self.episodes = _Episodes(self.world, episode_source, num_envs)
        self.collision_penalty = collision_penalty
        self.single_observation_space = observation_space(self.camera)
        self.single_action_space = ACTION_SPACE
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self.episodes.restart(seed)
        return self.episodes.observation(), {}

    def step(self, actions):
        reward, terminated, truncated, outcome = self.episodes.step(actions, self.collision_penalty)
        ended = terminated | truncated
        last = self.episodes.observation()
        infos: dict = {}
        for slot in range(self.num_envs):
            info = {"outcome": OUTCOMES[int(outcome[slot])]}
            if ended[slot]:
                final_obs = {k: v[slot] for k, v in last.items()}
                infos = self._add_info(infos, {"final_obs": final_obs, "final_info": info}, slot)
                self.episodes.next(slot)
                info = {}
            infos = self._add_info(infos, info, slot)
        obs = self.episodes.observation() if ended.any() else last
        return obs, reward, terminated, truncated, infos

    def close_extras(self, **kwargs) -> None:
        self.world.close()
