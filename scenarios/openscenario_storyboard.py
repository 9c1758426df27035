"""An OpenSCENARIO storyboard as each actor's scripted events (`sim.episode_spec`).

Each Event of a ManeuverGroup with one actor becomes one scripted event per action, its
trigger made from the event's StartTrigger. The conditions of a ConditionGroup must all hold on
the same tick: the first, or the one with a delay (at most one), is the trigger, the others
become hold events it waits for (`Trigger.with_events`); a StartTrigger of several groups
becomes a hold event per group and an after_any trigger, which fires the tick after the first
of them:
- SimulationTimeCondition (time passes a value);
- StoryboardElementStateCondition on an event, maneuver or action of the same actor (start,
  running: when its events have fired; end, complete: when they have and the actor's movement
  has settled: no lane change or offset under way, no braking to a stop) or on an act or story
  (its start);
- with the ego as one entity and the event's actor as the other: RelativeDistanceCondition
  (freespace, or centre to centre less both half lengths), TimeToCollisionCondition,
  TimeHeadwayCondition (the ego's, centre to centre or front to rear with freespace; the actor's
  to the ego, centre to centre),
  RelativeSpeedCondition,
  CollisionCondition (their boxes touch);
- on the event's actor: EndOfRoadCondition (how long since it came to the end of its road,
  where it leaves the world);
- on the ego or the event's actor: SpeedCondition, AccelerationCondition (longitudinal),
  StandStillCondition, DistanceCondition (centre to point, or box to point with freespace; the
  ego's along its route where longitudinal in road coordinates);
- on the ego alone: TraveledDistanceCondition (its progress along its route),
  ReachPositionCondition (its progress to within the tolerance of where the position lies along
  its route; a position off the route is refused);
- on the event's actor: ReachPositionCondition (within the tolerance of the position).
Rules greaterThan / lessThan (or equal), equalTo (two bounds EQUAL_WITHIN either side, held
together) and delays are kept; an event fires once, so a rising edge (the state before the
first tick counted as false, as esmini does) is the same as none. An act's StartTrigger starts
its events: an act starting at time 0 adds nothing; one starting on conditions gives them to
events that start with the act.
Actions: TeleportAction to an absolute position (an actor that follows lanes goes on along
the lane there; one that walks a path is refused); SpeedAction to an absolute speed (step:
taken at once; other shapes: a linear ramp at the rate, in the time or over the distance, the
same start, end and duration for cubic and sinusoidal shapes; to 0 at a rate: braking; in no
time: at 8 m/s^2) or to the ego's speed
(RelativeTargetSpeed, factor or delta, continuous, step); LaneChangeAction of 1-3 lanes
(RelativeTargetLane of the actor, or of another entity by the lanes they start in, or
AbsoluteTargetLane) in a set time; LaneOffsetAction; FollowTrajectoryAction (one per actor)
along a Polyline (of any positions, up to MAX_PATH_POINTS) or a Clothoid, its own or a
TrajectoryRef's; SynchronizeAction with the ego as master (one per actor; its targets measured
along the actor's lanes or path and the ego's route; a final AbsoluteSpeed or
RelativeSpeedToMaster reached at the target, steady states refused).
The StopTrigger's time alone is the episode's limit; each of its other condition groups
becomes an `end_scenario` event, which ends the episode as a success, but for groups of one
condition nines' own rules end every episode on: the ego's collision (a failure) and the end
of its road where its route ends there.
Events of the ego are not carried out: the run's driver drives it (`ego_events` lists them).
Anything else is refused with its file, line and element.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from lxml import etree

from sim.actor_state import MAX_PATH_POINTS
from sim.episode_spec import MAX_LANES_CHANGED, Action, ScriptedEvent, Sync, Trigger
from sim.road_geometry import Pose, Spiral
from sim.xml_reader import XmlReader

ABOVE_RULES, BELOW_RULES = ("greaterThan", "greaterOrEqual"), ("lessThan", "lessOrEqual")
STOP_AT_ONCE_MPS2 = 8.0  # a speed of 0 in no time: the hardest braking the actors do
EQUAL_WITHIN = 0.05  # an equalTo rule holds this close to its value, in the measure's unit
RAMPS = {"rate": "speed_rate", "time": "speed_time", "distance": "speed_distance"}  # by dynamicsDimension


@dataclass(frozen=True)
class Cast:
    """Who is who: the ego's name, each entity's length (m), the lane id it starts in (the
    file's id of the lane it is in, whichever way it faces; None off lanes); where a Position
    element is (x, y, heading), and how far along an entity's way it lies (m; None off it):
    the ego's route from where it starts, an actor's lanes from the start of the first; where
    the centre of a lane (by the file's id) lies left of the lane an actor follows, where it
    cannot change into it as a lane follower (None where it can); whether the road an actor
    starts on has a lane (by the file's id); whether a teleport to a pose puts an actor where it
    can go on (anywhere for a static object, on a lane for the others); whether the ego's route
    ends where its road does (no lane follows its last)."""

    ego: str
    length_m: dict[str, float]
    lane_id: dict[str, int | None]
    pose_of: Callable[[etree._Element], tuple[float, float, float]]
    progress_m: Callable[[str, etree._Element], float | None]
    offset_of: Callable[[str, int], float | None]
    has_lane: Callable[[str, int], bool]
    lands: Callable[[str, tuple[float, float, float]], bool]
    route_dead_end: bool = False


@dataclass(frozen=True)
class Story:
    """Each actor's scripted events with the path each walks (empty for most), in order, and
    the Sync of each actor that synchronizes with the ego."""

    events: dict[str, list[tuple[ScriptedEvent, tuple]]]
    syncs: dict[str, Sync]


@dataclass
class _Event:
    """An OpenSCENARIO event of one actor: its element, its act and maneuver, its actions as
    ours (with the path a trajectory walks) and their indices among the actor's scripted events."""

    element: etree._Element
    act: etree._Element
    maneuver: str
    actions: list[tuple[Action, tuple]]
    indices: list[int]


def storyboard_events(reader: XmlReader, root: etree._Element, cast: Cast) -> Story:
    """The storyboard's events and synchronizations (see the module)."""
    events: dict[str, dict[str, _Event]] = {}
    sync_elements: dict[str, etree._Element] = {}
    lanes = dict(cast.lane_id)
    for act in root.findall("Storyboard/Story/Act"):
        for group in act.findall("ManeuverGroup"):
            actors = [reader.text(e, "entityRef") for e in group.findall("Actors/EntityRef")]
            found = group.findall("Maneuver/Event")
            if not found:
                continue
            if len(actors) != 1:
                raise reader.fail(group, "must name exactly one actor for its events")
            if actors[0] == cast.ego:
                continue
            mine = events.setdefault(actors[0], {})
            for event in found:
                actions = _actions(reader, event, actors[0], cast, lanes)
                walked = [path for _, path in actions if path]
                if walked and any(path for e in mine.values() for _, path in e.actions):
                    raise reader.fail(event, f"gives {actors[0]} a second trajectory; the import walks one path per "
                                             "actor")
                kinds = {a.kind for e in mine.values() for a, _ in e.actions} | {a.kind for a, _ in actions}
                if "teleport" in kinds and "start_path" in kinds:
                    raise reader.fail(event, f"gives {actors[0]} a trajectory and a teleport; the import teleports "
                                             "actors that follow lanes or stand")
                for sync_element in event.findall("Action/PrivateAction/SynchronizeAction"):
                    if actors[0] in sync_elements:
                        raise reader.fail(sync_element, f"is a second SynchronizeAction of {actors[0]}; expected one")
                    sync_elements[actors[0]] = sync_element
                first = sum(len(e.actions) for e in mine.values())
                maneuver = event.getparent().get("name")
                indices = list(range(first, first + len(actions)))
                mine[event.get("name")] = _Event(event, act, maneuver, actions, indices)
    scripted, holds = {}, {}
    for actor, mine in events.items():
        holds[actor] = []
        scripted[actor] = [(ScriptedEvent(_trigger(reader, e, actor, mine, cast, holds[actor]), action), path)
                           for e in mine.values() for action, path in e.actions]
    stops: dict[str, list] = {}
    for group in _stop_groups(reader, root, cast):
        actor = _stop_owner(reader, group, events, cast)
        first = len(scripted.get(actor, ()))
        trigger = _conjunction(reader, group, actor, events.get(actor, {}), cast, holds.setdefault(actor, []), first)
        stops.setdefault(actor, []).append((ScriptedEvent(trigger, Action("end_scenario")), ()))
    for actor in holds:
        scripted[actor] = (scripted.get(actor, []) + [(ScriptedEvent(h, Action("hold")), ()) for h in holds[actor]]
                           + stops.get(actor, []))
    syncs = {actor: _sync(reader, element, actor, cast, events[actor]) for actor, element in sync_elements.items()}
    return Story(scripted, syncs)


def _stop_groups(reader: XmlReader, root: etree._Element, cast: Cast) -> list[list[etree._Element]]:
    """The StopTrigger's condition groups, any of which ends the scenario, less the time limit
    (a group of a time alone: the episode's limit) and groups nines' own rules cover: the
    ego's collision (a failure that ends every episode) and the end of its road where its
    route ends there (the end of the route)."""
    found = []
    for group in root.findall("Storyboard/StopTrigger/ConditionGroup"):
        conditions = group.findall("Condition")
        timed = [c for c in conditions if c.find("ByValueCondition/SimulationTimeCondition") is not None]
        if conditions == timed and len(timed) == 1:
            continue
        covered = [c for c in conditions if _covered(reader, c, cast)]
        if covered and len(conditions) > 1:
            raise reader.fail(covered[0], "ends the scenario with other conditions, but nines ends every episode on "
                                          "it alone; expected it in a group of its own")
        found += [] if covered else [conditions]
    return found


def _covered(reader: XmlReader, condition: etree._Element, cast: Cast) -> bool:
    """Whether a stop condition is one nines' own rules end every episode on (see _stop_groups)."""
    entity = condition.find("ByEntityCondition")
    if entity is None:
        return False
    triggering = [reader.text(e, "entityRef") for e in entity.findall("TriggeringEntities/EntityRef")]
    collision = entity.find("EntityCondition/CollisionCondition")
    if collision is not None:
        target = collision.find("EntityRef")
        return cast.ego in triggering or (target is not None and reader.text(target, "entityRef") == cast.ego)
    end = entity.find("EntityCondition/EndOfRoadCondition")
    if end is not None and triggering == [cast.ego]:
        if not cast.route_dead_end:
            raise reader.fail(end, "ends the scenario where the ego's road ends, but its route ends before; "
                                   "expected a route that runs to the end of the road")
        return True
    return False


def _stop_owner(reader: XmlReader, group: list[etree._Element], events: dict[str, dict[str, _Event]],
                cast: Cast) -> str:
    """The actor whose scripted event ends the scenario: the owner of the event a condition
    waits for, the actor an entity condition relates to the ego, else the first actor."""
    for condition in group:
        state = condition.find("ByValueCondition/StoryboardElementStateCondition")
        if state is not None and reader.text(state, "storyboardElementType") in ("event", "maneuver", "action"):
            kind, ref = reader.text(state, "storyboardElementType"), reader.text(state, "storyboardElementRef")
            owner = next((actor for actor, mine in events.items() if _referred(mine, kind, ref)), None)
            if owner is None:
                raise reader.fail(state, f"ends the scenario after {kind} {ref!r}, which is no actor's {kind}")
            return owner
    named = {reader.text(e, "entityRef") for c in group for e in c.iter() if e.get("entityRef") is not None}
    others = [n for n in cast.lane_id if n != cast.ego and n in named] or [n for n in cast.lane_id if n != cast.ego]
    if not others:
        raise reader.fail(group[0], "ends the scenario on a condition, but the scenario has no actor to watch it")
    return others[0]


def ego_events(root: etree._Element, ego: str) -> list[str]:
    """The names of the ego's events, which the import does not carry out."""
    return [event.get("name") for group in root.findall("Storyboard/Story/Act/ManeuverGroup")
            if [e.get("entityRef") for e in group.findall("Actors/EntityRef")] == [ego]
            for event in group.findall("Maneuver/Event")]


def _start_groups(reader: XmlReader, owner: etree._Element) -> list[list[etree._Element]]:
    """The condition groups of an element's StartTrigger, any of which starts it, without the
    conditions that always hold; none if it starts at once."""
    groups = []
    for group in owner.findall("StartTrigger/ConditionGroup"):
        conditions = [c for c in group.findall("Condition") if not _always(reader, c)]
        if not conditions:
            return []
        groups.append(conditions)
    return groups


def _always(reader: XmlReader, condition: etree._Element) -> bool:
    time = condition.find("ByValueCondition/SimulationTimeCondition")
    return (time is not None and reader.text(time, "rule") in ABOVE_RULES and reader.number(time, "value") <= 0
            and reader.number(condition, "delay", 0.0) == 0)


def _trigger(reader: XmlReader, event: _Event, actor: str, mine: dict[str, _Event], cast: Cast,
             holds: list[Trigger]) -> Trigger:
    """The trigger of an event's StartTrigger, or of its act's where the event starts with the
    act; `holds` gathers the conditions beside the first of each group (see _conjunction) and,
    for a trigger of several groups, each group's own trigger, any of which starts the event."""
    own = _start_groups(reader, event.element)
    act = _start_groups(reader, event.act)
    if act and not all(_starts_with_act(reader, c, event.act) for group in own for c in group):
        raise reader.fail(own[0][0], "starts an event of an act that starts on a condition of its own; expected "
                                     "one of the two to start at once")
    groups = act if act else own
    if not groups:
        return Trigger("time", 0.0)
    first = sum(len(e.actions) for e in mine.values())
    if len(groups) == 1:
        return _conjunction(reader, groups[0], actor, mine, cast, holds, first)
    mask = 0
    for group in groups:
        trigger = _conjunction(reader, group, actor, mine, cast, holds, first)
        mask |= 2 ** (first + len(holds))
        holds.append(trigger)
    return Trigger("after_any", float(mask))


def _conjunction(reader: XmlReader, conditions: list[etree._Element], actor: str, mine: dict[str, _Event],
                 cast: Cast, holds: list[Trigger], first: int) -> Trigger:
    """One trigger for conditions that must all hold on the same tick: the one with a delay
    (at most one may have one), else the first, waiting for the others, which are appended to
    `holds`: the actor's hold events, which come after its `first` scripted events."""
    triggers = [t for c in conditions for t in _condition(reader, c, actor, mine, cast)]
    delayed = [k for k, t in enumerate(triggers) if t.delay_s > 0]
    if len(delayed) > 1:
        raise reader.fail(conditions[-1], "has a delay beside another delayed condition of its group; expected at "
                                          "most one condition of a group with a delay")
    main = delayed[0] if delayed else 0
    mask = 0
    for k, trigger in enumerate(triggers):
        if k != main:
            mask |= 2 ** (first + len(holds))
            holds.append(trigger)
    return replace(triggers[main], with_events=mask)


def _starts_with_act(reader: XmlReader, condition: etree._Element, act: etree._Element) -> bool:
    state = condition.find("ByValueCondition/StoryboardElementStateCondition")
    return (state is not None and reader.text(state, "storyboardElementType") in ("act", "story")
            and reader.text(state, "state") in ("startTransition", "runningState"))


def _compared(reader: XmlReader, element: etree._Element, kind: str, value: float) -> list[Trigger]:
    """The triggers of `kind` a rule makes of a value: one above or below it, or for equalTo
    two: within EQUAL_WITHIN above and below."""
    rule = reader.text(element, "rule")
    if rule == "equalTo":
        return [Trigger(kind, value - EQUAL_WITHIN, False), Trigger(kind, value + EQUAL_WITHIN, True)]
    if rule not in ABOVE_RULES + BELOW_RULES:
        raise reader.fail(element, f"rule={rule!r}; expected greaterThan, greaterOrEqual, lessThan, lessOrEqual or "
                                   "equalTo")
    return [Trigger(kind, value, rule in BELOW_RULES)]


def _condition(reader: XmlReader, condition: etree._Element, actor: str, mine: dict[str, _Event],
               cast: Cast) -> list[Trigger]:
    """The triggers that must all hold for a condition (two for equalTo), its delay on the first."""
    edge = reader.text(condition, "conditionEdge", "none")
    if edge not in ("none", "rising"):
        raise reader.fail(condition, f"conditionEdge={edge!r}; expected none or rising")
    delay = reader.number(condition, "delay", 0.0)
    state = condition.find("ByValueCondition/StoryboardElementStateCondition")
    if state is not None:
        after = _state(reader, state, actor, mine)
        return [Trigger("time", delay) if after is None else Trigger(after[0], after[1], delay_s=delay)]
    first, *rest = _measure(reader, condition, actor, cast)
    if first.kind == "time":
        return [replace(first, value=first.value + delay), *rest]
    return [replace(first, delay_s=delay), *rest]


def _measure(reader: XmlReader, condition: etree._Element, actor: str, cast: Cast) -> list[Trigger]:
    """The triggers of a time or entity condition, without its delay."""
    time = condition.find("ByValueCondition/SimulationTimeCondition")
    if time is not None:
        if reader.text(time, "rule") not in ABOVE_RULES + ("equalTo",):
            raise reader.fail(time, "rule must be greaterThan (the time passes a value)")
        return [Trigger("time", reader.number(time, "value"))]
    entity = condition.find("ByEntityCondition")
    if entity is None:
        raise reader.fail(condition, "expected a SimulationTimeCondition, StoryboardElementStateCondition or an "
                                     "entity condition")
    triggering = [reader.text(e, "entityRef") for e in entity.findall("TriggeringEntities/EntityRef")]
    body = next(iter(reader.one(entity, "EntityCondition")), None)
    if len(triggering) != 1 or body is None:
        raise reader.fail(entity, "needs one triggering entity and one condition")
    who = triggering[0]
    if who not in (cast.ego, actor):
        raise reader.fail(body, f"is on {who}; the import measures the ego ({cast.ego}) or {actor}, whose event it "
                                "starts")
    if body.tag in _OWN_MEASURES:
        return _own_measure(reader, body, who == cast.ego, cast)
    return _relative_measure(reader, body, who, actor, cast)


_OWN_MEASURES = ("SpeedCondition", "AccelerationCondition", "StandStillCondition", "TraveledDistanceCondition",
                 "ReachPositionCondition", "DistanceCondition", "EndOfRoadCondition")


def _own_measure(reader: XmlReader, body: etree._Element, of_ego: bool, cast: Cast) -> list[Trigger]:
    """A condition on one entity's own motion: the ego's, or the actor's whose event it starts."""
    who = "ego" if of_ego else "actor"
    if reader.text(body, "direction", "longitudinal") != "longitudinal":
        raise reader.fail(body, f"direction={body.get('direction')!r}; the import measures along the heading "
                                "(longitudinal)")
    if body.tag == "SpeedCondition":
        return _compared(reader, body, f"{who}_speed", reader.number(body, "value"))
    if body.tag == "AccelerationCondition":
        return _compared(reader, body, f"{who}_accel", reader.number(body, "value"))
    if body.tag == "StandStillCondition":
        return [Trigger(f"{who}_still", reader.number(body, "duration"))]
    if body.tag == "EndOfRoadCondition" and not of_ego:
        return [Trigger("actor_road_end", reader.number(body, "duration"))]
    if body.tag == "EndOfRoadCondition":
        raise reader.fail(body, "is on the ego; the import reads the ego's end of road only in a StopTrigger "
                                "group of its own (where the ego's route ends with its road)")
    if body.tag == "ReachPositionCondition" and not of_ego:
        x, y, _ = cast.pose_of(reader.one(body, "Position"))
        return [Trigger("reach", reader.number(body, "tolerance"), True, x_m=x, y_m=y)]
    if body.tag == "DistanceCondition":
        return _distance_to(reader, body, of_ego, cast)
    if not of_ego:
        raise reader.fail(body, f"is on an actor; the import measures it on the ego ({cast.ego})")
    if body.tag == "TraveledDistanceCondition":
        return [Trigger("ego_progress", reader.number(body, "value"))]
    at = cast.progress_m(cast.ego, reader.one(body, "Position"))
    if at is None:
        raise reader.fail(body, "names a position off the ego's route; the import measures how far along its "
                                "route the ego has come")
    return [Trigger("ego_progress", at - reader.number(body, "tolerance"))]


def _distance_to(reader: XmlReader, body: etree._Element, of_ego: bool, cast: Cast) -> list[Trigger]:
    """A DistanceCondition: the entity's distance to a position, centre to point (freespace
    false) or box to point (freespace true); the ego's along its route where measured
    longitudinally in road coordinates."""
    freespace = reader.text(body, "freespace") not in ("false", "0")
    kind = reader.text(body, "relativeDistanceType", "cartesianDistance")
    along = kind == "longitudinal" and reader.text(body, "coordinateSystem", "entity") in ("road", "lane")
    if kind not in ("cartesianDistance", "euclidianDistance") and not (along and of_ego):
        raise reader.fail(body, f"relativeDistanceType={kind!r}; expected cartesianDistance (or, for the ego, "
                                "longitudinal in road coordinates: along its route)")
    if along and freespace:
        raise reader.fail(body, "freespace=true along the ego's route; the import measures along its route from "
                                "the ego's centre (freespace false)")
    position = reader.one(body, "Position")
    if not along:
        x, y, _ = cast.pose_of(position)
        measure = ("ego_reach" if of_ego else "reach") + ("_box" if freespace else "")
        return [replace(t, x_m=x, y_m=y) for t in _compared(reader, body, measure, reader.number(body, "value"))]
    at = cast.progress_m(cast.ego, position)
    if at is None:
        raise reader.fail(body, "names a position off the ego's route; the import measures along its route")
    # the distance left falls below a value as the ego's progress rises above the point less it
    return [replace(t, value=at - t.value, below=not t.below)
            for t in _compared(reader, body, "ego_progress", reader.number(body, "value"))]


def _relative_measure(reader: XmlReader, body: etree._Element, who: str, actor: str, cast: Cast) -> list[Trigger]:
    """A condition relating the ego and the actor whose event it starts."""
    other = _other_entity(reader, body)
    if {who, other} != {cast.ego, actor}:
        raise reader.fail(body, f"must relate the ego ({cast.ego}) and {actor}, whose event it starts")
    if body.tag == "CollisionCondition":
        return [Trigger("distance", 0.0, True)]
    value = reader.number(body, "value")
    if body.tag == "RelativeDistanceCondition":
        if reader.text(body, "freespace", "false") in ("false", "0"):
            value -= 0.5 * (cast.length_m[cast.ego] + cast.length_m[actor])  # centre to centre, along the lane
        return _compared(reader, body, "distance", max(value, 0.0))
    if body.tag == "TimeToCollisionCondition":
        return _compared(reader, body, "ttc", value)
    if body.tag == "TimeHeadwayCondition":
        free = reader.text(body, "freespace", "false") not in ("false", "0")
        if who != cast.ego and free:
            raise reader.fail(body, f"is {who}'s headway with freespace; the import measures an actor's headway to "
                                    "the ego centre to centre (freespace false)")
        return _compared(reader, body, "actor_headway" if who != cast.ego else "free_headway" if free else "headway",
                         value)
    if body.tag == "RelativeSpeedCondition":
        if who == cast.ego:  # the ego's speed less the actor's: the actor's less the ego's, negated
            return [replace(t, value=-t.value, below=not t.below)
                    for t in _compared(reader, body, "relative_speed", value)]
        return _compared(reader, body, "relative_speed", value)
    raise reader.fail(body, "is not a condition the import evaluates; see `nines import-scenario --check`")


def _other_entity(reader: XmlReader, body: etree._Element) -> str:
    if body.tag == "TimeToCollisionCondition":
        return reader.text(reader.one(body, "TimeToCollisionConditionTarget/EntityRef"), "entityRef")
    if body.tag == "CollisionCondition":
        target = body.find("EntityRef")
        if target is None:
            raise reader.fail(body, "names a type of entity; the import reads a collision of the ego with an actor "
                                    "(EntityRef), or the ego's with anything in a StopTrigger")
        return reader.text(target, "entityRef")
    return reader.text(body, "entityRef")


def _referred(mine: dict[str, _Event], kind: str, ref: str) -> list[int]:
    """The indices of the scripted events of `mine` an event, maneuver or action reference names
    (an action by its name or as esmini writes it, event::action)."""
    if kind != "action":
        return [k for name, e in mine.items() if (name if kind == "event" else e.maneuver) == ref for k in e.indices]
    event_name, _, action_name = ref.rpartition("::")
    found = []
    for name, event in mine.items():
        names = [a.get("name") for a in event.element.findall("Action")]
        if action_name in names and event_name in ("", name):
            # an event whose actions became fewer scripted ones (a walk and its pace) is waited for whole
            found += [event.indices[names.index(action_name)]] if len(names) == len(event.indices) else event.indices
    return found


def _state(reader: XmlReader, state: etree._Element, actor: str, mine: dict[str, _Event]
           ) -> tuple[str, float] | None:
    """(trigger kind, bit mask of the actor's scripted events it waits for) of a
    StoryboardElementStateCondition: "after" their start, "after_end" their end; None for the
    start of the act, story or maneuver (at once)."""
    kind, ref, when = (reader.text(state, "storyboardElementType"), reader.text(state, "storyboardElementRef"),
                       reader.text(state, "state"))
    starts = when in ("startTransition", "runningState")
    if kind in ("act", "story", "maneuver") and starts:
        return None  # the event's own act has started, or it would not be evaluated
    if kind not in ("event", "maneuver", "action"):
        raise reader.fail(state, f"refers to a {kind}'s {when}; expected the start of an act or story, or an event, "
                                 "maneuver or action")
    referred = _referred(mine, kind, ref)
    if not referred:
        known = sorted({e.maneuver if kind == "maneuver" else name for name, e in mine.items()})
        raise reader.fail(state, f"refers to {kind} {ref!r}, which is no {kind} of {actor}; expected one of "
                                 f"{', '.join(known)}" + (" (or their actions)" if kind == "action" else ""))
    if not starts and when not in ("endTransition", "completeState"):
        raise reader.fail(state, f"state={when!r}; expected startTransition, runningState, endTransition or "
                                 "completeState")
    return ("after" if starts else "after_end"), float(sum(2 ** k for k in referred))


def _actions(reader: XmlReader, event: etree._Element, actor: str, cast: Cast,
             lanes: dict[str, int | None]) -> list[tuple[Action, tuple]]:
    """(action, path) of each action of an event; a path only for walking a trajectory."""
    custom = [c for c in event.iter("CustomCommandAction") if reader.text(c, "type").startswith("nines:")]
    if custom:
        return [(Action(reader.text(c, "type")[len("nines:"):], *(float(v) for v in (c.text or "0").split())), ())
                for c in custom]
    found: list[tuple[Action, tuple]] = []
    for element in event.findall("Action"):
        category = next(iter(element), element)
        if category.tag != "PrivateAction":  # a GlobalAction (weather, traffic) or another tool's command
            raise reader.fail(category, f"is not an action the import carries out for {actor}; expected a "
                                        "PrivateAction (or nines' own CustomCommandAction)")
        for action in category:
            if action.tag == "SynchronizeAction":
                found.append((Action("synchronize"), ()))
            elif action.tag == "TeleportAction":
                found.append((_teleport(reader, action, actor, cast), ()))
            elif action.tag in ("LongitudinalAction", "LateralAction", "RoutingAction"):
                found.extend(_private_action(reader, body, actor, cast, lanes) for body in action)
            else:
                raise reader.fail(action, f"is not an action the import carries out for {actor}; expected a "
                                          "SpeedAction, LaneChangeAction, LaneOffsetAction, FollowTrajectoryAction, "
                                          "TeleportAction or SynchronizeAction")
    walking = [k for k, (a, _) in enumerate(found) if a.kind == "start_path"]
    paces = [a.value for a, _ in found if a.kind in ("set_speed", "jump_speed", *RAMPS.values())]
    if walking and paces:  # nines' export walks a path at the pace of the SpeedAction beside it
        k = walking[0]
        found = [(Action("start_path", paces[0]), found[k][1])]
    return found


def _private_action(reader: XmlReader, body: etree._Element, actor: str, cast: Cast,
                    lanes: dict[str, int | None]) -> tuple[Action, tuple]:
    if body.tag == "SpeedAction":
        return _speed(reader, body, cast), ()
    if body.tag == "LaneChangeAction":
        return _lane_change(reader, body, actor, lanes, cast), ()
    if body.tag == "LaneOffsetAction":
        return Action("drift", reader.number(reader.one(body, "LaneOffsetTarget/AbsoluteTargetLaneOffset"),
                                             "value")), ()
    if body.tag == "FollowTrajectoryAction":
        points, pace = trajectory_path(reader, body, cast.pose_of)
        return Action("start_path", pace), walkable(reader, body, points)
    raise reader.fail(body, f"is not an action the import carries out for {actor}; expected SpeedAction, "
                            "LaneChangeAction, LaneOffsetAction or FollowTrajectoryAction")


def _teleport(reader: XmlReader, element: etree._Element, actor: str, cast: Cast) -> Action:
    """A TeleportAction of an actor to an absolute position (relative ones are refused: the
    entity they refer to moves)."""
    x, y, yaw = cast.pose_of(reader.one(element, "Position"))
    if not cast.lands(actor, (x, y, yaw)):
        raise reader.fail(element, f"puts {actor} off every lane of the map; the import teleports a vehicle or "
                                   "walker onto a lane, where it goes on")
    return Action("teleport", x_m=x, y_m=y, yaw_rad=yaw)


def trajectory_path(reader: XmlReader, body: etree._Element, pose_of: Callable[[etree._Element], tuple]
                    ) -> tuple[tuple[tuple[float, float], ...], float]:
    """A FollowTrajectoryAction's trajectory (its own, or its TrajectoryRef's) as points (x, y)
    and the pace its times give (m/s: its length over its time span, a Timing's scale applied;
    1.4, a walk, without times): a Polyline's vertices, or a Clothoid drawn from its position's
    pose with MAX_PATH_POINTS points."""
    trajectory = body.find("Trajectory")
    shape = reader.one(body.find("TrajectoryRef") if trajectory is None else body, "Trajectory/Shape")
    polyline, clothoid = shape.find("Polyline"), shape.find("Clothoid")
    if polyline is not None:
        vertices = polyline.findall("Vertex")
        points = tuple(pose_of(reader.one(v, "Position"))[:2] for v in vertices)
        times = [reader.number(v, "time", 0.0) for v in vertices]
    elif clothoid is not None:
        points = _clothoid_points(reader, clothoid, pose_of(reader.one(clothoid, "Position")))
        times = [reader.number(clothoid, "startTime", 0.0), reader.number(clothoid, "stopTime", 0.0)]
    else:
        raise reader.fail(shape, "expected a Polyline or a Clothoid")
    length = sum(math.dist(a, b) for a, b in zip(points, points[1:]))
    timing = body.find("TimeReference/Timing")
    span = (times[-1] - times[0]) * (1.0 if timing is None else reader.number(timing, "scale", 1.0))
    return points, length / span if span > 0 else 1.4


def walkable(reader: XmlReader, element: etree._Element, points: tuple) -> tuple:
    """An actor's path points, refused on element where they are more than its path holds."""
    if len(points) > MAX_PATH_POINTS:
        raise reader.fail(element, f"has {len(points)} points; an actor's path holds at most {MAX_PATH_POINTS}")
    return points


def _clothoid_points(reader: XmlReader, clothoid: etree._Element, start: tuple) -> tuple[tuple[float, float], ...]:
    """MAX_PATH_POINTS points evenly along a Clothoid from its start pose (x, y, heading):
    curvature changing at curvaturePrime (1.0's curvatureDot) per metre."""
    rate = reader.number(clothoid, "curvaturePrime", reader.number(clothoid, "curvatureDot", 0.0))
    curvature, length = reader.number(clothoid, "curvature"), reader.number(clothoid, "length")
    if length <= 0:
        raise reader.fail(clothoid, f"length={length}; expected a positive length (m)")
    spiral = Spiral(Pose(*start), length, curvature, curvature + rate * length)
    x, y, _ = spiral.poses_at(np.linspace(0.0, length, MAX_PATH_POINTS))
    return tuple(zip(x.tolist(), y.tolist()))


def _speed(reader: XmlReader, body: etree._Element, cast: Cast) -> Action:
    dynamics = reader.one(body, "SpeedActionDynamics")
    step = reader.text(dynamics, "dynamicsShape") == "step" or reader.number(dynamics, "value") == 0
    relative = body.find("SpeedActionTarget/RelativeTargetSpeed")
    if relative is not None:
        if reader.text(relative, "entityRef") != cast.ego:
            raise reader.fail(relative, f"is relative to {relative.get('entityRef')}; the import follows the ego's "
                                        f"({cast.ego}) speed only")
        if reader.text(relative, "continuous", "false") not in ("true", "1") or not step:
            raise reader.fail(relative, "must be continuous with a step shape (the ego's speed taken at once and "
                                        "followed)")
        times = reader.text(relative, "speedTargetValueType") == "factor"
        return Action("ego_speed_times" if times else "ego_speed_plus", reader.number(relative, "value"))
    speed = reader.number(reader.one(body, "SpeedActionTarget/AbsoluteTargetSpeed"), "value")
    if step:
        return Action("jump_speed", speed) if speed > 0 else Action("brake", STOP_AT_ONCE_MPS2)
    amount = abs(reader.number(dynamics, "value"))  # files write a deceleration with either sign
    dimension = reader.text(dynamics, "dynamicsDimension")
    if dimension not in RAMPS:
        raise reader.fail(dynamics, f"dynamicsDimension={dimension!r}; expected rate, time or distance")
    if speed == 0 and dimension == "rate":
        return Action("brake", amount)
    return Action(RAMPS[dimension], speed, over=amount)


def _lane_change(reader: XmlReader, body: etree._Element, actor: str, lanes: dict[str, int | None],
                 cast: Cast) -> Action:
    """Lanes to the left or right; `lanes` tracks each actor's lane id through its changes. An
    actor driving beside the lane it follows (in a lane of the other way, facing this way), or
    changing into a lane of the other way, drifts across to it instead (Cast.offset_of)."""
    target = next(iter(reader.one(body, "LaneChangeTarget")), None)
    if target is None or target.tag not in ("RelativeTargetLane", "AbsoluteTargetLane"):
        raise reader.fail(body, "has no RelativeTargetLane or AbsoluteTargetLane")
    here = lanes.get(actor)
    if here is None:
        raise reader.fail(target, f"names a lane, but {actor} starts on no lane")
    value = int(reader.number(target, "value"))
    wanted = value
    if target.tag == "RelativeTargetLane":
        base = lanes.get(reader.text(target, "entityRef"))
        if base is None:
            raise reader.fail(target, "names a lane relative to an entity that starts on no lane")
        wanted = _lanes_left(base, value)
    dynamics = reader.one(body, "LaneChangeActionDynamics")
    if reader.text(dynamics, "dynamicsDimension") != "time":
        raise reader.fail(dynamics, "dynamicsDimension must be time (a lane change of set duration)")
    duration = reader.number(dynamics, "value")
    if not cast.has_lane(actor, wanted):
        raise reader.fail(target, f"takes {actor} to lane {wanted}, which the road it is on does not have")
    drift = cast.offset_of(actor, wanted)
    if drift is not None:
        lanes[actor] = wanted
        return Action("drift", drift, over=duration)
    left = wanted - here if here < 0 else here - wanted  # lane ids grow leftwards on the right-hand side
    left -= int(math.copysign(1, left)) if wanted * here < 0 else 0  # no lane 0 between the two sides
    if not 1 <= abs(left) <= MAX_LANES_CHANGED:
        raise reader.fail(target, f"moves {left} lanes; expected 1 to {MAX_LANES_CHANGED} lanes left or right")
    lanes[actor] = wanted
    return Action("change_lane", math.copysign(duration, left), over=float(abs(left)) if abs(left) > 1 else 0.0)


def _lanes_left(lane_id: int, count: int) -> int:
    """The id of the lane `count` lanes left of lane_id, left in its driving direction (there is
    no lane 0 between the two ways)."""
    wanted = lane_id + count if lane_id < 0 else lane_id - count
    if wanted * lane_id <= 0:
        wanted += 1 if lane_id < 0 else -1
    return wanted


def _sync(reader: XmlReader, element: etree._Element, actor: str, cast: Cast, mine: dict[str, _Event]) -> Sync:
    """A SynchronizeAction with the ego as master: where the actor and the ego must be, along
    their ways, at the same time, and the final speed."""
    if reader.text(element, "masterEntityRef") != cast.ego:
        raise reader.fail(element, f"has master {element.get('masterEntityRef')}; the import synchronizes with the "
                                   f"ego ({cast.ego}) only")
    ego_at = cast.progress_m(cast.ego, reader.one(element, "TargetPositionMaster"))
    if ego_at is None:
        raise reader.fail(element, "has a TargetPositionMaster off the ego's route")
    target = reader.one(element, "TargetPosition")
    path = next((p for e in mine.values() for _, p in e.actions if p), ())
    at = _along_path(path, cast.pose_of(target)) if path else cast.progress_m(actor, target)
    if at is None:
        raise reader.fail(element, f"has a TargetPosition off {actor}'s lanes")
    final_times, final_plus = 0.0, None
    final = element.find("FinalSpeed/*")
    if final is not None:
        if len(final):
            raise reader.fail(final[0], "is a steady state before the target; the import reaches the final speed at "
                                        "the target")
        if final.tag == "AbsoluteSpeed":
            final_plus = reader.number(final, "value")
        else:  # RelativeSpeedToMaster
            times = reader.text(final, "speedTargetValueType") == "factor"
            final_times, final_plus = (reader.number(final, "value"), 0.0) if times else (
                1.0, reader.number(final, "value"))
    return Sync(at, ego_at, reader.number(element, "targetTolerance", 1.0),
                reader.number(element, "targetToleranceMaster", 1.0), final_times, final_plus)


def _along_path(path: tuple, pose: tuple[float, float, float]) -> float:
    """How far along a polyline path the point nearest the pose lies (m)."""
    best, best_d, before = 0.0, float("inf"), 0.0
    for a, b in zip(path, path[1:]):
        length = math.dist(a, b)
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((pose[0] - a[0]) * (b[0] - a[0])
                                                       + (pose[1] - a[1]) * (b[1] - a[1])) / length ** 2))
        d = math.dist(pose[:2], (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
        if d < best_d:
            best, best_d = before + t * length, d
        before += length
    return best
