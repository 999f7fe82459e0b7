"""Ledger records: the record model, canonical JSON and the SHA-256 chain hash.

A record's ``hash`` is the SHA-256 (lower-case hex) of the canonical JSON of every other field::

    {"campaign_id":…,"kind":…,"payload":{…},"prev_hash":…,"reason":…,"recorded_at":…,
     "seq":…,"supersedes":…}

Canonical JSON: keys sorted by code point, no whitespace, UTF-8 without ``\\u`` escapes for
non-ASCII text, no NaN or infinity. ``prev_hash`` of record 1 is 64 zeros. docs/ledger.md
states the recipe for third-party verifiers.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..errors import LedgerError

__all__ = [
    "GENESIS_HASH",
    "KINDS",
    "SINGULAR_KINDS",
    "WITHDRAWAL_PREFIX",
    "LedgerHead",
    "LedgerRecord",
    "Step",
    "StoredRow",
    "canonical_json",
    "check_payload",
    "hash_with_payload_text",
    "is_withdrawal",
    "record_hash",
    "utc_timestamp",
]

KINDS: tuple[str, ...] = (
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
"""Every step of a campaign the ledger records, in campaign order."""

SINGULAR_KINDS: frozenset[str] = frozenset({"roster_commitment", "seed", "draw", "assignment"})
"""Steps a campaign takes once: a repeat must supersede the earlier record and give a reason."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record."""

WITHDRAWAL_PREFIX = '{"withdrawn":'
"""How the canonical payload of a withdrawal starts: ``{"withdrawn": <seq>}`` and nothing else."""


def is_withdrawal(payload: object) -> bool:
    """Whether a payload withdraws the record it supersedes: ``{"withdrawn": seq}`` (`Ledger.supersede`)."""
    return isinstance(payload, dict) and list(payload) == ["withdrawn"] and type(payload["withdrawn"]) is int


class Step(NamedTuple):
    """One record to append: its campaign, kind and payload, and what it supersedes and why."""

    campaign_id: str
    kind: str
    payload: dict[str, Any]
    supersedes: int | None = None
    reason: str | None = None


class StoredRow(NamedTuple):
    """One ledger row exactly as stored: the payload is its canonical JSON text."""

    seq: int
    campaign_id: str
    kind: str
    payload: str
    supersedes: int | None
    reason: str | None
    prev_hash: str
    hash: str
    recorded_at: str


class LedgerHead(NamedTuple):
    """The last record of a ledger: its ``seq`` (0 when empty) and ``hash``."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One step of a campaign, as appended to the ledger."""

    seq: int
    campaign_id: str
    kind: str
    payload: dict[str, Any]
    supersedes: int | None
    reason: str | None
    prev_hash: str
    hash: str
    recorded_at: str

    @classmethod
    def from_row(cls, row: StoredRow) -> LedgerRecord:
        """Parse a stored row (the payload text becomes a dict)."""
        return cls(
            seq=row.seq,
            campaign_id=row.campaign_id,
            kind=row.kind,
            payload=json.loads(row.payload),
            supersedes=row.supersedes,
            reason=row.reason,
            prev_hash=row.prev_hash,
            hash=row.hash,
            recorded_at=row.recorded_at,
        )

    def to_dict(self) -> dict[str, Any]:
        """All fields, ``hash`` included, as a JSON-ready dict."""
        return {
            "seq": self.seq,
            "campaign_id": self.campaign_id,
            "kind": self.kind,
            "payload": self.payload,
            "supersedes": self.supersedes,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "recorded_at": self.recorded_at,
        }


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``: sorted keys, no whitespace, raw UTF-8, no NaN."""
    return _ENCODER.encode(value)


def record_hash(
    *,
    seq: int,
    campaign_id: str,
    kind: str,
    payload: Any,
    supersedes: int | None,
    reason: str | None,
    prev_hash: str,
    recorded_at: str,
) -> str:
    """SHA-256 hex digest of the canonical JSON of a record's fields (all but ``hash``)."""
    return hash_with_payload_text(
        seq=seq,
        campaign_id=campaign_id,
        kind=kind,
        payload_text=canonical_json(payload),
        supersedes=supersedes,
        reason=reason,
        prev_hash=prev_hash,
        recorded_at=recorded_at,
    )


def hash_with_payload_text(
    *,
    seq: int,
    campaign_id: str,
    kind: str,
    payload_text: str,
    supersedes: int | None,
    reason: str | None,
    prev_hash: str,
    recorded_at: str,
) -> str:
    """`record_hash` for a payload already in canonical JSON (spliced in, not re-serialised).

    The record's keys are written in their sorted order (campaign_id < kind < payload <
    prev_hash < reason < recorded_at < seq < supersedes), so this is the canonical JSON.
    """
    encode = _scalar
    text = (
        f'{{"campaign_id":{encode(campaign_id)},"kind":{encode(kind)},"payload":{payload_text},'
        f'"prev_hash":{encode(prev_hash)},"reason":{encode(reason)},"recorded_at":{encode(recorded_at)},'
        f'"seq":{encode(seq)},"supersedes":{encode(supersedes)}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _scalar(value: object) -> str:
    """Canonical JSON of one field value, with fast paths for the common types."""
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    return _ENCODER.encode(value)


def check_payload(payload: object) -> str:
    """Return the canonical JSON of a payload, or raise `LedgerError` naming the bad part.

    A payload is a dict with string keys whose values are JSON values (None, bool, int,
    finite float, str, list, dict); tuples are stored as lists.
    """
    if not isinstance(payload, dict):
        raise LedgerError(f"a ledger payload must be a dict, got {type(payload).__name__}")
    _check_json(payload, "payload")
    try:
        text = canonical_json(payload)
        text.encode("utf-8")
    except (TypeError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        raise LedgerError(f"the payload is not canonical JSON: {error}") from error
    return text


def _check_json(value: object, where: str) -> None:
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LedgerError(f"{where} is {value!r}: JSON has no NaN or infinity")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LedgerError(f"{where} has the key {key!r}: JSON object keys must be strings")
            _check_json(item, f"{where}[{key!r}]")
        return
    raise LedgerError(f"{where} is a {type(value).__name__}, which is not a JSON value")


def utc_timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as UTC ISO 8601 with microseconds, e.g. 2026-11-22T08:00:00.000000Z."""
    when = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return when.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
