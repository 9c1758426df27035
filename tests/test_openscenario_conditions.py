"""Relative positions, catalog maneuvers, the conditions on one entity's motion (speed,
acceleration, standing still) and groups of conditions that must all hold: a scenario written
here (xosc_features.CONDITIONS) imports to the placements and triggers it says, and driven by
the expert every event fires on the tick its conditions first all hold, measured independently
from the world's state each tick."""
from __future__ import annotations

import math
import re

import pytest
import torch
from lxml import etree
from scipy.integrate import quad

from planner.expert import ExpertDriver
from scenarios.openscenario import export_episode
from scenarios.openscenario_files import ScenarioImportError
from scenarios.openscenario_import import import_xosc
from scenarios.openscenario_storyboard import trajectory_path
from sim.episode_spec import Action, ActorSpec, EpisodeSpec, ScriptedEvent, Trigger
from sim.actor_kinds import ActorKind
from sim.actor_state import MAX_PATH_POINTS
from sim.ego_dynamics import EGO_LENGTH_M, EGO_WIDTH_M
from sim.ground_truth import ground_truth
from sim.world import OUTCOMES, BatchedWorld, WorldConfig
from sim.xml_reader import XmlReader
from xosc_features import CONDITIONS, KERB, MANEUVERS, SCENARIO, speed_xml, write_conditions, write_cut_in

WALKER, LEAD, JOGGER = 0, 1, 4
HERO_Y = -1.75  # the centre of lane -1


def test_relative_positions_and_a_catalog_maneuver_import_as_the_file_says(tmp_path):
    spec = import_xosc(write_conditions(tmp_path))
    walker, lead, post, sign, jogger = spec.actors
    # an Init FollowTrajectoryAction and no TeleportAction: at the start of the trajectory, heading along it
    assert (jogger.motion, jogger.path, jogger.x_m, jogger.y_m, jogger.yaw_rad, jogger.speed_mps) == (
        "path", ((50.0, -9.0), (80.0, -9.0)), 50.0, -9.0, 0.0, 0.0)
    # a StartTrigger of two groups: a hold event each, either of which starts the jog
    assert [(e.trigger.kind, e.trigger.value, e.action.kind) for e in jogger.events] == [
        ("after_any", 2 ** 1 + 2 ** 2, "jump_speed"), ("time", 6.0, "hold"), ("ego_progress", 20.0, "hold")]
    assert spec.ego_s_m == pytest.approx(10.0)
    # RelativeObjectPosition: 60 m ahead of the hero and 6 m to its left, turned by -1.5 rad
    assert (walker.x_m, walker.y_m, walker.yaw_rad) == (pytest.approx(70.0), pytest.approx(HERO_Y + 6), -1.5)
    # RelativeLanePosition: one lane to the right (lane -2), 30 m further along the road
    assert (lead.lanes[0], lead.s_m, lead.offset_m) == ((1, -2), pytest.approx(40.0), pytest.approx(0.0, abs=1e-6))
    # RelativeRoadPosition: 100 m further, 9 m further right of the reference line
    assert (post.x_m, post.y_m) == (pytest.approx(110.0), pytest.approx(HERO_Y - 9))
    # RelativeWorldPosition with an absolute heading
    assert (sign.x_m, sign.y_m, sign.yaw_rad) == (pytest.approx(160.0), pytest.approx(HERO_Y + 12), 2.0)
    # the catalog's maneuver with the reference's rate; equalTo as two bounds; the conditions
    # beside the first of a group as hold events after the actor's own
    assert [(e.trigger.kind, e.trigger.value, e.trigger.is_below, e.trigger.with_events, e.action.kind, e.action.value,
             e.action.over) for e in lead.events[:-1]] == [
        ("time", 1.0, False, 2 ** 3, "brake", 4.0, 0.0),
        ("actor_still", 1.5, False, 0, "speed_rate", 8.0, 2.0),  # a linear SpeedAction at 2 m/s^2
        ("actor_speed", pytest.approx(7.95), False, 2 ** 4 | 2 ** 5, "drift", 0.3, 0.0),
        ("ego_progress", 25.0, False, 0, "hold", 0.0, 0.0),
        ("actor_speed", pytest.approx(8.05), True, 0, "hold", 0.0, 0.0),
        ("actor_accel", -0.1, False, 0, "hold", 0.0, 0.0),
        ("after", 2 ** 2, False, 0, "hold", 0.0, 0.0)]
    stop = lead.events[-1]
    # (the ego's collision and the end of its road end every nines episode: no event for them)
    assert (stop.trigger.kind, stop.trigger.delay_s, stop.trigger.with_events, stop.action.kind) == (
        "ego_speed", 1.0, 2 ** 6, "end_scenario")
    assert [(e.trigger.kind, e.trigger.value, e.trigger.is_below, e.trigger.with_events, e.trigger.x_m)
            for e in walker.events] == [("time", 1.0, False, 2 ** 3, 0.0), ("reach", 5.0, False, 0, 70.0),
                                        ("ego_reach", 20.0, True, 0, 170.0), ("ego_accel", 0.05, True, 0, 0.0)]


def _drive(spec, seconds):
    """Per tick: time, fired [N, E], the ego's progress, the ego's and the lead's speeds, the outcome."""
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=len(spec.actors), maps=(spec.template,)))
    world.load(0, spec)
    driver, ticks = ExpertDriver(), []
    while bool(world.running[0]) and float(world.stats.time_s[0]) < seconds:
        world.step(driver.act(world.observe(camera=False), ground_truth(world, False, False)).control)
        ticks.append(dict(time=float(world.stats.time_s[0]), fired=world.actors.fired[0].clone(),
                          progress=float(world.stats.km[0]) * 1000.0, ego_speed=float(world.ego.speed_mps[0]),
                          lead_speed=float(world.actors.speed_mps[0, LEAD]),
                          walker_xy=(float(world.actors.x_m[0, WALKER]), float(world.actors.y_m[0, WALKER])),
                          jogger_xy=(float(world.actors.x_m[0, JOGGER]), float(world.actors.y_m[0, JOGGER])),
                          ego_xy=(float(world.ego.x_m[0]), float(world.ego.y_m[0])),
                          ego_yaw=float(world.ego.yaw_rad[0]), walker_yaw=float(world.actors.yaw_rad[0, WALKER]),
                          outcome=OUTCOMES[int(world.stats.outcome[0])]))
    world.close()
    return ticks


def _first(ticks, actor, event):
    return next(k for k, tick in enumerate(ticks) if bool(tick["fired"][actor, event]))


def test_driven_each_group_fires_on_the_first_tick_all_its_conditions_hold(tmp_path):
    spec = import_xosc(write_conditions(tmp_path))
    ticks = _drive(spec, 40.0)
    dt = ticks[1]["time"] - ticks[0]["time"]
    speeds = [spec.ego_speed_mps] + [t["ego_speed"] for t in ticks]
    lead_speeds = [spec.actors[LEAD].speed_mps] + [t["lead_speed"] for t in ticks]
    # the lead brakes once the time has passed 1 s and the ego has come 25 m (as the tick starts)
    brake = _first(ticks, LEAD, 0)
    both = [k for k in range(1, len(ticks)) if ticks[k]["time"] >= 1.0 and ticks[k - 1]["progress"] >= 25.0]
    assert brake == both[0] and ticks[brake]["time"] > 1.0 + dt  # the distance, not the time, came last
    # it sets off again once it has stood still for 1.5 s
    stopped = next(k for k in range(brake, len(ticks)) if ticks[k]["lead_speed"] < 0.01)
    go = _first(ticks, LEAD, 1)
    assert all(t["lead_speed"] < 0.01 for t in ticks[stopped:go + 1])
    # (the still time is a float32 sum of ticks: it reaches 1.5 s on the 30th tick or, rounded down, the 31st)
    assert ticks[go]["time"] - ticks[stopped]["time"] + dt == pytest.approx(1.5, abs=1.01 * dt)
    # from the tick after, it speeds up at exactly 2 m/s^2 until it has 8 m/s
    ramp = [lead_speeds[k + 1] - lead_speeds[k] for k in range(go + 1, len(ticks)) if lead_speeds[k] < 8.0 - 1e-4]
    assert len(ramp) == round(8.0 / (2.0 * dt)) and ramp == pytest.approx([2.0 * dt] * len(ramp), abs=1e-4)
    # it drifts on the first tick its speed is 8 m/s (within 0.05) and its acceleration above -0.1 m/s^2
    cruise = _first(ticks, LEAD, 2)
    holds = [k for k in range(len(ticks)) if abs(lead_speeds[k + 1] - 8.0) <= 0.05
             and (lead_speeds[k + 1] - lead_speeds[k]) / dt > -0.1]
    assert cruise == holds[0]
    # the walker sets off once 1 s has passed and the ego's acceleration has fallen below 0.05 m/s^2
    stroll = _first(ticks, WALKER, 0)
    calm = [k for k in range(len(ticks)) if ticks[k]["time"] >= 1.0 and (speeds[k + 1] - speeds[k]) / dt < 0.05]
    assert stroll == calm[0]
    # it walks faster once 5 m from where it stood, and stops as the ego comes within 20 m of (170, 4.25)
    brisk = _first(ticks, WALKER, 1)
    assert brisk == next(k for k, t in enumerate(ticks) if math.dist(t["walker_xy"], (70.0, 4.25)) >= 5.0)
    halt = _first(ticks, WALKER, 2)
    assert halt == next(k for k, t in enumerate(ticks) if math.dist(t["ego_xy"], (170.0, 4.25)) <= 20.0)
    # the jogger stands at the start of its trajectory until its speed action, the tick after the first of its
    # two groups held (the ego's 20 m, as the tick starts, before the 6 s), then runs it at 3 m/s
    jog, travelled = _first(ticks, JOGGER, 0), _first(ticks, JOGGER, 2)
    assert travelled == next(k for k in range(1, len(ticks)) if ticks[k - 1]["progress"] >= 20.0)
    assert jog == travelled + 1 and ticks[jog]["time"] < 6.0 and ticks[jog - 1]["jogger_xy"] == (50.0, -9.0)
    assert ticks[jog + 10]["jogger_xy"][0] - ticks[jog]["jogger_xy"][0] == pytest.approx(30 * dt, abs=1e-4)
    # 1 s after the lead's drift has started (an event's start is seen the tick after it) with the ego faster
    # than 5 m/s, the scenario ends: a success
    seen = next(k for k in range(cruise + 1, len(ticks)) if ticks[k]["ego_speed"] > 5.0)
    assert ticks[-1]["outcome"] == "success"
    assert ticks[-1]["time"] - ticks[seen]["time"] == pytest.approx(1.0, abs=1.01 * dt)


@pytest.mark.parametrize("kind, start_mps, target_mps, over", [
    ("speed_time", 4.0, 10.0, 2.0),  # 3 m/s^2 for 2 s
    ("speed_distance", 10.0, 0.0, 20.0),  # 2.5 m/s^2 for 20 m
    ("speed_rate", 6.0, 2.0, 1.0)])
def test_a_speed_ramp_reaches_its_speed_in_the_time_or_distance_it_names(kind, start_mps, target_mps, over):
    lead = ActorSpec(ActorKind.CAR, motion="lane", lanes=((1, -2),), s_m=10.0, speed_mps=start_mps,
                     events=(ScriptedEvent(Trigger("time", 0.0), Action(kind, target_mps, over=over)),))
    spec = EpisodeSpec("straight", "main", seed=0, ego_speed_mps=0.0, actors=(lead,))
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=1, maps=("straight",)))
    world.load(0, spec)
    dt, speeds, s = world.config.dt_s, [], []
    for _ in range(120):
        world.step(world.ego.speed_mps.new_tensor([[0.0, 0.0, 1.0]]))
        speeds.append(float(world.actors.speed_mps[0, 0]))
        s.append(float(world.actors.s_m[0, 0]))
    world.close()
    rate = {"speed_time": abs(target_mps - start_mps) / over, "speed_rate": over,
            "speed_distance": abs(target_mps ** 2 - start_mps ** 2) / (2 * over)}[kind]
    reached = next(k for k, v in enumerate(speeds) if abs(v - target_mps) < 1e-4)  # fired on tick 0, ramps from 1
    assert reached * dt == pytest.approx(abs(target_mps - start_mps) / rate, abs=1.01 * dt)
    assert all(abs(v - target_mps) < 1e-3 for v in speeds[reached:])  # then IDM keeps it
    if kind == "speed_distance":  # it stops within a tick's travel of 20 m on
        assert s[reached] - s[0] == pytest.approx(over, abs=start_mps * dt)


def test_the_ego_s_acceleration_and_standing_still_are_measured_each_tick():
    watcher = ActorSpec(ActorKind.BARRIER, x_m=200.0, y_m=20.0, events=(
        ScriptedEvent(Trigger("ego_accel", -3.0, True), Action("hold")),
        ScriptedEvent(Trigger("ego_still", 1.0), Action("hold"))))
    spec = EpisodeSpec("straight", "main", seed=0, ego_speed_mps=5.0, actors=(watcher,))
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=1, maps=("straight",)))
    world.load(0, spec)
    dt, speeds, fired = world.config.dt_s, [5.0], []
    brake = world.ego.speed_mps.new_tensor([[0.0, 0.0, 1.0]])
    for _ in range(60):
        world.step(brake)
        speeds.append(float(world.ego.speed_mps[0]))
        fired.append(world.actors.fired[0, 0].tolist())
    world.close()
    hard = [k for k in range(60) if (speeds[k + 1] - speeds[k]) / dt <= -3.0]
    assert next(k for k, f in enumerate(fired) if f[0]) == hard[0] == 0
    stopped = next(k for k in range(60) if speeds[k + 1] < 0.01)
    still = next(k for k, f in enumerate(fired) if f[1])
    assert (still - stopped + 1) * dt == pytest.approx(1.0, abs=1.01 * dt) and math.isclose(speeds[still + 1], 0.0)


def test_the_conditions_exported_and_imported_back_drive_the_same(tmp_path):
    spec = import_xosc(write_conditions(tmp_path))
    _, xosc = export_episode(spec, tmp_path / "again", "conditions")
    back = import_xosc(xosc)
    assert [a.events for a in back.actors] == [a.events for a in spec.actors]
    driven = [[(t["time"], t["fired"].tolist(), t["lead_speed"]) for t in _drive(one, 40.0)] for one in (spec, back)]
    assert driven[0] == driven[1]


REFUSED = [
    ('<EndOfRoadCondition duration="0"/>', '<EndOfRoadCondition duration="0"/></EntityCondition></ByEntityCondition>'
     '</Condition><Condition name="t" delay="0" conditionEdge="none"><ByValueCondition><SimulationTimeCondition '
     'value="3" rule="greaterThan"/></ByValueCondition></Condition><Condition name="x" delay="0" conditionEdge="none">'
     '<ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="hero"/>'
     '</TriggeringEntities><EntityCondition><StandStillCondition duration="1"/>',
     "ends the scenario with other conditions, but nines ends every episode on it alone"),
    ('<TraveledDistanceCondition value="25"/>', '<EndOfRoadCondition duration="1.5"/>',
     "is on the ego; the import reads the ego's end of road only in a StopTrigger group of its own"),
    ('<SpeedCondition value="8" rule="equalTo"/>', '<SpeedCondition value="8" rule="equalTo" direction="lateral"/>',
     "direction='lateral'; the import measures along the heading"),
    ('<AccelerationCondition value="0.05" rule="lessThan"/>', '<CollisionCondition><ByType type="vehicle"/>'
     '</CollisionCondition>', "names a type of entity; the import reads a collision of the ego with an actor"),
    ('RelativeLanePosition entityRef="hero"', 'RelativeLanePosition entityRef="nobody"',
     "is relative to nobody, which the Init does not place"),
    ('RelativeObjectPosition entityRef="hero"', 'RelativeObjectPosition entityRef="lead"', None),
    ('<DistanceCondition value="20" freespace="false" rule="lessThan">', '<DistanceCondition value="20" '
     'freespace="true" rule="lessThan" relativeDistanceType="longitudinal" coordinateSystem="road">',
     "freespace=true along the ego's route; the import measures along its route from the ego's centre"),
    ('value="2.0" dynamicsDimension="rate"', 'value="2.0" dynamicsDimension="speed"',
     "dynamicsDimension='speed'; expected rate, time or distance"),
    ('<WorldPosition x="90" y="4.25"/>', '<RelativeWorldPosition entityRef="hero" dx="3" dy="0"/>',
     "is relative to hero, which moves; the import reads relative positions in the Init only"),
]


@pytest.mark.parametrize("old, new, message", REFUSED)
def test_what_the_conditions_cannot_honour_is_refused_with_its_line(old, new, message, tmp_path):
    assert old in CONDITIONS + MANEUVERS
    document, maneuvers = CONDITIONS.replace(old, new, 1), MANEUVERS.replace(old, new, 1)
    if message is None:  # the walker relative to the lead, the lead to the hero: placed in that order
        walker = import_xosc(write_conditions(tmp_path, document, maneuvers)).actors[WALKER]
        assert (walker.x_m, walker.y_m) == (pytest.approx(40.0 + 60.0), pytest.approx(-5.25 + 6.0))
        document = document.replace('RelativeLanePosition entityRef="hero"', 'RelativeLanePosition entityRef="walker"')
        message = "the Init places walker -> lead -> walker each relative to the next"
    path = write_conditions(tmp_path, document, maneuvers)
    with pytest.raises(ScenarioImportError) as raised:
        import_xosc(path)
    text = str(raised.value)
    assert message in text and "\n" not in text and text.startswith(f"{path}"), text


def _hero_on_trajectory(*points: tuple[float, float]) -> str:
    """CONDITIONS with the hero placed by an Init trajectory through points instead of a teleport."""
    vertices = "".join(f'<Vertex><Position><WorldPosition x="{x}" y="{y}"/></Position></Vertex>' for x, y in points)
    follow = (f'<RoutingAction><FollowTrajectoryAction><Trajectory closed="false" name="drive"><ParameterDeclarations/>'
              f'<Shape><Polyline>{vertices}</Polyline></Shape></Trajectory><TimeReference><None/></TimeReference>'
              '<TrajectoryFollowingMode followingMode="follow"/></FollowTrajectoryAction></RoutingAction>')
    teleport = ('<TeleportAction><Position><LanePosition roadId="1" laneId="-1" s="10" offset="0.0"/></Position>'
                '</TeleportAction>')
    assert CONDITIONS.count(teleport) == 1
    return CONDITIONS.replace(teleport, follow)


def test_the_ego_s_init_trajectory_is_its_route_and_one_its_lanes_cannot_join_is_refused(tmp_path):
    spec = import_xosc(write_conditions(tmp_path, _hero_on_trajectory((10.0, HERO_Y), (200.0, HERO_Y))))
    assert (spec.ego_s_m, spec.route_lanes) == (pytest.approx(10.0), ((1, -1),))
    path = write_conditions(tmp_path / "back", _hero_on_trajectory((10.0, HERO_Y), (200.0, HERO_Y), (100.0, 1.75)))
    with pytest.raises(ScenarioImportError, match=r"cut_in.xosc:\d+: <RoutingAction> cannot be reached from the "
                                                  r"point before it"):
        import_xosc(path)


def test_an_actor_s_headway_to_the_ego_is_measured_along_the_actor_s_heading():
    slow = ActorSpec(ActorKind.CAR, "lane", lanes=((1, -1),), s_m=60.0, speed_mps=5.0, desired_speed_mps=5.0,
                     events=(ScriptedEvent(Trigger("actor_headway", -4.0), Action("hold")),))
    spec = EpisodeSpec("straight", "main", seed=0, ego_speed_mps=12.0, actors=(slow,))
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=1, maps=("straight",)))
    world.load(0, spec)
    ticks = []
    for _ in range(160):
        world.step(world.ego.speed_mps.new_tensor([[0.0, 0.3, 0.0]]))
        yaw = world.actors.yaw_rad[0, 0].item()
        ego_ahead = ((world.ego.x_m[0] - world.actors.x_m[0, 0]).item() * math.cos(yaw)
                     + (world.ego.y_m[0] - world.actors.y_m[0, 0]).item() * math.sin(yaw))
        ticks.append((bool(world.actors.fired[0, 0, 0]), ego_ahead / max(world.actors.speed_mps[0, 0].item(), 0.1)))
    world.close()
    # the ego closes in from behind: the car's headway to it rises through -4 s on the tick the event fires
    fired = next(k for k, tick in enumerate(ticks) if tick[0])
    assert ticks[fired][1] >= -4.0 > ticks[fired - 1][1] and fired > 5


def _jogger_speed(target: str) -> str:
    """CONDITIONS with the jogger's Init giving it a speed: target, a SpeedActionTarget's child."""
    jogger = f'<Private entityRef="jogger"><PrivateAction><RoutingAction>{KERB}</RoutingAction></PrivateAction>'
    assert CONDITIONS.count(jogger) == 1
    return CONDITIONS.replace(jogger, f"{jogger}<PrivateAction>{speed_xml(target)}</PrivateAction>")


@pytest.mark.parametrize("continuous", ["false", "true"])
def test_an_init_speed_relative_to_the_ego_s_is_taken_and_followed_when_continuous(continuous, tmp_path):
    relative = (f'<RelativeTargetSpeed entityRef="hero" value="0.5" speedTargetValueType="factor" '
                f'continuous="{continuous}"/>')
    spec = import_xosc(write_conditions(tmp_path, _jogger_speed(relative)))
    jogger = spec.actors[JOGGER]
    assert jogger.speed_mps == pytest.approx(6.0)  # half the hero's 12 m/s
    followed = [(e.trigger.kind, e.trigger.value, e.action.kind, e.action.value) for e in jogger.events[3:]]
    assert followed == ([("time", 0.0, "ego_speed_times", 0.5)] if continuous == "true" else [])
    ticks = [t for t in _drive(spec, 3.0) if t["progress"] < 19.0]  # before its jog (the hero's 20 m)
    jogger_speeds = [math.dist(a["jogger_xy"], b["jogger_xy"]) / 0.05 for a, b in zip(ticks, ticks[1:])]
    if continuous == "true":  # half the ego's speed as of the tick before (actors move first), as it speeds up
        assert all(v == pytest.approx(0.5 * t["ego_speed"], abs=0.01) for v, t in zip(jogger_speeds, ticks))
        assert ticks[-1]["ego_speed"] > ticks[0]["ego_speed"] + 1.0
    else:
        assert all(v == pytest.approx(6.0, abs=0.1) for v in jogger_speeds)


def test_an_init_speed_continuously_relative_to_an_actor_whose_events_change_its_speed_is_refused(tmp_path):
    path = write_conditions(tmp_path, _jogger_speed(
        '<RelativeTargetSpeed entityRef="lead" value="2" speedTargetValueType="delta" continuous="true"/>'))
    with pytest.raises(ScenarioImportError, match=r"cut_in.xosc:\d+: <RelativeTargetSpeed> follows lead's speed "
                                                  r"continuously, which its events change"):
        import_xosc(path)


CLOTHOID = ('<Clothoid curvature="0.01" curvaturePrime="0.002" length="30"><Position><WorldPosition x="50" y="-9" '
            'h="0.2"/></Position></Clothoid>')
TRAJECTORIES = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO><FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="trajectories" author="t"/>
<Catalog name="TrajectoryCatalog">
  <Trajectory name="bend" closed="false"><ParameterDeclarations>
    <ParameterDeclaration name="Length" parameterType="double" value="10"/></ParameterDeclarations>
    <Shape>CLOTHOID</Shape></Trajectory>
</Catalog></OpenSCENARIO>
"""


def _jogger_trajectory(shape: str, timing: str = "<None/>") -> str:
    """CONDITIONS with the jogger's Init trajectory replaced: shape, the Trajectory's content or
    a CatalogReference of a TrajectoryRef."""
    trajectory = (f'<TrajectoryRef>{shape}</TrajectoryRef>' if shape.startswith("<CatalogReference")
                  else f'<Trajectory closed="false" name="kerb"><ParameterDeclarations/>{shape}</Trajectory>')
    follow = (f'<FollowTrajectoryAction>{trajectory}<TimeReference>{timing}</TimeReference>'
              '<TrajectoryFollowingMode followingMode="follow"/></FollowTrajectoryAction>')
    assert CONDITIONS.count(KERB) == 1
    return CONDITIONS.replace(KERB, follow)


def _clothoid_point(s_m: float) -> tuple[float, float]:
    """The clothoid's point s_m along it, by numerical integration of its heading."""
    heading = lambda u: 0.2 + 0.01 * u + 0.5 * 0.002 * u ** 2  # noqa: E731
    return (50 + quad(lambda u: math.cos(heading(u)), 0, s_m)[0], -9 + quad(lambda u: math.sin(heading(u)), 0, s_m)[0])


@pytest.mark.parametrize("from_catalog", [False, True])
def test_a_clothoid_trajectory_is_walked_along_its_curve(from_catalog, tmp_path):
    shape = (f'<Shape>{CLOTHOID}</Shape>' if not from_catalog else
             '<CatalogReference catalogName="TrajectoryCatalog" entryName="bend"><ParameterAssignments>'
             '<ParameterAssignment parameterRef="Length" value="30"/></ParameterAssignments></CatalogReference>')
    path = write_conditions(tmp_path, _jogger_trajectory(shape))
    (tmp_path / "catalogs" / "trajectories.xosc").write_text(
        TRAJECTORIES.replace("CLOTHOID", CLOTHOID.replace('length="30"', 'length="$Length"')))
    jogger = import_xosc(path).actors[JOGGER]
    assert len(jogger.path) == MAX_PATH_POINTS
    along = [30.0 * k / (MAX_PATH_POINTS - 1) for k in range(MAX_PATH_POINTS)]
    for point, s_m in zip(jogger.path, along):
        assert point == pytest.approx(_clothoid_point(s_m), abs=1e-6)
    assert (jogger.x_m, jogger.y_m) == (50.0, -9.0)  # placed at its start, heading along its first chord
    assert jogger.yaw_rad == pytest.approx(math.atan2(jogger.path[1][1] + 9, jogger.path[1][0] - 50))


def test_a_trajectory_s_timing_sets_its_pace_with_its_scale():
    vertices = "".join(f'<Vertex time="{t}"><Position><WorldPosition x="{x}" y="0"/></Position></Vertex>'
                       for t, x in ((2, 0), (4, 6), (12, 20)))
    for timing, pace in (('<Timing domainAbsoluteRelative="relative" scale="2" offset="0"/>', 20 / 20),
                         ('<Timing domainAbsoluteRelative="relative" scale="1" offset="3"/>', 20 / 10)):
        body = etree.fromstring(f'<FollowTrajectoryAction><Trajectory name="t" closed="false"><Shape><Polyline>'
                                f'{vertices}</Polyline></Shape></Trajectory><TimeReference>{timing}</TimeReference>'
                                '</FollowTrajectoryAction>')
        points, found = trajectory_path(XmlReader("t.xosc", ScenarioImportError, {}), body, lambda p: (
            float(p[0].get("x")), float(p[0].get("y")), 0.0))
        assert points == ((0.0, 0.0), (6.0, 0.0), (20.0, 0.0)) and found == pytest.approx(pace)


TOO_LONG = "<Shape><Polyline>" + "".join(
    f'<Vertex><Position><WorldPosition x="{50 + k}" y="-9"/></Position></Vertex>' for k in range(MAX_PATH_POINTS + 1)
) + "</Polyline></Shape>"
STROLL = '<Vertex><Position><WorldPosition x="70" y="4.25"/></Position></Vertex>'
TRAJECTORY_REFUSALS = [
    (_jogger_trajectory(TOO_LONG), f"<RoutingAction> has {MAX_PATH_POINTS + 1} points; an actor's path holds at most"),
    (CONDITIONS.replace(speed_xml('<AbsoluteTargetSpeed value="3"/>'), '<RoutingAction>' + KERB + '</RoutingAction>'),
     "<RoutingAction> gives jogger a trajectory, and its events another; the import walks one path per actor"),
    (CONDITIONS.replace(speed_xml('<AbsoluteTargetSpeed value="2"/>'), '<RoutingAction>' + KERB + '</RoutingAction>'),
     "<Event> gives walker a second trajectory; the import walks one path per actor"),
    (CONDITIONS.replace('<Action name="jog_do"><PrivateAction>' + speed_xml('<AbsoluteTargetSpeed value="3"/>')
                        + '</PrivateAction>', '<Action name="jog_do"><GlobalAction><EnvironmentAction><Environment '
                        'name="e"/></EnvironmentAction></GlobalAction>'),
     "<GlobalAction> is not an action the import carries out for jogger"),
    (CONDITIONS.replace(speed_xml('<AbsoluteTargetSpeed value="3"/>'), '<TeleportAction><Position><WorldPosition '
                        'x="60" y="-1.75"/></Position></TeleportAction>'),
     "<RoutingAction> gives jogger a trajectory, and its events a teleport; the import teleports actors that follow "
     "lanes or stand"),
    (CONDITIONS.replace(speed_xml('<AbsoluteTargetSpeed value="2"/>'), '<TeleportAction><Position><WorldPosition '
                        'x="60" y="-1.75"/></Position></TeleportAction>'),
     "<Event> gives walker a trajectory and a teleport"),
]


@pytest.mark.parametrize("document, message", TRAJECTORY_REFUSALS)
def test_trajectories_the_import_cannot_walk_and_other_actions_are_refused_with_their_line(document, message, tmp_path):
    assert document != CONDITIONS
    with pytest.raises(ScenarioImportError) as raised:
        import_xosc(write_conditions(tmp_path, document))
    text = str(raised.value)
    assert re.search(r"cut_in.xosc:\d+: ", text) and message in text and "\n" not in text, text


def _box_to_point(xy, yaw, half_length, half_width, point):
    """Distance (m) from a box centred at xy, heading yaw, to point (0 inside)."""
    dx, dy = point[0] - xy[0], point[1] - xy[1]
    along, across = dx * math.cos(yaw) + dy * math.sin(yaw), dy * math.cos(yaw) - dx * math.sin(yaw)
    return math.hypot(max(abs(along) - half_length, 0.0), max(abs(across) - half_width, 0.0))


def test_a_distance_with_freespace_is_measured_from_the_box(tmp_path):
    """The walker's 5 m from where it stood and the ego's 20 m to (170, 4.25), box to point:
    each event fires on the first tick its box is that far, measured here from the poses."""
    document = CONDITIONS.replace('freespace="false" rule=', 'freespace="true" rule=')
    assert document.count('freespace="true" rule=') == 2
    spec = import_xosc(write_conditions(tmp_path, document))
    assert [e.trigger.kind for e in spec.actors[WALKER].events[1:3]] == ["reach_box", "ego_reach_box"]
    ticks = _drive(spec, 40.0)
    brisk, halt = _first(ticks, WALKER, 1), _first(ticks, WALKER, 2)
    assert brisk == next(k for k, t in enumerate(ticks)
                         if _box_to_point(t["walker_xy"], t["walker_yaw"], 0.25, 0.25, (70.0, 4.25)) >= 5.0)
    ego_near = [_box_to_point(t["ego_xy"], t["ego_yaw"], EGO_LENGTH_M / 2, EGO_WIDTH_M / 2, (170.0, 4.25)) <= 20.0
                for t in ticks]
    assert halt == ego_near.index(True)
    centre_near = next(k for k, t in enumerate(ticks) if math.dist(t["ego_xy"], (170.0, 4.25)) <= 20.0)
    assert halt < centre_near  # the box's front gets there first
    _, xosc = export_episode(spec, tmp_path / "again", "freespace")
    assert [a.events for a in import_xosc(xosc).actors] == [a.events for a in spec.actors]


CUTTER_BRAKE = ('<SpeedActionDynamics dynamicsShape="linear" value="2" dynamicsDimension="rate"/>\n'
                '              <SpeedActionTarget><AbsoluteTargetSpeed value="0"/></SpeedActionTarget></SpeedAction>\n'
                '            </LongitudinalAction>')


def _cutter_teleported(position: str) -> str:
    """The cut-in scenario with the cutter's braking at 12 s replaced by a teleport at 2 s."""
    brake = ('<Action name="stop"><PrivateAction><LongitudinalAction><SpeedAction>\n              ' + CUTTER_BRAKE
             + '</PrivateAction></Action>')
    assert SCENARIO.count(brake) == 1 and SCENARIO.count('<SimulationTimeCondition value="12"') == 1
    teleport = (f'<Action name="jump"><PrivateAction><TeleportAction>{position}</TeleportAction></PrivateAction>'
                '</Action>')
    return SCENARIO.replace(brake, teleport).replace('<SimulationTimeCondition value="12"',
                                                     '<SimulationTimeCondition value="2"')


def test_a_teleport_puts_a_lane_follower_on_the_lane_there_and_it_goes_on(tmp_path):
    spec = import_xosc(write_cut_in(tmp_path, _cutter_teleported(
        '<Position><LanePosition roadId="1" laneId="-1" s="150" offset="0.5"/></Position>')))
    cutter = spec.actors[0]
    teleport = cutter.events[1].action
    assert (teleport.kind, teleport.x_m, teleport.y_m, teleport.yaw_rad) == (
        "teleport", pytest.approx(150.0), pytest.approx(HERO_Y + 0.5), pytest.approx(0.0))
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=2, maps=(spec.template,)))
    world.load(0, spec)
    poses = []
    while float(world.stats.time_s[0]) < 4.0:
        world.step(torch.tensor([[0.0, 0.0, 0.0]]))  # the ego stands: the cut-in never starts
        poses.append((float(world.stats.time_s[0]), float(world.actors.x_m[0, 0]), float(world.actors.y_m[0, 0]),
                      float(world.actors.speed_mps[0, 0]), bool(world.actors.fired[0, 0, 1])))
    jump = next(k for k, p in enumerate(poses) if p[4])
    assert poses[jump][0] == pytest.approx(2.0 + 0.05, abs=1e-4)  # the tick after 2 s has passed
    assert poses[jump - 1][1] < 50.0  # behind the ego it met (the cut-in fired as it passed the standing ego)
    assert poses[jump][1:3] == (pytest.approx(150.0), pytest.approx(HERO_Y + 0.5))
    for before, after in zip(poses[jump:], poses[jump + 1:]):  # on along lane -1 at its speed, at its offset
        assert after[3] > 5.0
        assert after[1] - before[1] == pytest.approx(after[3] * 0.05, abs=1e-4)
        assert after[2] == pytest.approx(HERO_Y + 0.5)
    world.close()
    _, xosc = export_episode(spec, tmp_path / "again", "teleport")
    assert import_xosc(xosc).actors[0].events == cutter.events


def test_a_teleport_off_every_lane_is_refused_for_a_vehicle(tmp_path):
    path = write_cut_in(tmp_path, _cutter_teleported('<Position><WorldPosition x="150" y="40"/></Position>'))
    with pytest.raises(ScenarioImportError, match=r"cut_in.xosc:\d+: <TeleportAction> puts cutter off every lane of "
                                                  r"the map"):
        import_xosc(path)


def test_an_actor_s_end_of_road_imports_and_exports_as_the_time_since_it_left(tmp_path):
    """A StopTrigger group on the cutter's EndOfRoad (1.5 s): its end_scenario event, on how
    long since it came to the end of its road."""
    stop = ('<ConditionGroup><Condition name="gone" delay="0" conditionEdge="rising"><ByEntityCondition>'
            '<TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="cutter"/></TriggeringEntities>'
            '<EntityCondition><EndOfRoadCondition duration="1.5"/></EntityCondition></ByEntityCondition></Condition>'
            '</ConditionGroup></StopTrigger>')
    assert SCENARIO.count("</StopTrigger>") == 1
    spec = import_xosc(write_cut_in(tmp_path, SCENARIO.replace("</StopTrigger>", stop)))
    last = spec.actors[0].events[-1]
    assert (last.trigger.kind, last.trigger.value, last.trigger.is_below, last.action.kind) == (
        "actor_road_end", 1.5, False, "end_scenario")
    _, xosc = export_episode(spec, tmp_path / "again", "road_end")
    assert import_xosc(xosc).actors[0].events == spec.actors[0].events


def test_an_init_environment_from_a_catalog_is_the_inline_one(tmp_path):
    start, end = SCENARIO.index("<Environment name=\"fog\">"), SCENARIO.index("</Environment>") + len("</Environment>")
    reference = '<CatalogReference catalogName="EnvironmentCatalog" entryName="fog"/>'
    scenario = (SCENARIO[:start] + reference + SCENARIO[end:]).replace(
        "</VehicleCatalog></CatalogLocations>",
        '</VehicleCatalog><EnvironmentCatalog><Directory path="catalogs"/></EnvironmentCatalog></CatalogLocations>')
    inline = import_xosc(write_cut_in(tmp_path / "inline"))
    path = write_cut_in(tmp_path / "catalog", scenario)
    (tmp_path / "catalog" / "catalogs" / "environments.xosc").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><OpenSCENARIO><FileHeader revMajor="1" revMinor="1" '
        'date="2026-01-01T00:00:00" description="environments" author="t"/><Catalog name="EnvironmentCatalog">'
        f'{SCENARIO[start:end]}</Catalog></OpenSCENARIO>')
    from_catalog = import_xosc(path)
    assert inline.weather.fog_density > 0 and inline.road_friction < 1.0
    assert (from_catalog.weather, from_catalog.road_friction) == (inline.weather, inline.road_friction)
