"""Cameras where CARLA's example scripts put them, through the real client: a hood camera
inside the car, a chase camera behind it (manual_control's), one attached to nothing looking
at the car from behind and above, and one straight down from 40 m. Prints, per camera, the
share of its pixels in the car's red; then reloads the world."""
import json
import queue
import sys

import carla
import numpy as np

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
world = client.load_world("straight")
world.set_weather(carla.WeatherParameters.ClearNoon)  # the server may hold an earlier script's fog
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
library = world.get_blueprint_library()
start = world.get_map().get_spawn_points()[0]
car_blueprint = library.find("vehicle.tesla.model3")
car_blueprint.set_attribute("color", "230,20,20")
car = world.spawn_actor(car_blueprint, start)
camera_blueprint = library.find("sensor.camera.rgb")
camera_blueprint.set_attribute("image_size_x", "160")
camera_blueprint.set_attribute("image_size_y", "120")
behind = start.transform(carla.Location(x=-12.0)) + carla.Location(z=6.0)
placements = {
    "hood": (carla.Transform(carla.Location(x=0.8, z=1.3)), car),
    "chase": (carla.Transform(carla.Location(x=-5.5, z=2.8), carla.Rotation(pitch=-15.0)), car),
    "free": (carla.Transform(behind, carla.Rotation(pitch=-25.0, yaw=start.rotation.yaw)), None),
    "top_down": (carla.Transform(start.location + carla.Location(z=40.0), carla.Rotation(pitch=-90.0)), None),
}
cameras, images = {}, {}
for name, (transform, parent) in placements.items():
    cameras[name] = world.spawn_actor(camera_blueprint, transform, attach_to=parent)
    images[name] = queue.Queue()
    cameras[name].listen(images[name].put)
latest = {}
for _ in range(20):  # a stream joined just before a tick may miss its frame: tick until each has one
    world.tick()
    for name, frames in images.items():
        try:
            latest[name] = frames.get(timeout=5.0)
        except queue.Empty:
            pass
    if len(latest) == len(placements):
        break
summary = {}
for name, image in latest.items():
    pixels = np.frombuffer(bytes(image.raw_data), dtype=np.uint8).reshape(image.height, image.width, 4)
    blue, green, red = (pixels[..., k].astype(int) for k in range(3))
    summary[name] = float(((red > 150) & (green < 90) & (blue < 90)).mean())
summary["free_parent"] = cameras["free"].parent is None
# the car first, then its cameras, as CARLA's examples often do: the cameras outlive the car
summary["car_destroyed"] = car.destroy()
world.tick()
summary["chase_after_car"] = cameras["chase"].is_alive
for camera in cameras.values():
    camera.stop()
summary["cameras_destroyed"] = [camera.destroy() for camera in cameras.values()]
world.tick()
settings.synchronous_mode = False
world.apply_settings(settings)
world.spawn_actor(car_blueprint, start)
reloaded = client.reload_world()  # the same map afresh: the car just spawned is gone
summary["reloaded"] = reloaded.get_map().name
summary["after_reload"] = [a.type_id for a in reloaded.get_actors() if a.type_id.startswith("vehicle")]
print(json.dumps(summary))
