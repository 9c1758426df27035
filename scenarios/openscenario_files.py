"""The files an OpenSCENARIO scenario reads: the scenario itself, parsed once while unchanged,
and the catalogs its CatalogReferences name (entities, routes, maneuvers, trajectories,
environments)."""
from __future__ import annotations

import copy
import functools
from pathlib import Path

from lxml import etree

from sim.xml_reader import XmlReader, parse_xml


class ScenarioImportError(ValueError):
    """A scenario the import cannot honour: one line naming the file, the line, the element and
    what was expected."""


def parse_xosc(path: Path) -> etree._Element:
    """The root of an OpenSCENARIO file (read once while the file is unchanged: a family
    imports its scenario and catalogs for every episode); ScenarioImportError if it cannot be
    read or is not one. Callers only read the tree."""
    try:
        status = path.stat()
    except OSError as error:
        raise ScenarioImportError(f"{path}: cannot be read ({error.strerror}); expected an OpenSCENARIO .xosc file")
    return _parsed(str(path), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=64)
def _parsed(path: str, modified_ns: int, size: int) -> etree._Element:
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise ScenarioImportError(f"{path}: cannot be read ({error.strerror}); expected an OpenSCENARIO .xosc file")
    return parse_xml(text, path, "OpenSCENARIO", ScenarioImportError)


def catalog_entry(reader: XmlReader, root: etree._Element, reference: etree._Element
                  ) -> tuple[etree._Element, XmlReader]:
    """The catalog entry a CatalogReference names, from the CatalogLocations' directories, with
    a reader of it: the entry's ParameterDeclarations, as the reference's ParameterAssignments
    set them, over the scenario's."""
    catalog, entry = reader.text(reference, "catalogName"), reader.text(reference, "entryName")
    for directory in root.findall("CatalogLocations/*/Directory"):
        folder = (Path(reader.source).parent / reader.text(directory, "path")).resolve()
        for file in sorted(folder.glob("*.xosc")):
            document = parse_xosc(file)
            for found in document.findall("Catalog"):
                if found.get("name") == catalog:
                    for item in found:
                        if item.get("name") == entry:
                            return item, _entry_reader(reader, reference, file, item)
    raise reader.fail(reference, f"names {catalog}/{entry}, which no catalog of the CatalogLocations holds")


def _entry_reader(reader: XmlReader, reference: etree._Element, file: Path, item: etree._Element) -> XmlReader:
    values = {d.get("name"): d.get("value") for d in item.findall("ParameterDeclarations/ParameterDeclaration")}
    for assignment in reference.findall("ParameterAssignments/ParameterAssignment"):
        # a name, not a reference to one, though some files write it with its $
        name = (assignment.get("parameterRef") or reader.text(assignment, "parameterRef")).removeprefix("$")
        if name not in values:
            raise reader.fail(assignment, f"assigns {name!r}, which catalog entry {item.get('name')} never declares; "
                                          f"it declares {', '.join(values) or 'none'}")
        values[name] = reader.text(assignment, "value")
    # an entry may also use the scenario's own parameters, as esmini lets it
    return XmlReader(str(file), ScenarioImportError, {**reader.parameters, **values})


# Where a CatalogReference stands for its entry in place, by its parent: the entry it must name
INLINED = {"ManeuverGroup": "Maneuver", "TrajectoryRef": "Trajectory", "EnvironmentAction": "Environment"}


def inline_catalog_entries(reader: XmlReader, root: etree._Element) -> etree._Element:
    """The scenario with each CatalogReference of a ManeuverGroup, TrajectoryRef or
    EnvironmentAction replaced by the Maneuver, Trajectory or Environment it names, its
    parameters substituted, every element given the reference's line (so a refusal inside names
    where the scenario uses it); a copy where there are any: the parsed file stays as read."""
    if not any(r.getparent().tag in INLINED for r in root.iter("CatalogReference")):
        return root
    root = copy.deepcopy(root)
    for reference in [r for r in root.iter("CatalogReference") if r.getparent().tag in INLINED]:
        entry, entry_reader = catalog_entry(reader, root, reference)
        expected = INLINED[reference.getparent().tag]
        if entry.tag != expected:
            raise reader.fail(reference, f"names a {entry.tag}; expected a {expected}")
        inlined = copy.deepcopy(entry)
        for declarations in inlined.findall("ParameterDeclarations"):
            inlined.remove(declarations)
        for element in inlined.iter(etree.Element):
            for name in element.attrib:
                element.set(name, entry_reader.text(element, name))
            element.sourceline = reference.sourceline
        reference.getparent().replace(reference, inlined)
    return root
