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
    triggered = [e for a in spec.actors for e in a.events if e.action.kind not in ("open_door", "run_red_light")]
    assert len(root.findall(".//Maneuver/Event")) == len(triggered)
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
