"""Ray casting and the wire server's lidar and radar against geometry with known answers."""
import math

import pytest
import torch

from sim.carla_wire.messages import ActorDescription, WireError
from sim.carla_wire.range_sensors import Lidar, Radar, SensorPose
from sim.ray_cast import GROUND, NOTHING, Boxes, cast_rays, ray_hits_along


def _description(bp_id: str, **attributes: str) -> ActorDescription:
    return ActorDescription(1, bp_id, tuple((name, 3, text) for name, text in attributes.items()))


def test_rays_stop_at_the_first_face_of_a_turned_box_or_at_the_ground():
    box = Boxes.of([(10.0, 0.0, math.radians(30), 4.0, 2.0, 1.5)])
    direction = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, 0.0, 1.0]])
    hits = cast_rays(torch.tensor([0.0, 0.0, 1.0]), direction / direction.norm(dim=1, keepdim=True), 50.0, box)
    # turned 30 degrees, the box's side (1 m from its axis) crosses the x axis 1 / sin(30) = 2 m
    # before its centre, nearer than its back (2 / cos(30) = 2.31 m)
    assert hits.distance_m[0].item() == pytest.approx(8.0, abs=1e-4)
    assert hits.actor.tolist() == [0, NOTHING, GROUND, NOTHING]
    assert hits.distance_m[2].item() == pytest.approx(math.sqrt(2), abs=1e-5)
    assert hits.normal[0].tolist() == pytest.approx([-math.sin(math.radians(30)), math.cos(math.radians(30)), 0.0],
                                                    abs=1e-5)
    inside = cast_rays(torch.tensor([10.0, 0.0, 0.5]), direction[:1], 50.0, box)
    assert inside.actor.tolist() == [NOTHING]  # a ray from inside a box passes out of it


def test_a_lidar_over_flat_ground_lays_its_channels_where_its_fov_puts_them():
    lidar = Lidar(_description("sensor.lidar.ray_cast", channels="8", range="100", points_per_second="16000",
                               rotation_frequency="10", upper_fov="-5", lower_fov="-40", dropoff_general_rate="0",
                               dropoff_zero_intensity="0", atmosphere_attenuation_rate="0.004"), seed=1)
    height = 2.0
    scan = lidar.scan(SensorPose((0.0, 0.0, height), 0.3, 0.0), Boxes.of([]), dt_s=0.05)
    assert scan.points_per_channel == [100] * 8 and len(scan.points) == 800
    assert scan.points[:, 2].tolist() == pytest.approx([-height] * 800, abs=1e-4)
    planar = scan.points[:, :2].norm(dim=1).reshape(8, 100)
    angles = torch.rad2deg(torch.atan2(torch.full_like(planar, height), planar)).mean(1)
    assert angles.tolist() == pytest.approx([5 + 5 * k for k in range(8)], abs=1e-3)
    distance = scan.points.norm(dim=1)
    assert scan.intensity.tolist() == pytest.approx(torch.exp(-0.004 * distance).tolist(), abs=1e-5)
    # half a turn per tick at 10 Hz and 0.05 s: the sweep stops at 180 degrees, CARLA reports radians
    assert scan.horizontal_angle_rad == pytest.approx(math.pi)
    assert lidar.scan(SensorPose((0.0, 0.0, height), 0.3, 0.0), Boxes.of([]), 0.05).horizontal_angle_rad == 0.0


def test_the_lidars_drop_off_keeps_carlas_share_of_points():
    lidar = Lidar(_description("sensor.lidar.ray_cast", channels="16", range="100", points_per_second="200000",
                               upper_fov="-10", lower_fov="-30", dropoff_general_rate="0.45",
                               atmosphere_attenuation_rate="0.0"), seed=3)
    scan = lidar.scan(SensorPose((0.0, 0.0, 2.0), 0.0, 0.0), Boxes.of([]), 0.05)
    # intensity 1 > the limit: only the general drop-off applies
    assert len(scan.points) / 10000 == pytest.approx(0.55, abs=0.02)


def test_a_radar_closing_on_a_parked_car_reads_the_closing_speed_along_each_ray():
    radar = Radar(_description("sensor.other.radar", horizontal_fov="20", vertical_fov="4", range="80",
                               points_per_second="4000"), seed=2)
    car = Boxes.of([(25.0, 0.0, 0.0, 4.5, 1.9, 1.5)])
    scan = radar.scan(SensorPose((0.0, 0.0, 0.8), 0.0, 0.0, (12.0, 0.0)), car, torch.zeros(1, 2), 0.05)
    assert len(scan.depth_m) > 100
    assert (scan.azimuth_rad.abs() <= math.radians(10) + 1e-6).all()
    assert (scan.altitude_rad.abs() <= math.radians(2) + 1e-6).all()
    on_car = scan.depth_m < 30
    assert on_car.sum() > 50 and scan.depth_m[on_car].min() >= 25 - 2.25 - 1e-4
    expected = -12.0 * torch.cos(scan.azimuth_rad) * torch.cos(scan.altitude_rad)
    assert scan.velocity_mps.tolist() == pytest.approx(expected.tolist(), abs=1e-3)


def test_a_sensor_attribute_out_of_range_is_refused_by_name():
    with pytest.raises(WireError, match="'channels' = 0 is outside"):
        Lidar(_description("sensor.lidar.ray_cast", channels="0"), seed=1)
    with pytest.raises(WireError, match="'range' = 'far' is not a number"):
        Radar(_description("sensor.other.radar", range="far"), seed=1)


def test_a_ray_reports_every_surface_it_enters_nearest_first_or_only_the_first():
    boxes = Boxes.of([(20.0, 0.0, 0.0, 2.0, 2.0, 3.0), (10.0, 0.0, 0.0, 2.0, 2.0, 3.0)])
    direction = torch.tensor([1.0, 0.0, -0.05])
    direction = direction / direction.norm()
    every = ray_hits_along(torch.tensor([0.0, 0.0, 1.5]), direction, 100.0, boxes, first_only=False)
    assert every.actor.tolist() == [1, 0, GROUND]  # the near box, the far one, then the ground at 30 m
    assert every.distance_m.tolist() == pytest.approx([9.0 / direction[0].item(), 19.0 / direction[0].item(),
                                                       30.0 / direction[0].item()], rel=1e-5)
    first = ray_hits_along(torch.tensor([0.0, 0.0, 1.5]), direction, 100.0, boxes, first_only=True)
    assert first.actor.tolist() == [1]
    short = ray_hits_along(torch.tensor([0.0, 0.0, 1.5]), direction, 5.0, boxes, first_only=False)
    assert short.actor.tolist() == []
