"""What every command shares: error reporting, the console, and common options."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click
from rich.console import Console

from ..errors import DualrandomError, InputError

__all__ = ["console", "fail_on_errors", "stderr"]

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


def fail_on_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Report a `DualrandomError` as ``Error: ...`` on stderr and exit 1 (2 for bad input)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except DualrandomError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2 if isinstance(error, InputError) else 1)

    return wrapper
