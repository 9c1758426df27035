"""The OpenSCENARIO storyboard as scripted events: a scenario written here (xosc_features.STORY)
imports to the triggers it says, and driven by the expert, every event fires at the tick its
condition first holds (measured independently from the world's state each tick), chained
events wait for the event before them, and what cannot be honoured is refused with its line."""
from __future__ import annotations

import math

import pytest

from planner.expert import ExpertDriver
from scenarios.openscenario_files import ScenarioImportError
from scenarios.openscenario_import import import_xosc
from sim.actor_kinds import ActorKind
from sim.ground_truth import ground_truth
from sim.world import OUTCOMES, BatchedWorld, WorldConfig
from xosc_features import BUS_EVENTS, STORY, event_xml, speed_xml, write_cut_in, write_sync

LEAD, BUS, WALKER = 0, 1, 2


def test_the_storyboard_imports_as_the_triggers_it_says(tmp_path):
    spec = import_xosc(write_cut_in(tmp_path, STORY))
    assert spec.ego_speed_mps == pytest.approx(12.0)  # ${$EgoKmh / 3.6}
    assert (spec.route_lanes, spec.ego_s_m) == (((1, -1),), pytest.approx(10.0))  # the catalog's route, 10 m along
    lead, bus, walker = spec.actors
    assert lead.size_m == (5.2, 1.8, 1.5)  # the catalog entry's length, as the reference assigns it
    assert [(e.trigger.kind, e.trigger.value, e.trigger.is_below, e.trigger.delay_s, e.action.kind, e.action.value)
            for e in lead.events] == [
        ("time", 0.0, False, 0.0, "ego_speed_times", 1.5),
        ("headway", 0.3, False, 0.0, "change_lane", 2.0),  # lane -2 to -1: to the left, in 2 s
        ("after_end", 2.0, False, 1.0, "jump_speed", 10.0),  # 1 s after the lane change (event 1) ends
        ("ego_progress", 150.0 - 10.0 - 2.0, False, 0.0, "brake", 3.0),
        ("after_end", 15.0, False, 2.0, "end_scenario", 0.0)]  # 2 s after events 0-3 have all ended
    assert [(e.trigger.kind, e.trigger.value, e.trigger.is_below, e.action.kind, e.action.value)
            for e in bus.events] == [
        ("relative_speed", -5.0, True, "drift", 0.5), ("ego_progress", 60.0, False, "jump_speed", 9.0),
        ("ego_speed", 100.0, False, "jump_speed", 3.0)]
    # 60 m along the route, across in lane 2 (the far lane the other way, 1.5 lane widths left of the centre line)
    lane_2_y = 1.5 * 3.5
    assert (walker.kind, walker.motion, walker.x_m, walker.y_m) == (ActorKind.PEDESTRIAN, "path", pytest.approx(60.0),
                                                                    pytest.approx(lane_2_y))
    assert walker.path == ((60.0, lane_2_y), (70.0, lane_2_y))
    assert [(e.trigger.kind, e.trigger.value, e.trigger.x_m, e.trigger.y_m, e.action.kind, e.action.value)
            for e in walker.events] == [("time", 0.0, 0.0, 0.0, "start_path", 1.5),
                                        ("reach", 0.5, 66.0, lane_2_y, "brake", 8.0)]


def _drive(spec, seconds):
    """Per tick: (time, fired [N, E], the measures the triggers read, the lead's lane and speeds)."""
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=len(spec.actors), maps=(spec.template,)))
    world.load(0, spec)
    driver, ticks = ExpertDriver(), []
    while bool(world.running[0]) and float(world.stats.time_s[0]) < seconds:
        before_ego_speed = float(world.ego.speed_mps[0])
        output = driver.act(world.observe(camera=False), ground_truth(world, False, False))
        world.step(output.control)
        ego = (float(world.ego.x_m[0]), float(world.ego.y_m[0]), float(world.ego.yaw_rad[0]))
        lead_xy = (float(world.actors.x_m[0, LEAD]), float(world.actors.y_m[0, LEAD]))
        ahead = (lead_xy[0] - ego[0]) * math.cos(ego[2]) + (lead_xy[1] - ego[1]) * math.sin(ego[2])
        ticks.append(dict(
            time=float(world.stats.time_s[0]), fired=world.actors.fired[0].clone(),
            headway=ahead / max(float(world.ego.speed_mps[0]), 0.1), ego_speed=float(world.ego.speed_mps[0]),
            before_ego_speed=before_ego_speed, progress=float(world.stats.km[0]) * 1000.0,
            lead_lane=int(world.actors.lane[0, LEAD]), lead_speed=float(world.actors.speed_mps[0, LEAD]),
            lead_desired=float(world.actors.desired_speed_mps[0, LEAD]),
            lead_offset=float(world.actors.offset_m[0, LEAD]), outcome=OUTCOMES[int(world.stats.outcome[0])],
            bus_speed=float(world.actors.speed_mps[0, BUS]),
            walker_xy=(float(world.actors.x_m[0, WALKER]), float(world.actors.y_m[0, WALKER])),
            walker_speed=float(world.actors.speed_mps[0, WALKER])))
    graph = world.bank.graphs[0]
    ego_lane = world.bank.lane_base[0] + graph.index_of[(1, -1)]
    world.close()
    return ticks, ego_lane


def _first(ticks, actor, event):
    return next(k for k, tick in enumerate(ticks) if bool(tick["fired"][actor, event]))


def test_driven_each_event_fires_when_its_condition_first_holds(tmp_path):
    spec = import_xosc(write_cut_in(tmp_path, STORY))
    ticks, ego_lane = _drive(spec, 30.0)
    dt = ticks[1]["time"] - ticks[0]["time"]
    # at the act's start the lead takes 1.5 times the ego's speed at once, then keeps following it
    assert _first(ticks, LEAD, 0) == 0 and ticks[0]["lead_speed"] == pytest.approx(1.5 * ticks[0]["ego_speed"],
                                                                                    rel=0.02)
    merge = _first(ticks, LEAD, 1)
    for tick in ticks[5:merge]:
        assert tick["lead_desired"] == pytest.approx(1.5 * tick["before_ego_speed"], rel=1e-4)
    # the lane change starts on the first tick the ego's headway to the lead exceeds 0.3 s ...
    assert ticks[merge]["headway"] >= 0.3 and all(t["headway"] < 0.3 for t in ticks[:merge])
    # ... ends in the ego's lane, and 1 s after it ends the lead takes 10 m/s
    assert ticks[merge]["lead_lane"] == ego_lane
    settle = _first(ticks, LEAD, 2)
    settled = next(k for k in range(merge, len(ticks)) if abs(ticks[k]["lead_offset"]) < 0.01)
    assert ticks[settled]["time"] - ticks[merge]["time"] == pytest.approx(2.0, abs=dt + 1e-6)  # the change's 2 s
    assert ticks[settle]["time"] - ticks[settled]["time"] == pytest.approx(1.0, abs=dt + 1e-6)
    assert ticks[settle]["lead_speed"] == pytest.approx(10.0)
    # progress conditions read the ego's progress as the tick starts: the one the tick before ended with
    stop = _first(ticks, LEAD, 3)
    assert ticks[stop - 2]["progress"] < 138.0 <= ticks[stop - 1]["progress"]
    # the bus is more than 5 m/s slower than the ego from the start; it hurries once the ego has come 60 m
    assert _first(ticks, BUS, 0) == 0
    hurry = _first(ticks, BUS, 1)
    assert ticks[hurry - 2]["progress"] < 60.0 <= ticks[hurry - 1]["progress"]
    assert ticks[hurry]["bus_speed"] == pytest.approx(9.0)
    assert not any(bool(t["fired"][BUS, 2]) for t in ticks)  # the ego never drives at 100 m/s
    # the walker stops on the first tick it is within 0.5 m of s = 66, and stays there
    halt = _first(ticks, WALKER, 1)
    assert abs(ticks[halt - 1]["walker_xy"][0] - 66.0) > 0.5 >= abs(ticks[halt]["walker_xy"][0] - 66.0)
    assert ticks[-1]["walker_speed"] == 0.0 and ticks[-1]["walker_xy"][0] < 66.5
    # 2 s after the lead has braked to a stop, its maneuver over, the scenario ends: a success
    stopped = next(k for k in range(stop, len(ticks)) if ticks[k]["lead_speed"] == 0.0)
    assert ticks[-1]["time"] - ticks[stopped]["time"] == pytest.approx(2.0, abs=dt + 1e-6)
    assert ticks[-1]["outcome"] == "success" and ticks[-1]["time"] < 25.0


def test_an_action_s_end_is_its_scripted_event_s_end(tmp_path):
    by_event = import_xosc(write_cut_in(tmp_path / "event", STORY)).actors[LEAD].events
    for ref in ("merge::merge_do", "merge_do"):  # as esmini writes it, and by the action's name alone
        by_action = _replace(STORY, 'storyboardElementType="event" storyboardElementRef="merge"',
                             f'storyboardElementType="action" storyboardElementRef="{ref}"')
        assert import_xosc(write_cut_in(tmp_path / ref.replace(":", "_"), by_action)).actors[LEAD].events == by_event


def test_an_actor_s_headway_to_the_ego_imports_as_its_own_measure(tmp_path):
    never = ('<EntityRef entityRef="hero"/></TriggeringEntities><EntityCondition><SpeedCondition value="100" '
             'rule="greaterThan"/>')
    path = write_cut_in(tmp_path, _replace(STORY, never, '<EntityRef entityRef="bus"/></TriggeringEntities>'
                                                         '<EntityCondition><TimeHeadwayCondition entityRef="hero" '
                                                         'value="-2" freespace="false" alongRoute="false" '
                                                         'rule="greaterThan"/>'))
    trigger = import_xosc(path).actors[BUS].events[2].trigger
    assert (trigger.kind, trigger.value, trigger.is_below) == ("actor_headway", -2.0, False)


def test_a_freespace_headway_is_measured_from_the_ego_s_front_to_the_actor_s_rear(tmp_path):
    spec = import_xosc(write_cut_in(tmp_path, _replace(STORY, 'freespace="false" alongRoute',
                                                       'freespace="true" alongRoute')))
    assert spec.actors[LEAD].events[1].trigger.kind == "free_headway"
    ticks, _ = _drive(spec, 8.0)
    merge = _first(ticks, LEAD, 1)
    free = [t["headway"] - 0.5 * (4.6 + 5.2) / max(t["ego_speed"], 0.1) for t in ticks]  # the ego's and lead's lengths
    assert free[merge] >= 0.3 and all(f < 0.3 for f in free[:merge])


def _replace(document: str, old: str, new: str) -> str:
    assert old in document
    return document.replace(old, new)


REFUSED = [
    ('<AbsoluteTargetLane value="-1"/>', '<AbsoluteTargetLane value="-5"/>',
     "takes lead to lane -5, which the road it is on does not have"),
    ('storyboardElementRef="merge" state="endTransition"', 'storyboardElementRef="merge" state="standbyState"',
     "state='standbyState'; expected startTransition"),
    ('storyboardElementType="maneuver" storyboardElementRef="lead_moves"',
     'storyboardElementType="maneuver" storyboardElementRef="nobody_moves"',
     "ends the scenario after maneuver 'nobody_moves', which is no actor's maneuver"),
    ('<ConditionGroup><Condition name="s" delay="2.0"', '<ConditionGroup><Condition name="t" delay="1" '
     'conditionEdge="none"><ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef '
     'entityRef="hero"/></TriggeringEntities><EntityCondition><StandStillCondition duration="1"/></EntityCondition>'
     '</ByEntityCondition></Condition><Condition name="s" delay="2.0"', "has a delay beside another delayed condition"),
    ('storyboardElementRef="merge"', 'storyboardElementRef="swerve"', "refers to event 'swerve', which is no event"),
    ('<RelativeSpeedCondition entityRef="hero" value="-5" rule="lessThan"/>',
     '<RelativeSpeedCondition entityRef="hero" value="-5" rule="notEqualTo"/>',
     "rule='notEqualTo'; expected greaterThan"),
    ('<TraveledDistanceCondition value="60"/>', '<TimeHeadwayCondition entityRef="lead" value="1" freespace="false" '
                                                'alongRoute="false" rule="lessThan"/>', "must relate the ego (hero)"),
    ('s="150"/></Position></ReachPositionCondition>', 's="150" offset="9"/></Position></ReachPositionCondition>',
     "names a position off the ego's route"),
    ('<ScenarioObject name="bus"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/>',
     '<ScenarioObject name="bus"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/><ObjectController>'
     '<Controller name="other"><Properties/></Controller></ObjectController>', "gives bus a controller"),
    ('parameterRef="Length"', 'parameterRef="Width"', "assigns 'Width', which catalog entry tunable never declares"),
    ('value="${$EgoKmh / 3.6}"', 'value="${$EgoKmh / open(3)}"', "is not an expression this reader evaluates"),
    ('speedTargetValueType="factor" continuous="true"', 'speedTargetValueType="factor" continuous="false"',
     "must be continuous with a step shape"),
]


@pytest.mark.parametrize("old, new, message", REFUSED)
def test_what_the_storyboard_cannot_honour_is_refused_with_its_line(old, new, message, tmp_path):
    document = _replace(STORY, old, new)
    path = write_cut_in(tmp_path, document)
    with pytest.raises(ScenarioImportError) as raised:
        import_xosc(path)
    text = str(raised.value)
    assert message in text and "\n" not in text and text.startswith(f"{path}:"), text


def test_the_storyboard_exported_and_imported_back_drives_the_same(tmp_path):
    from scenarios.openscenario import export_episode

    swerve = BUS_EVENTS[:BUS_EVENTS.index('<Event name="hurry"')]  # a relative-speed trigger: 1.2 only
    spec = import_xosc(write_cut_in(tmp_path, _replace(STORY, swerve, "")))
    _, xosc = export_episode(spec, tmp_path / "again", "story")
    back = import_xosc(xosc)
    assert [a.events for a in back.actors] == [a.events for a in spec.actors]
    driven = [[(t["time"], t["fired"].tolist(), t["lead_speed"]) for t in _drive(one, 15.0)[0]] for one in (spec, back)]
    assert driven[0] == driven[1]
    with pytest.raises(ValueError, match="a relative-speed trigger has no OpenSCENARIO 1.0 condition"):
        export_episode(import_xosc(write_cut_in(tmp_path / "full", STORY)), tmp_path / "full_again", "story")


def test_an_actor_on_its_own_route_synchronizes_with_the_ego(tmp_path):
    spec = import_xosc(write_sync(tmp_path))
    npc = spec.actors[0]
    assert npc.lanes == ((2, 1), (121, -1), (1, -1)) and npc.s_m == pytest.approx(30.0)  # its route, 20 m along
    assert (npc.sync.at_m, npc.sync.ego_at_m, npc.sync.final_plus_mps) == (pytest.approx(70.0), pytest.approx(30.0),
                                                                          5.0)
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=1, maps=(spec.template,)))
    world.load(0, spec)
    bank, driver = world.bank, ExpertDriver()
    template = bank.template_index(spec.template)
    graph, base = bank.graphs[template], bank.lane_base[template]
    lanes_visited, ended = [], None
    while bool(world.running[0]):
        syncing = bool(world.actors.syncing[0, 0])
        world.step(driver.act(world.observe(camera=False), ground_truth(world, False, False)).control)
        lane = int(world.actors.lane[0, 0]) - base
        if lane >= 0 and (not lanes_visited or lanes_visited[-1] != lane):
            lanes_visited.append(lane)
        if syncing and not bool(world.actors.syncing[0, 0]):
            on_first_lane = lane == graph.index_of[(2, 1)]
            ended = (30.0 - float(world.stats.km[0]) * 1000.0, 70.0 - float(world.actors.s_m[0, 0]) if on_first_lane
                     else -float(world.actors.s_m[0, 0]), float(world.actors.speed_mps[0, 0]))
    world.close()
    assert [(graph.lanes[k].road_id, graph.lanes[k].lane_id) for k in lanes_visited] == list(npc.lanes)
    ego_left, npc_left, npc_speed = ended
    # the two arrive together: whichever reached its point first, the other is within a tick's travel of its own
    assert min(ego_left, npc_left) <= 1.0 and max(ego_left, npc_left) <= 1.0 + 10.0 * 0.05 * 2
    assert npc_speed == pytest.approx(5.0, abs=0.5)  # at its final speed


def test_a_synchronization_exported_and_imported_back_drives_the_same(tmp_path):
    from scenarios.openscenario import export_episode

    spec = import_xosc(write_sync(tmp_path))
    _, xosc = export_episode(spec, tmp_path / "again", "ltap")
    back = import_xosc(xosc)
    assert back.actors[0].sync == spec.actors[0].sync and back.actors[0].lanes == spec.actors[0].lanes
    # other tools read the world positions: they lie where the file put its targets (reference s = 30)
    from lxml import etree

    action = etree.parse(str(xosc)).find(".//SynchronizeAction")
    actor_target = action.find("TargetPosition/WorldPosition")
    assert (float(actor_target.get("x")), float(actor_target.get("y"))) == (pytest.approx(-1.75, abs=0.05),
                                                                            pytest.approx(42.0, abs=0.05))
    ego_target = action.find("TargetPositionMaster/WorldPosition")
    assert (float(ego_target.get("x")), float(ego_target.get("y"))) == (pytest.approx(1.75, abs=0.05),
                                                                        pytest.approx(-42.0, abs=0.05))


def test_the_ego_s_own_events_are_listed_as_not_carried_out(tmp_path, monkeypatch, capsys):
    from run_helpers import nines_here

    hero_group = ('<ManeuverGroup maximumExecutionCount="1" name="hero_group"><Actors selectTriggeringEntities="false">'
                  '<EntityRef entityRef="hero"/></Actors><Maneuver name="hero_moves">'
                  + event_xml("hero_brakes", speed_xml('<AbsoluteTargetSpeed value="0"/>'), "")
                  + '</Maneuver></ManeuverGroup>')
    path = write_cut_in(tmp_path, _replace(STORY, '<ManeuverGroup maximumExecutionCount="1" name="lead_group">',
                                           hero_group + '<ManeuverGroup maximumExecutionCount="1" name="lead_group">'))
    assert [len(a.events) for a in import_xosc(path).actors] == [5, 3, 2]  # the ego's event is in no actor's list
    done = nines_here(monkeypatch, capsys, "import-scenario", str(path))
    assert done.returncode == 0, done.stderr
    assert "not carried out: the ego's events hero_brakes (the run's driver drives the ego)" in done.stdout



def test_an_actor_with_more_actions_than_the_simulator_holds_is_refused(tmp_path):
    extra = "".join(event_xml(f"more{k}", speed_xml('<AbsoluteTargetSpeed value="5"/>'), "") for k in range(5))
    lead_moves = '<Maneuver name="lead_moves">'
    path = write_cut_in(tmp_path, _replace(STORY, lead_moves, lead_moves + extra))
    with pytest.raises(ScenarioImportError, match=r"lead has 10 actions in its events \(stop conditions included\); "
                                                  r"an actor carries at most 8"):
        import_xosc(path)
