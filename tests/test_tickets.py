"""The ticket recipe: known answers from consistent_sampler, and the vectorised keys."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom import tickets as T

RIVEST_SEED = "01382438112797316654"
RIVEST_TICKET = "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"


def reference_ticket(seed: str, entity_id: str) -> str:
    """An independent re-implementation of the recipe from docs/draw-spec.md."""
    inner = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    value = int(hashlib.sha256((inner + entity_id).encode("utf-8")).hexdigest(), 16)
    return "0." + str(value).zfill(64)[::-1]


def test_known_answer_of_consistent_sampler() -> None:
    assert T.seed_digest(RIVEST_SEED) == "a9c6a8879a42dc078b0393ba293718410cde1dd546180fe1fb41caab3b7c7ca0"
    assert T.ticket(RIVEST_SEED, "AB-130") == RIVEST_TICKET
    assert T.tickets(RIVEST_SEED, ["AB-130"]).tolist() == [RIVEST_TICKET]
    assert T.ticket_keys(RIVEST_SEED, ["AB-130"]).tolist() == [2629971412283800]


def test_sha256_uniform_vector() -> None:
    expected = "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
    assert T.ticket_from_digest(hashlib.sha256(b"abc").digest()) == expected


@pytest.mark.parametrize(
    ("ids", "seed", "expected"),
    [
        (["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"], "314159", ["B-2", "B-3", "A-3", "A-2"]),
        (["a", "b", "c", "d"], "31", ["b", "a", "d", "c"]),
    ],
)
def test_ticket_order_matches_consistent_sampler(ids: list[str], seed: str, expected: list[str]) -> None:
    full = T.tickets(seed, ids)
    by_string = [ids[i] for i in np.argsort(full.astype(str))]
    keys = T.ticket_keys(seed, ids)
    by_key = [ids[i] for i in np.lexsort((full.astype(str), keys))]
    assert by_string[: len(expected)] == expected
    assert by_key[: len(expected)] == expected


def test_seed_is_text_leading_zeros_and_unicode_matter() -> None:
    assert T.ticket("0", "X") != T.ticket("0000000000", "X")
    assert T.ticket("snowman: ☃", "X") == reference_ticket("snowman: ☃", "X")
    assert T.ticket("😀", "统一") == reference_ticket("😀", "统一")


@settings(max_examples=60, deadline=None)
@given(
    seed=st.text(max_size=30),
    ids=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=40, unique=True),
)
def test_keys_are_the_first_16_digits_and_order_like_strings(seed: str, ids: list[str]) -> None:
    full = T.tickets(seed, ids)
    keys = T.ticket_keys(seed, ids)
    assert full.tolist() == [reference_ticket(seed, i) for i in ids]
    assert [int(t[2:18]) for t in full] == keys.tolist()
    assert [ids[i] for i in np.lexsort((full.astype(str), keys))] == [
        ids[i] for i in np.argsort(full.astype(str))
    ]


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=30))
def test_keys_from_digests_match_integer_arithmetic(blobs: list[bytes]) -> None:
    blobs += [b"\x00" * 32, b"\xff" * 32, (10**16 - 1).to_bytes(32, "big"), (10**16).to_bytes(32, "big")]
    expected = [int(f"{int.from_bytes(b, 'big'):064d}"[::-1][:16]) for b in blobs]
    assert T.keys_from_digests(b"".join(blobs)).tolist() == expected


def test_two_processes_give_the_same_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(T, "_PARALLEL_MINIMUM", 0)
    ids = [f"91{i:016d}" for i in range(2_001)]
    assert T.ticket_keys("7", ids, processes=2).tolist() == T.ticket_keys("7", ids).tolist()


def test_compare_key_renders_leading_zeros() -> None:
    assert T.compare_key(42) == "0.0000000000000042"


def test_a_seed_that_is_not_text_is_a_clear_error() -> None:
    import pandas as pd

    from dualrandom.draw import draw_sample
    from dualrandom.errors import DrawError

    roster = pd.DataFrame({"uscc": ["91420602MA4F1XYB0X"], "tier": ["A"]})
    for seed, message in (
        (123, "the seed must be text"),
        (b"0042", "not bytes"),
        ("7\udcff", "no UTF-8 form"),
    ):
        with pytest.raises(DrawError, match=message):
            draw_sample(roster, {"A": 0.5}, seed=seed)  # type: ignore[arg-type]
        with pytest.raises(DrawError, match=message):
            T.ticket(seed, "AB-130")  # type: ignore[arg-type]
