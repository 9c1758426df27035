"""Reading OpenDRIVE and OpenSCENARIO XML: lxml that never resolves entities or fetches
anything, and attribute access whose errors are one line naming the file, the line and the
element, with `$name` parameters and OpenSCENARIO 1.1 `${expression}`s substituted where a
file declares them.

An expression is arithmetic on numbers and `$name`s (+ - * / %, parentheses, unary minus,
round, floor, ceil, sqrt, pow, not, and, or), evaluated on Python's own parse tree of it with
only those nodes allowed: no library evaluates OpenSCENARIO's expressions, and `eval` would
run anything a file holds.
"""
from __future__ import annotations

import ast
import math
import operator
import re

from lxml import etree

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Mod: math.fmod}
_FUNCTIONS = {"round": lambda x: float(math.floor(x + 0.5)), "floor": math.floor, "ceil": math.ceil,
              "sqrt": math.sqrt, "pow": math.pow}
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


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
        if value.startswith("$") and not value.startswith("${"):
            if value[1:] not in self.parameters:
                raise self.fail(element, f"{name}={value!r} names a parameter that is never declared")
            value = self.parameters[value[1:]]
        if value.startswith("${") and value.endswith("}"):  # written in place or as a parameter's value
            return self._expression(element, name, value)
        return value

    def _expression(self, element: etree._Element, name: str, value: str) -> str:
        text = value[2:-1]
        for used in _PARAMETER.findall(text):
            if used not in self.parameters:
                raise self.fail(element, f"{name}={value!r} names a parameter that is never declared")
        try:
            tree = ast.parse(_PARAMETER.sub(r"\1", text).replace("&&", " and ").replace("||", " or "), mode="eval")
            result = self._evaluate(tree.body)
        except (SyntaxError, TypeError, ValueError, ArithmeticError):
            raise self.fail(element, f"{name}={value!r} is not an expression this reader evaluates; expected "
                                     "arithmetic on numbers and declared $parameters") from None
        return repr(float(result))

    def _evaluate(self, node: ast.expr) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in self.parameters:
            return float(self.parameters[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self._evaluate(node.left), self._evaluate(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            operand = self._evaluate(node.operand)
            return -operand if isinstance(node.op, ast.USub) else float(not operand) if isinstance(
                node.op, ast.Not) else operand
        if isinstance(node, ast.BoolOp):
            values = [bool(self._evaluate(v)) for v in node.values]
            return float(all(values) if isinstance(node.op, ast.And) else any(values))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                and not node.keywords):
            return float(_FUNCTIONS[node.func.id](*(self._evaluate(a) for a in node.args)))
        raise ValueError("not an allowed expression")

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
