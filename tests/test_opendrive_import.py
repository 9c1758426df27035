"""OpenDRIVE import: a file written here (tests/xodr_features.py) with every feature the import
claims, checked against CARLA's own parser and against closed forms; maps by name; routes on
imported maps driven by the expert; bad files refused with one line."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.integrate import quad

from run_helpers import nines_here
from scenarios.catalog import FamilyError, find_family
from sim.lane_graph import build_lane_graph
from sim.map_catalog import MapError, import_map, load_map
from sim.opendrive import to_xodr
from sim.opendrive_import import MapImportError, import_xodr, parse_xodr
from sim.road_geometry import ParamPoly3, Pose, Spiral
from sim.episode_spec import EpisodeSpec
from sim.events import OUTCOMES
from sim.route_planner import random_route, route_length_m, shortest_route
from sim.world import BatchedWorld, WorldConfig
from world_helpers import clear_route_tasks
from xodr_features import features_xodr, overpass_xodr, sidewalk_crossing_xodr


@pytest.fixture(scope="module")
def features():
    return parse_xodr(features_xodr().encode(), "features.xodr", "features")


@pytest.fixture
def map_folder(tmp_path, monkeypatch):
    folder = tmp_path / "maps"
    monkeypatch.setenv("NINES_MAP_DIR", str(folder))
    load_map.cache_clear()
    yield folder
    load_map.cache_clear()


def _keys(graph, lanes):
    return [(graph.lanes[i].road_id, graph.lanes[i].lane_id) for i in lanes]


def test_every_lane_lies_on_carlas_waypoints(features):
    check = pytest.importorskip("sim.opendrive_check")
    pytest.importorskip("carla")
    deviation = check.compare_with_carla(features)
    assert deviation.points > 400 and deviation.missing == 0
    assert deviation.max_m < 0.01, deviation


def test_spiral_follows_its_heading_integral():
    spiral = Spiral(Pose(3.0, -2.0, 0.4), 60.0, -0.03, 0.025)
    rate = (0.025 + 0.03) / 60.0
    for s in (7.0, 33.0, 60.0):
        heading = lambda t: 0.4 - 0.03 * t + 0.5 * rate * t * t  # noqa: E731
        x = 3.0 + quad(lambda t: math.cos(heading(t)), 0, s, epsabs=1e-12)[0]
        y = -2.0 + quad(lambda t: math.sin(heading(t)), 0, s, epsabs=1e-12)[0]
        px, py, ph = spiral.poses_at(np.array([s]))
        assert abs(px[0] - x) < 1e-6 and abs(py[0] - y) < 1e-6 and abs(ph[0] - heading(s)) < 1e-12


@pytest.mark.parametrize("p_end", [1.0, 40.0])
def test_a_cubic_curve_ends_where_its_polynomials_do(p_end):
    u, v = (0.0, 1.0 * 40 / p_end, 0.0, 0.0), (0.0, 0.0, 4.0 / p_end ** 2, -1.0 / p_end ** 3)
    speed = lambda p: math.hypot(u[1], 2 * v[2] * p + 3 * v[3] * p * p)  # noqa: E731
    length = quad(speed, 0, p_end, epsabs=1e-12)[0]
    curve = ParamPoly3(Pose(1.0, 2.0, math.pi / 2), length, u, v, p_end)
    x, y, heading = curve.poses_at(np.array([length]))
    end_u, end_v = np.polyval(u[::-1], p_end), np.polyval(v[::-1], p_end)
    assert abs(x[0] - (1.0 - end_v)) < 1e-3 and abs(y[0] - (2.0 + end_u)) < 1e-3
    slope = (2 * v[2] * p_end + 3 * v[3] * p_end ** 2) / u[1]
    assert abs(heading[0] - (math.pi / 2 + math.atan(slope))) < 1e-3


def test_lane_sections_become_roads_with_their_widths_and_offsets(features):
    first, second = features.roads[0], features.roads[1]
    assert (first.source.road_id, first.source.section, second.source.section) == ("1", 0, 1)
    assert first.ref_start_m == 0.0 and second.ref_start_m == 90.0 and first.length_m == 90.0
    # lane -1's width is 3.5 + 0.004 s - 0.00002 s^2; lane -2 opens from nothing in section 1
    assert first.lane(-1).width_at(np.array([50.0]))[0] == pytest.approx(3.5 + 0.2 - 0.05)
    assert second.lane(-2).width_at(np.array([0.0, 70.0]))[0] == 0.0
    assert second.lane(-2).width_at(np.array([70.0]))[0] == 3.6
    # laneOffset 0.8 from s = 140 (50 into section 1) shifts every lane left
    inner, _ = second.lane_borders_m(-1, np.array([60.0]))
    assert inner[0] == pytest.approx(0.8)
    assert features.notes == ("the map has elevation: it is driven and rendered flat",)


def test_routes_cross_sections_junctions_and_flipped_links(features):
    graph = build_lane_graph(features)
    by_source = {(road.source.road_id, road.source.section): road.id for road in features.roads}
    r1a, r1b, r10, r11 = (by_source[k] for k in (("1", 0), ("1", 1), ("10", 0), ("11", 0)))
    r2, r3, r4 = (by_source[(k, 0)] for k in ("2", "3", "4"))
    straight = shortest_route(graph, graph.index_of[(r1a, -1)], graph.index_of[(r4, 1)])
    assert _keys(graph, straight) == [(r1a, -1), (r1b, -1), (r10, -1), (r2, -1), (r4, 1)]
    turn = shortest_route(graph, graph.index_of[(r1b, -2)], graph.index_of[(r3, -1)])
    assert _keys(graph, turn) == [(r1b, -2), (r11, 1), (r3, -1)]  # a connection at the connecting road's end
    for route in (straight, turn):
        ends = [(graph.lanes[a].centre_xy[-1], graph.lanes[b].centre_xy[0]) for a, b in zip(route, route[1:])]
        assert max(np.linalg.norm(a - b) for a, b in ends) < 0.1
    assert shortest_route(graph, graph.index_of[(r3, -1)], graph.index_of[(r1a, -1)]) is None


def test_speed_limits_come_with_their_units(features):
    first = features.roads[0]
    assert first.lane(-1).speed_limit_mps == 13.5  # the lane's own record, m/s
    assert first.lane(1).speed_limit_mps == pytest.approx(30 * 0.44704)  # the road type's, mph
    assert features.roads[2].lane(-1).speed_limit_mps == pytest.approx(40 / 3.6)  # km/h


def test_signals_take_turns_as_their_junctions_controllers(features):
    by_source = {road.id: road.source.road_id for road in features.roads}
    held = {(by_source[s.road], s.lanes, s.s_m): s.phase for s in features.signals}
    assert set(held) == {("1", (-2, -1), 75.0), ("3", (-1,), 45.0), ("3", (-1,), 0.5)}
    first, second = held[("1", (-2, -1), 75.0)], held[("3", (-1,), 45.0)]
    assert (first.green_s, first.yellow_s, first.cycle_s, first.offset_s) == (10.0, 3.0, 30.0, 0.0)
    assert second.offset_s == 15.0 and second.cycle_s == 30.0
    assert held[("3", (-1,), 0.5)] == first  # a signalReference shares its signal's phase


def test_the_expert_drives_routes_on_an_imported_map(features, tmp_path, map_folder):
    from nines.closed_loop import finished_episodes
    from planner.expert import ExpertDriver

    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    tasks = clear_route_tasks(str(path), 4, seed=3)
    assert all(len(task.spec.route_lanes) >= 3 for task in tasks)
    world = BatchedWorld(WorldConfig(batch_size=4, max_actors=4, maps=(str(path),)))
    records = [e.record for e in finished_episodes(world, ExpertDriver(), tasks, keep_clips=False)]
    assert [r.outcome for r in records] == ["success"] * 4
    assert sum(r.off_road_m + r.wrong_way_m for r in records) == 0.0
    assert sum(r.collisions_vehicle + r.collisions_static + r.collisions_pedestrian for r in records) == 0


def test_random_routes_have_the_asked_length_on_a_template():
    graph = build_lane_graph(load_map("junction_4way"))
    rng = np.random.default_rng(0)
    for _ in range(10):
        route = random_route(graph, rng, 150.0, 250.0)
        assert 150.0 <= route_length_m(graph, route) <= 250.0
        assert all(b in graph.lanes[a].successors for a, b in zip(route, route[1:]))
    with pytest.raises(ValueError, match="no route of 5000 to 6000 m"):
        random_route(graph, rng, 5000.0, 6000.0)


def test_maps_resolve_by_template_imported_name_and_path(tmp_path, map_folder):
    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    assert load_map("straight").name == "straight"
    assert load_map(str(path)).source_xodr == features_xodr()
    import_map(path, "feat")
    assert (map_folder / "feat.xodr").read_text() == features_xodr()
    assert to_xodr(load_map("feat")) == features_xodr()
    with pytest.raises(MapError, match="map 'atlantis' is unknown"):
        load_map("atlantis")
    with pytest.raises(MapError, match="is a built-in template"):
        import_map(path, "straight")
    with pytest.raises(FamilyError, match="map 'atlantis' is unknown"):
        find_family("nominal_route@atlantis")


BAD_FILES = [
    (lambda x: x.replace('rule="RHT"', 'rule="LHT"'), "left-hand traffic is not supported"),
    (lambda x: x.replace('<width sOffset="0" a="2.0" b="0" c="0" d="0"/>',
                         '<border sOffset="0" a="2" b="0" c="0" d="0"/>', 1),
     "<border> describes a lane by its border; expected <width> records"),
    (lambda x: x.replace('type="sidewalk"', 'type="lava"', 1), "type='lava'; expected one of"),
    (lambda x: x.replace('elementType="road" elementId="2" contactPoint="start"', 'elementType="road" elementId="99"'),
     "names road '99'; expected one of the file's roads"),
    (lambda x: x.replace('<signalReference s="0.5" t="0" id="501"', '<signalReference s="0.5" t="0" id="777"'),
     "id='777'; expected the id of one of the file's signals"),
    (lambda x: x.replace('<speed max="40" unit="km/h"/>', '<speed max="40" unit="furlongs"/>', 1), "unit='furlongs'"),
    (lambda x: x.replace('revMajor="1"', 'revMajor="2"'), "revMajor=2; expected OpenDRIVE 1.x"),
    (lambda x: x.replace("</OpenDRIVE>", ""), "not well-formed XML"),
    (lambda x: x.replace('length="20.0"', 'length="twenty"', 1), "length='twenty'; expected a number"),
]


@pytest.mark.parametrize("edit, message", BAD_FILES)
def test_a_bad_file_is_refused_with_its_file_line_and_element(edit, message):
    with pytest.raises(MapImportError) as raised:
        parse_xodr(edit(features_xodr()).encode(), "bad.xodr", "bad")
    text = str(raised.value)
    assert text.startswith("bad.xodr:") and message in text and "\n" not in text


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    document = features_xodr().replace(
        "<OpenDRIVE>", f'<!DOCTYPE OpenDRIVE [<!ENTITY leak SYSTEM "file://{secret}">]><OpenDRIVE>', 1)
    document = document.replace('length="20.0"', 'length="&leak;"', 1)
    with pytest.raises(MapImportError) as raised:
        parse_xodr(document.encode(), "xxe.xodr", "xxe")
    assert "TOPSECRET" not in str(raised.value)


def test_import_map_cli_keeps_the_map_or_nothing(tmp_path, map_folder, monkeypatch, capsys):
    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    done = nines_here(monkeypatch, capsys, "import-map", str(path), "--name", "feat")
    assert done.returncode == 0, done.stderr
    assert "7 roads" in done.stdout and "3 stop lines" in done.stdout and "elevation" in done.stdout
    bad = tmp_path / "bad.xodr"
    bad.write_text(features_xodr().replace('rule="RHT"', 'rule="LHT"'))
    refused = nines_here(monkeypatch, capsys, "import-map", str(bad))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert [line for line in refused.stderr.splitlines() if line.strip()][-1].count("left-hand traffic") == 1
    assert sorted(p.name for p in map_folder.iterdir()) == ["feat.xodr"]
    missing = nines_here(monkeypatch, capsys, "import-map", str(tmp_path / "nowhere.xodr"))
    assert missing.returncode == 2 and "cannot be read" in missing.stderr


def test_an_imported_map_renders(tmp_path, map_folder, monkeypatch, capsys):
    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    out = tmp_path / "frame.png"
    done = nines_here(monkeypatch, capsys, "render", "--map", str(path), "--out", str(out), "--width", "96",
                      "--height", "48", "--seconds", "0")
    assert done.returncode == 0, done.stderr
    import cv2

    frame = cv2.imread(str(out))
    road = frame[36:, 30:66].reshape(-1, 3).astype(float)
    assert frame.shape == (48, 96, 3) and road.std(axis=0).max() > 2.0  # asphalt and paint, not one colour


def test_the_bank_holds_an_imported_map_beside_the_templates(tmp_path, map_folder):
    from sim.map_bank import build_map_bank

    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    bank = build_map_bank("cpu", (str(path),))
    index = bank.template_index(str(path))
    graph = bank.graphs[index]
    lane = graph.lanes[graph.index_of[(features_road(graph, "1", 0), -1)]]
    middle = torch.tensor(lane.centre_xy[len(lane.centre_xy) // 2], dtype=torch.float32)
    assert int(bank.lane_at(torch.tensor(index), middle)) == bank.lane_base[index] + lane.index
    assert bank.signal_count[index] == 4  # road 1's light holds two lanes


def features_road(graph, road_id: str, section: int) -> int:
    return next(r.id for r in graph.network.roads if (r.source.road_id, r.source.section) == (road_id, section))


def test_a_missing_map_file_names_itself(tmp_path):
    with pytest.raises(MapImportError, match="cannot be read"):
        import_xodr(tmp_path / "absent.xodr")


def test_where_roads_cross_at_two_heights_the_ego_is_on_its_route_s_road(tmp_path, monkeypatch):
    from planner.expert import ExpertDriver
    from sim.ground_truth import ground_truth

    monkeypatch.setenv("NINES_MAP_DIR", str(tmp_path / "maps"))
    path = tmp_path / "overpass.xodr"
    path.write_text(overpass_xodr())
    world = BatchedWorld(WorldConfig(batch_size=2, max_actors=1, maps=(str(path),)))
    spec = EpisodeSpec(str(path), "east", seed=0, ego_s_m=20.0, ego_speed_mps=8.0, route_lanes=((1, -1),),
                       max_time_s=40.0)
    template = world.bank.template_index(str(path))
    graph, base = world.bank.graphs[template], world.bank.lane_base[template]
    under = int(world.bank.lane_at(torch.tensor([template]), torch.tensor([[100.0, -1.75]]))[0]) - base
    assert graph.lanes[under].road_id == 2  # read flat, the bridge's lanes cover the road below
    world.load(0, spec)
    world.load(1, spec)
    world.ego.yaw_rad[1] += math.pi  # this one drives the wrong way down its own lane
    driver = ExpertDriver()
    control = torch.zeros(2, 3)
    while bool(world.running[0]):
        control[0] = driver.act(world.observe(camera=False), ground_truth(world, False, False)).control[0]
        control[1] = torch.tensor([0.0, 0.3, 0.0]) if bool(world.running[1]) else 0.0
        world.step(control)
    assert OUTCOMES[int(world.stats.outcome[0])] == "success"
    assert float(world.stats.off_road_m[0]) == 0.0 and float(world.stats.wrong_way_m[0]) == 0.0
    assert float(world.stats.wrong_way_m[1]) > 0.0
    world.close()


def test_the_expert_is_down_to_a_junctions_lower_limit_when_it_enters(features, tmp_path, monkeypatch):
    """Road 1 allows 30 mph, the junction's connecting road 40 km/h: the expert brakes before
    the junction, not inside it, where crossing traffic would meet it slower than it planned."""
    from planner.expert import ExpertDriver
    from sim.ground_truth import ground_truth

    monkeypatch.setenv("NINES_MAP_DIR", str(tmp_path / "maps"))
    path = tmp_path / "features.xodr"
    path.write_text(features_xodr())
    by_source = {(road.source.road_id, road.source.section): road.id for road in features.roads}
    route = ((by_source[("1", 1)], -1), (by_source[("10", 0)], -1), (by_source[("2", 0)], -1))
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=1, maps=(str(path),)))
    world.load(0, EpisodeSpec(str(path), "straight", seed=0, ego_s_m=0.0, ego_speed_mps=13.4, route_lanes=route))
    template = world.bank.template_index(str(path))
    junction = world.bank.lane_base[template] + world.bank.graphs[template].index_of[route[1]]
    driver, entered_at_mps = ExpertDriver(), None
    while bool(world.running[0]) and entered_at_mps is None:
        truth = ground_truth(world, False, False)
        if int(world.ego_lane()[0]) == junction:
            entered_at_mps = float(world.ego.speed_mps[0])
        world.step(driver.act(world.observe(camera=False), truth).control)
    limit = float(world.bank.lane_speed_limit_mps[junction])
    assert limit == pytest.approx(40 / 3.6)
    assert entered_at_mps is not None and limit - 1.0 < entered_at_mps <= limit + 0.2
    world.close()


def test_a_junction_lane_over_a_sidewalk_is_road(tmp_path, monkeypatch):
    """Where a connecting road's lane crosses a plain road's sidewalk, the cell is the lane's:
    drivable, so the planner does not swerve around it (Town03's junction corners)."""
    from sim.map_bank import build_map_bank

    monkeypatch.setenv("NINES_MAP_DIR", str(tmp_path / "maps"))
    path = tmp_path / "crossing.xodr"
    path.write_text(sidewalk_crossing_xodr())
    bank = build_map_bank("cpu", [str(path)])
    template = bank.template_index(str(path))
    graph, base = bank.graphs[template], bank.lane_base[template]
    over_sidewalk = torch.tensor([[51.75, -4.5], [48.25, -4.5], [51.75, 4.5], [48.25, 4.5]])
    lanes = bank.lane_at(torch.full((4,), template), over_sidewalk) - base
    assert [(graph.lanes[i].type, graph.lanes[i].in_junction) for i in lanes.tolist()] == [("driving", True)] * 4
    assert bank.drivable_at(torch.full((4,), template), over_sidewalk).all()
    beside = torch.tensor([[40.0, -4.5], [60.0, 4.5]])  # the sidewalks away from the crossing
    assert not bank.drivable_at(torch.full((2,), template), beside).any()
