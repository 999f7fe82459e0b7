"""Check a ledger's chain: every edited, deleted, inserted or reordered record is named.

Checks, record by record in seq order: seq runs 1, 2, 3, … without gaps; ``prev_hash`` is the
previous record's ``hash``; the payload is canonical JSON; ``hash`` is the SHA-256 of the other
fields; kind is known and the supersede rules hold. Finally the stored head must point at the
last record, and each published anchor (seq, hash) must match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ..errors import LedgerError, LedgerIntegrityError
from .records import (
    GENESIS_HASH,
    KINDS,
    WITHDRAWAL_PREFIX,
    LedgerHead,
    StoredRow,
    canonical_json,
    hash_with_payload_text,
)
from .rules import StepHistory, check_supersede

__all__ = ["content_problem", "verify_rows"]

_SHOWN = 20


def verify_rows(
    rows: Iterable[StoredRow], head: LedgerHead, anchors: Sequence[LedgerHead] = ()
) -> LedgerHead:
    """Verify stored rows (in seq order) against the stored head and published anchors.

    Returns the verified head. Raises `LedgerIntegrityError` listing every problem found, with
    ``row`` = the seq of the first bad record.
    """
    problems: list[tuple[int, str]] = []
    steps: dict[tuple[str, str], StepHistory] = {}
    anchored = {anchor.seq for anchor in anchors}
    hashes: dict[int, str] = {}  # only of anchored records
    last = LedgerHead(0, GENESIS_HASH)
    for row in rows:
        expected = last.seq + 1
        if row.seq > expected:
            missing = f"{expected}" if row.seq == expected + 1 else f"{expected}-{row.seq - 1}"
            problems.append(
                (expected, f"record {missing} is missing (record {row.seq} follows {last.seq}): deleted")
            )
        elif row.seq < expected:
            problems.append(
                (row.seq, f"record {row.seq} is out of order (after record {last.seq}): inserted")
            )
        elif row.prev_hash != last.hash:
            problems.append(
                (
                    row.seq,
                    f"record {row.seq} does not chain to record {last.seq} (prev_hash differs): "
                    "inserted or reordered",
                )
            )
        rule_problem = _rule_problem(row, steps)  # always run: it records the step for later rows
        problem = content_problem(row) or rule_problem
        if problem is not None:
            problems.append((row.seq, f"record {row.seq} {problem}"))
        if row.seq in anchored:
            hashes[row.seq] = row.hash
        last = LedgerHead(row.seq, row.hash)
    if head != last:
        seq = min(head.seq, last.seq) + 1 if head.seq != last.seq else last.seq
        problems.append(
            (
                seq,
                f"the ledger head names record {head.seq} ({head.hash[:12]}…) but the last record is "
                f"{last.seq} ({last.hash[:12]}…): records deleted or appended behind the ledger's back",
            )
        )
    for anchor in anchors:
        if hashes.get(anchor.seq) != anchor.hash:
            found = hashes.get(anchor.seq)
            shown = "is missing" if found is None else f"has hash {found}"
            problems.append(
                (anchor.seq, f"record {anchor.seq} {shown}, but the published anchor says {anchor.hash}")
            )
    if problems:
        problems.sort(key=lambda item: item[0])
        listed = "\n".join(f"  - {message}" for _, message in problems[:_SHOWN])
        more = f"\n  ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise LedgerIntegrityError(
            f"ledger integrity check failed at record {problems[0][0]} "
            f"({len(problems)} problem(s)):\n{listed}{more}",
            row=problems[0][0],
        )
    return last


def content_problem(row: StoredRow) -> str | None:
    """What is wrong with one stored record on its own (kind, canonical payload, hash), or None."""
    if row.kind not in KINDS:
        return f"has an unknown kind {row.kind!r}: edited"
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return "has a payload that is not valid JSON: edited"
    if not isinstance(payload, dict) or canonical_json(payload) != row.payload:
        return "has a payload that is not canonical JSON: edited"
    try:
        computed = hash_with_payload_text(
            seq=row.seq,
            campaign_id=row.campaign_id,
            kind=row.kind,
            payload_text=row.payload,
            supersedes=row.supersedes,
            reason=row.reason,
            prev_hash=row.prev_hash,
            recorded_at=row.recorded_at,
        )
    except UnicodeEncodeError:
        return "holds bytes that are not UTF-8: edited"
    if computed != row.hash:
        return "does not match its hash: edited"
    return None


def _rule_problem(row: StoredRow, steps: dict[tuple[str, str], StepHistory]) -> str | None:
    history = steps.setdefault((row.campaign_id, row.kind), StepHistory())
    try:
        check_supersede(row.campaign_id, row.kind, row.supersedes, row.reason, history)
    except LedgerError as error:
        return f"breaks the supersede rules: {error}"
    finally:
        history.add(row.seq, row.supersedes, row.payload.startswith(WITHDRAWAL_PREFIX))
    return None
