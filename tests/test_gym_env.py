"""The Gymnasium vector-env wrapper steps the same batched world."""
import gymnasium as gym
import numpy as np

from scenarios.background_traffic import sample_episode
from sim.camera import CameraConfig
from sim.gym_env import DrivingEnv, DrivingVectorEnv


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


def _stopped_lead(seed: int):
    """Short episodes: a stopped car ahead, hit within seconds at full throttle."""
    from scenarios.catalog import FAMILIES

    family = FAMILIES["lead_vehicle_stopped"]
    params = family.from_unit(np.random.default_rng(seed).random((1, len(family.all_parameters))))[0]
    return family.build(params, seed)


def _same_images(a: np.ndarray, b: np.ndarray) -> bool:
    """The same frame but for rounding in a few pixels (a tile's place in the batch
    framebuffer moves float rounding of its vertices: docs/drivers.md); the frame of another
    moment or episode differs almost everywhere."""
    return a.shape == b.shape and (a != b).any(-1).mean() < 0.01


def test_same_step_autoreset_matches_gymnasiums_sync_vector_env():
    """The ending step returns the next episode's first observation, the last one in
    infos["final_obs"], that step's info in infos["final_info"]: as SyncVectorEnv does over
    single envs fed the same episodes."""
    camera, n = CameraConfig(width=64, height=32), 3
    ours = DrivingVectorEnv(n, _stopped_lead, camera=camera)
    theirs = gym.vector.SyncVectorEnv([lambda: DrivingEnv(_stopped_lead, camera=camera, stride=n)] * n,
                                      autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    obs_a, _ = ours.reset(seed=7)
    obs_b, _ = theirs.reset(seed=7)
    ends = 0
    for step in range(220):
        action = np.tile([0.0, 1.0 if step % 50 < 40 else 0.0, 0.0], (n, 1)).astype(np.float32)
        obs_a, reward_a, term_a, trunc_a, info_a = ours.step(action)
        obs_b, reward_b, term_b, trunc_b, info_b = theirs.step(action)
        assert np.array_equal(term_a, term_b) and np.array_equal(trunc_a, trunc_b), step
        assert np.array_equal(reward_a, reward_b) and np.array_equal(obs_a["speed"], obs_b["speed"]), step
        assert np.array_equal(obs_a["route"], obs_b["route"]) and _same_images(obs_a["image"], obs_b["image"])
        assert info_a.keys() == info_b.keys(), step
        if "final_obs" in info_b:
            ends += int(info_b["_final_obs"].sum())
            assert np.array_equal(info_a["_final_obs"], info_b["_final_obs"])
            assert np.array_equal(info_a["final_info"]["outcome"], info_b["final_info"]["outcome"])
            for slot in np.flatnonzero(info_b["_final_obs"]):
                final_a, final_b = info_a["final_obs"][slot], info_b["final_obs"][slot]
                assert np.array_equal(final_a["speed"], final_b["speed"])
                assert _same_images(final_a["image"], final_b["image"])
        if "outcome" in info_b:
            assert np.array_equal(info_a["_outcome"], info_b["_outcome"])
    assert ends >= n  # every env ended at least one episode and went on with the next
    ours.close()
    theirs.close()
