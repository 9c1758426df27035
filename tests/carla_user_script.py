"""An ordinary CARLA user's script, unchanged but for the port: synchronous mode, a vehicle,
an RGB camera, 100 ticks with control, transforms and the speed limit read back. Prints a
JSON summary."""
import json
import queue
import sys

import carla

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(10.0)
world = client.get_world()
settings = world.get_settings()
settings.synchronous_mode = True
settings.fixed_delta_seconds = 0.05
world.apply_settings(settings)
blueprints = world.get_blueprint_library()
vehicle_bp = blueprints.find("vehicle.tesla.model3")
vehicle_bp.set_attribute("role_name", "hero")
spawn = world.get_map().get_spawn_points()[0]
vehicle = world.spawn_actor(vehicle_bp, spawn)
camera_bp = blueprints.find("sensor.camera.rgb")
camera_bp.set_attribute("image_size_x", "256")
camera_bp.set_attribute("image_size_y", "128")
camera = world.spawn_actor(camera_bp, carla.Transform(carla.Location(x=1.5, z=2.4)), attach_to=vehicle)
images = queue.Queue()
camera.listen(images.put)
frames = []
for _ in range(100):
    vehicle.apply_control(carla.VehicleControl(throttle=0.6, steer=0.0))
    frames.append(world.tick())
end = vehicle.get_transform()
speed_limit = vehicle.get_speed_limit()
received = []
while not received or received[-1].frame != frames[-1]:  # as CARLA's synchronous examples: wait for the last frame
    received.append(images.get(timeout=10.0))
last = received[-1]
pixels = bytes(last.raw_data)
camera.stop()
camera.destroy()
vehicle.destroy()
settings.synchronous_mode = False
world.apply_settings(settings)
print(json.dumps({"server": client.get_server_version(), "frames": frames, "start_x": spawn.location.x,
                  "end_x": end.location.x, "end_y": end.location.y, "spawn_y": spawn.location.y,
                  "speed_limit": speed_limit,
                  "image_frames": [i.frame for i in received],
                  "width": last.width, "height": last.height, "bytes": len(pixels),
                  "distinct_values": len(set(pixels[::97]))}))
