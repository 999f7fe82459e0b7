"""stable_json's proof of identity: every float, type and record list orjson writes differently."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.jsontext import _written_differently, stable_json


def reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_float_is_written_as_repr_writes_it(number: float) -> None:
    text = stable_json({"x": number, "records": [{"n": number, "k": str(number)}] * 9})
    assert text == reference({"x": number, "records": [{"n": number, "k": str(number)}] * 9})
    if math.isfinite(number):
        assert float(json.loads(text)["x"]) == number  # the text reads back as the same float


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (1e16, "1e+16"),
        (1e-7, "1e-07"),
        (1e-5, "1e-05"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e15, "1000000000000000.0"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
    ],
)
def test_known_floats_have_the_standard_librarys_text(number: float, written: str) -> None:
    assert stable_json([number]) == f"[\n  {written}\n]\n"


@pytest.mark.parametrize("number", [1e-7, 1e-5, 2.5e-5, math.nan, math.inf, -math.inf])
def test_floats_orjson_writes_otherwise_are_refused_by_the_fast_path(number: float) -> None:
    assert _written_differently({"a": [{"b": number}]})


def test_plain_values_and_floats_written_alike_pass_the_fast_path() -> None:
    assert not _written_differently(
        {"ratio": 0.25, "zero": -0.0, "n": 3, "ok": True, "none": None, "t": ("x",)}
    )


def test_a_float_hidden_in_the_tenth_record_still_falls_back() -> None:
    records: list[Any] = [{"uscc": f"{i:018d}", "rank": i} for i in range(20)]
    records[9] = {"uscc": "x", "rank": 1e-05}
    records[13] = {"uscc": "y", "nested": [{"deep": [1.5e-7]}]}
    assert _written_differently({"sample": records})
    assert stable_json({"sample": records}) == reference({"sample": records})


class Colour(enum.Enum):
    RED = "red"


class Tier(enum.StrEnum):
    A = "A"


class Text(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        {"tier": Tier.A},
        {"t": Text("x")},
        {Text("k"): 1},
        {1: "a"},
        [True, 1, 2**63],
        [2**64],
        [-(2**63) - 1],
        {"nested": [[[[]]]], "empty": {}},
    ],
)
def test_subclasses_keys_and_integers_match_the_standard_library(value: Any) -> None:
    assert stable_json(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [{"d": datetime.date(2026, 11, 2)}, {"u": uuid.uuid4()}, {"e": Colour.RED}, {"p": Point(1)}, {1, 2}],
)
def test_types_the_standard_library_refuses_are_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        stable_json(value)


def test_a_circular_value_is_refused_as_the_standard_library_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        stable_json(loop)
