"""OpenSCENARIO import: nines' own exports come back as the same episodes (expert and camera
drivers), a scenario written the way other tools write them does what the file says, a suite
names a scenario file as a family, and what the import cannot honour is refused with its line."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from nines.closed_loop import finished_episodes
from planner.expert import ExpertDriver
from run_helpers import episode_table, nines_here
from nines import report as nines_report
from scenarios.catalog import FAMILIES, find_family
from scenarios.episode_plan import EpisodeTask
from scenarios.openscenario import export_episode
from scenarios.openscenario_files import ScenarioImportError
from scenarios.openscenario_import import check_xosc, import_xosc
from scenarios.suite import SuiteError, load_suite
from sim.camera import CameraConfig
from sim.ground_truth import ground_truth
from sim.world import BatchedWorld, WorldConfig
from xosc_features import SCENARIO, write_cut_in


def _drive(specs, driver, camera=None):
    """[(outcome, km, time, events)] of the episodes of `specs`, driven side by side in one world."""
    world = BatchedWorld(WorldConfig(batch_size=len(specs), max_actors=max(1, *(len(s.actors) for s in specs)),
                                     camera=camera, maps=tuple(s.template for s in specs)))
    tasks = [EpisodeTask(str(k), "x", "check", 0, k, spec.seed, {}, 0.0, 0.0, spec) for k, spec in enumerate(specs)]
    runs = {}
    for episode in finished_episodes(world, driver, tasks, keep_clips=False):
        record = episode.record
        runs[episode.task.index] = (record.outcome, record.km, record.time_s,
                                    [(e.kind, e.time_s) for e in episode.log.events])
    world.close()
    return [runs[k] for k in range(len(specs))]


def _round_trip(name, folder):
    family = FAMILIES[name]
    params = family.from_unit(np.full((1, len(family.all_parameters)), 0.4))[0]
    spec = family.build(params, 7)
    _, xosc = export_episode(spec, folder, name)
    return spec, import_xosc(xosc)


@pytest.mark.slow
def test_every_family_exported_and_imported_drives_the_same_with_the_expert(tmp_path):
    pairs = [_round_trip(name, tmp_path) for name in FAMILIES]
    for name, (spec, back) in zip(FAMILIES, pairs):
        assert back.template == spec.template and back.route == spec.route and back.seed == spec.seed
        assert [a.kind for a in back.actors] == [a.kind for a in spec.actors]
        # a pull-out comes back as its two OpenSCENARIO actions: a lane change and a new speed
        assert [[e.action.kind for e in a.events] for a in back.actors] == \
            [[e.action.kind for e in a.events] for a in spec.actors] or name == "parking_exit"
    originals = _drive([spec for spec, _ in pairs], ExpertDriver())
    imported = _drive([back for _, back in pairs], ExpertDriver())
    for name, original, again in zip(FAMILIES, originals, imported):
        assert original == again, name


@pytest.mark.slow
def test_exported_and_imported_drive_the_same_with_the_camera_driver(tmp_path):
    from nines.drivers import driver_spec, make_driver
    from planner.driver_interface import DriverContext

    camera = CameraConfig(width=128, height=64)
    names = ["pedestrian_near_side", "red_light_runner", "door_opening"]
    pairs = [_round_trip(name, tmp_path) for name in names]
    runs = []
    for specs in ([spec for spec, _ in pairs], [back for _, back in pairs]):  # the driver's noise follows the slot
        driver = make_driver(driver_spec("camera", {}), DriverContext(len(specs), "cpu", camera, 0.05, 0))
        runs.append(_drive(specs, driver, camera))
    assert runs[0] == runs[1]


def test_a_scenario_written_elsewhere_does_what_it_says(tmp_path):
    spec = import_xosc(write_cut_in(tmp_path))
    assert spec.template == "straight" and spec.route_lanes == ((1, -1),) and spec.ego_s_m == pytest.approx(10.0)
    assert spec.ego_speed_mps == 12.0 and spec.max_time_s == 30.0 and spec.road_friction == 0.9
    assert spec.weather.sun_altitude_angle == pytest.approx(math.degrees(0.8))
    # fog whose contrast falls to 5 % at 200 m, as the renderer draws it
    assert 0.05 * spec.weather.fog_density / 100 + 0.0003 == pytest.approx(math.log(20) / 200, rel=0.05)
    cutter, barrier = spec.actors
    assert cutter.lanes[0] == (1, -2) and cutter.s_m == pytest.approx(5.0) and cutter.size_m == (4.8, 1.9, 1.5)
    assert [(e.trigger.kind, e.action.kind, e.action.value) for e in cutter.events] == [
        ("distance", "change_lane", 2.5), ("time", "brake", 2.0)]
    assert cutter.events[0].trigger.value == pytest.approx(12 - 0.5 * (4.6 + 4.8))  # centre to centre
    assert (barrier.motion, barrier.x_m, barrier.y_m) == ("static", 280.0, -8.5)

    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=2, maps=("straight",)))
    world.load(0, spec)
    graph = world.bank.graphs[world.bank.template_index("straight")]
    ego_lane = world.bank.lane_base[world.bank.template_index("straight")] + graph.index_of[(1, -1)]
    driver, fired_at = ExpertDriver(), None

    while bool(world.running[0]) and float(world.stats.time_s[0]) < 11.0:
        if fired_at is None and bool(world.actors.fired[0, 0, 0]):
            fired_at = float(torch.hypot(world.actors.x_m[0, 0] - world.ego.x_m[0],
                                         world.actors.y_m[0, 0] - world.ego.y_m[0]))
        output = driver.act(world.observe(camera=False), ground_truth(world, False, False))
        world.step(output.control)
    assert fired_at is not None and fired_at < 12.5  # the cut-in starts as the centres come within 12 m
    assert int(world.actors.lane[0, 0]) == ego_lane  # and ends in the ego's lane


def test_check_lists_every_element_and_the_import_refuses_what_it_cannot_do(tmp_path, monkeypatch, capsys):
    off_road = SCENARIO.replace(
        '<RelativeDistanceCondition entityRef="cutter" freespace="false" relativeDistanceType="cartesianDistance"\n'
        '                  value="$CutDistance" rule="lessThan"/>', '<OffroadCondition duration="1"/>')
    path = write_cut_in(tmp_path, off_road)
    findings = check_xosc(path)
    refused = [(f.line, f.element) for f in findings if not f.supported]
    line = next(n for n, text in enumerate(off_road.splitlines(), 1) if "OffroadCondition" in text)
    assert refused == [(line, "OffroadCondition")]
    with pytest.raises(ScenarioImportError, match=rf"cut_in.xosc:{line}: <OffroadCondition> is not supported"):
        import_xosc(path)
    listed = nines_here(monkeypatch, capsys, "import-scenario", str(path), "--check")
    assert listed.returncode == 1 and f"cut_in.xosc:{line}: <OffroadCondition> not supported" in listed.stdout
    good = write_cut_in(tmp_path / "good")
    driven = nines_here(monkeypatch, capsys, "import-scenario", str(good))
    assert driven.returncode == 0 and "map straight, 2 actors, 2 scripted events; the expert: " in driven.stdout


BAD = [
    (lambda x: x.replace('value="$EgoSpeed"', 'value="$Missing"'), "'$Missing' names a parameter that is never"),
    (lambda x: x.replace('entryName="sedan"', 'entryName="limousine"'), "names VehicleCatalog/limousine, which no"),
    (lambda x: x.replace('roadId="1" laneId="-2"', 'roadId="7" laneId="-2"'), "roadId='7' s=5: the map has no such"),
    (lambda x: x.replace('laneId="-2"', 'laneId="-5"'), "laneId=-5: road 1 has no such lane"),
    (lambda x: x.replace('filepath="straight.xodr"', 'filepath="atlantis.xodr"'), "'atlantis.xodr': no such file"),
    (lambda x: x.replace('name="hero"', 'name="someone"'), "no entity is named hero or ego"),
    (lambda x: x.replace('<RelativeTargetLane entityRef="cutter" value="1"/>',
                         '<RelativeTargetLane entityRef="cutter" value="5"/>'),
     "takes cutter to lane 4, which the road"),
    (lambda x: x.replace("</OpenSCENARIO>", ""), "not well-formed XML"),
]


@pytest.mark.parametrize("edit, message", BAD)
def test_bad_scenarios_are_refused_with_one_line(edit, message, tmp_path):
    path = write_cut_in(tmp_path, edit(SCENARIO))
    with pytest.raises(ScenarioImportError) as raised:
        import_xosc(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert str(raised.value).startswith(str(path))


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    document = SCENARIO.replace("<OpenSCENARIO>", f'<!DOCTYPE OpenSCENARIO [<!ENTITY leak SYSTEM "file://{secret}">]>'
                                                  "<OpenSCENARIO>", 1).replace('value="16"', 'value="&leak;"')
    with pytest.raises(ScenarioImportError) as raised:
        import_xosc(write_cut_in(tmp_path, document))
    assert "TOPSECRET" not in str(raised.value)


def test_a_suite_names_a_scenario_file_as_a_family(tmp_path, monkeypatch, capsys):
    path = write_cut_in(tmp_path)
    family = find_family(str(path))
    assert (family.exposure_per_km, family.exposure_source, family.template) == (0.01, "assumed: a test scenario",
                                                                                  "straight")
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"name: cut_in\ndriver: expert\nbatch: 2\nclips: false\n"
                     f"families:\n  - {{family: {path}, episodes: 2}}\n")
    db = tmp_path / "runs.duckdb"
    done = nines_here(monkeypatch, capsys, "run", str(suite), "--db", str(db), "--no-progress")
    assert done.returncode == 0, done.stderr
    episodes, runs = episode_table(db)
    assert len(episodes) == 2
    assert [status for _, status in runs] == ["complete"]
    assert list(episodes["family"].unique()) == [str(path)]
    reported = nines_here(monkeypatch, capsys, "report", runs[0][0], "--db", str(db))
    assert reported.returncode == 0, reported.stderr
    family_table = nines_report.family_table([str(path)], [load_suite(suite)]).set_index("name")
    assert family_table.loc[str(path), "exposure_per_km"] == 0.01


def test_a_suite_gives_the_exposure_of_a_scenario_that_declares_none(tmp_path):
    plain = write_cut_in(tmp_path, SCENARIO.replace('name="nines_exposure_per_km"', 'name="other"'))
    assert find_family(str(plain)).exposure_per_km is None
    suite = tmp_path / "suite.yaml"
    entry = f"family: {plain}, episodes: 2"
    suite.write_text(f"name: plain\nfamilies:\n  - {{{entry}}}\n")
    with pytest.raises(SuiteError, match="declares no exposure per km; give exposure_per_km"):
        load_suite(suite)
    suite.write_text(f"name: plain\nfamilies:\n  - {{{entry}, exposure_per_km: 0.02, exposure_source: a study}}\n")
    table = nines_report.family_table([str(plain)], [load_suite(suite)]).set_index("name")
    assert table.loc[str(plain), "exposure_per_km"] == 0.02
    assert load_suite(suite).families[0].resolved().exposure_source == "a study"
    suite.write_text(f"name: plain\nfamilies:\n  - {{{entry}, exposure_per_km: 0.02}}\n")
    assert load_suite(suite).families[0].resolved().exposure_source.startswith("assumed")
    suite.write_text("name: plain\nfamilies:\n  - {family: nominal_urban, km: 1, exposure_per_km: 0.02}\n")
    with pytest.raises(SuiteError, match="is nominal: its failures are counted per km"):
        load_suite(suite)


def test_on_a_map_without_speed_limits_the_ego_keeps_the_scenario_s_speed(tmp_path):
    import re

    from sim.ground_truth import speed_limit

    limited = import_xosc(write_cut_in(tmp_path / "limited"))
    assert limited.speed_limit_mps is None  # the straight template's file gives 60 km/h
    path = write_cut_in(tmp_path / "unlimited")
    xodr = path.parent / "straight.xodr"
    xodr.write_text(re.sub(r"<speed [^>]*/>", "", xodr.read_text()))
    spec = import_xosc(path)
    assert spec.speed_limit_mps == spec.ego_speed_mps == 12.0
    world = BatchedWorld(WorldConfig(batch_size=2, max_actors=2, maps=(spec.template,)))
    world.load(0, spec)
    world.load(1, replace(spec, speed_limit_mps=None))
    assert speed_limit(world).tolist() == pytest.approx([12.0, 30 / 3.6])
    assert world.route_speed_limits(0) == pytest.approx(12.0) and world.route_speed_limits(1) == pytest.approx(30 / 3.6)
    world.close()


def test_a_two_lane_change_imports_and_exports_as_two_lanes(tmp_path):
    from sim.map_templates import TEMPLATES
    from sim.opendrive import to_xodr

    on_highway = (SCENARIO.replace('filepath="straight.xodr"', 'filepath="highway.xodr"')
                  .replace('<LanePosition roadId="1" laneId="-2" s="5"', '<LanePosition roadId="1" laneId="-3" s="5"')
                  .replace('<RelativeTargetLane entityRef="cutter" value="1"/>',
                           '<RelativeTargetLane entityRef="cutter" value="2"/>')
                  .replace('<RoadPosition roadId="1" s="280" t="-8.5"/>', '<RoadPosition roadId="1" s="80" t="-12"/>'))
    path = write_cut_in(tmp_path, on_highway)
    (tmp_path / "highway.xodr").write_text(to_xodr(TEMPLATES["highway_on_ramp"]()))
    cutter = import_xosc(path).actors[0]
    change = next(e.action for e in cutter.events if e.action.kind == "change_lane")
    assert (change.value, change.over) == (pytest.approx(2.5), 2.0)  # to the left, two lanes, in the file's 2.5 s
    _, xosc = export_episode(import_xosc(path), tmp_path / "again", "two_lanes")
    assert [e.action for e in import_xosc(xosc).actors[0].events] == [e.action for e in cutter.events]


def test_an_actor_driving_a_lane_of_the_other_way_drifts_into_the_lane_it_is_given(tmp_path):
    """As ALKS files do: the cutter placed in lane 1 turned to face the ego's way (a relative
    Orientation of pi) follows lane -1 from beside it, and its change to lane -1 is a drift across
    in the change's 2.5 s."""
    beside = (SCENARIO.replace('<LanePosition roadId="1" laneId="-2" s="5" offset="0"/>',
                               '<LanePosition roadId="1" laneId="1" s="5" offset="0"><Orientation type="relative" '
                               'h="3.14159265"/></LanePosition>')
              .replace('<RelativeTargetLane entityRef="cutter" value="1"/>', '<AbsoluteTargetLane value="-1"/>'))
    spec = import_xosc(write_cut_in(tmp_path, beside))
    cutter = spec.actors[0]
    assert (cutter.lanes[0], cutter.s_m, cutter.offset_m) == ((1, -1), pytest.approx(5.0), pytest.approx(3.5))
    drift = cutter.events[0].action
    assert (drift.kind, drift.value, drift.over) == ("drift", pytest.approx(0.0, abs=1e-6), 2.5)
    _, xosc = export_episode(spec, tmp_path / "again", "beside")
    assert import_xosc(xosc).actors[0].events == cutter.events  # the drift's 2.5 s in its nines: command
    world = BatchedWorld(WorldConfig(batch_size=1, max_actors=len(spec.actors), maps=(spec.template,)))
    world.load(0, spec)
    driver, dt, ticks = ExpertDriver(), world.config.dt_s, []
    while bool(world.running[0]) and len(ticks) < round(12.0 / dt):
        world.step(driver.act(world.observe(camera=False), ground_truth(world, False, False)).control)
        ticks.append((bool(world.actors.fired[0, 0, 0]), world.actors.y_m[0, 0].item(),
                      world.actors.yaw_rad[0, 0].item()))
    world.close()
    fired = next(k for k, tick in enumerate(ticks) if tick[0])
    # it starts in lane 1 facing our way (one tick of its drift at most), the cut-in's distance already reached
    assert ticks[fired][1] == pytest.approx(1.75, abs=3.5 / 2.5 * dt + 1e-3) and abs(ticks[fired][2]) < 0.1
    there = next(k for k in range(fired, len(ticks)) if abs(ticks[k][1] + 1.75) < 1e-3)
    assert (there - fired) * dt == pytest.approx(2.5, abs=1.01 * dt)
