"""Per-tick events and episode tallies from real rollouts."""
import math

import torch

from sim.actor_kinds import ActorKind
from sim.episode_spec import ActorSpec, EpisodeSpec
from sim.events import OUTCOMES
from world_helpers import drive, hold_speed, make_world


def test_pedestrian_collision_is_detected_with_its_impact_speed(bank):
    walker = ActorSpec(ActorKind.PEDESTRIAN, "static", x_m=40.0, y_m=-1.75, yaw_rad=math.pi / 2)
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=10.0, actors=(walker,))])
    events = hold_speed(world, 10.0, 5.0)
    hit = [e for e in events if e.collision[0] > 0]
    assert len(hit) == 1
    assert hit[0].collision[0].item() == 1  # pedestrian
    assert abs(hit[0].impact_speed_mps[0].item() - 10.0) < 0.2
    # the ego's nose (x + 2.3) meets the walker's side (40 - 0.3)
    assert abs(world.ego.x_m.item() + 2.3 - 39.7) < 0.6
    assert OUTCOMES[world.stats.outcome[0].item()] == "collision"
    assert world.stats.collisions_pedestrian[0].item() == 1


def test_collision_types_for_vehicle_and_static_objects(bank):
    car = ActorSpec(ActorKind.CAR, "static", lanes=((1, -1),), s_m=30.0)
    cone = ActorSpec(ActorKind.CONE, "static", lanes=((1, -1),), s_m=30.0)
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=8.0, actors=(car,)),
                              EpisodeSpec("straight", "main", seed=0, ego_speed_mps=8.0, actors=(cone,))])
    hold_speed(world, 8.0, 5.0)
    assert world.stats.collisions_vehicle.tolist() == [1, 0]
    assert world.stats.collisions_static.tolist() == [0, 1]
    assert world.stats.first_collision_kind.tolist() == [int(ActorKind.CAR), int(ActorKind.CONE)]


def test_contact_at_standstill_is_not_a_collision_and_repeats_count_once(bank):
    car = ActorSpec(ActorKind.CAR, "static", x_m=9.0, y_m=-1.75)
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, actors=(car,))], end_on_collision=False)
    drive(world, seconds=1.0)
    assert world.stats.collisions_vehicle[0].item() == 0  # touching but standing still
    drive(world, throttle=0.3, seconds=2.0)
    assert world.stats.collisions_vehicle[0].item() == 1  # pushing on: the same collision


def test_off_road_and_wrong_way_are_measured_in_metres(bank):
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=10.0),
                              EpisodeSpec("straight", "main", seed=1, ego_speed_mps=10.0)])
    world.ego.yaw_rad[0] = 0.6  # heads off the road to the left... across the oncoming lanes
    world.ego.y_m[1] = 1.75     # in the oncoming lane, facing the wrong way
    hold_speed(world, 10.0, 3.0)
    assert world.stats.wrong_way_m[1].item() > 25.0 and world.stats.off_road_m[1].item() == 0.0
    assert world.stats.off_road_m[0].item() > 5.0


def test_running_a_red_light_is_counted(bank):
    # north-south is red for the first 23 s; the ego drives south through the junction at 10 m/s
    world = make_world(bank, [EpisodeSpec("junction_4way", "north_to_south", seed=0, ego_s_m=60.0,
                                          ego_speed_mps=10.0)])
    events = []
    for _ in range(100):
        obs = world.observe()
        target = obs.route_ahead[:, 3]
        steer = (2 * target[:, 1] / (target ** 2).sum(-1) * 2.8 / 0.6).clamp(-1, 1)
        control = torch.stack([steer, (0.5 * (10 - obs.speed_mps)).clamp(0, 1), torch.zeros(1)], -1)
        events.append(world.step(control))
    assert sum(int(e.red_light[0]) for e in events) == 1
    assert world.stats.red_lights[0].item() == 1


def test_km_follow_the_route_and_success_ends_the_episode(bank):
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=15.0)])
    hold_speed(world, 15.0, 10.0)
    assert abs(world.stats.km[0].item() - (world.ego.x_m.item() - 5.0) / 1000) < 1e-3
    hold_speed(world, 15.0, 15.0)
    assert OUTCOMES[world.stats.outcome[0].item()] == "success"
    assert world.stats.km[0].item() > 0.28


def test_route_deviation_and_blocked_end_episodes(bank):
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=10.0),
                              EpisodeSpec("straight", "main", seed=0)], blocked_after_s=5.0)
    world.ego.yaw_rad[0] = math.pi / 2
    drive(world, seconds=6.0)
    assert [OUTCOMES[k] for k in world.stats.outcome.tolist()] == ["route_deviation", "blocked"]


def test_near_miss_records_min_ttc_and_distance(bank):
    # a car stopped in the next lane: passing it at 10 m/s is a near miss, never a collision course
    parked = ActorSpec(ActorKind.CAR, "static", lanes=((1, -2),), s_m=40.0)
    lead = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -1),), s_m=40.0, speed_mps=5.0)
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=10.0, actors=(parked,)),
                              EpisodeSpec("straight", "main", seed=0, ego_speed_mps=10.0, actors=(lead,))])
    hold_speed(world, 10.0, 3.0)
    assert math.isinf(world.stats.min_ttc_s[0].item())
    assert abs(world.stats.min_distance_m[0].item() - (3.5 - 1.9)) < 0.05
    # closing on a 5 m/s lead 40 - 5 - 4.6 = 30.4 m ahead at 5 m/s: TTC starts at ~6 s and falls
    assert world.stats.min_ttc_s[1].item() < 6.1 - 3.0 + 0.2
