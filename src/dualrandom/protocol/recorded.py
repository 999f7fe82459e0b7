"""What the ledger records of a campaign, and how a step's input is compared with it.

The drawn (task, entity) pairs of the recorded draw and substitutions, the difference a clerk
reads when a file is not the recorded one, the later steps that rest on each record, and
`supersede`, which withdraws a record so that its step can be taken again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import InputError, LedgerConflictError, LedgerError, Problem
from ..ledger import Ledger, LedgerRecord
from ..ledger.records import canonical_json

__all__ = [
    "DEPENDENTS",
    "Pair",
    "applied",
    "changed_keys",
    "difference",
    "drawn_pairs",
    "publication_inputs",
    "recorded_sample",
    "sample_pairs",
    "seed_refusal",
    "supersede",
]

DEPENDENTS: dict[str, tuple[str, ...]] = {
    "roster_commitment": ("seed",),
    "seed": ("draw",),
    "draw": ("substitution", "assignment", "results", "publication"),
    "assignment": ("publication",),
    "results": ("publication",),
}
"""The later steps that rest on each kind of record: withdraw those first."""


Pair = tuple[str, str]


def drawn_pairs(manifest: Mapping[str, Any]) -> set[Pair]:
    """The (task_id, uscc) pairs a draw manifest lists as drawn (its substitutions applied)."""
    return {(str(r["task_id"]), str(r["uscc"])) for r in manifest.get("sample", [])}


def sample_pairs(sample: pd.DataFrame, source: str) -> set[Pair]:
    missing = [c for c in ("uscc", "task_id") if c not in sample.columns]
    if missing:
        raise InputError(
            [
                Problem(source, None, c, None, "COLUMN_MISSING", f"the sample needs a {c!r} column")
                for c in missing
            ]
        )
    from ..ids import normalize_ids

    codes = normalize_ids(sample["uscc"].astype("string").fillna(""))
    tasks = sample["task_id"].astype("string").fillna("").str.strip()
    return set(zip(tasks.tolist(), codes.tolist(), strict=True))


def difference(found: set[Pair], recorded: set[Pair], what: str) -> str:
    missing, extra = sorted(recorded - found), sorted(found - recorded)
    parts = []
    if missing:
        shown = ", ".join(f"{u} ({t})" for t, u in missing[:5])
        parts.append(f"{len(missing)} drawn target(s) missing (e.g. {shown})")
    if extra:
        shown = ", ".join(f"{u!r} ({t})" for t, u in extra[:5])
        parts.append(f"{len(extra)} target(s) that were not drawn (e.g. {shown})")
    hint = (
        "; codes like '9.24206E+17' mean the file went through Excel: use the file `dualrandom draw` wrote"
        if any("E+" in u.upper() for _, u in extra)
        else ""
    )
    return f"{what}: " + "; ".join(parts) + hint


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if canonical_json(old.get(k)) != canonical_json(new.get(k)))
    return ", ".join(keys[:8]) or "content"


def recorded_sample(ledger: Ledger, campaign_id: str) -> set[Pair]:
    """The drawn (task_id, uscc) pairs a ledger records: the current draw, then each substitution."""
    draws = ledger.current(campaign_id, "draw")
    pairs = drawn_pairs(draws[-1].payload) if draws else set()
    return applied(pairs, [r.payload for r in ledger.current(campaign_id, "substitution")])


def applied(pairs: set[Pair], substitutions: list[dict[str, Any]]) -> set[Pair]:
    """``pairs`` after each substitution (removed → added, in its task), in order."""
    for substitution in substitutions:
        task = str(substitution["task_id"])
        pairs.discard((task, str(substitution["removed"])))
        pairs.add((task, str(substitution["added"])))
    return pairs


def seed_refusal(campaign_id: str, ledger: Ledger | None, seed: str, recorded: LedgerRecord) -> str:
    """Why ``seed`` is refused: it is not the seed of ``recorded``, and how to withdraw that one."""
    url = ledger.url if ledger else "LEDGER"
    return (
        f"seed {seed!r} is not the seed recorded for campaign {campaign_id!r} "
        f"({recorded.payload.get('seed')!r}, record {recorded.seq}); a new seed needs the old one "
        f"withdrawn with a reason: dualrandom ledger supersede {url} {recorded.seq} --reason TEXT"
    )


def supersede(ledger: Ledger, seq: int, reason: str) -> LedgerRecord:
    """Withdraw record ``seq`` with a reason, so its step can be taken again; both stay recorded.

    Refuses (`LedgerConflictError`) while a later step of the campaign rests on it (withdraw
    that one first) and (`LedgerError`) without a reason or for an unknown record.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise LedgerError("superseding a record needs a reason (what was wrong, who decided)")
    record = ledger.record(seq)
    if record is None:
        raise LedgerError(f"the ledger {ledger.url} has no record {seq}")
    for kind in DEPENDENTS.get(record.kind, ()):
        resting = _resting(ledger, record.campaign_id, kind)
        if resting:
            raise LedgerConflictError(
                f"record {seq} ({record.kind}) has a later {kind} record resting on it "
                f"(record {resting[-1].seq}); withdraw that first: dualrandom ledger supersede "
                f"{ledger.url} {resting[-1].seq} --reason TEXT"
            )
    return ledger.supersede(seq, reason.strip())


def _resting(ledger: Ledger, campaign_id: str, kind: str) -> list[LedgerRecord]:
    """Current records of ``kind`` of the campaign and of its batches (``campaign_id/BATCH``)."""
    owners = {r.campaign_id for r in ledger.records(kind=kind)}
    batches = sorted(o for o in owners if o.startswith(f"{campaign_id}/"))
    return [r for owner in [campaign_id, *batches] for r in ledger.current(owner, kind)]


def publication_inputs(publication: Any) -> str:
    """A digest of what a publication publishes, to recognise the same publication again."""
    rows = publication.rows.to_json(orient="records", force_ascii=False)
    parts = [rows, canonical_json(publication.notices), canonical_json(publication.manifest),
             publication.published_on.isoformat()]  # fmt: skip
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()
