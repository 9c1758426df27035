"""Where an OpenSCENARIO Position element lies on the scenario's map: (x, y, heading) in the
map's frame (m, rad).

WorldPosition; LanePosition (road, lane, s, offset: the lane's centre plus the offset, heading
the lane's driving direction); RoadPosition (road, s, t from the reference line); RoutePosition
(pathS along a route's lanes from its first waypoint, then a lane id and offset, or t); and, in
the Init only, positions relative to an entity placed before: RelativeWorldPosition (dx, dy in
the map's frame), RelativeObjectPosition (dx, dy in the entity's frame: forward, left),
RelativeRoadPosition (ds, dt from the entity's road coordinates, on the same road) and
RelativeLanePosition (dLane lanes over, no lane 0 counted, ds or dsLane along the road's
reference line, offset from the lane's centre). An Orientation is added to the entity's heading
(relative world and object positions) or to the road's or lane's direction (road and lane
positions, relative or not), or replaces it when its type is absolute. Elsewhere (storyboard
conditions and actions, where the entity moves) a relative position is refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from lxml import etree

from scenarios.openscenario_files import catalog_entry
from sim.lane_graph import Lane, LaneGraph
from sim.road_network import Road
from sim.route_planner import shortest_route
from sim.xml_reader import XmlReader

Pose = tuple[float, float, float]
RELATIVE = ("RelativeWorldPosition", "RelativeObjectPosition", "RelativeRoadPosition", "RelativeLanePosition")
REFERENCE_STEP_M = 0.1  # how finely an entity's road coordinates are searched along the reference line


@dataclass
class Positions:
    """The poses of one scenario's positions; `placed`: the poses of the entities placed so
    far, by name (None outside the Init: relative positions refused)."""

    reader: XmlReader
    graph: LaneGraph
    root: etree._Element
    placed: dict[str, Pose] | None = None

    def pose(self, position: etree._Element) -> Pose:
        """(x, y, heading) of a Position element."""
        reader, kind = self.reader, next(iter(position), None)
        if kind is None:
            raise reader.fail(position, "is empty; expected a WorldPosition, LanePosition, RoadPosition, "
                                        "RoutePosition or a position relative to an entity")
        if kind.tag == "WorldPosition":
            return reader.number(kind, "x"), reader.number(kind, "y"), reader.number(kind, "h", 0.0)
        if kind.tag == "RoutePosition":
            return self._route_position(kind)
        if kind.tag in RELATIVE:
            return self._relative(kind)
        road_id, s = reader.text(kind, "roadId"), reader.number(kind, "s")
        if kind.tag == "LanePosition":
            return self._turned(kind, self._on_road(kind, road_id, s, int(reader.number(kind, "laneId")),
                                                    reader.number(kind, "offset", 0.0)))
        return self._turned(kind, self._on_road(kind, road_id, s, None, reader.number(kind, "t")))

    def _on_road(self, element: etree._Element, road_id: str, s: float, lane_id: int | None, t: float) -> Pose:
        """The pose s along a file's road: t left of its reference line (lane_id None), or t
        left of the centre of lane lane_id, facing its driving direction."""
        road = next((r for r in self.graph.network.roads if file_road_id(r) == road_id
                     and r.ref_start_m - 1e-6 <= s <= r.ref_start_m + r.length_m + 1e-6), None)
        if road is None:
            raise self.reader.fail(element, f"roadId={road_id!r} s={s:g}: the map has no such road position")
        local = np.array([s - road.ref_start_m])
        xy, heading = road.reference_at(local)
        direction = 0.0
        if lane_id is not None:
            if lane_id not in {lane.id for lane in road.lanes}:
                raise self.reader.fail(element, f"laneId={lane_id}: road {road_id} has no such lane at s={s:g}")
            inner, outer = road.lane_borders_m(lane_id, local)
            t += 0.5 * (inner[0] + outer[0])
            direction = 0.0 if lane_id < 0 else math.pi
        x = xy[0, 0] - t * math.sin(heading[0])
        y = xy[0, 1] + t * math.cos(heading[0])
        return float(x), float(y), float(heading[0] + direction)

    def _relative(self, kind: etree._Element) -> Pose:
        reader = self.reader
        name = reader.text(kind, "entityRef")
        if self.placed is None:
            raise reader.fail(kind, f"is relative to {name}, which moves; the import reads relative positions in "
                                    "the Init only")
        if name not in self.placed:
            raise reader.fail(kind, f"is relative to {name}, which the Init does not place; expected an entity "
                                    "placed by a TeleportAction")
        x, y, heading = self.placed[name]
        if kind.tag == "RelativeWorldPosition":
            return self._turned(kind, (x + reader.number(kind, "dx"), y + reader.number(kind, "dy"), heading))
        if kind.tag == "RelativeObjectPosition":
            dx, dy = reader.number(kind, "dx"), reader.number(kind, "dy", 0.0)
            return self._turned(kind, (x + dx * math.cos(heading) - dy * math.sin(heading),
                                       y + dx * math.sin(heading) + dy * math.cos(heading), heading))
        road, s, t, lane_id = road_coordinates(self.graph, (x, y, heading))
        if kind.tag == "RelativeRoadPosition":
            pose = self._on_road(kind, file_road_id(road), s + reader.number(kind, "ds"), None,
                                 t + reader.number(kind, "dt"))
            return self._turned(kind, pose)
        lanes = int(reader.number(kind, "dLane"))
        moved = lane_id + lanes
        if lane_id * moved <= 0 and lanes != 0:  # there is no lane 0 between the two sides
            moved += 1 if lanes > 0 else -1
        ds = reader.number(kind, "ds", reader.number(kind, "dsLane", 0.0))
        return self._turned(kind, self._on_road(kind, file_road_id(road), s + ds, moved,
                                                reader.number(kind, "offset", 0.0)))

    def _turned(self, kind: etree._Element, pose: Pose) -> Pose:
        """The pose with the position's Orientation: added to its heading, or replacing it (absolute)."""
        orientation = kind.find("Orientation")
        if orientation is None:
            return pose
        h = self.reader.number(orientation, "h", 0.0)
        absolute = self.reader.text(orientation, "type", "relative") == "absolute"
        return pose[0], pose[1], h if absolute else pose[2] + h

    def route(self, holder: etree._Element) -> etree._Element:
        """The Route an AssignRouteAction or RouteRef holds, or names in a route catalog."""
        found = holder.find("Route")
        if found is not None:
            return found
        reference = holder.find("CatalogReference")
        if reference is None:
            raise self.reader.fail(holder, "holds no Route or CatalogReference to one")
        entry, _ = catalog_entry(self.reader, self.root, reference)
        if entry.tag != "Route":
            raise self.reader.fail(reference, f"names a {entry.tag}; expected a Route")
        return entry

    def join_waypoints(self, route: etree._Element, start: int | None = None) -> list[int]:
        """The lanes from `start` (else the first waypoint's lane) through each waypoint's,
        joined along the map's lanes."""
        waypoints = route.findall("Waypoint")
        return self.join([(w, self.pose(self.reader.one(w, "Position"))) for w in waypoints], route, start)

    def join(self, points: list[tuple[etree._Element, Pose]], holder: etree._Element,
             start: int | None = None) -> list[int]:
        """The lanes from `start` (else the first point's lane) through the lane of each
        (element, pose), joined along the map's lanes; a refusal names the element."""
        lanes = [] if start is None else [start]
        for element, pose in points:
            target = nearest_lane(self.graph, pose)
            if target < 0 or (lanes and target == lanes[-1]):
                continue
            path = shortest_route(self.graph, lanes[-1], target) if lanes else [target]
            if path is None:
                raise self.reader.fail(element, "cannot be reached from the point before it along the map's lanes")
            lanes += path[1:] if lanes else path
        if not lanes:
            raise self.reader.fail(holder, "has no point on a driving lane")
        return lanes

    def _route_position(self, position: etree._Element) -> Pose:
        """A RoutePosition's pose: pathS metres along the route's lanes from its first waypoint,
        then across to laneId (with laneOffset) of the same road, or t metres left of the lane
        the route follows there."""
        reader, graph = self.reader, self.graph
        route = self.route(reader.one(position, "RouteRef"))
        lanes = self.join_waypoints(route)
        where = position.find("InRoutePosition/*")
        if where is None or where.tag not in ("FromLaneCoordinates", "FromRoadCoordinates"):
            raise reader.fail(position, "needs an InRoutePosition FromLaneCoordinates or FromRoadCoordinates")
        first = self.pose(reader.one(reader.one(route, "Waypoint"), "Position"))
        along = reader.number(where, "pathS") + project(graph.lanes[lanes[0]], first[:2])[0]  # pathS counts from it
        for index in lanes:
            lane = graph.lanes[index]
            if along <= lane.length_m or index == lanes[-1]:
                break
            along -= lane.length_m
        fraction = min(max(along / lane.length_m, 0.0), 1.0)
        if where.tag == "FromRoadCoordinates":
            return lane_pose(lane, fraction, reader.number(where, "t"))
        key = (lane.road_id, int(reader.number(where, "laneId")))
        if key not in graph.index_of:
            raise reader.fail(where, f"laneId={key[1]}: the route's road has no such lane at pathS="
                                     f"{reader.number(where, 'pathS'):g}")
        target = graph.lanes[graph.index_of[key]]
        reverse = math.cos(target.heading_rad[0] - lane.heading_rad[int(fraction * (len(lane.s_m) - 1))]) < 0
        return lane_pose(target, 1.0 - fraction if reverse else fraction, reader.number(where, "laneOffset", 0.0))


def file_road_id(road: Road) -> str:
    return road.source.road_id if road.source is not None else str(road.id)


def road_coordinates(graph: LaneGraph, pose: Pose) -> tuple[Road, float, float, int]:
    """(road section, s along the file's road, t left of its reference line, the file's lane
    id) of the lane nearest a pose."""
    lane = graph.lanes[nearest_lane(graph, pose, driving_only=False)]
    road = next(r for r in graph.network.roads if r.id == lane.road_id)
    local = np.append(np.arange(0.0, road.length_m, REFERENCE_STEP_M), road.length_m)
    xy, heading = road.reference_at(local)
    k = int(((xy - np.asarray(pose[:2])) ** 2).sum(-1).argmin())
    rel = np.asarray(pose[:2]) - xy[k]
    along = rel[0] * math.cos(heading[k]) + rel[1] * math.sin(heading[k])
    t = -rel[0] * math.sin(heading[k]) + rel[1] * math.cos(heading[k])
    return road, float(road.ref_start_m + local[k] + along), float(t), lane.lane_id


def nearest_lane(graph: LaneGraph, pose: Pose, driving_only: bool = True, any_heading: bool = False) -> int:
    """The lane whose centre line passes nearest the pose, heading within 90 degrees of it
    (of any heading with `any_heading`)."""
    best, best_d = -1, float("inf")
    for lane in graph.lanes:
        if driving_only and lane.type not in ("driving", "parking", "shoulder"):
            continue
        d2 = ((lane.centre_xy - np.asarray(pose[:2])) ** 2).sum(-1)
        k = int(d2.argmin())
        if d2[k] < best_d and (any_heading or math.cos(lane.heading_rad[k] - pose[2]) > 0):
            best, best_d = lane.index, float(d2[k])
    return best


def project(lane: Lane, xy) -> tuple[float, float]:
    """(s along the lane, offset to its left) of point xy."""
    d2 = ((lane.centre_xy - np.asarray(xy)) ** 2).sum(-1)
    k = int(d2.argmin())
    heading = lane.heading_rad[k]
    rel = np.asarray(xy) - lane.centre_xy[k]
    along = rel[0] * math.cos(heading) + rel[1] * math.sin(heading)
    lateral = -rel[0] * math.sin(heading) + rel[1] * math.cos(heading)
    return float(lane.s_m[k] + along), float(lateral)


def lane_pose(lane: Lane, fraction: float, offset_m: float) -> Pose:
    """The pose at a fraction of a lane's length, offset_m to its left."""
    s = fraction * lane.length_m
    x, y = (float(np.interp(s, lane.s_m, lane.centre_xy[:, k])) for k in (0, 1))
    heading = float(np.interp(s, lane.s_m, np.unwrap(lane.heading_rad)))
    return x - offset_m * math.sin(heading), y + offset_m * math.cos(heading), heading


def lane_keys(graph: LaneGraph, lanes: list[int]) -> tuple[tuple[int, int], ...]:
    """(road id, lane id) of lane indices."""
    return tuple((graph.lanes[i].road_id, graph.lanes[i].lane_id) for i in lanes)
