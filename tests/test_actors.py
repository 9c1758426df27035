"""Actors: IDM following, traffic lights, and scripted triggers and actions."""
import pytest
import torch

from sim.actor_kinds import ActorKind
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Trigger
from sim.events import OUTCOMES
from world_helpers import drive, hold_speed, make_world


def test_follower_stops_behind_a_stopped_car_without_touching_it(bank):
    stopped = ActorSpec(ActorKind.CAR, "static", lanes=((1, -1),), s_m=120.0)
    follower = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -1),), s_m=60.0, speed_mps=12.0)
    world = make_world(bank, [EpisodeSpec("straight", "outer", seed=0, actors=(stopped, follower))])
    drive(world, seconds=15.0)
    a = world.actors
    assert a.speed_mps[0, 1].item() < 0.05
    gap = a.x_m[0, 0] - a.x_m[0, 1] - 4.6
    assert 1.0 < gap.item() < 4.0


def test_vehicle_stops_at_a_red_light_unless_it_runs_it(bank):
    # east-west is green for 20 s then yellow 3 s then red; a car arriving at t > 23 s meets red
    def car(runs: bool):
        return ActorSpec(ActorKind.CAR, "lane", lanes=((3, 1), (131, -1), (1, -1)), s_m=0.0, speed_mps=3.8,
                         desired_speed_mps=3.8, ignores_red_lights=runs)
    world = make_world(bank, [EpisodeSpec("junction_4way", "north_to_south", seed=0, actors=(car(False),)),
                              EpisodeSpec("junction_4way", "north_to_south", seed=0, actors=(car(True),))])
    drive(world, seconds=30.0)
    stop_s = 94.0
    obeys, runs = world.actors.s_m[0, 0].item(), world.actors
    assert world.actors.lane[0, 0].item() == bank.lane_base[3] + bank.graphs[3].index_of[(3, 1)]
    assert stop_s - 4.0 < obeys + 2.3 < stop_s + 0.5 and world.actors.speed_mps[0, 0].item() < 0.1
    assert runs.lane[1, 0].item() != runs.lane[0, 0].item()


def test_pedestrian_starts_crossing_when_the_ego_comes_within_the_trigger_distance(bank):
    walker = ActorSpec(ActorKind.PEDESTRIAN, "path", path=((80.0, -9.0), (80.0, 9.0)), colour=(1, 0, 0),
                       events=(ScriptedEvent(Trigger("distance", 30.0), Action("start_path", 1.5)),))
    world = make_world(bank, [EpisodeSpec("urban_street", "forward", seed=0, ego_s_m=5.0, ego_speed_mps=10.0,
                                          actors=(walker,))])
    entered = None
    for tick in range(200):
        hold_speed(world, 10.0, 0.05)
        # box to box: the walker's near face is at x = 79.7, its side 7.375 - 1.2 m from the ego's
        gap = ((79.7 - world.ego.x_m.item() - 2.3) ** 2 + (9.0 - 1.625 - 1.25) ** 2) ** 0.5
        if world.actors.path_moving[0, 0] and entered is None:
            entered = tick
            assert 29.4 < gap <= 30.0
        if world.actors.y_m[0, 0].item() > -3.25 - 0.3:
            break
    # from y = -9 to the ego lane's edge at -3.25 (plus half a body) at 1.5 m/s: about 3.6 s
    assert entered is not None
    assert abs((tick - entered) * 0.05 - (9.0 - 3.25 - 0.3) / 1.5) < 0.2


def test_cut_in_moves_a_car_into_the_ego_lane(bank):
    cutter = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=40.0, speed_mps=8.0,
                       events=(ScriptedEvent(Trigger("time", 1.0), Action("change_lane", 2.0)),))
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, ego_speed_mps=0.0, actors=(cutter,))])
    drive(world, seconds=1.2)
    assert world.actors.lane[0, 0].item() == bank.graphs[0].index_of[(1, -1)]
    drive(world, seconds=2.5)
    assert abs(world.actors.y_m[0, 0].item() - (-1.75)) < 0.05
    assert abs(world.actors.offset_m[0, 0].item()) < 1e-3


def test_a_lane_change_across_two_lanes_ends_two_lanes_over_in_its_time(bank):
    """highway_on_ramp's road 1 has lanes -3, -2, -1 (left to right: -1, -2, -3 from the median)."""
    template = bank.template_index("highway_on_ramp")
    graph, base = bank.graphs[template], bank.lane_base[template]
    mover = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -3),), s_m=40.0, speed_mps=10.0,
                      events=(ScriptedEvent(Trigger("time", 0.5), Action("change_lane", 3.0, over=2)),))
    world = make_world(bank, [EpisodeSpec("highway_on_ramp", "main", seed=0, ego_speed_mps=0.0, actors=(mover,))])
    dt, ticks = world.config.dt_s, []
    for _ in range(round(4.5 / world.config.dt_s)):
        drive(world, seconds=dt)
        ticks.append((bool(world.actors.fired[0, 0, 0]), world.actors.lane[0, 0].item(),
                      world.actors.offset_m[0, 0].item()))
    fired = next(k for k, tick in enumerate(ticks) if tick[0])
    assert ticks[fired][1] == base + graph.index_of[(1, -1)]  # two lanes to the left, at once
    width = graph.lanes[graph.index_of[(1, -2)]].width_m
    assert ticks[fired][2] == pytest.approx(-2 * width, abs=0.05)  # two lanes right of its new lane's centre
    there = next(k for k in range(fired, len(ticks)) if abs(ticks[k][2]) < 1e-3)
    assert (there - fired) * dt == pytest.approx(3.0, abs=1.01 * dt)  # in the change's 3 s


def test_lead_car_brakes_at_the_scripted_deceleration(bank):
    lead = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -1),), s_m=50.0, speed_mps=10.0,
                     events=(ScriptedEvent(Trigger("time", 1.0), Action("brake", 5.0)),))
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, actors=(lead,))])
    drive(world, seconds=1.5)
    assert abs(world.actors.speed_mps[0, 0].item() - (10.0 - 5.0 * 0.5)) < 0.3
    drive(world, seconds=2.0)
    assert world.actors.speed_mps[0, 0].item() == 0.0


def test_open_door_widens_the_parked_car_to_its_left(bank):
    parked = ActorSpec(ActorKind.CAR, "static", lanes=((1, -2),), s_m=30.0,
                       events=(ScriptedEvent(Trigger("distance", 15.0), Action("open_door")),))
    world = make_world(bank, [EpisodeSpec("urban_street", "forward", seed=0, ego_speed_mps=5.0, actors=(parked,))])
    closed = world.actor_boxes()
    hold_speed(world, 5.0, 2.0)
    opened = world.actor_boxes()
    assert world.actors.door_open[0, 0]
    assert opened[4][0, 0] - closed[4][0, 0] > 0.8
    assert opened[1][0, 0] > closed[1][0, 0]


def test_parked_car_pulls_out_into_the_driving_lane(bank):
    parked = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -2),), s_m=40.0,
                       events=(ScriptedEvent(Trigger("time", 0.5), Action("pull_out", 4.0)),))
    world = make_world(bank, [EpisodeSpec("urban_street", "forward", seed=0, actors=(parked,))])
    drive(world, seconds=5.0)
    assert world.actors.lane[0, 0].item() == bank.lane_base[5] + bank.graphs[5].index_of[(1, -1)]
    assert abs(world.actors.y_m[0, 0].item() - (-1.625)) < 0.1
    assert world.actors.speed_mps[0, 0].item() > 3.0


def test_oncoming_car_drifts_into_the_ego_lane(bank):
    invader = ActorSpec(ActorKind.CAR, "lane", lanes=((1, 1),), s_m=100.0, speed_mps=8.0,
                        events=(ScriptedEvent(Trigger("time", 0.0), Action("drift", -2.0)),))
    world = make_world(bank, [EpisodeSpec("curve", "forward", seed=0, actors=(invader,))])
    drive(world, seconds=3.0)
    assert abs(world.actors.offset_m[0, 0].item() + 2.0) < 1e-3


def test_a_follower_sees_the_ego_standing_in_the_turn_it_is_about_to_take(bank):
    from sim.actor_behaviour import _ego_on_way, _leader

    # the ego stands 12 m round junction lane 112 (a right turn from lane (1, 1)); the car 5 m
    # before the end of lane (1, 1) looks straight along its heading and misses it
    turning = ActorSpec(ActorKind.CAR, "lane", lanes=((1, 1), (112, -1), (2, -1)), s_m=95.0, speed_mps=8.0)
    world = make_world(bank, [EpisodeSpec("junction_4way", "east_to_north", seed=0, ego_s_m=12.0, actors=(turning,),
                                          route_lanes=((112, -1), (2, -1)))])
    corridor_gap, _ = _leader(world.actors, world.actors.curvature_1pm, world.ego.box(), world.ego.speed_mps)
    way_gap, _ = _ego_on_way(world.actors, world.bank, world.ego.box(), world.ego.speed_mps)
    assert corridor_gap[0, 0].item() == float("inf")
    # 5 m to the lane's end and 12 m round the turn, less half of each car, to within a sample's spacing
    assert 5.0 + 12.0 - 4.6 - 5.0 <= way_gap[0, 0].item() <= 5.0 + 12.0 - 4.6 + 5.0


def test_a_car_leaves_at_its_road_s_end_and_its_end_of_road_trigger_counts_from_then(bank):
    """Lane 1 of the straight road runs 300 m with nothing after: the car at 260 m and 10 m/s
    leaves the world as it passes the end, and its trigger on 1 s since then ends the episode."""
    car = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -1),), s_m=260.0, speed_mps=10.0,
                    events=(ScriptedEvent(Trigger("actor_road_end", 1.0), Action("end_scenario")),))
    world = make_world(bank, [EpisodeSpec("straight", "main", seed=0, actors=(car,))])
    ticks = []
    while int(world.stats.outcome[0]) == 0:
        world.step(torch.zeros(1, 3))
        ticks.append((float(world.stats.time_s[0]), bool(world.actors.active[0, 0]), float(world.actors.s_m[0, 0])))
    left = next(k for k, (_, active, _) in enumerate(ticks) if not active)
    assert ticks[left - 1][2] <= 300.0 < ticks[left - 1][2] + 10.0 * 0.05 + 1e-3  # it passed the end on that tick
    assert ticks[-1][0] - ticks[left][0] == pytest.approx(1.0, abs=1e-4)
    assert OUTCOMES[int(world.stats.outcome[0])] == "success"
