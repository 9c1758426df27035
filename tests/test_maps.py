"""Map templates as lane graphs: lanes, neighbours, successors, crosswalks, lights, lookup."""
import numpy as np
import torch

from sim.lane_graph import build_lane_graph
from sim.map_templates import TEMPLATES
from sim.traffic_lights import GREEN, RED, YELLOW, light_states, place_signals


def test_every_template_has_lanes_with_widths_limits_and_routes():
    for name, build in TEMPLATES.items():
        graph = build_lane_graph(build())
        assert graph.network.routes, name
        for lane in graph.lanes:
            assert lane.width_m > 1.5 and lane.speed_limit_mps > 5
            steps = np.linalg.norm(np.diff(lane.centre_xy, axis=0), axis=1)
            assert steps.max() < 0.6, name
        for route in graph.network.routes:
            lanes = graph.route_lanes(route)
            for a, b in zip(lanes, lanes[1:]):
                gap = np.linalg.norm(graph.lanes[a].centre_xy[-1] - graph.lanes[b].centre_xy[0])
                assert b in graph.lanes[a].successors or gap < 4.0, (name, route)


def test_curve_turns_left_then_right():
    graph = build_lane_graph(TEMPLATES["curve"]())
    forward = graph.lanes[graph.index_of[(1, -1)]]
    turn = np.diff(np.unwrap(forward.heading_rad))
    assert turn.max() > 0 and turn.min() < 0
    assert np.unwrap(forward.heading_rad).max() > np.pi / 3 - 0.01


def test_straight_road_neighbours_split_by_direction():
    graph = build_lane_graph(TEMPLATES["straight"]())
    inner = graph.lanes[graph.index_of[(1, -1)]]
    outer = graph.lanes[graph.index_of[(1, -2)]]
    assert inner.right == outer.index and outer.left == inner.index and outer.left_same_direction
    assert graph.lanes[inner.left].lane_id == 1 and not inner.left_same_direction


def test_highway_ramp_feeds_an_acceleration_lane_that_ends():
    graph = build_lane_graph(TEMPLATES["highway_on_ramp"]())
    ramp = graph.lanes[graph.index_of[(4, -1)]]
    connector = graph.lanes[ramp.successors[0]]
    acceleration = graph.lanes[connector.successors[0]]
    assert (acceleration.road_id, acceleration.lane_id) == (2, -4)
    assert acceleration.successors == []
    assert np.allclose(ramp.centre_xy[-1], connector.centre_xy[0], atol=1e-6)


def test_junction_turns_reach_every_other_arm():
    graph = build_lane_graph(TEMPLATES["junction_4way"]())
    incoming = graph.lanes[graph.index_of[(1, 1)]]
    exits = {graph.lanes[graph.lanes[c].successors[0]].road_id for c in incoming.successors}
    assert exits == {2, 3, 4}


def test_urban_street_has_parking_sidewalks_and_crosswalks():
    network = TEMPLATES["urban_street"]()
    types = {lane.type for lane in network.roads[0].lanes}
    assert {"driving", "parking", "sidewalk"} <= types
    assert [c.s_m for c in network.crosswalks] == [80.0, 170.0]


def test_signal_phases_alternate_between_crossing_arms():
    graph = build_lane_graph(TEMPLATES["junction_4way"]())
    placed = place_signals(graph)
    assert len(placed) == 4
    phase = torch.tensor([p.phase for p in placed])
    assert light_states(phase, torch.tensor(0.0)).tolist() == [GREEN, RED, GREEN, RED]
    assert light_states(phase, torch.tensor(21.0)).tolist() == [YELLOW, RED, YELLOW, RED]
    assert light_states(phase, torch.tensor(30.0)).tolist() == [RED, GREEN, RED, GREEN]
    east = placed[0]
    # the stop line of the east arm's incoming lane lies across it, 6 m before the junction edge
    assert np.allclose(east.stop_line_xy[:, 0], 18.0) and np.allclose(sorted(east.stop_line_xy[:, 1]), [0.0, 3.5])


def test_lane_lookup_raster_finds_the_lane_under_a_point(bank):
    template = bank.template_index("urban_street")
    graph = bank.graphs[template]
    points, expected = [], []
    for lane in graph.lanes:
        for k in range(10, len(lane.s_m) - 10, 37):
            points.append(lane.centre_xy[k])
            expected.append(bank.lane_base[template] + lane.index)
    xy = torch.tensor(np.array(points), dtype=torch.float32)
    found = bank.lane_at(torch.full((len(points),), template), xy)
    assert found.tolist() == expected
    assert bank.lane_at(torch.tensor([template]), torch.tensor([[100.0, 30.0]])).item() == -1


def test_the_town_has_no_dead_ends_and_the_expert_drives_it_obeying_its_lights():
    """Every driving lane of the town reaches every other; signals stand at every junction
    with three or four arms; the expert drives random routes of 500 m or more across it with
    no collision, off-road, wrong-way or red-light event."""
    from nines.closed_loop import finished_episodes
    from planner.expert import ExpertDriver
    from sim.world import BatchedWorld, WorldConfig
    from world_helpers import clear_route_tasks

    graph = build_lane_graph(TEMPLATES["town"]())
    driving = [lane.index for lane in graph.lanes if lane.type == "driving"]
    reached = {driving[0]}
    frontier = [driving[0]]
    while frontier:
        for successor in graph.lanes[frontier.pop()].successors:
            if successor not in reached:
                reached.add(successor)
                frontier.append(successor)
    assert reached == set(driving)
    assert len(place_signals(graph)) == 4 * 3 + 4  # four T-junctions and the crossing in the middle
    tasks = clear_route_tasks("town", 4, seed=5)
    world = BatchedWorld(WorldConfig(batch_size=4, max_actors=4))
    records = [e.record for e in finished_episodes(world, ExpertDriver(), tasks, keep_clips=False)]
    assert [r.outcome for r in records] == ["success"] * 4
    assert min(r.km for r in records) >= 0.5
    assert sum(r.off_road_m + r.wrong_way_m + r.red_lights for r in records) == 0
    assert sum(r.collisions_vehicle + r.collisions_static + r.collisions_pedestrian for r in records) == 0
