"""The kernel's Arrow path: codes hashed from a large_string array's buffers, checked against hashlib."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom import kernel
from dualrandom.draw import draw_sample
from dualrandom.kernel import _text_buffers, text_keys
from dualrandom.tickets import digests as reference_digests
from dualrandom.tickets import keys_from_digests, seed_digest

pytestmark = pytest.mark.skipif(not kernel.available(), reason="the C kernel is not built")
CODES = st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=130), max_size=40)


def reference_keys(seed: str, codes: list[str]) -> np.ndarray:
    previous = kernel.set_enabled(False)
    try:
        return keys_from_digests(reference_digests(seed, codes))
    finally:
        kernel.set_enabled(previous)


@settings(max_examples=120, deadline=None)
@given(CODES, st.integers(0, 5), st.integers(1, 8), st.booleans())
def test_keys_from_buffers_are_hashlibs(codes: list[str], skip: int, threads: int, portable: bool) -> None:
    whole = pa.array(["lead"] * skip + codes, pa.large_string())
    sliced = whole.slice(skip)  # offsets that do not start at the buffer's first value
    keys = np.frombuffer(
        text_keys(seed_digest("0042"), sliced, threads=threads, portable=portable), np.uint64
    )
    assert keys.tolist() == reference_keys("0042", codes).tolist()


@pytest.mark.parametrize(
    ("offsets", "data"),
    [([0, 5, 3], b"abcde"), ([0, 2, 9], b"abcde"), ([-1, 2], b"abcde"), ([0, 2**40], b"ab")],
)
def test_offsets_outside_the_data_are_refused_not_read(offsets: list[int], data: bytes) -> None:
    from dualrandom.kernel import _MODULE

    assert _MODULE is not None
    with pytest.raises(ValueError, match="does not lie inside the data"):
        _MODULE.text_digests(
            seed_digest("1").encode(), data, np.array(offsets, dtype=np.int64).tobytes(), 1, 0, 1
        )
    with pytest.raises(ValueError, match="int64"):
        _MODULE.text_digests(seed_digest("1").encode(), data, b"\x00" * 12, 1, 0, 1)


def test_only_large_strings_without_gaps_are_taken() -> None:
    with pytest.raises(ValueError, match="large_string"):
        _text_buffers(pa.array(["a"], pa.string()))
    with pytest.raises(ValueError, match="missing"):
        _text_buffers(pa.array(["a", None], pa.large_string()))


def test_the_draw_gives_the_same_sample_from_arrow_text_objects_and_hashlib() -> None:
    rng = np.random.default_rng(3)
    codes = [f"91420600{i:010d}" for i in rng.permutation(40_000)]
    tiers = rng.choice(list("ABCD"), size=len(codes))
    ratios = {"A": 0.01, "B": 0.03, "C": 0.1, "D": 0.3}
    draws = [draw_sample(pd.DataFrame({"uscc": codes, "tier": tiers}, dtype=dtype), ratios, "0042")
             for dtype in ("str", object)]  # fmt: skip
    previous = kernel.set_enabled(False)
    try:
        draws.append(draw_sample(pd.DataFrame({"uscc": codes, "tier": tiers}, dtype="str"), ratios, "0042"))
    finally:
        kernel.set_enabled(previous)
    for other in draws[1:]:
        assert other.sample.equals(draws[0].sample)
        assert other.manifest == draws[0].manifest
