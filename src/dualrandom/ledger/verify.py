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
from ..verification import Difference, Verification
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

__all__ = ["content_problem", "ensure_rows", "verify_rows"]

_SHOWN = 20


def verify_rows(
    rows: Iterable[StoredRow], head: LedgerHead, anchors: Sequence[LedgerHead] = ()
) -> Verification:
    """Verify stored rows (in seq order) against the stored head and published anchors.

    Returns every ``ledger.*`` difference in seq order (docs/verification.md); the subject
    names the last record read. Never raises for what the rows hold.
    """
    return _chain(rows, head, anchors)[0]


def ensure_rows(
    rows: Iterable[StoredRow], head: LedgerHead, anchors: Sequence[LedgerHead] = ()
) -> LedgerHead:
    """Like `verify_rows`, but return the verified head or raise `LedgerIntegrityError`.

    The error lists every difference (``differences``) and names the first bad record (``row``).
    """
    verification, last, seqs = _chain(rows, head, anchors)
    if verification.ok:
        return last
    listed = "\n".join(f"  - {line}" for line in verification.lines()[:_SHOWN])
    more = f"\n  ... and {len(verification) - _SHOWN} more" if len(verification) > _SHOWN else ""
    raise LedgerIntegrityError(
        f"ledger integrity check failed at record {seqs[0]} "
        f"({len(verification)} problem(s)):\n{listed}{more}",
        row=seqs[0],
        differences=verification.differences,
    )


def _chain(
    rows: Iterable[StoredRow], head: LedgerHead, anchors: Sequence[LedgerHead]
) -> tuple[Verification, LedgerHead, list[int]]:
    """The differences sorted by seq, the last record read, and the seq of each difference."""
    found: list[tuple[int, Difference]] = []
    steps: dict[tuple[str, str], StepHistory] = {}
    anchored = {anchor.seq for anchor in anchors}
    hashes: dict[int, str] = {}  # only of anchored records
    last = LedgerHead(0, GENESIS_HASH)
    for row in rows:
        found += _link(row, last)
        rule_problem = _rule_problem(row, steps)  # always run: it records the step for later rows
        problem = content_problem(row)
        if problem is not None:
            found.append((row.seq, Difference("ledger.edited", f"record {row.seq}", detail=problem)))
        elif rule_problem is not None:
            found.append((row.seq, Difference("ledger.supersede", f"record {row.seq}", detail=rule_problem)))
        if row.seq in anchored:
            hashes[row.seq] = row.hash
        last = LedgerHead(row.seq, row.hash)
    if head != last:
        seq = min(head.seq, last.seq) + 1 if head.seq != last.seq else last.seq
        shown, ours = f"{head.seq} ({head.hash[:12]}…)", f"{last.seq} ({last.hash[:12]}…)"
        found.append((seq, Difference("ledger.head", "ledger head", ours, shown)))
    for anchor in anchors:
        if hashes.get(anchor.seq) != anchor.hash:
            stored = hashes.get(anchor.seq)
            shown = "is missing" if stored is None else f"has hash {stored}"
            found.append(
                (anchor.seq, Difference("ledger.anchor", f"record {anchor.seq}", anchor.hash, shown))
            )
    found.sort(key=lambda item: item[0])
    subject = f"ledger of {last.seq} record(s); head {last.seq}:{last.hash}"
    return Verification(subject, tuple(d for _, d in found)), last, [seq for seq, _ in found]


def _link(row: StoredRow, last: LedgerHead) -> list[tuple[int, Difference]]:
    """How ``row`` fails to follow ``last``: a gap (deleted), a step back (inserted), a broken chain."""
    expected, where = last.seq + 1, f"record {row.seq}"
    if row.seq > expected:
        missing = f"{expected}" if row.seq == expected + 1 else f"{expected}-{row.seq - 1}"
        return [(expected, Difference("ledger.missing", f"record {missing}", str(last.seq), str(row.seq)))]
    if row.seq < expected:
        return [(row.seq, Difference("ledger.inserted", where, str(last.seq), str(row.seq)))]
    if row.prev_hash != last.hash:
        return [(row.seq, Difference("ledger.unchained", where, str(last.seq), row.prev_hash))]
    return []


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
        return str(error)
    finally:
        history.add(row.seq, row.supersedes, row.payload.startswith(WITHDRAWAL_PREFIX))
    return None
