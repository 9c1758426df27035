"""The ego's bicycle model: acceleration, steering sign, friction limits."""
import math

import torch

from sim.ego_dynamics import EgoState, step_ego, weather_friction


def run(control, friction=1.0, speed=0.0, seconds=3.0, dt=0.05):
    ego = EgoState.zeros(1, "cpu")
    ego.speed_mps[:] = speed
    for _ in range(round(seconds / dt)):
        step_ego(ego, torch.tensor([control]), torch.tensor([friction]), dt)
    return ego


def test_throttle_accelerates_straight_ahead():
    ego = run([0.0, 1.0, 0.0], seconds=2.0)
    assert 6.0 < ego.speed_mps.item() < 8.0
    assert abs(ego.y_m.item()) < 1e-6 and ego.x_m.item() > 5.0


def test_positive_steer_turns_left():
    ego = run([0.5, 0.0, 0.0], speed=5.0, seconds=1.0)
    assert ego.yaw_rad.item() > 0.2 and ego.y_m.item() > 0.3


def test_braking_distance_grows_on_a_slippery_road():
    dry = run([0.0, 0.0, 1.0], friction=1.0, speed=20.0, seconds=6.0)
    icy = run([0.0, 0.0, 1.0], friction=0.3, speed=20.0, seconds=8.0)
    assert dry.speed_mps.item() == 0.0 and icy.speed_mps.item() == 0.0
    # dry: capped at 9 m/s^2 -> ~22 m; icy: 0.3 g -> v^2 / (2 mu g) ~ 68 m
    assert 20.0 < dry.x_m.item() < 26.0
    assert abs(icy.x_m.item() - 20.0 ** 2 / (2 * 0.3 * 9.81)) < 3.0


def test_low_friction_understeers_in_a_curve():
    grippy = run([0.3, 0.0, 0.0], friction=1.0, speed=15.0, seconds=1.0)
    slippery = run([0.3, 0.0, 0.0], friction=0.2, speed=15.0, seconds=1.0)
    # the yaw rate is capped at mu g / v
    assert slippery.yaw_rad.item() <= 0.2 * 9.81 / 15.0 * 1.0 + 1e-3
    assert grippy.yaw_rad.item() > 2 * slippery.yaw_rad.item()


def test_weather_makes_roads_slippery():
    assert weather_friction(torch.tensor(0.0), torch.tensor(0.0)).item() == 1.0
    assert math.isclose(weather_friction(torch.tensor(100.0), torch.tensor(0.0)).item(), 0.7, rel_tol=1e-6)
    assert weather_friction(torch.tensor(0.0), torch.tensor(100.0)).item() < 0.4


def test_grip_use_is_the_asked_acceleration_over_mu_g():
    def grip_use(control, friction, speed):
        ego = EgoState.zeros(1, "cpu")
        ego.speed_mps[:] = speed
        ego.steer_rad[:] = control[0] * 0.6  # already at the commanded wheel angle
        return step_ego(ego, torch.tensor([control]), torch.tensor([friction]), 0.05).item(), ego

    use, ego = grip_use([0.2, 0.0, 0.0], 1.0, 10.0)
    # coasting in a steady turn: v^2 tan(delta) / L over g
    assert math.isclose(use, 10.0 ** 2 * math.tan(0.12) / 2.8 / 9.81, rel_tol=1e-4)
    assert math.isclose(grip_use([0.2, 0.0, 0.0], 0.25, 10.0)[0], use / 0.25, rel_tol=1e-5)
    assert math.isclose(grip_use([0.0, 0.0, 1.0], 0.5, 10.0)[0], 9.0 / (0.5 * 9.81), rel_tol=1e-5)  # full brake
    assert grip_use([0.2, 0.0, 0.0], 0.25, 10.0)[0] > 1.0  # asks for more than the road gives: it slides
