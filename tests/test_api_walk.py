"""The public API walked with wrong arguments: only DualrandomError subclasses escape."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import dualrandom as dr

WRONG = [None, 12345, "no-such-thing", object(), 1.5, b"bytes", ["x"], {"a": 1}, pd.DataFrame()]
FUNCTIONS = sorted(name for name in dr.__all__ if not inspect.isclass(getattr(dr, name)))


def _required(function: Callable[..., Any]) -> tuple[list[inspect.Parameter], list[inspect.Parameter]]:
    parameters = [p for p in inspect.signature(function).parameters.values() if p.default is p.empty]
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keyword = [p for p in parameters if p.kind == p.KEYWORD_ONLY]
    return positional, keyword


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("wrong", WRONG, ids=lambda v: type(v).__name__)
def test_wrong_arguments_raise_only_dualrandom_errors(name: str, wrong: object, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a function that accepts the value may write: never in the repo
    function = getattr(dr, name)
    positional, keyword = _required(function)
    try:
        function(*[wrong for _ in positional], **{p.name: wrong for p in keyword})
    except dr.DualrandomError as error:
        assert str(error), name
    assert not list(tmp_path.iterdir()) or name in {"write_table", "save_snapshot"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_missing_arguments_are_argument_errors(name: str) -> None:
    function = getattr(dr, name)
    if not any(_required(function)):
        pytest.skip("no required arguments")
    with pytest.raises(dr.ArgumentError, match=rf"^{function.__name__}\(\): missing"):
        function()


def test_messages_name_the_function_the_parameter_and_the_fix() -> None:
    frame = pd.DataFrame({"uscc": ["91350100M000100Y43"]})
    with pytest.raises(dr.ArgumentError, match=r"draw_sample\(\): seed must be str, not int 123"):
        dr.draw_sample(frame, {"A": 0.1}, 123)
    with pytest.raises(dr.ArgumentError, match=r"read_roster\(\): source must be str \| Path \| DataFrame"):
        dr.read_roster(12, "entities")
    with pytest.raises(dr.ArgumentError, match=r"kind must be 'entities' \| 'inspectors'"):
        dr.read_roster(frame, "nonsense")  # type: ignore[arg-type]
    assert isinstance(dr.ArgumentError("x"), TypeError)


def test_wrapping_keeps_the_signature_and_the_docstring() -> None:
    from dualrandom.draw import draw_sample

    assert inspect.signature(dr.draw_sample) == inspect.signature(draw_sample)
    assert dr.draw_sample.__doc__ == draw_sample.__doc__
    assert dr.draw_sample.__wrapped__ is draw_sample  # type: ignore[attr-defined]
