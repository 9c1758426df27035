"""Traffic lights through the real client, as CARLA's agents and the Traffic Manager use them:
the lights are actors with trigger volumes on their lanes; a red light, frozen, holds a car
the Traffic Manager drives up to it, and the car is "at" that light; set green, it goes on.
Prints a JSON summary."""
import json
import sys

import carla

client = carla.Client("127.0.0.1", int(sys.argv[1]))
client.set_timeout(20.0)
summary = {}
# the town first, before this script's Traffic Manager exists (loading a world under a running
# one can crash the client library): its full topology has no dead end, every lane reaches
# every other, lights stand at its junctions
town = client.load_world("town").get_map()
topology = town.get_topology()
successors = {}
for entry, exit_ in topology:
    entry_lane, exit_lane = (entry.road_id, entry.lane_id), (exit_.road_id, exit_.lane_id)
    successors.setdefault(entry_lane, set()).add(exit_lane)
    successors.setdefault(exit_lane, set()).update((n.road_id, n.lane_id) for n in exit_.next(1.0))
first = (topology[0][0].road_id, topology[0][0].lane_id)
reached, frontier = {first}, [first]
while frontier:
    for lane in successors.get(frontier.pop(), ()):
        if lane not in reached:
            reached.add(lane)
            frontier.append(lane)
summary["town"] = {"segments": len(topology), "dead_ends": sum(not exit_.next(2.0) for _, exit_ in topology),
                   "unreached": len(set(successors) - reached),
                   "lights": len(client.get_world().get_actors().filter("traffic.traffic_light"))}
world = client.load_world("junction_4way")
settings = world.get_settings()
settings.synchronous_mode, settings.fixed_delta_seconds = True, 0.05
world.apply_settings(settings)
world_map = world.get_map()
lights = list(world.get_actors().filter("traffic.traffic_light"))
summary.update(lights=len(lights), states=sorted({str(light.state) for light in lights}))
light = lights[0]
summary["group"] = sorted(other.id for other in light.get_group_traffic_lights())
summary["same_junction"] = sorted(other.id for other in lights)
for other in lights:
    other.set_state(carla.TrafficLightState.Green)
light.set_state(carla.TrafficLightState.Red)
light.freeze(True)
# where CARLA's agents look for a light's stop: its trigger volume, on the lane it controls
trigger = light.get_transform().transform(light.trigger_volume.location)
stop = world_map.get_waypoint(trigger)
summary["trigger_on_lane"] = stop.transform.location.distance(trigger) < 1.5 and not stop.is_junction
summary["stop_waypoints"] = [(w.road_id, w.lane_id) for w in light.get_stop_waypoints()]
summary["stop_lane"] = (stop.road_id, stop.lane_id)
landmark = next(m for m in world_map.get_all_landmarks_of_type("1000001") if m.id == light.get_opendrive_id())
summary["light_of_landmark"] = world.get_traffic_light(landmark).id
start = stop.previous(40.0)[0]
traffic_manager = client.get_trafficmanager(int(sys.argv[2]))
traffic_manager.set_synchronous_mode(True)
car = world.spawn_actor(world.get_blueprint_library().find("vehicle.lincoln.mkz_2020"), carla.Transform(
    start.transform.location + carla.Location(z=0.3), start.transform.rotation))
car.set_autopilot(True, traffic_manager.get_port())
for _ in range(300):
    world.tick()
summary["at_light"] = car.is_at_traffic_light()
summary["its_light"] = car.get_traffic_light().id if car.get_traffic_light() else None
summary["light_id"] = light.id
summary["light_state"] = str(car.get_traffic_light_state())
summary["held_speed"] = car.get_velocity().length()
summary["held_before_stop_m"] = stop.transform.location.distance(car.get_location())
summary["frozen"] = light.is_frozen()
light.set_state(carla.TrafficLightState.Green)
for _ in range(100):
    world.tick()
summary["after_green_speed"] = car.get_velocity().length()
summary["after_green_moved_m"] = stop.transform.location.distance(car.get_location())
car.set_autopilot(False, traffic_manager.get_port())
car.destroy()
summary["light_boxes"] = len(light.get_light_boxes())
summary["destroy_refused"] = not light.destroy()  # the client logs the server's refusal
traffic_manager.set_synchronous_mode(False)
settings.synchronous_mode = False
world.apply_settings(settings)
print(json.dumps(summary))
