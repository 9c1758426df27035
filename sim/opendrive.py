"""Write a `RoadNetwork` as OpenDRIVE 1.4 XML (.xodr), the map format CARLA loads.

The network is our single source of truth; this file is how CARLA (or any OpenDRIVE tool)
gets the same roads. Our coordinates are OpenDRIVE's (right-handed, metres, radians,
headings counter-clockwise from +x), so geometry is written unchanged; CARLA negates y
itself when it builds its left-handed world.

Everything is one `<laneSection>` per road, constant lane widths, flat elevation.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal

import numpy as np

from sim.road_network import Crosswalk, Junction, LaneSpec, Road, RoadLink, RoadNetwork, Signal

End = Literal["predecessor", "successor"]

# Our maps have no place on Earth; CARLA assumes this origin anyway, but warns when it is missing.
GEO_REFERENCE = "+proj=tmerc +lat_0=0 +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
TRAFFIC_LIGHT_TYPE = "1000001"  # OpenDRIVE's generic dynamic traffic light
MARK_WIDTH_M = 0.15


def to_xodr(network: RoadNetwork) -> str:
    """The whole network as an OpenDRIVE document (a string, XML declaration included); an
    imported network as the file it came from."""
    if network.source_xodr is not None:
        return network.source_xodr
    root = ET.Element("OpenDRIVE")
    header = ET.SubElement(root, "header", revMajor="1", revMinor="4", name=network.name, version="1.00")
    ET.SubElement(header, "geoReference").text = GEO_REFERENCE
    for road in network.roads:
        root.append(_road(network, road))
    for junction in network.junctions:
        root.append(_junction(junction))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_xodr(network: RoadNetwork, path: str | Path) -> None:
    """Write `to_xodr(network)` to a file."""
    Path(path).write_text(to_xodr(network), encoding="utf-8")


def _num(value: float) -> str:
    """A number written so that parsing it back gives exactly the same float."""
    return repr(float(value))


def _road(network: RoadNetwork, road: Road) -> ET.Element:
    element = ET.Element("road", name=f"Road {road.id}", id=str(road.id),
                         length=_num(road.length_m), junction=str(road.junction))
    element.append(_road_link(road))
    road_type = ET.SubElement(element, "type", s="0", type="town")
    top_speed = max(lane.speed_limit_mps for lane in road.lanes)
    ET.SubElement(road_type, "speed", max=_num(top_speed), unit="m/s")
    element.append(_plan_view(road))
    elevation = ET.SubElement(element, "elevationProfile")
    ET.SubElement(elevation, "elevation", s="0", a="0", b="0", c="0", d="0")
    ET.SubElement(element, "lateralProfile")
    element.append(_lanes(network, road))
    crosswalks = [c for c in network.crosswalks if c.road == road.id]
    if crosswalks:
        objects = ET.SubElement(element, "objects")
        for crosswalk in crosswalks:
            objects.append(_crosswalk(road, crosswalk))
    signals = [signal for signal in network.signals if signal.road == road.id]
    if signals:
        signals_element = ET.SubElement(element, "signals")
        for signal in signals:
            signals_element.append(_signal(road, signal))
    return element


def _road_link(road: Road) -> ET.Element:
    link = ET.Element("link")
    for end, target in (("predecessor", road.predecessor), ("successor", road.successor)):
        if target is not None:
            link.append(_link_target(end, target))
    return link


def _link_target(end: End, target: RoadLink) -> ET.Element:
    element = ET.Element(end, elementType=target.kind, elementId=str(target.id))
    # contactPoint only means something for a road; a junction has no start or end.
    if target.kind == "road":
        element.set("contactPoint", target.contact)
    return element


def _plan_view(road: Road) -> ET.Element:
    plan_view = ET.Element("planView")
    s_m = 0.0
    for segment in road.segments:
        start = segment.start
        geometry = ET.SubElement(plan_view, "geometry", s=_num(s_m), x=_num(start.x_m), y=_num(start.y_m),
                                 hdg=_num(start.hdg_rad), length=_num(segment.length_m))
        if segment.curvature_1pm == 0.0:
            ET.SubElement(geometry, "line")
        else:
            # Same sign convention as OpenDRIVE: positive curvature turns left (counter-clockwise).
            ET.SubElement(geometry, "arc", curvature=_num(segment.curvature_1pm))
        s_m += segment.length_m
    return plan_view


def _lanes(network: RoadNetwork, road: Road) -> ET.Element:
    lanes = ET.Element("lanes")
    section = ET.SubElement(lanes, "laneSection", s="0")
    left = sorted((lane for lane in road.lanes if lane.id > 0), key=lambda lane: -lane.id)
    right = sorted((lane for lane in road.lanes if lane.id < 0), key=lambda lane: -lane.id)
    if left:
        side = ET.SubElement(section, "left")
        for lane in left:
            side.append(_lane(network, road, lane))
    centre = ET.SubElement(ET.SubElement(section, "center"), "lane", id="0", type="none", level="false")
    centre.append(_road_mark(*_centre_mark(road)))
    if right:
        side = ET.SubElement(section, "right")
        for lane in right:
            side.append(_lane(network, road, lane))
    return lanes


def _lane(network: RoadNetwork, road: Road, lane: LaneSpec) -> ET.Element:
    element = ET.Element("lane", id=str(lane.id), type=lane.type, level="false")
    link = ET.SubElement(element, "link")
    for end in ("predecessor", "successor"):
        linked_id = _linked_lane_id(network, road, lane, end)
        if linked_id is not None:
            ET.SubElement(link, end, id=str(linked_id))
    ET.SubElement(element, "width", sOffset="0", a=_num(lane.width_m), b="0", c="0", d="0")
    element.append(_road_mark(*_outer_mark(road, lane)))
    ET.SubElement(element, "speed", sOffset="0", max=_num(lane.speed_limit_mps), unit="m/s")
    return element


def _linked_lane_id(network: RoadNetwork, road: Road, lane: LaneSpec, end: End) -> int | None:
    """The lane this one continues into on the road linked at `end`, or None if nothing joins.

    Roads that meet a junction get no lane link there: the junction's connections say it.
    The default is the same lane id, written only if the linked road has that lane (a lane
    that ends, like a highway acceleration lane, has no successor).
    """
    target = road.predecessor if end == "predecessor" else road.successor
    if target is None or target.kind == "junction":
        return None
    explicit = lane.predecessor if end == "predecessor" else lane.successor
    if explicit is not None:
        return explicit
    other_ids = {other.id for other in network.road(target.id).lanes}
    return lane.id if lane.id in other_ids else None


def _centre_mark(road: Road) -> tuple[str, str]:
    """(type, colour) of the reference-line marking: solid yellow, nothing inside junctions."""
    return ("none", "standard") if road.junction != -1 else ("solid", "yellow")


def _outer_mark(road: Road, lane: LaneSpec) -> tuple[str, str]:
    """(type, colour) of the marking on a lane's outer border.

    Broken white between two driving lanes (changing lanes is allowed), solid white at the
    edge of the carriageway (next to parking, a sidewalk or nothing); a sidewalk's outer
    edge is a kerb, not paint, and junctions are unmarked.
    """
    if road.junction != -1 or lane.type == "sidewalk":
        return "none", "standard"
    side = 1 if lane.id > 0 else -1
    outward = [other for other in road.lanes if other.id == lane.id + side]
    if outward and lane.type == "driving" and outward[0].type == "driving":
        return "broken", "white"
    return "solid", "white"


def _road_mark(mark_type: str, colour: str) -> ET.Element:
    lane_change = "none" if mark_type == "solid" else "both"
    width = _num(MARK_WIDTH_M) if mark_type != "none" else "0"
    return ET.Element("roadMark", sOffset="0", type=mark_type, weight="standard", color=colour,
                      width=width, laneChange=lane_change)


def _road_edges_m(road: Road) -> tuple[float, float]:
    """(left, right) lateral offsets of the road's outermost borders, left positive (m)."""
    left = max((_outer_m(road, lane.id) for lane in road.lanes if lane.id > 0), default=0.0)
    right = min((_outer_m(road, lane.id) for lane in road.lanes if lane.id < 0), default=0.0)
    return left, right


def _outer_m(road: Road, lane_id: int) -> float:
    """Lateral offset of a lane's outer border (the lanes written here have constant widths)."""
    return float(road.lane_borders_m(lane_id, np.zeros(1))[1][0])


def _crosswalk(road: Road, crosswalk: Crosswalk) -> ET.Element:
    """A crosswalk object: a rectangle across the whole road, from s_m to s_m + width_m.

    The object sits at the rectangle's centre with hdg 0 (aligned with the road), so its
    outline corners are (u along the road, v across it) relative to that centre.
    """
    left_m, right_m = _road_edges_m(road)
    half_along, half_across = crosswalk.width_m / 2, (left_m - right_m) / 2
    element = ET.Element("object", type="crosswalk", id=str(crosswalk.id), name=f"Crosswalk {crosswalk.id}",
                         s=_num(crosswalk.s_m + half_along), t=_num((left_m + right_m) / 2),
                         zOffset="0", hdg="0", pitch="0", roll="0", orientation="none",
                         length=_num(crosswalk.width_m), width=_num(left_m - right_m))
    outline = ET.SubElement(element, "outline")
    corners = [(-half_along, -half_across), (half_along, -half_across), (half_along, half_across),
               (-half_along, half_across), (-half_along, -half_across)]  # closed, as CARLA's towns write it
    for u, v in corners:
        ET.SubElement(outline, "cornerLocal", u=_num(u), v=_num(v), z="0")
    return element


def _signal(road: Road, signal: Signal) -> ET.Element:
    """A traffic light at the outer edge of the lanes it controls (the drivers' right-hand side).

    orientation "+" serves traffic along the reference line (negative lane ids), "-" against it.
    """
    outermost = max(signal.lanes, key=abs)
    element = ET.Element("signal", s=_num(signal.s_m), t=_num(_outer_m(road, outermost)),
                         id=str(signal.id), name=f"Signal {signal.id}", dynamic="yes",
                         orientation="+" if outermost < 0 else "-", zOffset="0",
                         type=TRAFFIC_LIGHT_TYPE, subtype="-1", country="OpenDRIVE")
    ET.SubElement(element, "validity", fromLane=str(min(signal.lanes)), toLane=str(max(signal.lanes)))
    return element


def _junction(junction: Junction) -> ET.Element:
    element = ET.Element("junction", id=str(junction.id), name=f"Junction {junction.id}")
    for n, connection in enumerate(junction.connections):
        connection_element = ET.SubElement(element, "connection", id=str(n),
                                           incomingRoad=str(connection.incoming_road),
                                           connectingRoad=str(connection.connecting_road),
                                           contactPoint=connection.contact)
        for from_lane, to_lane in connection.lane_links:
            ET.SubElement(connection_element, "laneLink", **{"from": str(from_lane), "to": str(to_lane)})
    return element
