"""CARLA's own OpenDRIVE parser reads our .xodr files and finds the same roads and lanes.

`carla.Map(name, xodr)` builds CARLA's road model offline (no server). For points spread
over every lane of every template we ask CARLA which lane they are on and where that
lane's centre is; both must agree with our `RoadNetwork`.

CARLA's world is left-handed: it negates OpenDRIVE's y, so every location crossing
between CARLA and us has its y negated.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr, write_xodr
from sim.road_geometry import offset_points, poses_at
from sim.road_network import Road, RoadNetwork

carla = pytest.importorskip("carla")

END_MARGIN_M = 0.5  # stay off road ends, where the next road's lanes touch ours
STEP_M = 1.0  # spacing of probe points along a lane
# get_waypoint projects onto CARLA's sampled lane polyline and steps that chord length
# along the reference line, so on curves it lands a few cm along the lane from our point.
NEAREST_TOLERANCE_M = 0.10
# get_waypoint_xodr evaluates the geometry itself; only float32 rounding is left.
EXACT_TOLERANCE_M = 0.001
MIN_POINTS_PER_TEMPLATE = 200


def _load(network: RoadNetwork) -> carla.Map:
    carla_map = carla.Map(network.name, to_xodr(network))
    assert carla_map is not None, f"CARLA could not parse {network.name}"
    return carla_map


def _probe_s(road: Road) -> np.ndarray:
    """Reference s values (m) about STEP_M apart, at least END_MARGIN_M inside both road ends."""
    count = max(5, int(np.ceil((road.length_m - 2 * END_MARGIN_M) / STEP_M)) + 1)
    return np.linspace(END_MARGIN_M, road.length_m - END_MARGIN_M, count)


def _distance_m(location: carla.Location, x: float, y: float) -> float:
    """Distance (m) from a CARLA location to our point (x, y)."""
    return float(np.hypot(location.x - x, -location.y - y))


def _nearest_lane(carla_map: carla.Map, x: float, y: float) -> tuple[tuple[int, int], float]:
    """CARLA's lane nearest our point (x, y) -> ((road id, lane id), distance to its centre in m)."""
    waypoint = carla_map.get_waypoint(carla.Location(x=float(x), y=float(-y), z=0.0),
                                      project_to_road=True, lane_type=carla.LaneType.Any)
    return (waypoint.road_id, waypoint.lane_id), _distance_m(waypoint.transform.location, x, y)


def _lane_centreline(road: Road, lane_id: int) -> np.ndarray:
    """A lane's centre sampled every 5 cm over the whole road -> [N, 2] (m)."""
    s = np.linspace(0.0, road.length_m, int(np.ceil(road.length_m / 0.05)) + 1)
    return road.lane_centre(lane_id, s)[0]


def _clear_of_other_connecting_roads(network: RoadNetwork, road: Road, lane_id: int,
                                     xy: np.ndarray) -> np.ndarray:
    """Mask [N]: points of a junction lane that no other connecting road's lane overlaps.

    Connecting roads of one junction cross and fan out from shared starts, so there CARLA
    may fairly answer with either road. A point counts as clear when every other connecting
    lane centre is at least a lane width away (the lanes at most touch; 1 mm for rounding).
    """
    width_m = road.lane(lane_id).width_m
    clear = np.ones(len(xy), dtype=bool)
    for other in network.roads:
        if other.junction != road.junction or other.id == road.id:
            continue
        for other_lane in other.lanes:
            centre = _lane_centreline(other, other_lane.id)
            distance = np.linalg.norm(xy[:, None, :] - centre[None, :, :], axis=-1).min(axis=1)
            clear &= distance >= width_m - 1e-3
    return clear


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_carla_finds_our_lanes_where_we_put_them(name: str) -> None:
    network = TEMPLATES[name]()
    carla_map = _load(network)
    asserted, junction_total, junction_matched, worst_m = 0, 0, 0, 0.0
    for road in network.roads:
        for lane in road.lanes:
            s = _probe_s(road)
            xy = road.lane_centre(lane.id, s)[0]
            check = np.ones(len(s), dtype=bool)
            if road.junction != -1:
                check = _clear_of_other_connecting_roads(network, road, lane.id, xy)
            for s_m, (x, y), asserting in zip(s, xy, check):
                exact = carla_map.get_waypoint_xodr(road.id, lane.id, float(s_m))
                assert _distance_m(exact.transform.location, x, y) < EXACT_TOLERANCE_M, \
                    f"{name} road {road.id} lane {lane.id} s={s_m:.2f}: CARLA's lane centre is elsewhere"
                assert str(exact.lane_type).lower() == lane.type
                found, distance_m = _nearest_lane(carla_map, x, y)
                matched = found == (road.id, lane.id) and distance_m <= NEAREST_TOLERANCE_M
                if road.junction != -1:
                    junction_total += 1
                    junction_matched += matched
                if asserting:
                    assert matched, (f"{name} road {road.id} lane {lane.id} at ({x:.2f}, {y:.2f}): "
                                     f"CARLA says (road, lane) {found}, {distance_m:.3f} m away")
                    asserted += 1
                    worst_m = max(worst_m, distance_m)
    assert asserted >= MIN_POINTS_PER_TEMPLATE
    print(f"\n{name}: {asserted} points asserted, worst {worst_m * 100:.2f} cm; "
          f"junction points matched {junction_matched}/{junction_total}")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_carla_topology_has_every_junction_connection(name: str) -> None:
    network = TEMPLATES[name]()
    topology = _load(network).get_topology()
    assert len(topology) > 0
    links = {((a.road_id, a.lane_id), (b.road_id, b.lane_id)) for a, b in topology}
    for junction in network.junctions:
        for connection in junction.connections:
            connecting = network.road(connection.connecting_road)
            for from_lane, to_lane in connection.lane_links:
                into = ((connection.incoming_road, from_lane), (connecting.id, to_lane))
                assert into in links, f"{name}: CARLA has no {into[0]} -> {into[1]}"
            # The connecting road must also lead on to the road at its far end.
            far_end = connecting.successor if connection.contact == "start" else connecting.predecessor
            exits = {b[0] for a, b in links if a[0] == connecting.id}
            assert far_end.id in exits, f"{name}: connecting road {connecting.id} leads nowhere in CARLA"


def _crosswalk_corners(road: Road, s_from_m: float, s_to_m: float) -> np.ndarray:
    """Our crosswalk rectangle: road edge to road edge between two s values -> [4, 2] (m)."""
    offsets = [road.lane_borders_m(lane.id, np.zeros(1))[1][0] for lane in road.lanes]
    xy, hdg = poses_at(road.segments, np.array([s_from_m, s_to_m]))
    return np.concatenate([offset_points(xy, hdg, t) for t in (min(offsets), max(offsets))])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_carla_reads_crosswalks_and_traffic_lights(name: str) -> None:
    network = TEMPLATES[name]()
    carla_map = _load(network)
    points = np.array([(p.x, -p.y) for p in carla_map.get_crosswalks()]).reshape(-1, 2)
    # CARLA hands back each outline as a closed polygon: 4 corners, then the first again.
    assert len(points) == 5 * len(network.crosswalks)
    for n, crosswalk in enumerate(network.crosswalks):
        polygon = points[5 * n: 5 * n + 5]
        assert np.allclose(polygon[0], polygon[4])
        ours = _crosswalk_corners(network.road(crosswalk.road), crosswalk.s_m, crosswalk.s_m + crosswalk.width_m)
        nearest = np.linalg.norm(polygon[:4, None, :] - ours[None, :, :], axis=-1).min(axis=1)
        assert nearest.max() < 0.01, f"{name} crosswalk {crosswalk.id}: corners {polygon[:4]} vs {ours}"
    lights = carla_map.get_all_landmarks_of_type("1000001")
    found = sorted((int(light.id), light.road_id, round(light.s, 6)) for light in lights)
    assert found == sorted((signal.id, signal.road, round(signal.s_m, 6)) for signal in network.signals)


# CARLA's (left, right) marking types per lane, left and right as seen driving the lane.
MARKINGS = {
    "straight": {2: ("Broken", "Solid"), 1: ("Solid", "Broken"), -1: ("Solid", "Broken"), -2: ("Broken", "Solid")},
    "urban_street": {3: ("Solid", "NONE"), 2: ("Solid", "Solid"), 1: ("Solid", "Solid"),
                     -1: ("Solid", "Solid"), -2: ("Solid", "Solid"), -3: ("Solid", "NONE")},
}


@pytest.mark.parametrize("name", sorted(MARKINGS))
def test_carla_reads_lane_markings(name: str) -> None:
    network = TEMPLATES[name]()
    carla_map = _load(network)
    for lane_id, expected in MARKINGS[name].items():
        waypoint = carla_map.get_waypoint_xodr(1, lane_id, 50.0)
        found = (str(waypoint.left_lane_marking.type), str(waypoint.right_lane_marking.type))
        assert found == expected, f"{name} lane {lane_id}"
        if abs(lane_id) == 1:
            assert str(waypoint.left_lane_marking.color) == "Yellow"  # the centre line


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_written_file_has_every_junction_lane_link(name: str, tmp_path: Path) -> None:
    """CARLA 0.9.16 builds the same topology with or without the junction's <laneLink>s (the
    connecting roads' lane links suffice), so they are checked in the written file itself."""
    network = TEMPLATES[name]()
    path = tmp_path / f"{name}.xodr"
    write_xodr(network, path)
    root = ET.parse(path).getroot()
    written = {
        (int(j.get("id")), int(c.get("incomingRoad")), int(c.get("connectingRoad")), c.get("contactPoint"),
         tuple((int(link.get("from")), int(link.get("to"))) for link in c.iter("laneLink")))
        for j in root.iter("junction") for c in j.iter("connection")
    }
    ours = {(j.id, c.incoming_road, c.connecting_road, c.contact, c.lane_links)
            for j in network.junctions for c in j.connections}
    assert written == ours
    assert len(list(root.iter("connection"))) == len(ours)
