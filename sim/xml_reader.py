"""Reading OpenDRIVE and OpenSCENARIO XML: lxml that never resolves entities or fetches
anything, and attribute access whose errors are one line naming the file, the line and the
element, with `$name` parameters substituted where a file declares them."""
from __future__ import annotations

from lxml import etree


def parse_xml(text: bytes, source: str, root_tag: str, error: type[ValueError]) -> etree._Element:
    """The root element of `text`; `error` (one line) if it is not well-formed or not root_tag."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             huge_tree=True)
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as failure:
        raise error(f"{source}:{failure.lineno}: not well-formed XML ({failure.msg}); expected {root_tag}") from None
    if root.tag != root_tag:
        raise error(f"{source}:{root.sourceline}: <{root.tag}> is the root element; expected <{root_tag}>")
    return root


class XmlReader:
    """Attributes of one file's elements; failures raise `error` naming where."""

    def __init__(self, source: str, error: type[ValueError], parameters: dict[str, str] | None = None):
        self.source = source
        self.error = error
        self.parameters = parameters or {}

    def fail(self, element: etree._Element, what: str) -> ValueError:
        return self.error(f"{self.source}:{element.sourceline}: <{element.tag}> {what}")

    def text(self, element: etree._Element, name: str, default: str | None = None) -> str:
        value = element.get(name, default)
        if value is None:
            raise self.fail(element, f"has no {name}; expected one")
        if value.startswith("$"):
            if value[1:] not in self.parameters:
                raise self.fail(element, f"{name}={value!r} names a parameter that is never declared")
            value = self.parameters[value[1:]]
        return value

    def number(self, element: etree._Element, name: str, default: float | None = None) -> float:
        value = self.text(element, name, None if default is None else repr(default))
        try:
            return float(value)
        except ValueError:
            raise self.fail(element, f"{name}={value!r}; expected a number") from None

    def one(self, element: etree._Element, path: str) -> etree._Element:
        found = element.find(path)
        if found is None:
            raise self.fail(element, f"has no {path}; expected one")
        return found
