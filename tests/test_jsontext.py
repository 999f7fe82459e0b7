"""stable_json writes exactly the standard library's sorted, indented text, faster."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dualrandom.jsontext import stable_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)


def reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@given(VALUES)
def test_the_text_is_the_standard_librarys(value: Any) -> None:
    assert stable_json(value) == reference(value)


def test_the_values_orjson_writes_differently_fall_back() -> None:
    for value in ({"ratio": 1e-05}, {"x": math.nan}, {1: "integer key"}, [2**64], {"big": 1.5e-7}):
        assert stable_json(value) == reference(value)


def test_a_large_manifest_of_flat_records_is_identical() -> None:
    sample = [{"uscc": f"91420600{i:010d}", "ticket": f"{i:064x}", "tier": "ABCD"[i % 4]} for i in range(99)]
    manifest = {"sample": sample, "seed": "63454660390103169462", "zh": "抽查"}
    assert stable_json(manifest) == reference(manifest)
