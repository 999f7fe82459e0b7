"""The batches of an annual plan: the history each batch is drawn against, and batch seals.

A batch ``B`` is drawn against the history file plus the plan's checks the ledger holds before
it (earlier batches' draws, triggered checks: `batch_history`). A sealed plan commits once,
before the first seed (`dualrandom.draw.sealed.seal_plan`); each batch is then sealed before
its own seed (`compute_batch_seal`): its frames, eligible counts and quotas under the plan key,
computed from the ledger *as it stood* at a recorded head (`ledger_at`), so that records
appended later (a triggered check, a substitution) never change a sealed batch. The seal is
recorded as the batch's commitment (a ``roster_commitment`` record of ``PLAN/B``), and the
auditor recomputes every one of them (`verify_batch_seals`). docs/draw-spec.md §14.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import LedgerConflictError, LedgerError, LedgerMismatchError, PolicyError
from ..ledger import Ledger, LedgerHead, LedgerRecord
from ..ledger.records import Step, canonical_json
from ..verification import Difference, Verification, raising

if TYPE_CHECKING:
    from ..draw import Draw
    from ..draw.sealed import Seal
    from ..ledger.backend import Backend, Snapshot, WriteTransaction
    from ..ledger.records import StoredRow
    from ..models import Campaign

__all__ = [
    "batch_draw",
    "batch_history",
    "batch_seal_payload",
    "batch_seal_record",
    "batch_seal_step",
    "batch_to_seal",
    "check_batch_order",
    "check_unseeded",
    "compute_batch_seal",
    "ensure_batch_seals",
    "ledger_at",
    "recorded_batch_seal",
    "seal_steps",
    "verify_batch_seals",
]


class _SnapshotAt:
    """A snapshot that ends at record ``seq``."""

    def __init__(self, snapshot: Snapshot, seq: int) -> None:
        self._snapshot, self._seq = snapshot, seq

    def head(self) -> LedgerHead:
        rows = list(self._snapshot.rows(seq=self._seq)) if self._seq else []
        return LedgerHead(self._seq, rows[0].hash) if rows else LedgerHead(0, "0" * 64)

    def rows(
        self, campaign_id: str | None = None, kind: str | None = None, *, seq: int | None = None
    ) -> Iterator[StoredRow]:
        return (r for r in self._snapshot.rows(campaign_id, kind, seq=seq) if r.seq <= self._seq)


class _BackendAt:
    """A read-only backend showing the ledger as it stood after record ``seq``."""

    def __init__(self, backend: Backend, seq: int) -> None:
        self._backend, self._seq = backend, seq
        self.description = f"{backend.description} (as of record {seq})"

    def writing(self) -> AbstractContextManager[WriteTransaction]:
        raise LedgerError(f"{self.description} is a past state of the ledger: it cannot be written")

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        with self._backend.snapshot() as snapshot:
            yield _SnapshotAt(snapshot, self._seq)

    def close(self) -> None:
        """Nothing to close: the ledger it views stays open."""


def ledger_at(ledger: Ledger, seq: int) -> Ledger:
    """The ledger as it stood after record ``seq``, read only: no later record (no withdrawal) is in it."""
    return Ledger(_BackendAt(ledger.backend, seq), url=ledger.url)


def batch_history(ledger: Ledger | None, plan: Campaign, batch_id: str, given: Any) -> pd.DataFrame:
    """The history batch ``batch_id`` is drawn against, as text: ``given`` (a table, or none)
    plus the plan's checks ``ledger`` holds before the batch (`dualrandom.visits.plan_history`)."""
    from ..visits import HISTORY_COLUMNS, plan_history

    parts = [given.astype("string")] if isinstance(given, pd.DataFrame) else []
    if ledger is not None:
        parts.append(plan_history(ledger, plan, batch_id).astype("string"))
    history = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=HISTORY_COLUMNS)
    return history.fillna("")


def batch_seal_record(ledger: Ledger, plan_id: str, batch_id: str) -> LedgerRecord | None:
    """The current batch seal of ``PLAN/B`` (its ``roster_commitment`` record), if any."""
    found = ledger.current(f"{plan_id}/{batch_id}", "roster_commitment")
    return found[-1] if found else None


def batch_seal_payload(seal: Seal, plan_record: LedgerRecord) -> dict[str, Any]:
    """What the ledger records of a batch seal (and the file announced before the batch's seed)."""
    return {
        "kind": "batch_seal",
        "batch": seal.commitment["batch"],
        "plan_commitment": plan_record.seq,
        "roster_digest": seal.commitment["roster_digest"],
        "sealed": {"commitment": seal.commitment, "commitment_digest": seal.digest},
    }


def _plan_problems(plan: Campaign, plan_seal: Seal, history: Any) -> list[str]:
    """Why the campaign file or history file are not the ones the plan commitment committed."""
    from ..draw.commitment import history_digest
    from ..draw.sealed import plan_rules_digest

    committed = plan_seal.commitment
    problems = []
    if plan_rules_digest(plan) != committed.get("rules_digest"):
        problems.append(
            "the campaign file is not the one the plan commitment committed (rules, batches, dates)"
        )
    given = history_digest(history) if isinstance(history, pd.DataFrame) else None
    if given != committed.get("history_digest"):
        problems.append("the history is not the file the plan commitment committed")
    return problems


def compute_batch_seal(
    ledger: Ledger, plan: Campaign, batch_id: str, roster: pd.DataFrame, plan_seal: Seal, history: Any,
    head: LedgerHead,
) -> tuple[Seal, pd.DataFrame]:  # fmt: skip
    """The batch seal of ``batch_id`` computed at ``head``, and the batch history it commits to.

    ``history`` is the history file the plan committed (or None). Raises `SealMismatchError`
    when the campaign, history, roster or material are not the plan commitment's.
    """
    from ..draw.sealed import SealMismatchError, seal_batch
    from ..visits import batch_campaign

    problems = _plan_problems(plan, plan_seal, history)
    if problems:
        raise SealMismatchError("; ".join(problems))
    past = batch_history(ledger_at(ledger, head.seq), plan, batch_id, history)
    batch = plan.plan.batch(batch_id)
    seal = seal_batch(
        roster, batch_campaign(plan, batch_id), plan_seal, history=past, as_of=batch.drawn_on,
        head={"seq": head.seq, "hash": head.hash},
    )  # fmt: skip
    return seal, past


def batch_seal_step(
    ledger: Ledger, plan: Campaign, batch_id: str, roster: pd.DataFrame, plan_seal: Seal, history: Any,
    plan_record: LedgerRecord, existing: LedgerRecord | None,
) -> tuple[dict[str, Any], LedgerHead]:  # fmt: skip
    """The batch seal to record (`batch_seal_payload`) and the ledger head it is computed at.

    A new seal is computed at the current head; a recorded one (``existing``) again at its own
    head, so later records do not change it. Raises `LedgerMismatchError` when the campaign,
    history, roster or material are not the plan commitment's, and `LedgerConflictError` when
    the seal differs from the recorded one (with the command that withdraws it).
    """
    from ..draw.sealed import SealMismatchError
    from .recorded import changed_keys

    head = ledger.ensure_intact()
    if existing is not None:
        at = existing.payload["sealed"]["commitment"]["ledger_head"]
        head = LedgerHead(int(at["seq"]), str(at["hash"]))
    try:
        sealed, _ = compute_batch_seal(ledger, plan, batch_id, roster, plan_seal, history, head)
    except SealMismatchError as error:
        raise LedgerMismatchError(f"{error} (record {plan_record.seq}); nothing was recorded") from None
    payload = batch_seal_payload(sealed, plan_record)
    if existing is not None and canonical_json(existing.payload) != canonical_json(payload):
        raise LedgerConflictError(
            f"batch {batch_id!r} already has a different batch seal, record {existing.seq} (it differs in: "
            f"{changed_keys(existing.payload['sealed']['commitment'], sealed.commitment)}). To seal it "
            f"again, withdraw it with a reason first: dualrandom ledger supersede {ledger.url} "
            f"{existing.seq} --reason TEXT"
        )
    return payload, head


def check_batch_order(ledger: Ledger | None, plan: Campaign, batch_id: str) -> None:
    """Raise `LedgerConflictError` for a batch of a plan drawn in order whose previous batch has no draw."""
    rules = plan.plan
    if ledger is None or not rules.batches_in_order:
        return
    ids = [b.id for b in rules.batches]
    position = ids.index(batch_id)
    if position == 0 or ledger.current(f"{rules.id}/{ids[position - 1]}", "draw"):
        return
    raise LedgerConflictError(
        f"batch {batch_id!r} of plan {rules.id!r} comes after batch {ids[position - 1]!r}, which has no "
        f"recorded draw: draw {ids[position - 1]!r} first (the plan draws its batches in order)"
    )


def batch_draw(result: Draw, plan_id: str, batch_id: str | None) -> Draw:
    """The draw with its batch in the manifest and each target's visit id in the sample."""
    from dataclasses import replace

    from ..visits import VISIT_VERSION, visit_ids

    codes = result.sample["uscc"].astype(str).tolist()
    sample = result.sample.assign(visit=visit_ids(plan_id, batch_id, codes))
    manifest = {**result.manifest, "batch": batch_id, "visits": VISIT_VERSION}
    return replace(result, sample=sample, manifest=manifest)


def recorded_batch_seal(
    ledger: Ledger | None, plan_id: str, batch_id: str, plan_seal: Seal
) -> tuple[Seal, int]:
    """The batch's recorded seal under the plan key, and the ledger head it was computed at.

    Raises `PolicyError` without a ledger, `LedgerConflictError` for a batch not sealed yet and
    `LedgerMismatchError` for a seal bound to another plan commitment than ``plan_seal``.
    """
    from ..draw.sealed import Seal

    if ledger is None:
        raise PolicyError(
            f"batch {batch_id!r} of a sealed plan is drawn under its batch seal, which the plan's "
            "ledger holds: give the ledger (--ledger)"
        )
    record = batch_seal_record(ledger, plan_id, batch_id)
    if record is None:
        raise LedgerConflictError(
            f"batch {batch_id!r} of plan {plan_id!r} has no batch seal: seal it before its seed "
            f"(dualrandom seal ROSTER --batch {batch_id} --campaign FILE --ledger {ledger.url} "
            "--seal SEALED.json, with the plan's --history)"
        )
    commitment = dict(record.payload["sealed"]["commitment"])
    if commitment.get("plan_commitment_digest") != plan_seal.digest:
        raise LedgerMismatchError(
            f"the batch seal of {batch_id!r} (record {record.seq}) is bound to another plan commitment "
            f"than the sealed material given ({plan_seal.digest[:16]}…)"
        )
    return Seal(key=plan_seal.key, commitment=commitment), int(commitment["ledger_head"]["seq"])


def batch_to_seal(plan: Campaign, batch_id: str | None, ledger: Ledger | None) -> tuple[Ledger, str]:
    """The ledger and the declared batch a batch seal needs (`PolicyError` otherwise)."""
    declared = [b.id for b in plan.plan.batches]
    if batch_id is None or batch_id not in declared:
        raise PolicyError(
            f"a batch seal is made for one batch of plan {plan.plan.id!r} (--batch): "
            f"{', '.join(declared) or 'it declares no [[plan.batches]]'}"
        )
    if ledger is None:
        raise PolicyError("a batch seal is bound to the plan's ledger: give the ledger (--ledger)")
    return ledger, batch_id


def check_unseeded(ledger: Ledger, plan: Campaign, batch_id: str, seeds: list[LedgerRecord]) -> None:
    """Raise `LedgerConflictError` for a batch sealed after its seed (``seeds``) or out of order."""
    if seeds:
        raise LedgerConflictError(
            f"batch {batch_id!r} already has a seed (record {seeds[-1].seq}): a seal made "
            "after the seed proves nothing"
        )
    check_batch_order(ledger, plan, batch_id)


def seal_steps(
    campaign_id: str, batch_id: str, next_seq: int, head: LedgerHead, payload: dict[str, Any],
    existing: LedgerRecord | None,
) -> list[Step]:  # fmt: skip
    """The batch seal's record, unless already recorded; `LedgerConflictError` if the ledger moved on."""
    if existing is not None:
        return []
    if next_seq != head.seq + 1:
        raise LedgerConflictError(
            f"the ledger moved on while batch {batch_id!r} was sealed (head {head.seq}, now "
            f"{next_seq - 1}): seal it again"
        )
    return [Step(campaign_id, "roster_commitment", payload)]


def verify_batch_seals(
    ledger: Ledger, plan: Campaign, roster: pd.DataFrame, plan_seal: Seal, history: Any = None
) -> Verification:
    """The auditor's check of a sealed plan: every batch seal recomputed from the roster, the key
    and the ledger's recorded draws and triggered checks as of the seal's head.

    Checks the plan commitment against the material (``sealed.announced``) and, per recorded
    batch seal, its binding (``batch_seal.plan``, ``batch_seal.batch``, ``batch_seal.head``,
    ``batch_seal.after_seed``), its own digest (``sealed.commitment_digest``), every recomputed
    field (``batch_seal.recomputed``) and that the batch was drawn under it
    (``batch_seal.draw``). Raises `LedgerConflictError` when the plan has no commitment.
    """
    plan_id = plan.plan.id
    committed = ledger.current(plan_id, "roster_commitment")
    if not committed:
        raise LedgerConflictError(f"plan {plan_id!r} has no roster commitment in {ledger.url}")
    found: list[Difference] = []
    recorded = (committed[-1].payload.get("sealed") or {}).get("commitment_digest")
    if recorded != plan_seal.digest:
        found.append(
            Difference("sealed.announced", f"record {committed[-1].seq}", str(recorded), plan_seal.digest)
        )
    for batch in plan.plan.batches:
        record = batch_seal_record(ledger, plan_id, batch.id)
        if record is not None:
            found += _batch_differences(ledger, plan, batch.id, record, roster, plan_seal, history)
    return Verification(f"batch seals of plan {plan_id}", tuple(found))


ensure_batch_seals = raising(verify_batch_seals)


def _batch_differences(
    ledger: Ledger, plan: Campaign, batch_id: str, record: LedgerRecord, roster: pd.DataFrame,
    plan_seal: Seal, history: Any,
) -> list[Difference]:  # fmt: skip
    """The differences of one recorded batch seal (see `verify_batch_seals`)."""
    from ..draw.sealed import SealMismatchError, commitment_digest

    where = f"batch {batch_id} (record {record.seq})"
    sealed = record.payload.get("sealed") or {}
    commitment = sealed.get("commitment") or {}
    found = _binding_differences(ledger, plan, batch_id, record, commitment, plan_seal)
    if commitment_digest(commitment) != sealed.get("commitment_digest"):
        digest = commitment_digest(commitment)
        found.append(
            Difference("sealed.commitment_digest", where, digest, str(sealed.get("commitment_digest")))
        )
    head = commitment.get("ledger_head") or {}
    try:
        redone, _ = compute_batch_seal(
            ledger,
            plan,
            batch_id,
            roster,
            plan_seal,
            history,
            LedgerHead(int(head["seq"]), str(head["hash"])),
        )
    except (SealMismatchError, KeyError, TypeError, ValueError) as error:
        return [*found, Difference("batch_seal.recomputed", where, detail=f"cannot be recomputed: {error}")]
    for key in sorted(set(redone.commitment) | set(commitment)):
        mine, theirs = redone.commitment.get(key), commitment.get(key)
        if mine != theirs:
            found.append(Difference("batch_seal.recomputed", where, _short(mine), _short(theirs), key))
    draws = ledger.current(f"{plan.plan.id}/{batch_id}", "draw")
    drawn_under = ((draws[-1].payload.get("sealed") or {}).get("commitment_digest")) if draws else None
    if draws and drawn_under != sealed.get("commitment_digest"):
        found.append(
            Difference("batch_seal.draw", where, str(sealed.get("commitment_digest")), str(drawn_under))
        )
    return found


def _binding_differences(
    ledger: Ledger, plan: Campaign, batch_id: str, record: LedgerRecord, commitment: dict[str, Any],
    plan_seal: Seal,
) -> list[Difference]:  # fmt: skip
    """A batch seal bound to another plan commitment or batch, an unknown head, or made after the seed."""
    where = f"batch {batch_id} (record {record.seq})"
    found = []
    if commitment.get("plan_commitment_digest") != plan_seal.digest:
        shown = str(commitment.get("plan_commitment_digest"))
        found.append(Difference("batch_seal.plan", where, plan_seal.digest, shown))
    if commitment.get("batch") != batch_id or commitment.get("campaign_id") != f"{plan.plan.id}/{batch_id}":
        found.append(Difference("batch_seal.batch", where, batch_id, str(commitment.get("batch"))))
    head = commitment.get("ledger_head") or {}
    at = ledger.record(int(head["seq"])) if isinstance(head.get("seq"), int) and head["seq"] > 0 else None
    if at is None or at.hash != head.get("hash") or at.seq >= record.seq:
        found.append(Difference("batch_seal.head", where, detail=f"head {head!r}"))
    seeds = ledger.current(f"{plan.plan.id}/{batch_id}", "seed")
    if seeds and seeds[0].seq < record.seq:
        found.append(
            Difference(
                "batch_seal.after_seed", where, f"before record {seeds[0].seq}", f"record {record.seq}"
            )
        )
    return found


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
