"""A CARLA client script that fills a map with traffic the way CARLA's examples do: one
synchronous batch spawning vehicles at the map's spawn points, each handed to the Traffic
Manager in the same batch (FutureActor), then driven for a few seconds and destroyed in a
batch. Prints a JSON summary. argv: server port, Traffic Manager port."""
import json
import sys

import carla

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
world = client.load_world("highway_on_ramp")
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
traffic_manager = client.get_trafficmanager(int(sys.argv[2]))
traffic_manager.set_synchronous_mode(True)
SpawnActor, SetAutopilot, FutureActor = carla.command.SpawnActor, carla.command.SetAutopilot, carla.command.FutureActor
blueprint = world.get_blueprint_library().find("vehicle.tesla.model3")
points = world.get_map().get_spawn_points()[:6]
batch = [SpawnActor(blueprint, point).then(SetAutopilot(FutureActor, True, traffic_manager.get_port()))
         for point in points]
responses = client.apply_batch_sync(batch, True)
ids = [r.actor_id for r in responses if not r.error]
vehicles = world.get_actors(ids)
start = {v.id: v.get_location() for v in vehicles}
for _ in range(80):
    world.tick()
moved = sorted(round(v.get_location().distance(start[v.id]), 2) for v in world.get_actors(ids))
errors = [r.error for r in responses if r.error]
destroyed = client.apply_batch_sync([carla.command.DestroyActor(i) for i in ids], True)
world.tick()
left = [a.id for a in world.get_actors() if a.type_id.startswith("vehicle.")]
settings.synchronous_mode = False
world.apply_settings(settings)
traffic_manager.set_synchronous_mode(False)
print(json.dumps({"spawn_points": len(points), "ids": ids, "errors": errors, "moved": moved,
                  "destroy_errors": [r.error for r in destroyed if r.error], "left": left}))
