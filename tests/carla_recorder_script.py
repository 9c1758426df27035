"""The recorder through the real client: record a car running into a parked one, read the
file back (info, collisions, blocked actors), then replay it and compare the replayed car's
path with the recorded one. Prints a JSON summary."""
import json
import sys

import carla

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
recording = sys.argv[2]
world = client.load_world("straight")
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
library = world.get_blueprint_library()
start = world.get_map().get_spawn_points()[0]
summary = {"path": client.start_recorder(recording)}
runner = world.spawn_actor(library.find("vehicle.tesla.model3"), start)
parked = world.spawn_actor(library.find("vehicle.audi.a2"),
                           carla.Transform(start.location + start.get_forward_vector() * 25.0, start.rotation))
world.tick()
runner.set_target_velocity(start.get_forward_vector() * 10.0)
recorded_path = []
for _ in range(60):
    world.tick()
    recorded_path.append(runner.get_location().x)
client.stop_recorder()
summary["ids"] = [runner.id, parked.id]
summary["info"] = client.show_recorder_file_info(recording, False)
summary["collisions"] = client.show_recorder_collisions(recording, "v", "v")
summary["blocked"] = client.show_recorder_actors_blocked(recording, 2.0, 0.5)
try:
    client.show_recorder_file_info(recording + ".missing", False)
except RuntimeError as error:
    summary["missing"] = str(error)
runner.destroy()
parked.destroy()
world.tick()
summary["replay"] = client.replay_file(recording, 0.0, 0.0, 0)
replayed_path = []
for _ in range(61):
    world.tick()
    cars = [a for a in world.get_actors().filter("vehicle.tesla.model3")]
    replayed_path.append(cars[0].get_location().x if cars else None)
summary["replayed_offset"] = max(abs(a - b) for a, b in zip(recorded_path, replayed_path[1:]))
summary["replayed_vehicles"] = sorted(a.type_id for a in world.get_actors().filter("vehicle.*"))
settings.synchronous_mode = False
world.apply_settings(settings)
print(json.dumps(summary))
