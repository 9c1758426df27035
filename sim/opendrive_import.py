"""Read an OpenDRIVE 1.4-1.6 file into a `RoadNetwork` that the simulator drives, renders and
scores like a built-in template.

lxml parses the XML (entities are never resolved and nothing is fetched); this file turns
its elements into our records, and `road_geometry` evaluates the plan view (lines, arcs,
spirals, poly3, paramPoly3). Why not CARLA's parser (`carla.Map`): it answers questions about
sampled waypoints, not the file's description (no speed records, no signal controllers, no
width polynomials), and its wheel exists for one Python version on one platform; the tests
use it as the independent check of every lane this import produces.

What is simplified says so in `RoadNetwork.notes`: elevation and superelevation are flattened
(the simulator is planar), objects (crosswalks, poles, buildings) are not imported. Left-hand
traffic and lanes described by `<border>` instead of `<width>` are refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from lxml import etree

from sim.road_geometry import Geometry, ParamPoly3, Pose, Segment, Spiral
from sim.road_network import (
    NO_LINK,
    Connection,
    Cubic,
    Junction,
    LaneSpec,
    LaneType,
    Road,
    RoadLink,
    RoadNetwork,
    RoadSource,
    Signal,
    SignalPhase,
)
from sim.xml_reader import XmlReader, parse_xml

VEHICLE_LIGHT_TYPE = "1000001"
SPEED_UNITS_MPS = {"m/s": 1.0, "km/h": 1 / 3.6, "mph": 0.44704}
DEFAULT_SPEED_MPS = 30 / 3.6  # CARLA's Traffic Manager's limit where a map gives none
# CARLA's defaults for a junction's lights: controllers take turns, each green, yellow, then
# all red for a moment before the next one's green.
GREEN_S, YELLOW_S, ALL_RED_S = 10.0, 3.0, 2.0
LANE_TYPES: dict[str, LaneType] = {
    "driving": "driving", "entry": "driving", "exit": "driving", "onRamp": "driving", "offRamp": "driving",
    "connectingRamp": "driving", "bidirectional": "driving", "shoulder": "shoulder", "roadWorks": "shoulder",
    "parking": "parking", "sidewalk": "sidewalk", "walking": "sidewalk", "biking": "biking", "median": "median",
    "border": "border", "curb": "border", "restricted": "border", "stop": "border", "special1": "border",
    "special2": "border", "special3": "border", "tram": "border", "rail": "border", "none": "none",
}


class MapImportError(ValueError):
    """A file the import cannot read: the message is one line naming the file, the line, the
    element and what was expected."""


@dataclass
class _Pieces:
    """A file road and the Roads it becomes: our ids, one per lane section that covers part of
    it (`sections`, in s order, starting at `lane_sections_s`)."""

    ids: list[int]
    element: etree._Element
    length_m: float
    sections: list[etree._Element]
    lane_sections_s: list[float]


def import_xodr(path: str | Path, name: str | None = None) -> RoadNetwork:
    """The road network of an OpenDRIVE file; MapImportError for what cannot be read."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as error:
        raise MapImportError(f"{path}: cannot be read ({error.strerror}); expected an OpenDRIVE .xodr file") from None
    return parse_xodr(text, str(path), name or path.stem)


def parse_xodr(text: bytes, source: str, name: str) -> RoadNetwork:
    """The road network of OpenDRIVE text; `source` names it in error messages."""
    root = parse_xml(text, source, "OpenDRIVE", MapImportError)
    reader = XmlReader(source, MapImportError)
    notes = _version_notes(reader, root)
    roads_xml = root.findall("road")
    if not roads_xml:
        raise reader.fail(root, "has no <road>; expected at least one")
    junction_ids = {j.get("id"): k + 1 for k, j in enumerate(root.findall("junction"))}
    pieces = _number_pieces(reader, roads_xml)
    roads: list[Road] = []
    for element in roads_xml:
        roads += _road(reader, element, pieces, junction_ids)
    junctions = [_junction(reader, j, junction_ids, pieces) for j in root.findall("junction")]
    by_id = {road.id: road for road in roads}
    signals = _signals(reader, root, pieces, by_id)
    notes += _simplification_notes(root)
    return RoadNetwork(name, roads, junctions, signals, source_xodr=text.decode("utf-8", errors="replace"),
                       notes=tuple(notes), speed_limits_given=root.find(".//speed") is not None)


def _version_notes(reader: XmlReader, root: etree._Element) -> list[str]:
    header = reader.one(root, "header")
    major, minor = int(reader.number(header, "revMajor")), int(reader.number(header, "revMinor"))
    if major != 1:
        raise reader.fail(header, f"revMajor={major}; expected OpenDRIVE 1.x")
    return [] if 4 <= minor <= 6 else [f"OpenDRIVE 1.{minor} read as 1.4-1.6"]


def _simplification_notes(root: etree._Element) -> list[str]:
    notes = []
    elevations = root.findall("road/elevationProfile/elevation")
    if any(float(e.get(k, "0")) != 0.0 for e in elevations for k in "abcd"):
        notes.append("the map has elevation: it is driven and rendered flat")
    objects = root.findall("road/objects/object")
    if objects:
        notes.append(f"{len(objects)} road objects (crosswalks, poles, buildings) are not imported")
    return notes


def _number_pieces(reader: XmlReader, roads_xml: list[etree._Element]) -> dict[str, _Pieces]:
    """Our road ids, one per lane section of each file road, numbered from 1 in file order."""
    pieces: dict[str, _Pieces] = {}
    next_id = 1
    for element in roads_xml:
        road_id = element.get("id")
        if road_id is None:
            raise reader.fail(element, "has no id; expected one")
        if road_id in pieces:
            raise reader.fail(element, f"id={road_id!r} is used twice; expected unique road ids")
        if element.get("rule", "RHT") == "LHT":
            raise reader.fail(element, f"road {road_id} has rule=LHT; left-hand traffic is not supported")
        lanes = reader.one(element, "lanes")
        sections = lanes.findall("laneSection")
        if not sections:
            raise reader.fail(lanes, f"of road {road_id} has no <laneSection>; expected at least one")
        length = reader.number(element, "length")
        kept = _sections_with_length(reader, sections, length)
        starts = [reader.number(section, "s") for section in kept]
        pieces[road_id] = _Pieces(list(range(next_id, next_id + len(kept))), element, length, kept, starts)
        next_id += len(kept)
    return pieces


def _sections_with_length(reader: XmlReader, sections: list[etree._Element], length_m: float) -> list[etree._Element]:
    """The lane sections that cover some of the road: a section that starts where the next one
    does (or at the road's end) holds no lane for any s, as in CARLA."""
    starts = [reader.number(section, "s") for section in sections] + [length_m]
    kept = [section for k, section in enumerate(sections) if starts[k + 1] - starts[k] > 1e-9]
    if not kept:
        raise reader.fail(sections[0], f"starts at s={starts[0]} with nothing after it; expected a lane section "
                                       "that covers part of the road")
    return kept


def _geometry(reader: XmlReader, element: etree._Element) -> Geometry:
    start = Pose(reader.number(element, "x"), reader.number(element, "y"), reader.number(element, "hdg"))
    length = reader.number(element, "length")
    if length <= 0:
        raise reader.fail(element, f"length={length}; expected a positive length")
    shape = next(iter(element), None)
    if shape is None:
        raise reader.fail(element, "is empty; expected line, arc, spiral, poly3 or paramPoly3")
    if shape.tag == "line":
        return Segment(start, length)
    if shape.tag == "arc":
        return Segment(start, length, reader.number(shape, "curvature"))
    if shape.tag == "spiral":
        return Spiral(start, length, reader.number(shape, "curvStart"), reader.number(shape, "curvEnd"))
    if shape.tag == "poly3":
        v = tuple(reader.number(shape, k) for k in "abcd")
        return ParamPoly3(start, length, (0.0, 1.0, 0.0, 0.0), v, length)
    if shape.tag == "paramPoly3":
        u = tuple(reader.number(shape, k) for k in ("aU", "bU", "cU", "dU"))
        v = tuple(reader.number(shape, k) for k in ("aV", "bV", "cV", "dV"))
        p_range = shape.get("pRange", "normalized")
        if p_range not in ("normalized", "arcLength"):
            raise reader.fail(shape, f"pRange={p_range!r}; expected normalized or arcLength")
        return ParamPoly3(start, length, u, v, length if p_range == "arcLength" else 1.0)
    raise reader.fail(shape, "is not a geometry; expected line, arc, spiral, poly3 or paramPoly3")


def _cubics(reader: XmlReader, elements: list[etree._Element], s_name: str, shift_m: float,
            length_m: float) -> tuple[Cubic, ...]:
    """Cubic records moved to a section's s (shift_m: the section's start), keeping only those
    in force inside it: a record that starts at the section's end belongs to the next one."""
    records = [Cubic(reader.number(e, s_name) - shift_m, *(reader.number(e, k, 0.0) for k in "abcd"))
               for e in sorted(elements, key=lambda e: reader.number(e, s_name))]
    first = max([k for k, r in enumerate(records) if r.s_m <= 1e-9] or [0])
    return tuple(r for r in records[first:] if r.s_m < length_m - 1e-9)


def _speed_mps(reader: XmlReader, element: etree._Element) -> float | None:
    """A <speed> record's limit in m/s; None for 'no limit' or 'undefined'."""
    value = element.get("max", "")
    try:
        limit = float(value)
    except ValueError:
        if value in ("no limit", "undefined"):
            return None
        raise reader.fail(element, f"max={value!r}; expected a number, 'no limit' or 'undefined'") from None
    unit = element.get("unit", "m/s")
    if unit not in SPEED_UNITS_MPS:
        raise reader.fail(element, f"unit={unit!r}; expected one of {', '.join(SPEED_UNITS_MPS)}")
    return limit * SPEED_UNITS_MPS[unit]


def _road_speed_mps(reader: XmlReader, road: etree._Element, s_m: float) -> float:
    """The road type's speed limit in force at s_m, or the default."""
    limit = None
    for record in sorted(road.findall("type"), key=lambda e: reader.number(e, "s")):
        if reader.number(record, "s") <= s_m + 1e-9:
            speed = record.find("speed")
            limit = _speed_mps(reader, speed) if speed is not None else None
    return limit if limit is not None else DEFAULT_SPEED_MPS


def _link(reader: XmlReader, element: etree._Element | None, pieces: dict[str, _Pieces],
          junction_ids: dict[str | None, int]) -> RoadLink | None:
    """A road's predecessor/successor as a link to the piece it touches (or its junction)."""
    if element is None:
        return None
    kind, target = element.get("elementType"), element.get("elementId")
    if kind == "junction":
        if target not in junction_ids:
            raise reader.fail(element, f"names junction {target!r}; expected one of the file's junctions")
        return RoadLink("junction", junction_ids[target])
    if kind != "road":
        raise reader.fail(element, f"elementType={kind!r}; expected road or junction")
    if target not in pieces:
        raise reader.fail(element, f"names road {target!r}; expected one of the file's roads")
    contact = element.get("contactPoint", "start")
    if contact not in ("start", "end"):
        raise reader.fail(element, f"contactPoint={contact!r}; expected start or end")
    ids = pieces[target].ids
    return RoadLink("road", ids[0] if contact == "start" else ids[-1], contact)


def _lane(reader: XmlReader, element: etree._Element, road: etree._Element, section_s: float,
          length_m: float) -> LaneSpec:
    lane_id = int(reader.number(element, "id"))
    kind = element.get("type", "none")
    if kind not in LANE_TYPES:
        raise reader.fail(element, f"type={kind!r}; expected one of {', '.join(LANE_TYPES)}")
    if element.find("border") is not None:
        raise reader.fail(element.find("border"), "describes a lane by its border; expected <width> records")
    widths = _cubics(reader, element.findall("width"), "sOffset", 0.0, length_m) or (Cubic(0.0, 0.0),)
    probe = np.linspace(0.0, max(length_m, 1e-3), 16)
    speeds = [_speed_mps(reader, e) for e in element.findall("speed")]
    speed = next((v for v in speeds if v is not None), None) or _road_speed_mps(reader, road, section_s)
    link = element.find("link")
    ends = {}
    for end in ("predecessor", "successor"):
        target = link.find(end) if link is not None else None
        ends[end] = int(reader.number(target, "id")) if target is not None else NO_LINK
    width = LaneSpec(lane_id, LANE_TYPES[kind], 0.0, speed, widths=widths).width_at(probe)
    return LaneSpec(lane_id, LANE_TYPES[kind], float(width.mean()), speed, ends["predecessor"], ends["successor"],
                    widths)


def _road(reader: XmlReader, element: etree._Element, pieces: dict[str, _Pieces],
          junction_ids: dict[str | None, int]) -> list[Road]:
    """One Road per lane section of a file road, linked head to tail."""
    road_id = element.get("id")
    own = pieces[road_id]
    plan_view = reader.one(element, "planView")
    ordered = sorted(plan_view.findall("geometry"), key=lambda g: reader.number(g, "s"))
    segments = [_geometry(reader, g) for g in ordered]
    if not segments:
        raise reader.fail(plan_view, f"of road {road_id} has no <geometry>; expected at least one")
    junction_attr = element.get("junction", "-1")
    if junction_attr != "-1" and junction_attr not in junction_ids:
        raise reader.fail(element, f"junction={junction_attr!r}; expected -1 or one of the file's junctions")
    junction = junction_ids.get(junction_attr, -1)
    link = element.find("link")
    predecessor = _link(reader, link.find("predecessor") if link is not None else None, pieces, junction_ids)
    successor = _link(reader, link.find("successor") if link is not None else None, pieces, junction_ids)
    lanes_xml = element.find("lanes")
    sections = own.sections
    bounds = own.lane_sections_s + [own.length_m]
    roads = []
    for k, section in enumerate(sections):
        start, end = bounds[k], bounds[k + 1]
        lanes = [_lane(reader, lane, element, start, end - start)
                 for side in ("left", "right") for lane in section.findall(f"{side}/lane")]
        lane_offset = _cubics(reader, lanes_xml.findall("laneOffset"), "s", start, end - start)
        roads.append(Road(
            own.ids[k], segments, lanes, junction,
            predecessor=predecessor if k == 0 else RoadLink("road", own.ids[k - 1], "end"),
            successor=successor if k == len(sections) - 1 else RoadLink("road", own.ids[k + 1], "start"),
            ref_start_m=start, ref_length_m=end - start, lane_offset=lane_offset,
            source=RoadSource(road_id, k)))
    return roads


def _junction(reader: XmlReader, element: etree._Element, junction_ids: dict[str | None, int],
              pieces: dict[str, _Pieces]) -> Junction:
    """A junction's connections, between the pieces that touch it."""
    junction = Junction(junction_ids[element.get("id")])
    for connection in element.findall("connection"):
        # A direct junction (OpenDRIVE 1.7) links the incoming road straight to a linkedRoad.
        incoming = connection.get("incomingRoad")
        connecting = connection.get("connectingRoad", connection.get("linkedRoad"))
        for role, road_id in (("incomingRoad", incoming), ("connectingRoad", connecting)):
            if road_id not in pieces:
                raise reader.fail(connection, f"{role}={road_id!r}; expected one of the file's roads")
        contact = connection.get("contactPoint", "start")
        if contact not in ("start", "end"):
            raise reader.fail(connection, f"contactPoint={contact!r}; expected start or end")
        links = [(int(reader.number(link, "from")), int(reader.number(link, "to")))
                 for link in connection.findall("laneLink")]
        into = pieces[connecting].ids[0] if contact == "start" else pieces[connecting].ids[-1]
        # A lane driven along its road (negative id) leaves it at its end, else at its start.
        for leaves_at_end in (True, False):
            chosen = tuple((a, b) for a, b in links if (a < 0) == leaves_at_end)
            if chosen:
                ids = pieces[incoming].ids
                junction.connections.append(Connection(ids[-1] if leaves_at_end else ids[0], into, contact, chosen))
    return junction


def _signals(reader: XmlReader, root: etree._Element, pieces: dict[str, _Pieces], roads: dict[int, Road]) -> list[Signal]:
    """Stop lines of the dynamic traffic lights: one Signal per signal or signalReference that
    names the lanes it holds, each with its controller's phase in its junction's cycle."""
    phases = _phases(reader, root)
    signals: list[Signal] = []
    for road_id, own in pieces.items():
        for element in own.element.findall("signals/signal") + own.element.findall("signals/signalReference"):
            signal_id = element.get("id")
            if element.tag == "signal" and not _is_vehicle_light(element):
                continue
            if signal_id not in phases.signals:
                raise reader.fail(element, f"id={signal_id!r}; expected the id of one of the file's signals")
            if signal_id not in phases.lights:
                continue
            s_m = reader.number(element, "s")
            k = max(0, int(np.searchsorted(own.lane_sections_s, s_m, side="right")) - 1)
            road = roads[own.ids[k]]
            lanes = _controlled_lanes(reader, element, road)
            if lanes:
                signals.append(Signal(len(signals) + 1, road.id, s_m - road.ref_start_m, lanes,
                                      phases.of(signal_id)))
    return signals


def _is_vehicle_light(signal: etree._Element) -> bool:
    """A dynamic signal of OpenDRIVE's vehicle traffic-light type; pedestrian and bicycle lights
    (1000002, 1000007, ...) hold no vehicle lane."""
    return signal.get("dynamic") == "yes" and signal.get("type") == VEHICLE_LIGHT_TYPE


def _controlled_lanes(reader: XmlReader, element: etree._Element, road: Road) -> tuple[int, ...]:
    """Driving lanes a signal holds: its validity ranges, else every lane its orientation faces.
    A validity of lane 0 only (CARLA's poles) holds none: the references hold the lanes."""
    driving = [lane.id for lane in road.lanes if lane.type == "driving"]
    validity = element.findall("validity")
    if validity:
        held = set()
        for v in validity:
            low, high = sorted((int(reader.number(v, "fromLane")), int(reader.number(v, "toLane"))))
            held |= {lane for lane in driving if low <= lane <= high}
        return tuple(sorted(held))
    orientation = element.get("orientation", "none")
    return tuple(lane for lane in driving if (orientation != "+" or lane < 0) and (orientation != "-" or lane > 0))


@dataclass
class _Phases:
    """Each dynamic light's phase: by its controller's turn in its junction, or alone."""

    signals: set[str]
    lights: set[str]
    turns: dict[str, tuple[int, int]]  # signal id -> (turn, number of turns)

    def of(self, signal_id: str) -> SignalPhase:
        turn, count = self.turns.get(signal_id, (0, 1))
        slot = GREEN_S + YELLOW_S + ALL_RED_S
        return SignalPhase(GREEN_S, YELLOW_S, count * slot - GREEN_S - YELLOW_S, turn * slot)


def _phases(reader: XmlReader, root: etree._Element) -> _Phases:
    signals = root.findall("road/signals/signal")
    lights = {s.get("id") for s in signals if _is_vehicle_light(s)}
    ids = {s.get("id") for s in signals}
    controls = {}
    for controller in root.findall("controller"):
        for control in controller.findall("control"):
            if control.get("signalId") not in ids:
                raise reader.fail(control, f"signalId={control.get('signalId')!r}; expected the id of one of the "
                                           "file's signals")
        controls[controller.get("id")] = [c.get("signalId") for c in controller.findall("control")]
    turns: dict[str, tuple[int, int]] = {}
    for junction in root.findall("junction"):
        used = junction.findall("controller")
        for element in used:
            if element.get("id") not in controls:
                raise reader.fail(element, f"id={element.get('id')!r}; expected one of the file's controllers")
        ordered = sorted(used, key=lambda e: reader.number(e, "sequence", 0.0))
        for turn, element in enumerate(ordered):
            for signal_id in controls[element.get("id")]:
                turns[signal_id] = (turn, len(ordered))
    return _Phases(ids, lights, turns)
