"""The batched world: slots are independent, runs are deterministic, ground truth is right."""
import math

import pytest
import torch

from scenarios.background_traffic import sample_episode
from sim.actor_kinds import ActorKind
from sim.camera import CameraConfig, RigCamera
from sim.episode_spec import ActorSpec, EpisodeSpec
from sim.ground_truth import BEV_CELLS, BEV_CHANNELS, BEV_RES_M, ground_truth
from sim.traffic_lights import GREEN
from sim.weather import Weather
from world_helpers import drive, make_world


def state_of(world):
    parts = [world.ego.x_m, world.ego.y_m, world.ego.yaw_rad, world.ego.speed_mps, world.actors.x_m,
             world.actors.y_m, world.actors.speed_mps, world.stats.km, world.stats.min_ttc_s]
    return [p.clone() for p in parts]


def test_refilling_one_slot_leaves_the_others_untouched(bank):
    specs = [sample_episode(seed) for seed in range(4)]
    world = make_world(bank, specs)
    twin = make_world(bank, specs)
    drive(world, throttle=0.3, seconds=2.0)
    drive(twin, throttle=0.3, seconds=2.0)
    twin.load(2, sample_episode(99))
    drive(world, throttle=0.3, seconds=2.0)
    drive(twin, throttle=0.3, seconds=2.0)
    for a, b in zip(state_of(world), state_of(twin)):
        assert torch.equal(a[[0, 1, 3]], b[[0, 1, 3]])
    assert world.stats.km[2].item() > 0.005 and twin.stats.km[2].item() < world.stats.km[2].item()


def test_same_seeds_give_bit_identical_states(bank):
    specs = [sample_episode(seed) for seed in range(8)]
    runs = []
    for _ in range(2):
        world = make_world(bank, specs)
        drive(world, steer=0.05, throttle=0.4, seconds=4.0)
        runs.append(state_of(world))
    for a, b in zip(*runs):
        assert torch.equal(a, b)


def test_bev_marks_a_pedestrian_where_it_stands(bank):
    walker = ActorSpec(ActorKind.PEDESTRIAN, "static", x_m=25.0, y_m=-3.75)
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_s_m=5.0, actors=(walker,))])
    truth = ground_truth(world)
    channel = truth.bev[0, BEV_CHANNELS.index("pedestrian")]
    rows, cols = torch.nonzero(channel, as_tuple=True)
    forward = (BEV_CELLS - rows.float() - 0.5) * BEV_RES_M
    left = (BEV_CELLS / 2 - cols.float() - 0.5) * BEV_RES_M
    # the walker stands 20 m ahead of the ego (x = 5) and 2 m to its right (y = -1.75)
    assert abs(forward.mean().item() - 20.0) < 0.3 and abs(left.mean().item() + 2.0) < 0.3
    drivable = truth.bev[0, BEV_CHANNELS.index("drivable")]
    assert drivable[:, BEV_CELLS // 2].all()  # straight ahead is road
    assert truth.object_mask[0, 0] and abs(truth.objects[0, 0, 1].item() - 20.0) < 1e-4


def test_lane_geometry_and_light_ahead(bank):
    world = make_world(bank, [EpisodeSpec("junction_4way", "west_to_east", seed=0, ego_s_m=50.0)])
    truth = ground_truth(world)
    centre, left, right = truth.lanes[0]
    assert torch.allclose(centre[:, 1], torch.zeros(16), atol=1e-4)
    assert torch.allclose(left[:, 1], torch.full((16,), 1.75), atol=1e-4)
    assert torch.allclose(right[:, 1], torch.full((16,), -1.75), atol=1e-4)
    # west arm: stop line 6 m before the junction edge at x = -12; the ego starts 50 m along
    assert truth.light_state[0].item() == GREEN
    assert abs(truth.light_distance_m[0].item() - (94.0 - 50.0)) < 0.6


def test_observation_route_ahead_is_in_the_ego_frame(bank):
    world = make_world(bank, [EpisodeSpec("curve", "forward", seed=0, ego_s_m=20.0)])
    obs = world.observe()
    assert obs.frames is None
    first = obs.route_ahead[0, 0]
    assert abs(first[0].item() - 2.0) < 0.6 and abs(first[1].item()) < 0.1
    far = obs.route_ahead[0, -1]
    assert far[1].item() > 0  # the curve bends left ahead
    assert math.isclose(obs.speed_mps[0].item(), 0.0)


def test_an_episode_measures_the_same_km_in_any_slot(bank):
    """Its starting progress is found on its own route, whatever the other slots hold."""
    first = EpisodeSpec("straight", "main", seed=1, ego_s_m=5.0)
    other = EpisodeSpec("urban_street", "reverse", seed=2, ego_s_m=40.0)
    km = []
    for batch, slot in ((1, 0), (4, 3)):
        world = make_world(bank, [other] * batch)
        world.load(slot, first)
        for _ in range(100):
            world.step(torch.tensor([[0.0, 0.5, 0.0]] * batch))
        km.append(float(world.stats.km[slot]))
    assert km[0] > 0.02 and km[1] == km[0]


def test_a_frozen_camera_repeats_its_last_frame_while_the_others_move_on(bank):
    frozen = EpisodeSpec("straight", "main", seed=0, ego_s_m=5.0, ego_speed_mps=10.0,
                         weather=Weather(sensor_fault="frozen", sensor_fault_start_s=0.3))
    live = EpisodeSpec("straight", "main", seed=1, ego_s_m=5.0, ego_speed_mps=10.0)
    world = make_world(bank, [frozen, live], camera=CameraConfig(width=64, height=32))
    frames = []
    for _ in range(8):  # 0.0 .. 0.7 s
        frames.append(world.render().clone())
        drive(world, throttle=0.3, seconds=world.config.dt_s)
    start = next(k for k in range(8) if k * world.config.dt_s >= 0.3)
    assert not torch.equal(frames[start - 1][0], frames[start - 2][0])  # it moved before the fault
    for k in range(start, 8):
        assert torch.equal(frames[k][0], frames[start - 1][0])
    assert not torch.equal(frames[7][1], frames[start - 1][1])
    world.close()


def test_an_episode_records_how_much_of_the_roads_grip_it_used(bank):
    dry = EpisodeSpec("curve", "forward", seed=0, ego_s_m=20.0, ego_speed_mps=12.0)
    icy = EpisodeSpec("curve", "forward", seed=0, ego_s_m=20.0, ego_speed_mps=12.0, road_friction=0.15)
    world = make_world(bank, [dry, icy])
    drive(world, steer=0.2, throttle=0.2, seconds=1.0)
    grip_use = world.stats.max_grip_use
    assert 0.3 < grip_use[0] < 1.0 < grip_use[1]  # the same turn slides on ice
    assert world.stats.record(1, "t", "r", 0, 1.0).max_grip_use == grip_use[1].item()


def test_a_route_knows_its_speed_limits_point_by_point(bank):
    """What a driver is told at an episode's start: the on-ramp at 60 km/h, then the highway at 100."""
    world = make_world(bank, [EpisodeSpec("highway_on_ramp", "ramp_merge", seed=0, ego_s_m=5.0),
                              EpisodeSpec("curve", "forward", seed=0, ego_s_m=5.0)])
    ramp, curve = world.route_speed_limits(0) * 3.6, world.route_speed_limits(1) * 3.6
    assert len(ramp) == len(world.route.polyline(0)) and len(curve) == len(world.route.polyline(1))
    assert ramp[0] == ramp.min() == pytest.approx(60.0) and ramp[-1] == ramp.max() == pytest.approx(100.0)
    assert (abs(curve - 50.0) < 1e-3).all()
    assert (abs(ramp - 60.0) < 1e-3).sum() > 50 and (abs(ramp - 100.0) < 1e-3).sum() > 300


def test_a_rig_camera_outside_the_ego_sees_the_ego_and_one_inside_does_not(bank):
    """A chase camera 5.5 m behind the ego draws the ego's car, below the image centre; a hood
    camera inside it draws exactly the scene without it."""
    from sim.render.renderer import Renderer

    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_s_m=30.0)])
    rig = (RigCamera("chase", CameraConfig(width=128, height=96, mount_x_m=-5.5, mount_z_m=2.8, pitch_deg=-15.0)),
           RigCamera("hood", CameraConfig(width=128, height=96, mount_x_m=0.8, mount_z_m=1.3, pitch_deg=0.0)))
    views = world.render_rig(rig)
    for member in rig:
        bare = Renderer(bank.graphs, member.camera, 1)
        without_ego = bare.render(world.scene())[0]
        bare.close()
        changed = (views[member.name][0].int() - without_ego.int()).abs().sum(-1) > 0
        if member.name == "hood":
            assert not changed.any()
        else:
            rows, cols = changed.nonzero(as_tuple=True)
            assert changed.float().mean() > 0.05 and rows.float().mean() > 48 and abs(cols.float().mean() - 64) < 8
