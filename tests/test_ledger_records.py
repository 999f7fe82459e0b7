"""Ledger records: the hash recipe (known answer), canonical JSON, payload checks, and the
property that any single changed character of a stored row is caught and named."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.errors import LedgerError, LedgerIntegrityError
from dualrandom.ledger import (
    GENESIS_HASH,
    KINDS,
    Ledger,
    LedgerHead,
    StoredRow,
    canonical_json,
    ensure_rows,
    record_hash,
)

SEED_PAYLOAD = {"source": "骰子", "seed": "31415926", "witnesses": ["张三", "李四"]}
# Written by hand from docs/ledger.md: sorted keys, no spaces, raw UTF-8, null for None.
SEED_CANONICAL = (
    '{"campaign_id":"XY-2026-Q4","kind":"seed","payload":{"seed":"31415926","source":"骰子",'
    '"witnesses":["张三","李四"]},"prev_hash":"' + "0" * 64 + '","reason":null,'
    '"recorded_at":"2026-11-22T08:00:00.000000Z","seq":1,"supersedes":null}'
)
SEED_HASH = "0f48a70ad3c47268b9dcc6283675511a520bf0b404ac0c692cc9e6d0570ebc63"


def test_known_answer_hash() -> None:
    assert hashlib.sha256(SEED_CANONICAL.encode("utf-8")).hexdigest() == SEED_HASH
    digest = record_hash(
        seq=1,
        campaign_id="XY-2026-Q4",
        kind="seed",
        payload=SEED_PAYLOAD,
        supersedes=None,
        reason=None,
        prev_hash=GENESIS_HASH,
        recorded_at="2026-11-22T08:00:00.000000Z",
    )
    assert digest == SEED_HASH


def test_known_answer_through_the_ledger() -> None:
    beijing = timezone(timedelta(hours=8))  # a clock in any zone is recorded in UTC
    with Ledger.open(":memory:", clock=lambda: datetime(2026, 11, 22, 16, tzinfo=beijing)) as ledger:
        record = ledger.append("XY-2026-Q4", "seed", SEED_PAYLOAD)
    assert record.recorded_at == "2026-11-22T08:00:00.000000Z"
    assert record.hash == SEED_HASH


def test_kinds_are_the_contract() -> None:
    assert KINDS == (
        "roster_commitment",
        "seed",
        "draw",
        "substitution",
        "assignment",
        "recusal",
        "triggered_check",
        "results",
        "publication",
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_canonical_json_is_a_fixed_point(payload: dict[str, Any]) -> None:
    text = canonical_json(payload)
    assert json.loads(text) == payload
    assert canonical_json(json.loads(text)) == text
    assert canonical_json(dict(reversed(payload.items()))) == text  # key order does not matter


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "a ledger payload must be a dict, got list"),
        ({"x": math.nan}, "payload['x'] is nan: JSON has no NaN or infinity"),
        ({"x": [1, math.inf]}, "payload['x'][1] is inf"),
        ({"x": {1: "a"}}, "payload['x'] has the key 1: JSON object keys must be strings"),
        ({"x": {1, 2}}, "payload['x'] is a set, which is not a JSON value"),
        ({"x": "\ud800"}, "the payload is not canonical JSON"),
    ],
)
def test_bad_payloads_are_refused(payload: Any, message: str) -> None:
    with Ledger.open(":memory:") as ledger, pytest.raises(LedgerError, match=re.escape(message)):
        ledger.append("C", "results", payload)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("", "seed", {}), "campaign_id must be a non-empty string without outer spaces, got ''"),
        ((" C", "seed", {}), "campaign_id must be a non-empty string without outer spaces, got ' C'"),
        (("C", "redraw", {}), "unknown ledger record kind 'redraw'; expected one of roster_commitment, seed"),
        (("C\udc80", "seed", {}), "campaign_id 'C\\udc80' cannot be written as UTF-8"),
    ],
)
def test_bad_arguments_are_refused(arguments: tuple[Any, ...], message: str) -> None:
    with Ledger.open(":memory:") as ledger, pytest.raises(LedgerError, match=re.escape(message)):
        ledger.append(*arguments)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"supersedes": 0, "reason": "x"}, "supersedes must be the seq"),
        ({"supersedes": True, "reason": "x"}, "supersedes must be the seq"),
        ({"reason": "  "}, "reason must be a non-empty string when given"),
    ],
)
def test_bad_supersede_options_are_refused(options: dict[str, Any], message: str) -> None:
    with Ledger.open(":memory:") as ledger, pytest.raises(LedgerError, match=message):
        ledger.append("C", "results", {}, **options)


# --- any changed character is caught -------------------------------------------------------------

steps = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2", "襄阳-2026"]),
        st.sampled_from(["substitution", "recusal", "triggered_check", "results", "publication"]),
        st.dictionaries(st.text(max_size=6), json_values, max_size=3),
        st.none() | st.text(min_size=1, max_size=10).filter(str.strip),
    ),
    min_size=1,
    max_size=8,
)
MUTABLE = ("campaign_id", "kind", "payload", "reason", "prev_hash", "hash", "recorded_at")


def _chain(recipe: list[tuple[str, str, dict[str, Any], str | None]]) -> tuple[list[StoredRow], LedgerHead]:
    with Ledger.open(":memory:") as ledger:
        for campaign_id, kind, payload, reason in recipe:
            ledger.append(campaign_id, kind, payload, reason=reason)
        with ledger.backend.snapshot() as snapshot:
            return list(snapshot.rows()), snapshot.head()


@settings(max_examples=80, deadline=None)
@given(steps, st.data())
def test_any_changed_character_names_its_row(
    recipe: list[tuple[str, str, dict[str, Any], str | None]], data: st.DataObject
) -> None:
    rows, head = _chain(recipe)
    assert ensure_rows(rows, head) == head
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    field = data.draw(
        st.sampled_from([f for f in MUTABLE if getattr(rows[index], f) is not None]), label="field"
    )
    text: str = getattr(rows[index], field)
    position = data.draw(st.integers(0, len(text) - 1), label="position")
    replacement = data.draw(st.characters().filter(lambda c: c != text[position]), label="character")
    changed: dict[str, Any] = {field: text[:position] + replacement + text[position + 1 :]}
    rows[index] = rows[index]._replace(**changed)
    with pytest.raises(LedgerIntegrityError) as caught:
        ensure_rows(rows, head)
    assert caught.value.row == rows[index].seq


@settings(max_examples=40, deadline=None)
@given(steps.filter(lambda recipe: len(recipe) >= 2), st.data())
def test_any_dropped_or_swapped_row_is_caught(
    recipe: list[tuple[str, str, dict[str, Any], str | None]], data: st.DataObject
) -> None:
    rows, head = _chain(recipe)
    first = data.draw(st.integers(0, len(rows) - 2), label="first")
    second = data.draw(st.integers(first + 1, len(rows) - 1), label="second")
    if data.draw(st.booleans(), label="drop"):
        del rows[first]
    else:  # reorder: the rows keep their places in seq order but trade contents
        rows[first], rows[second] = (
            rows[second]._replace(seq=rows[first].seq),
            rows[first]._replace(seq=rows[second].seq),
        )
    with pytest.raises(LedgerIntegrityError) as caught:
        ensure_rows(rows, head)
    assert caught.value.row == first + 1


def test_anchor_must_match() -> None:
    rows, head = _chain([("C", "results", {"n": 1}, None), ("C", "results", {"n": 2}, None)])
    assert ensure_rows(rows, head, [LedgerHead(1, rows[0].hash)]) == head
    with pytest.raises(
        LedgerIntegrityError, match=r"record 1 has hash .* but the published anchor says 0+$"
    ) as caught:
        ensure_rows(rows, head, [LedgerHead(1, "0" * 64)])
    assert caught.value.row == 1
    with pytest.raises(LedgerIntegrityError, match="record 7 is missing, but the published anchor"):
        ensure_rows(rows, head, [LedgerHead(7, rows[0].hash)])


@given(
    st.integers(1, 2**62),
    st.text(),
    st.sampled_from(KINDS),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    st.none() | st.integers(1, 2**62),
    st.none() | st.text(),
    st.text(),
)
def test_spliced_hash_is_the_hash_of_the_canonical_record(
    seq: int,
    campaign_id: str,
    kind: str,
    payload: dict[str, Any],
    supersedes: int | None,
    reason: str | None,
    recorded_at: str,
) -> None:
    fields: dict[str, Any] = {
        "seq": seq,
        "campaign_id": campaign_id,
        "kind": kind,
        "supersedes": supersedes,
        "reason": reason,
        "prev_hash": "ab" * 32,
        "recorded_at": recorded_at,
    }
    expected = hashlib.sha256(canonical_json({**fields, "payload": payload}).encode("utf-8")).hexdigest()
    assert record_hash(**fields, payload=payload) == expected
