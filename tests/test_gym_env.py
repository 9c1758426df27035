"""The Gymnasium vector-env wrapper steps the same batched world."""
import gymnasium as gym
import numpy as np

from scenarios.background_traffic import sample_episode
from sim.camera import CameraConfig
from sim.gym_env import DrivingVectorEnv


def test_vector_env_steps_resets_and_rewards_progress():
    env = DrivingVectorEnv(3, sample_episode, camera=CameraConfig(width=64, height=32))
    assert isinstance(env, gym.vector.VectorEnv)
    obs, _ = env.reset(seed=5)
    assert obs["image"].shape == (3, 32, 64, 3) and obs["image"].dtype == np.uint8
    assert env.observation_space.contains(obs)
    total = np.zeros(3)
    ended = np.zeros(3, bool)
    for _ in range(60):
        obs, reward, terminated, truncated, infos = env.step(np.tile([0.0, 0.5, 0.0], (3, 1)).astype(np.float32))
        total += reward
        ended |= terminated | truncated
    assert obs["route"].shape == (3, 40, 2)
    # three seconds of throttle from 8 m/s covers well over 20 m of route in each env unless it crashed
    assert (total[~ended] > 20).all()
    assert env.action_space.shape == (3, 3)
    env.close()
