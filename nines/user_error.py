"""User errors: bad input that ends a command with one clear line and exit code 2."""
from __future__ import annotations

import sys
from typing import Callable

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


def run_app(app, prog: str, user_errors: Callable[[], tuple[type[Exception], ...]]) -> None:
    """Run a typer app; user errors (UserError and the types `user_errors()` names, asked
    only when something was raised, so that `--help` imports none of their heavy modules) and
    command-line usage errors print one line `prog: message` and exit 2, with no traceback."""
    import typer

    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except Exception as error:
        if isinstance(error, (UserError, *user_errors())):
            print(f"{prog}: {error}", file=sys.stderr)
            sys.exit(2)
        # usage errors of the command line itself (a bad flag or value): one line, exit 2
        if isinstance(error, typer.TyperException):
            print(f"{prog}: {error.format_message()}", file=sys.stderr)
            sys.exit(2)
        raise
    sys.exit(code if isinstance(code, int) else 0)
