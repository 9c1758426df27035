"""A CARLA client session through the rest of the API a scenario script uses: weather,
walkers, props, collision and lane-invasion sensors, the Traffic Manager's autopilot and
destroy. Prints a JSON summary."""
import json
import sys

import carla

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
world = client.load_world("straight")
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
weather = world.get_weather()
weather.fog_density, weather.wetness = 40.0, 70.0
world.set_weather(weather)
world.tick()
summary = {"fog": world.get_weather().fog_density, "wetness": world.get_weather().wetness}
library = world.get_blueprint_library()
start = world.get_map().get_spawn_points()[0]
ego = world.spawn_actor(library.find("vehicle.tesla.model3"), start)
ahead = carla.Transform(start.location + carla.Location(x=15.0), start.rotation)
parked = world.spawn_actor(library.find("vehicle.audi.a2"), ahead)
walker_speeds = library.find("walker.pedestrian.0001").get_attribute("speed").recommended_values
summary["vehicle_blueprints"] = len(library.filter("vehicle.*"))
summary["walker_blueprints"] = len(library.filter("walker.pedestrian.*"))
summary["a2_extent"] = [round(v, 3) for v in (parked.bounding_box.extent.x, parked.bounding_box.extent.y,
                                              parked.bounding_box.extent.z)]
summary["a2_wheels"] = library.find("vehicle.audi.a2").get_attribute("number_of_wheels").as_int()
walker = world.spawn_actor(library.find("walker.pedestrian.0001"),
                           carla.Transform(start.location + carla.Location(x=60.0, y=4.0)))
cone = world.spawn_actor(library.find("static.prop.trafficcone01"),
                         carla.Transform(start.location + carla.Location(x=80.0, y=-3.0)))
collisions = world.spawn_actor(library.find("sensor.other.collision"), carla.Transform(), attach_to=ego)
lanes = world.spawn_actor(library.find("sensor.other.lane_invasion"), carla.Transform(), attach_to=ego)
hits, crossings = [], []
collisions.listen(lambda event: hits.append((event.frame, event.other_actor.type_id)))
lanes.listen(lambda event: crossings.append([str(m.type) for m in event.crossed_lane_markings]))
world.tick()  # a new actor's transform arrives with the next tick, as in CARLA
walker_start = walker.get_location()
walker.apply_control(carla.WalkerControl(carla.Vector3D(0.0, 1.0, 0.0), 1.5))
for tick in range(60):
    ego.apply_control(carla.VehicleControl(throttle=1.0, steer=-0.1 if tick > 30 else 0.0))
    world.tick()
summary.update(walker_speeds=[float(v) for v in walker_speeds], light=str(ego.get_traffic_light_state()), hits=hits[:1], hit_count=len(hits), crossings=crossings[:1],
               walker_moved_y=walker.get_location().y - walker_start.y, cone_type=cone.type_id)
tm_port = int(sys.argv[2])
traffic_manager = client.get_trafficmanager(tm_port)
traffic_manager.set_synchronous_mode(True)
traffic_manager.set_random_device_seed(7)
before = parked.get_location()
parked.set_autopilot(True, tm_port)
for _ in range(60):
    world.tick()
after = parked.get_location()
summary.update(autopilot_dx=after.x - before.x, autopilot_dy=after.y - before.y,
               autopilot_speed=parked.get_velocity().length())
parked.set_autopilot(False, tm_port)
ego.apply_control(carla.VehicleControl())  # coasting: our model keeps its speed
world.tick()
control = ego.get_physics_control()
summary["physics"] = [control.mass, len(control.wheels), round(control.wheels[0].max_steer_angle, 1)]
control.mass = 2000.0
ego.apply_physics_control(control)
speed = ego.get_velocity().length()
ego.add_impulse(ego.get_transform().get_forward_vector() * 2000.0 * 3.0)  # 3 m/s for 2,000 kg
world.tick()
summary["impulse_dv"] = ego.get_velocity().length() - speed
summary["mass_kept"] = ego.get_physics_control().mass
for actor in (collisions, lanes):
    actor.stop()
controller = world.spawn_actor(library.find("controller.ai.walker"), carla.Transform(), walker)
summary["controller"] = [controller.type_id, controller.parent.id == walker.id]
for actor in (controller, collisions, lanes, walker, cone, parked, ego):
    actor.destroy()
world.tick()
summary["left"] = [a.type_id for a in world.get_actors() if not a.type_id.startswith(("spectator", "traffic"))]
settings.synchronous_mode = False
world.apply_settings(settings)
traffic_manager.set_synchronous_mode(False)
print(json.dumps(summary))
