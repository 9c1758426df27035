"""User errors: bad input that ends a command with one clear line and exit code 2."""
from __future__ import annotations

from pydantic import ValidationError


class UserError(Exception):
    """A mistake in what the user asked for; its message is the one line they will see."""


def describe_validation(prefix: str, error: ValidationError) -> str:
    """One line naming the first invalid setting, its value and what is allowed."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    value = first.get("input")
    context = first.get("ctx") or {}
    bounds = [f"{op} {context[key]}" for key, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
              if key in context]
    expected = f"expected {' and '.join(bounds)}" if bounds else first["msg"]
    return f"{prefix}.{field} = {value!r} is invalid: {expected}"
