"""The campaign protocol on the ledger: what must be recorded before what.

1. ``roster_commitment``: the frozen roster and snapshot digests, before anyone knows the seed;
2. ``seed``: the public seed (dice ceremony or beacon), only after a commitment;
3. ``draw``: its manifest must name the committed roster digest and the recorded seed;
4. ``assignment``: the teams' manifest, only after a draw.

The ledger itself refuses a repeated step unless it supersedes the earlier one with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import LedgerConflictError
from .ledger import Ledger, LedgerRecord

__all__ = [
    "record_assignment",
    "record_commitment",
    "record_draw",
    "record_seed",
    "record_substitution",
    "record_triggered_check",
]


def _current(ledger: Ledger, campaign_id: str, kind: str, before: str) -> LedgerRecord:
    records = ledger.current(campaign_id, kind)
    if not records:
        raise LedgerConflictError(
            f"campaign {campaign_id!r} has no {kind} record: record the {kind} before the {before}"
        )
    return records[-1]


def record_commitment(ledger: Ledger, campaign_id: str, commitment: Mapping[str, Any]) -> LedgerRecord:
    """Record the roster commitment (`dualrandom.draw.commitment`); it must precede the seed."""
    if ledger.current(campaign_id, "seed"):
        raise LedgerConflictError(
            f"campaign {campaign_id!r} already has a seed: a commitment made after the seed proves nothing"
        )
    return ledger.append(campaign_id, "roster_commitment", dict(commitment))


def record_seed(ledger: Ledger, campaign_id: str, seed: str, *, source: str) -> LedgerRecord:
    """Record the public seed and where it came from (for example "20 dice, live-streamed").

    Recording the same seed again returns the earlier record; a different seed is refused
    (a new seed must supersede the old one, with a reason, through `Ledger.append`).
    """
    _current(ledger, campaign_id, "roster_commitment", "seed")
    for earlier in ledger.current(campaign_id, "seed"):
        if earlier.payload.get("seed") == seed:
            return earlier
        raise LedgerConflictError(
            f"campaign {campaign_id!r} already recorded seed {earlier.payload.get('seed')!r} "
            f"(record {earlier.seq}); a different seed needs a superseding record with a reason"
        )
    return ledger.append(campaign_id, "seed", {"seed": seed, "source": source})


def record_draw(
    ledger: Ledger,
    campaign_id: str,
    manifest: Mapping[str, Any],
    *,
    supersedes: int | None = None,
    reason: str | None = None,
) -> LedgerRecord:
    """Record a draw whose manifest matches the committed roster and the recorded seed."""
    committed = _current(ledger, campaign_id, "roster_commitment", "draw").payload
    seeded = _current(ledger, campaign_id, "seed", "draw").payload
    if manifest.get("roster_digest") != committed.get("roster_digest"):
        raise LedgerConflictError(
            f"the draw used roster {manifest.get('roster_digest')}, "
            f"but campaign {campaign_id!r} committed to {committed.get('roster_digest')}"
        )
    if manifest.get("seed") != seeded.get("seed"):
        raise LedgerConflictError(
            f"the draw used seed {manifest.get('seed')!r}, but the recorded seed is {seeded.get('seed')!r}"
        )
    return ledger.append(campaign_id, "draw", dict(manifest), supersedes=supersedes, reason=reason)


def record_assignment(
    ledger: Ledger,
    campaign_id: str,
    manifest: Mapping[str, Any],
    *,
    supersedes: int | None = None,
    reason: str | None = None,
) -> LedgerRecord:
    """Record the teams' manifest, then its recusals (回避); a draw must have been recorded first.

    The ``recusal`` record lists every declared conflict or rotation rule that removed an
    officer from a drawn target, so an auditor sees who stood aside and why.
    """
    _current(ledger, campaign_id, "draw", "assignment")
    record = ledger.append(campaign_id, "assignment", dict(manifest), supersedes=supersedes, reason=reason)
    ledger.append(
        campaign_id,
        "recusal",
        {"assignment": record.seq, "rules": manifest.get("rules"), "recusals": manifest.get("recusals", [])},
    )
    return record


def record_substitution(ledger: Ledger, campaign_id: str, substitution: Mapping[str, Any]) -> LedgerRecord:
    """Record one use of the reserve (removed, added, reason; `dualrandom.draw.substitute`)."""
    _current(ledger, campaign_id, "draw", "substitution")
    return ledger.append(campaign_id, "substitution", dict(substitution))


def record_triggered_check(
    ledger: Ledger, campaign_id: str, *, uscc: str, department: str, on: str, reason: str
) -> LedgerRecord:
    """Record a check triggered by a complaint, an early warning or a case lead (风险预警、投诉举报).

    It is outside the random quota, and it counts toward the entity's frequency cap once the
    inspection history holds it (`dualrandom trigger --history` writes both).
    """
    if not reason.strip():
        raise LedgerConflictError("a triggered check needs its reason (complaint, early warning, case lead)")
    payload = {"uscc": uscc, "department": department, "inspected_on": on, "reason": reason.strip()}
    return ledger.append(campaign_id, "triggered_check", payload)
