"""OpenSCENARIO 1.0 export: every family's episode validates against the standard's schema.

The schema is ASAM OpenSCENARIO 1.0's XSD as shipped in the `scenariogeneration` wheel
(schemas/OpenSCENARIO_1_0.xsd, from https://github.com/pyoscx/scenariogeneration)."""
import importlib.metadata
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from scenarios.catalog import FAMILIES
from scenarios.openscenario import to_xosc

xmlschema = pytest.importorskip("xmlschema")


@pytest.fixture(scope="module")
def schema():
    files = [f for f in importlib.metadata.files("scenariogeneration") if f.name == "OpenSCENARIO_1_0.xsd"]
    return xmlschema.XMLSchema(str(files[0].locate()))


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_exports_valid_openscenario(name, schema, bank):
    family = FAMILIES[name]
    params = family.from_unit(np.full((1, len(family.all_parameters)), 0.3))[0]
    spec = family.build(params, seed=3)
    text = to_xosc(spec, "road.xodr", bank)
    schema.validate(text)
    root = ET.fromstring(text)
    objects = root.findall("./Entities/ScenarioObject")
    assert len(objects) == 1 + len(spec.actors)
    triggered = [e for a in spec.actors for e in a.events]
    assert len(root.findall(".//Maneuver/Event")) == len(triggered)
    exact_for_nines = ("open_door", "run_red_light", "set_speed", "pull_out")
    custom = [e.action.kind for e in triggered if e.action.kind in exact_for_nines]
    assert [c.get("type") for c in root.iter("CustomCommandAction")] == [f"nines:{kind}" for kind in custom]
    kinds = [p.get("value") for p in root.iter("Property") if p.get("name") == "nines:kind"]
    assert kinds == [a.kind.name.lower() for a in spec.actors]
    for event in triggered:
        if event.trigger.kind == "distance":
            values = [float(c.get("value")) for c in root.iter("RelativeDistanceCondition")]
            assert event.trigger.value in values


def test_export_command_writes_xodr_and_xosc(tmp_path):
    result = subprocess.run([sys.executable, "-m", "nines", "export", "pedestrian_near_side", "--seed", "4",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pedestrian_near_side_4.xodr").exists()
    xosc = ET.parse(tmp_path / "pedestrian_near_side_4.xosc").getroot()
    assert xosc.find("./RoadNetwork/LogicFile").get("filepath") == "pedestrian_near_side_4.xodr"
    bad = subprocess.run([sys.executable, "-m", "nines", "export", "nope", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "family 'nope'" in bad.stderr and not (tmp_path / "x").exists()


def _init_of(text: str) -> ET.Element:
    return ET.fromstring(text).find("./Storyboard/Init/Actions")


@pytest.mark.parametrize("condition", ["clear", "fog", "night", "rain", "snow", "lens_dirt"])
def test_the_weather_and_the_route_go_into_the_init(condition, bank):
    """The EnvironmentAction says what the renderer shows: fog's visual range is where its
    contrast falls to 5 %, night has the sun below the horizon, rain and snow precipitate and
    lower the road's friction; the ego's route passes through the route the world drives."""
    from scenarios.weather_mix import CONDITION_PRESET
    from sim.render.conditions import extinction_per_m
    from sim.weather import PRESETS
    from sim.world import BatchedWorld, WorldConfig

    family = FAMILIES["lead_vehicle_stopped"]
    params = {**family.from_unit(np.full((1, len(family.all_parameters)), 0.5))[0], "condition": condition}
    spec = family.build(params, seed=1)
    init = _init_of(to_xosc(spec, "road.xodr", bank))
    weather = PRESETS[CONDITION_PRESET[condition]]
    sun, fog = init.find(".//Weather/Sun"), init.find(".//Weather/Fog")
    precipitation = init.find(".//Weather/Precipitation")
    friction = float(init.find(".//RoadCondition").get("frictionScaleFactor"))
    visual_range = float(fog.get("visualRange"))
    fog_start = weather.fog_distance if weather.fog_density > 0 else 0.0
    faded = np.exp(-extinction_per_m(weather.fog_density, weather.precipitation) * (visual_range - fog_start))
    assert faded == pytest.approx(0.05, rel=1e-6)
    assert (visual_range < 500) == (condition == "fog") and (float(sun.get("elevation")) < 0) == (condition == "night")
    assert (float(sun.get("intensity")) == 0) == (condition == "night")
    assert precipitation.get("precipitationType") == {"rain": "rain", "snow": "snow"}.get(condition, "dry")
    assert (friction < 1) == (condition in ("rain", "snow"))
    description = ET.fromstring(to_xosc(spec, "road.xodr", bank)).find("FileHeader").get("description")
    assert ("lens_dirt" in description) == (condition == "lens_dirt")
    route = init.find("./Private[@entityRef='ego']//AssignRouteAction/Route")
    assert route.get("name") == spec.route
    points = np.array([[float(p.get("x")), float(p.get("y"))] for p in route.iter("WorldPosition")])
    world = BatchedWorld(WorldConfig(batch_size=1, camera=None), bank=bank)
    world.load(0, spec)
    polyline = world.route.polyline(0)
    world.close()
    gaps = np.linalg.norm(points[:, None] - polyline[None], axis=-1).min(axis=1)
    assert len(points) >= 3 and gaps.max() < 1e-3 and np.allclose(points[-1], polyline[-1], atol=1e-3)
