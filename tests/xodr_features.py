"""An OpenDRIVE file written here for the import's tests, exercising every feature it claims.

Road 1 (170 m) runs through a line, an arc, a spiral, a poly3 and a paramPoly3 in each pRange
mode, with a laneOffset and two lane sections (lane -1's width is a cubic; lane -2 opens from
nothing in the second section). It ends at junction 100, where connecting road 10 (contact
start) leads straight on to road 2 and connecting road 11 (contact end: drawn from road 3
back to road 1) turns right into road 3. Two signals on road 1 and road 3 are held by two
controllers of the junction. Road 4 continues road 2 head to head (contact end), so its ids
flip. Geometry start poses are chained with nines' own evaluator, which only places the
pieces: the shapes between them are what the tests compare with CARLA's parser.
"""
from __future__ import annotations

import math

from sim.road_geometry import Geometry, ParamPoly3, Pose, Segment, Spiral

CUBIC_V = (0.0, 0.0, 0.002, -0.00005)


def _road1_geometry() -> list[tuple[str, Geometry]]:
    pieces: list[tuple[str, Geometry]] = []
    pose = Pose(0.0, 0.0, 0.0)
    for kind, build in (
        ("line", lambda p: Segment(p, 20.0)),
        ("arc", lambda p: Segment(p, 30.0, 0.02)),
        ("spiral", lambda p: Spiral(p, 25.0, 0.02, -0.01)),
        ("poly3", lambda p: ParamPoly3(p, 25.0, (0.0, 1.0, 0.0, 0.0), CUBIC_V, 25.0)),
        ("normalized", lambda p: ParamPoly3(p, 35.0, (0.0, 34.0, 1.0, -0.5), (0.0, 0.0, 3.0, -1.5), 1.0)),
        ("arcLength", lambda p: ParamPoly3(p, 35.0, (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, -0.003, 0.0), 35.0)),
    ):
        piece = build(pose)
        pieces.append((kind, piece))
        pose = piece.end
    return pieces


def _geometry_xml(s: float, kind: str, piece: Geometry) -> str:
    start = piece.start
    head = (f'<geometry s="{s!r}" x="{start.x_m!r}" y="{start.y_m!r}" hdg="{start.hdg_rad!r}" '
            f'length="{piece.length_m!r}">')
    if kind == "line":
        body = "<line/>"
    elif kind == "arc":
        body = f'<arc curvature="{piece.curvature_1pm!r}"/>'
    elif kind == "spiral":
        body = f'<spiral curvStart="{piece.curv_start_1pm!r}" curvEnd="{piece.curv_end_1pm!r}"/>'
    elif kind == "poly3":
        a, b, c, d = piece.v_coeffs
        body = f'<poly3 a="{a!r}" b="{b!r}" c="{c!r}" d="{d!r}"/>'
    else:
        (au, bu, cu, du), (av, bv, cv, dv) = piece.u_coeffs, piece.v_coeffs
        body = (f'<paramPoly3 aU="{au!r}" bU="{bu!r}" cU="{cu!r}" dU="{du!r}" aV="{av!r}" bV="{bv!r}" '
                f'cV="{cv!r}" dV="{dv!r}" pRange="{kind}"/>')
    return head + body + "</geometry>"


def road1_end() -> Pose:
    return _road1_geometry()[-1][1].end


ROAD1_LENGTH_M = sum(piece.length_m for _, piece in _road1_geometry())


def _lane(lane_id: int, kind: str, width: str, links: str = "", speed: str = "") -> str:
    return (f'<lane id="{lane_id}" type="{kind}" level="false"><link>{links}</link>{width}'
            f'<roadMark sOffset="0" type="solid" color="white" width="0.15"/>{speed}</lane>')


def _straight_road(road_id: int, junction: int, start: Pose, length: float, links: str, lanes: str,
                   signals: str = "") -> str:
    return (f'<road name="Road {road_id}" id="{road_id}" junction="{junction}" length="{length!r}">'
            f'<link>{links}</link><type s="0" type="town"><speed max="40" unit="km/h"/></type>'
            f'<planView><geometry s="0" x="{start.x_m!r}" y="{start.y_m!r}" hdg="{start.hdg_rad!r}" '
            f'length="{length!r}"><line/></geometry></planView>'
            f'<lanes><laneSection s="0">{lanes}</laneSection></lanes>{signals}</road>')


def _arc_road(road_id: int, start: Pose, radius: float, turn: float, links: str, lanes: str) -> str:
    length = radius * abs(turn)
    return (f'<road name="Road {road_id}" id="{road_id}" junction="100" length="{length!r}"><link>{links}</link>'
            f'<planView><geometry s="0" x="{start.x_m!r}" y="{start.y_m!r}" hdg="{start.hdg_rad!r}" '
            f'length="{length!r}"><arc curvature="{math.copysign(1 / radius, turn)!r}"/></geometry></planView>'
            f'<lanes><laneSection s="0">{lanes}</laneSection></lanes></road>')


def features_xodr(rule: str = "RHT") -> str:
    """The whole document; rule="LHT" marks road 1 left-hand traffic (which the import refuses)."""
    geometry = _road1_geometry()
    starts = [0.0]
    for _, piece in geometry[:-1]:
        starts.append(starts[-1] + piece.length_m)
    plan_view = "".join(_geometry_xml(s, kind, piece) for s, (kind, piece) in zip(starts, geometry))
    w = '<width sOffset="0" a="3.5" b="0" c="0" d="0"/>'
    section0 = (
        "<left>" + _lane(1, "driving", w, '<successor id="1"/>') + "</left>"
        '<center><lane id="0" type="none" level="false"/></center>'
        "<right>" + _lane(-1, "driving", '<width sOffset="0" a="3.5" b="0.004" c="-0.00002" d="0"/>',
                          '<successor id="-1"/>', '<speed sOffset="0" max="13.5" unit="m/s"/>')
        + _lane(-2, "sidewalk", '<width sOffset="0" a="2.0" b="0" c="0" d="0"/>', '<successor id="-3"/>')
        + "</right>")
    section1 = (
        "<left>" + _lane(1, "driving", w, '<predecessor id="1"/>') + "</left>"
        '<center><lane id="0" type="none" level="false"/></center>'
        "<right>" + _lane(-1, "driving", w, '<predecessor id="-1"/>')
        + _lane(-2, "driving", '<width sOffset="0" a="0" b="0" c="0.0012" d="-0.0000077"/>'
                '<width sOffset="60" a="3.6" b="0" c="0" d="0"/>')
        + _lane(-3, "sidewalk", '<width sOffset="0" a="2.0" b="0" c="0" d="0"/>', '<predecessor id="-2"/>')
        + "</right>")
    road1 = (f'<road name="Road 1" id="1" junction="-1" length="{ROAD1_LENGTH_M!r}" rule="{rule}">'
             '<link><successor elementType="junction" elementId="100"/></link>'
             '<type s="0" type="town"><speed max="30" unit="mph"/></type>'
             f'<planView>{plan_view}</planView>'
             '<elevationProfile><elevation s="0" a="0" b="0.01" c="0" d="0"/></elevationProfile>'
             '<lanes><laneOffset s="0" a="0" b="0" c="0" d="0"/>'
             '<laneOffset s="40" a="0" b="0.02" c="-0.0002" d="0"/><laneOffset s="140" a="0.8" b="0" c="0" d="0"/>'
             f'<laneSection s="0">{section0}</laneSection><laneSection s="90">{section1}</laneSection></lanes>'
             '<signals><signal s="165" t="-9" id="501" name="light" dynamic="yes" orientation="+" zOffset="0" '
             'type="1000001" subtype="-1" country="OpenDRIVE"><validity fromLane="-2" toLane="-1"/></signal>'
             '</signals></road>')
    end = road1_end()
    one_lane = ('<center><lane id="0" type="none" level="false"/></center><right>'
                + _lane(-1, "driving", w) + "</right>")
    two_way = ("<left>" + _lane(1, "driving", w) + '</left><center><lane id="0" type="none" level="false"/>'
               "</center><right>" + _lane(-1, "driving", w) + "</right>")
    # Road 1's lanes -1 and -2 sit 0.8 m left of its reference line at its end (the last laneOffset).
    shift = 0.8
    normal = (-math.sin(end.hdg_rad), math.cos(end.hdg_rad))
    straight_start = Pose(end.x_m + shift * normal[0], end.y_m + shift * normal[1], end.hdg_rad)
    road10 = _straight_road(10, 100, straight_start, 20.0,
                            '<predecessor elementType="road" elementId="1" contactPoint="end"/>'
                            '<successor elementType="road" elementId="2" contactPoint="start"/>',
                            one_lane.replace('<link></link>',
                                             '<link><predecessor id="-1"/><successor id="-1"/></link>'))
    road2 = _straight_road(2, -1, Pose(straight_start.x_m + 20 * math.cos(end.hdg_rad),
                                       straight_start.y_m + 20 * math.sin(end.hdg_rad), end.hdg_rad), 60.0,
                           '<predecessor elementType="junction" elementId="100"/>'
                           '<successor elementType="road" elementId="4" contactPoint="end"/>', two_way)
    # The right turn: 10 m radius from road 1's lane -2 (3.5 + 1.75 m right of road 2's line).
    turn_from = Pose(straight_start.x_m - 3.5 * normal[0], straight_start.y_m - 3.5 * normal[1], end.hdg_rad)
    radius = 10.0
    centre = (turn_from.x_m - radius * normal[0], turn_from.y_m - radius * normal[1])
    turn_to = Pose(centre[0] + radius * math.cos(end.hdg_rad), centre[1] + radius * math.sin(end.hdg_rad),
                   end.hdg_rad - math.pi / 2)
    # Road 11 is drawn backwards, from road 3's start to road 1's end: its lane 1 drives the turn.
    back = Pose(turn_to.x_m, turn_to.y_m, turn_to.hdg_rad + math.pi)
    road11 = _arc_road(11, back, radius, math.pi / 2,
                       '<predecessor elementType="road" elementId="3" contactPoint="start"/>'
                       '<successor elementType="road" elementId="1" contactPoint="end"/>',
                       '<left>' + _lane(1, "driving", w, '<predecessor id="-1"/><successor id="-2"/>')
                       + '</left><center><lane id="0" type="none" level="false"/></center>')
    road3 = _straight_road(3, -1, turn_to, 50.0,
                           '<predecessor elementType="junction" elementId="100"/>', two_way,
                           '<signals><signalReference s="0.5" t="0" id="501" orientation="+">'
                           '<validity fromLane="-1" toLane="-1"/></signalReference>'
                           '<signal s="45" t="-4" id="502" name="light" dynamic="yes" orientation="+" zOffset="0" '
                           'type="1000001" subtype="-1" country="OpenDRIVE"><validity fromLane="-1" toLane="-1"/>'
                           '</signal></signals>')
    r2_end = Pose(straight_start.x_m + 80 * math.cos(end.hdg_rad), straight_start.y_m + 80 * math.sin(end.hdg_rad),
                  end.hdg_rad)
    # Road 4 is drawn towards road 2's end: head to head, so road 2's lane -1 continues as 4's lane 1.
    far = Pose(r2_end.x_m + 40 * math.cos(end.hdg_rad), r2_end.y_m + 40 * math.sin(end.hdg_rad), end.hdg_rad + math.pi)
    road4 = _straight_road(4, -1, far, 40.0, '<successor elementType="road" elementId="2" contactPoint="end"/>',
                           two_way.replace('<lane id="1" type="driving" level="false"><link></link>',
                                           '<lane id="1" type="driving" level="false"><link><successor id="-1"/>'
                                           '</link>')
                           .replace('<lane id="-1" type="driving" level="false"><link></link>',
                                    '<lane id="-1" type="driving" level="false"><link><successor id="1"/></link>'))
    road2 = road2.replace('<lane id="-1" type="driving" level="false"><link></link>',
                          '<lane id="-1" type="driving" level="false"><link><successor id="1"/></link>')
    road2 = road2.replace('<lane id="1" type="driving" level="false"><link></link>',
                          '<lane id="1" type="driving" level="false"><link><successor id="-1"/></link>')
    junction = ('<junction id="100" name="J">'
                '<connection id="0" incomingRoad="1" connectingRoad="10" contactPoint="start">'
                '<laneLink from="-1" to="-1"/></connection>'
                '<connection id="1" incomingRoad="1" connectingRoad="11" contactPoint="end">'
                '<laneLink from="-2" to="1"/></connection>'
                '<controller id="900" type="0" sequence="0"/><controller id="901" type="0" sequence="1"/></junction>')
    controllers = ('<controller id="900" name="c0"><control signalId="501" type="0"/></controller>'
                   '<controller id="901" name="c1"><control signalId="502" type="0"/></controller>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<OpenDRIVE><header revMajor="1" revMinor="6" name="features" '
            'version="1"/>' + road1 + road10 + road11 + road2 + road3 + road4 + controllers + junction
            + "</OpenDRIVE>\n")


def overpass_xodr() -> str:
    """Road 1 runs 200 m east at ground level; road 2 crosses over it at its middle, 6 m up
    (an elevation profile), 200 m north. Each has a driving lane and a sidewalk each way and no
    junction: read flat, their lanes cover the same place where one passes over the other."""
    lane, sidewalk = '<width sOffset="0" a="3.5" b="0" c="0" d="0"/>', '<width sOffset="0" a="2.0" b="0" c="0" d="0"/>'
    lanes = (f'<left>{_lane(2, "sidewalk", sidewalk)}{_lane(1, "driving", lane)}</left>'
             f'<center><lane id="0" type="none" level="false"/></center>'
             f'<right>{_lane(-1, "driving", lane)}{_lane(-2, "sidewalk", sidewalk)}</right>')
    lifted = ('<elevationProfile><elevation s="0" a="0" b="0.12" c="0" d="0"/>'
              '<elevation s="50" a="6" b="0" c="0" d="0"/><elevation s="150" a="6" b="-0.12" c="0" d="0"/>'
              '</elevationProfile>')
    road_2 = _straight_road(2, -1, Pose(100.0, -100.0, math.pi / 2), 200.0, "", lanes)
    return ('<?xml version="1.0" encoding="UTF-8"?><OpenDRIVE><header revMajor="1" revMinor="6" name="overpass"/>'
            + _straight_road(1, -1, Pose(0.0, 0.0, 0.0), 200.0, "", lanes)
            + road_2.replace("</planView>", f"</planView>{lifted}") + "</OpenDRIVE>")


def sidewalk_crossing_xodr() -> str:
    """Road 1 runs 100 m east with a driving lane and a sidewalk each way; road 10, a junction's
    connecting road, crosses it northwards at x = 50, its lanes over road 1's sidewalks."""
    lane, sidewalk = '<width sOffset="0" a="3.5" b="0" c="0" d="0"/>', '<width sOffset="0" a="2.0" b="0" c="0" d="0"/>'
    walked = (f'<left>{_lane(2, "sidewalk", sidewalk)}{_lane(1, "driving", lane)}</left>'
              f'<center><lane id="0" type="none" level="false"/></center>'
              f'<right>{_lane(-1, "driving", lane)}{_lane(-2, "sidewalk", sidewalk)}</right>')
    driven = (f'<left>{_lane(1, "driving", lane)}</left><center><lane id="0" type="none" level="false"/></center>'
              f'<right>{_lane(-1, "driving", lane)}</right>')
    return ('<?xml version="1.0" encoding="UTF-8"?><OpenDRIVE><header revMajor="1" revMinor="6" name="crossing"/>'
            + _straight_road(1, -1, Pose(0.0, 0.0, 0.0), 100.0, "", walked)
            + _straight_road(10, 100, Pose(50.0, -20.0, math.pi / 2), 40.0, "", driven)
            + '<junction id="100" name="J"></junction></OpenDRIVE>')
