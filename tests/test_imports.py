"""Every module of every package imports: the fast tier's guard against a broken import in a
package whose own tests are slow."""
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sim", "scenarios", "perception", "planner", "teleop", "reliability", "nines", "dashboard")
# the dashboard's app and `python -m nines` run when imported
ENTRY_POINTS = {"dashboard.app", "nines.__main__"}
MODULES = sorted(m.name for package in PACKAGES for m in pkgutil.walk_packages([str(ROOT / package)], f"{package}.")
                 if m.name not in ENTRY_POINTS)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_imports(name):
    assert importlib.import_module(name).__name__ == name
