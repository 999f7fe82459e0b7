"""The public API checks its arguments' types at the package boundary.

Every function reached as ``dualrandom.NAME`` is wrapped by `checked` when first imported:
each argument is compared with the outer type of its annotation (``str | Path``,
``pd.DataFrame``, ``Campaign``, ``date``, ``Mapping[...]``, ``Literal[...]``) before the call,
so a wrong type raises `ArgumentError` naming the function, the parameter, what it expects
and what it was given, instead of an ``AttributeError`` deep inside. Only the outer type is
checked (a list's items are not walked), so the check costs microseconds, not a pass over
the data. Functions called from inside the package are not wrapped.
"""

from __future__ import annotations

import functools
import inspect
import os
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ArgumentError

__all__ = ["checked"]

F = TypeVar("F", bound=Callable[..., Any])
Test = Callable[[object], bool]

_PATH_TYPES = {"Path", "PurePath", "PathLike"}


def _accepts(annotation: Any, value: object) -> bool:
    """Whether ``value`` fits the outer type of ``annotation`` (unknown forms accept anything)."""
    if annotation is Any or isinstance(annotation, TypeVar):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(part, value) for part in typing.get_args(annotation))
    if origin is typing.Literal:
        return any(type(value) is type(choice) and value == choice for choice in typing.get_args(annotation))
    if origin is not None:
        return not isinstance(origin, type) or isinstance(value, origin)
    if annotation is None or annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(annotation, type):
        if annotation.__name__ in _PATH_TYPES:
            return isinstance(value, os.PathLike)
        if getattr(annotation, "_is_protocol", False):  # structural: has every public member
            return all(hasattr(value, name) for name in vars(annotation) if not name.startswith("_"))
        return isinstance(value, annotation)
    return True


def _expected(annotation: Any) -> str:
    """The annotation as a reader would write it: ``str | Path``, ``DataFrame``, ``'A' | 'B'``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_expected(part) for part in typing.get_args(annotation))
    if origin is typing.Literal:
        return " | ".join(repr(choice) for choice in typing.get_args(annotation))
    if annotation is None or annotation is type(None):
        return "None"
    named = origin if origin is not None else annotation
    return getattr(named, "__name__", str(named))


def _shown(value: object) -> str:
    """A short description of a wrong value: its type and, for small values, the value."""
    text = repr(value)
    return f"{type(value).__name__} {text}" if len(text) <= 40 else type(value).__name__


@functools.cache
def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    """The resolvable annotations of ``function`` (names only imported for mypy are skipped)."""
    function = inspect.unwrap(function)  # a wrapper (a raising twin) checks as what it wraps
    try:
        return typing.get_type_hints(function)
    except (NameError, TypeError):
        hints: dict[str, Any] = {}
        namespace = getattr(function, "__globals__", {})
        for name, text in getattr(function, "__annotations__", {}).items():
            try:
                hints[name] = eval(text, namespace) if isinstance(text, str) else text
            except Exception:  # an annotation naming a type only imported for mypy
                continue
        return hints


@functools.cache
def _plan(function: Callable[..., Any]) -> tuple[inspect.Signature, tuple[tuple[str, Any, Test], ...]]:
    """The signature and, per positional parameter in order, its name, annotation and test."""
    signature = inspect.signature(function)
    hints = _hints(function)
    positional = tuple(
        (name, hints.get(name, Any), _test(hints.get(name, Any)))
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    )
    return signature, positional


def _test(annotation: Any) -> Test:
    """A fast test for ``annotation``: a bare ``isinstance`` for a plain class."""
    plain = isinstance(annotation, type) and annotation not in (float, type(None))
    if plain and annotation.__name__ not in _PATH_TYPES and not getattr(annotation, "_is_protocol", False):
        return lambda value: isinstance(value, annotation)
    return functools.partial(_accepts, annotation)


def _refuse(function: Callable[..., Any], name: str, annotation: Any, value: object) -> ArgumentError:
    expected = _expected(annotation)
    return ArgumentError(f"{function.__name__}(): {name} must be {expected}, not {_shown(value)}")


def check_arguments(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise `ArgumentError` if an argument does not fit its annotation's outer type.

    The common call (every required argument given by position) checks each argument in turn
    without binding the signature.
    """
    signature, positional = _plan(function)
    if not kwargs and len(args) == len(positional):
        for (name, annotation, test), value in zip(positional, args, strict=True):
            if not test(value):
                raise _refuse(function, name, annotation, value)
        return
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise ArgumentError(f"{function.__name__}(): {error}") from None
    hints = _hints(function)
    for name, value in bound.arguments.items():
        parameter = signature.parameters[name]
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) or name not in hints:
            continue
        if not _accepts(hints[name], value):
            raise _refuse(function, name, hints[name], value)


def checked(function: F) -> F:
    """``function`` with its arguments checked by `check_arguments` before each call."""
    if not inspect.isfunction(function):
        return function

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_arguments(function, args, kwargs)
        return function(*args, **kwargs)

    return typing.cast(F, wrapper)
