"""Every sensor type through the real client, the way CARLA's examples attach them: depth,
semantic and instance segmentation cameras, a lidar, a semantic lidar and a radar on a car
that drives at 10 m/s towards a parked car 20 m ahead, plus a depth camera attached to
nothing. Prints what each sensor measured of the parked car as one JSON line."""
import json
import math
import queue
import sys

import carla
import numpy as np

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
world = client.load_world("straight")
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
library = world.get_blueprint_library()
start = world.get_map().get_spawn_points()[0]
ego = world.spawn_actor(library.find("vehicle.tesla.model3"), start)
parked = world.spawn_actor(library.find("vehicle.audi.a2"),
                           carla.Transform(start.location + start.get_forward_vector() * 20.0, start.rotation))
mount = carla.Transform(carla.Location(x=1.5, z=1.6))
blueprints = {}
for name in ("depth", "semantic_segmentation", "instance_segmentation"):
    blueprints[name] = library.find(f"sensor.camera.{name}")
    blueprints[name].set_attribute("image_size_x", "160")
    blueprints[name].set_attribute("image_size_y", "120")
blueprints["lidar"] = library.find("sensor.lidar.ray_cast")
# as in CARLA's library, an attribute recommends its default (visualize_multiple_sensors.py reads [0])
recommended = blueprints["lidar"].get_attribute("dropoff_general_rate").recommended_values
blueprints["semantic_lidar"] = library.find("sensor.lidar.ray_cast_semantic")
for name in ("lidar", "semantic_lidar"):
    for attribute, setting in (("channels", "32"), ("range", "50"), ("points_per_second", "100000"),
                               ("rotation_frequency", "20"), ("upper_fov", "5"), ("lower_fov", "-25")):
        blueprints[name].set_attribute(attribute, setting)
blueprints["lidar"].set_attribute("dropoff_general_rate", "0.0")
blueprints["radar"] = library.find("sensor.other.radar")
blueprints["radar"].set_attribute("horizontal_fov", "10")
blueprints["radar"].set_attribute("vertical_fov", "5")
sensors, data = {}, {}
for name, blueprint in blueprints.items():
    sensors[name] = world.spawn_actor(blueprint, mount, attach_to=ego)
above = carla.Transform(start.location + carla.Location(z=30.0), carla.Rotation(pitch=-90.0))
sensors["free_depth"] = world.spawn_actor(blueprints["depth"], above)
for name, sensor in sensors.items():
    data[name] = queue.Queue()
    sensor.listen(data[name].put)
ego.set_target_velocity(start.get_forward_vector() * 10.0)
latest = {}
for _ in range(3):
    world.tick()
for _ in range(20):
    ego.apply_control(carla.VehicleControl(throttle=0.35))
    frame = world.tick()
    for name, stream in data.items():
        while True:
            try:
                measurement = stream.get(timeout=5.0)
            except queue.Empty:
                break
            if measurement.frame == frame:
                latest[name] = measurement
                break
    if len(latest) == len(sensors):
        break


def pixels(image):
    return np.frombuffer(bytes(image.raw_data), dtype=np.uint8).reshape(image.height, image.width, 4).astype(np.int64)


ego_at, parked_at = ego.get_transform().location, parked.get_transform().location
summary = {"types": {name: type(m).__name__ for name, m in latest.items()}, "recommended": list(recommended)}
# the sensors are 1.5 m ahead of the ego's centre; the parked car's back is half its length behind its centre
summary["parked_id"] = parked.id
summary["gap_m"] = parked_at.distance(ego_at) - 1.5 - parked.bounding_box.extent.x


def metres(bgra):
    return 1000.0 * (bgra[..., 2] + 256 * bgra[..., 1] + 65536 * bgra[..., 0]) / (256 ** 3 - 1)


CAR_ROW = 64  # below the horizon (row 60): the parked car is lower than the cameras
depth = pixels(latest["depth"])
summary["depth_car_m"], summary["depth_sky_m"] = float(metres(depth[CAR_ROW, 80])), float(metres(depth[0, 80]))
semantic = pixels(latest["semantic_segmentation"])
summary["semantic_car"], summary["semantic_bottom"] = int(semantic[CAR_ROW, 80, 2]), int(semantic[119, 80, 2])
latest["semantic_segmentation"].convert(carla.ColorConverter.CityScapesPalette)
summary["palette_car"] = pixels(latest["semantic_segmentation"])[CAR_ROW, 80, :3].tolist()
instance = pixels(latest["instance_segmentation"])[CAR_ROW, 80]
summary["instance_car"] = [int(instance[2]), int(instance[1] + 256 * instance[0])]
lidar = latest["lidar"]
points = np.frombuffer(bytes(lidar.raw_data), dtype=np.float32).reshape(-1, 4)
summary["lidar_channels"] = lidar.channels
summary["lidar_points"] = [len(points), sum(lidar.get_point_count(c) for c in range(lidar.channels))]
ahead = points[(np.abs(points[:, 1]) < 0.5) & (points[:, 0] > 1.0) & (points[:, 2] > -1.0)]  # past the bonnet
summary["lidar_ahead_x"] = float(ahead[:, 0].min()) if len(ahead) else None
summary["lidar_angle"] = lidar.horizontal_angle
detections = list(latest["semantic_lidar"])
on_car = [d for d in detections if d.object_idx == parked.id]
summary["semantic_lidar_on_car"] = [len(on_car), sorted({d.object_tag for d in on_car})]
summary["semantic_lidar_tags"] = sorted({d.object_tag for d in detections})
radar = list(latest["radar"])
summary["radar"] = [len(radar), float(np.median([d.depth for d in radar])) if radar else None,
                    float(np.median([d.velocity for d in radar])) if radar else None,
                    max(abs(math.degrees(d.azimuth)) for d in radar) if radar else None]
summary["ego_speed"] = ego.get_velocity().length()
summary["free_depth_m"] = float(metres(pixels(latest["free_depth"])[60, 80]))
above, below = parked_at + carla.Location(z=10.0), parked_at + carla.Location(z=-1.0)
summary["cast_ray"] = [[str(p.label), round(p.location.z, 2)] for p in world.cast_ray(above, below)]
projected = world.ground_projection(above, 20.0)
summary["ground_projection"] = [str(projected.label), round(projected.location.z, 2)]
summary["nothing_below"] = world.ground_projection(parked_at + carla.Location(z=30.0), 5.0) is None
buildings = world.get_level_bbs(carla.CityObjectLabel.Buildings)
objects = world.get_environment_objects(carla.CityObjectLabel.Buildings)
summary["buildings"] = [len(buildings), len(objects), len(world.get_level_bbs(carla.CityObjectLabel.Any))]
summary["building_names"] = sorted({o.name.split("_")[0] for o in objects})
summary["building_box_matches"] = all(abs(a.extent.z - o.bounding_box.extent.z) < 1e-3
                                      for a, o in zip(buildings, objects))
level_centre = carla.Location(buildings[0].location.x, buildings[0].location.y, 1.0)
summary["towards_building"] = [str(p.label) for p in world.cast_ray(parked_at + carla.Location(z=1.0), level_centre)]
for sensor in sensors.values():
    sensor.stop()
    sensor.destroy()
print(json.dumps(summary))
