"""The campaign protocol: one owner of a campaign's steps and of every ledger write.

A campaign runs commit → seed and draw → substitute / trigger → assign → results → publish.
Every step of `CampaignProtocol` does the same four things, in this order:

1. **check** its inputs against the ledger (the sample *is* the recorded draw, the seed *is*
   the recorded seed, the results are the imported ones) — a mismatch raises
   `LedgerMismatchError` naming the record and the difference;
2. **compute** (draw, teams, validated results, publication);
3. **write** its outputs atomically;
4. **record** last, in one transaction that extends the head it checked.

A failure or a kill at any point therefore leaves the ledger as it was, and the rerun goes
through. Running a step again with the same inputs rewrites its outputs and reports "already
recorded as record N"; different inputs for a step taken once are refused with the command that
withdraws the earlier record (`supersede`, ``dualrandom ledger supersede LEDGER N --reason``).
Without a ledger the steps only compute and write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pandas as pd

from ..errors import LedgerConflictError, LedgerError, LedgerMismatchError, PolicyError
from ..ledger import Ledger, LedgerHead, LedgerRecord
from ..ledger.records import Step, canonical_json
from ..models import Campaign
from .outputs import (
    write_batch_history,
    write_commitment,
    write_draw,
    write_history,
    write_seal,
    write_targets,
    write_teams,
)
from .recorded import (
    Pair,
    applied,
    changed_keys,
    difference,
    drawn_pairs,
    publication_inputs,
    sample_pairs,
    supersede,
)

if TYPE_CHECKING:
    from ..assign import Assignment
    from ..draw import Draw
    from ..draw.sealed import Seal

__all__ = ["CampaignProtocol", "StepResult"]

T = TypeVar("T")


@dataclass(frozen=True)
class StepResult(Generic[T]):
    """What a step produced (``value``), wrote (``outputs``) and recorded (``records``).

    ``already_recorded`` is True when the same step with the same inputs was recorded before:
    its outputs were written again and nothing was appended.
    """

    step: str
    value: T
    records: tuple[LedgerRecord, ...] = ()
    already_recorded: bool = False
    outputs: tuple[Path, ...] = field(default=())

    def describe(self) -> str:
        """One line for the operator: what was recorded, or that it already was."""
        if not self.records:
            return f"{self.step}: written, not recorded (no ledger)"
        seqs = ", ".join(str(r.seq) for r in self.records)
        if self.already_recorded:
            return f"{self.step} already recorded as record {seqs}: nothing appended"
        return f"{self.step} recorded as record {seqs}"


class CampaignProtocol:
    """The steps of one campaign, checked against and recorded in its ledger (if any).

    Raises `LedgerConflictError` for a step out of order or a repeated step with different
    inputs, `LedgerMismatchError` for an input that is not what the ledger recorded, and
    `LedgerIntegrityError` when the ledger's chain is broken (nothing is appended then).
    """

    def __init__(self, campaign: Campaign, ledger: Ledger | None = None, *, batch: str | None = None) -> None:
        from ..visits import batch_campaign

        self.plan = campaign
        self.batch = batch
        self.campaign = batch_campaign(campaign, batch) if batch is not None else campaign
        self.ledger = ledger
        self._read: tuple[LedgerHead, dict[str, list[LedgerRecord]]] | None = None

    @property
    def campaign_id(self) -> str:
        """The id the ledger records this campaign's steps under: the plan id, or ``PLAN/BATCH``."""
        return self.campaign.plan.id

    @property
    def plan_id(self) -> str:
        """The plan id: the roster commitment is recorded once for the plan, before any seed."""
        return self.plan.plan.id

    def _owner(self, kind: str) -> str:
        return self.plan_id if kind == "roster_commitment" else self.campaign_id

    def _need_batch(self) -> None:
        """Refuse a step of a plan in batches that does not name its batch."""
        if self.batch is None and self.plan.plan.batches:
            listed = ", ".join(b.id for b in self.plan.plan.batches)
            raise PolicyError(
                f"plan {self.plan_id!r} is drawn in batches ({listed}): name the batch (--batch)"
            )

    # ---- state ---------------------------------------------------------------------------

    def current(self, kind: str) -> list[LedgerRecord]:
        """The campaign's current (not superseded, not withdrawn) records of a kind.

        Read once per ledger head: a step's checks parse each record (a draw manifest may be
        megabytes) once, and any append, ours or another writer's, makes the next call read again.
        """
        if self.ledger is None:
            return []
        head = self.ledger.head()
        if self._read is None or self._read[0] != head:
            self._read = (head, {})
        found = self._read[1]
        if kind not in found:
            found[kind] = self.ledger.current(self._owner(kind), kind)
        return list(found[kind])

    def plan_seeds(self) -> list[LedgerRecord]:
        """The current seed records of the plan, in every batch."""
        if self.ledger is None:
            return []
        prefix = f"{self.plan_id}/"
        owners = {r.campaign_id for r in self.ledger.records(kind="seed")}
        found = [
            self.ledger.current(o, "seed")
            for o in sorted(owners)
            if o == self.plan_id or o.startswith(prefix)
        ]
        return [record for records in found for record in records]

    def _require(self, kind: str, before: str) -> LedgerRecord:
        found = self.current(kind)
        if not found:
            raise LedgerConflictError(
                f"campaign {self.campaign_id!r} has no {kind} record: record the {kind} before {before}"
            )
        return found[-1]

    def recorded_sample(self) -> set[Pair]:
        """The targets as recorded: the draw, then each substitution, plus bulk triggered checks."""
        triggered = {
            (str(record.payload["task_id"]), str(check["uscc"]))
            for record in self.current("triggered_check")
            if "task_id" in record.payload
            for check in record.payload.get("checks", [])
        }
        if triggered and not self.current("draw"):
            return triggered
        draw = self._require("draw", "this step")
        drawn = applied(drawn_pairs(draw.payload), [r.payload for r in self.current("substitution")])
        return drawn | triggered

    def check_sample(self, sample: pd.DataFrame, source: str = "sample") -> None:
        """Raise `LedgerMismatchError` unless ``sample`` holds exactly the recorded targets."""
        if self.ledger is None:
            return
        recorded = self.recorded_sample()
        found = sample_pairs(sample, source)
        if found != recorded:
            draws = self.current("draw")
            what = (
                f"draw record {draws[-1].seq}"
                if draws
                else f"triggered checks record {self.current('triggered_check')[-1].seq}"
            )
            raise LedgerMismatchError(difference(found, recorded, f"{source} is not the sample of {what}"))

    def _refuse_different(self, kind: str, payload: Mapping[str, Any]) -> LedgerRecord | None:
        """The current record of a step taken once if it equals ``payload``; refuse a different one."""
        found = self.current(kind)
        if not found:
            return None
        last = found[-1]
        if canonical_json(last.payload) == canonical_json(payload):
            return last
        assert self.ledger is not None
        raise LedgerConflictError(
            f"campaign {self.campaign_id!r} already recorded a different {kind} as record {last.seq} "
            f"(it differs in: {changed_keys(last.payload, payload)}). To replace it, withdraw it "
            f"with a reason first: dualrandom ledger supersede {self.ledger.url} {last.seq} --reason TEXT"
        )

    def _record(
        self, steps: Callable[[int], list[Step]], write: Callable[[LedgerHead | None], tuple[Path, ...]]
    ) -> tuple[tuple[LedgerRecord, ...], tuple[Path, ...]]:
        """Verify the chain, write the outputs, then append ``steps(next seq)`` after that head."""
        if self.ledger is None:
            return (), write(None)
        head = self.ledger.ensure_intact()
        outputs = write(head)
        planned = steps(head.seq + 1)
        if not planned:
            return (), outputs
        return tuple(self.ledger.append_steps(planned, after=head.seq)), outputs

    def _result(
        self,
        step: str,
        value: T,
        steps: Callable[[int], list[Step]],
        write: Callable[[LedgerHead | None], tuple[Path, ...]],
        existing: Sequence[LedgerRecord] = (),
    ) -> StepResult[T]:
        records, outputs = self._record(steps, write)
        already = bool(existing) and not records
        return StepResult(step, value, tuple(existing) if already else records, already, outputs)

    # ---- steps ---------------------------------------------------------------------------

    def commit(
        self,
        roster: pd.DataFrame,
        *,
        output: str | Path | None = None,
        snapshot_digest: str | None = None,
        strata: str | None = None,
        seal: Seal | None = None,
        seal_output: str | Path | None = None,
    ) -> StepResult[dict[str, Any]]:
        """Digest the frozen roster and record the commitment; it must come before the seed.

        With ``seal`` (`dualrandom.draw.sealed.seal_campaign`) the commitment also holds the
        sealed commitment (key digest, frames, quotas), and ``seal_output`` receives the
        auditor-only sealed material (the key), readable by its owner only. A plan in batches
        takes the plan commitment (`dualrandom.draw.sealed.seal_plan`; `PolicyError` for the
        other kind); each batch is then sealed by `seal_batch`.
        """
        from ..draw import commitment

        if self.ledger is not None:
            self._require_seal(seal, "commitment")
        if seal is not None:
            _check_seal_kind(self.plan, seal)
        committed = commitment(roster, snapshot_digest=snapshot_digest, strata=strata)
        if seal is not None:
            committed["sealed"] = {"commitment": seal.commitment, "commitment_digest": seal.digest}
        existing = self._refuse_different("roster_commitment", committed)
        if existing is None and self.plan_seeds():
            raise LedgerConflictError(
                f"campaign {self.plan_id!r} already has a seed: a commitment made after the seed "
                "proves nothing"
            )
        cid = self.plan_id
        return self._result(
            "roster commitment",
            committed,
            lambda _: [] if existing else [Step(cid, "roster_commitment", committed)],
            lambda _: write_commitment(committed, output) + write_seal(seal, seal_output),
            [existing] if existing else [],
        )

    def draw(
        self,
        roster: Any,
        seed: str,
        *,
        output: str | Path | None = None,
        seed_source: str = "public ceremony",
        drawer: Callable[..., Draw] | None = None,
        seal: Seal | None = None,
        **options: Any,
    ) -> StepResult[Draw]:
        """Draw the campaign's sample under ``seed`` and record the seed and the draw together.

        ``drawer`` is `dualrandom.draw.draw_campaign` (default) or an engine with its signature;
        ``options`` go to it (history, as_of, residents, snapshot_digest, source, ...). With
        ``seal`` the tickets are sealed (`dualrandom.draw.sealed.draw_sealed`); a campaign whose
        commitment holds a sealed commitment must be drawn with that very seal. A batch of a
        sealed plan is drawn with the plan's material under its recorded batch seal (`seal_batch`).
        """
        from ..draw import draw_campaign

        self._need_batch()
        committed = self._require("roster_commitment", "the draw") if self.ledger else None
        if committed is not None:
            self._check_seal(committed, seal)
        if self.batch is not None:
            options, seal = self._batch_options(seal, dict(options))
        if seal is not None:
            drawer = _sealed_drawer(seal)
            options = {
                k: v for k, v in options.items() if k in ("history", "as_of", "residents", "snapshot_digest")
            }
        seeded = self.current("seed")
        if seeded and seeded[-1].payload.get("seed") != seed:
            raise LedgerMismatchError(self._seed_refusal(seed, seeded[-1]))
        result = self._drawn(drawer or draw_campaign, committed, roster, seed, options)
        self._check_roster_digest(result, committed)
        result = _with_capped(result, roster, self.campaign, options)
        if self.batch is not None:
            result = self._batch_draw(result)
        existing = self._refuse_different("draw", result.manifest)
        if existing is not None:
            result = self._replay_substitutions(result)
            if self.batch is not None:
                result = self._batch_draw(result)
        cid = self.campaign_id

        def steps(_: int) -> list[Step]:
            planned = [] if seeded else [Step(cid, "seed", {"seed": seed, "source": seed_source})]
            return planned + ([] if existing else [Step(cid, "draw", dict(result.manifest))])

        def write(_: LedgerHead | None) -> tuple[Path, ...]:
            history = options.get("history") if self.batch is not None else None
            return write_draw(result, output) + write_batch_history(history, output)

        return self._result("draw", result, steps, write, [existing] if existing else [])

    def seal_batch(
        self,
        roster: pd.DataFrame,
        seal: Seal,
        *,
        history: pd.DataFrame | None = None,
        output: str | Path | None = None,
    ) -> StepResult[dict[str, Any]]:
        """Seal this batch of a sealed plan before its seed (docs/draw-spec.md §14).

        The batch seal (its frames root, eligible counts and quotas under the plan key) is computed
        from the plan commitment, the history file it committed (``history``) and the ledger's
        recorded earlier draws and triggered checks, bound to the plan commitment's digest and
        the ledger head, and recorded as the batch's ``roster_commitment``; ``output`` receives
        it (public: announce its digest before the seed). The same seal again is "already
        recorded", even after later records: it is recomputed at its own head. Raises
        `PolicyError` without a declared batch or a ledger, `LedgerConflictError` for a batch
        already seeded, out of order or sealed differently, `LedgerMismatchError` for material,
        campaign, roster or history that are not the plan commitment's.
        """
        from .batches import batch_seal_record, batch_seal_step

        ledger, batch = self._sealing()
        plan_record = self._require("roster_commitment", "sealing a batch")
        self._check_seal(plan_record, seal)
        existing = batch_seal_record(ledger, self.plan_id, batch)
        if existing is None and self.current("seed"):
            raise LedgerConflictError(
                f"batch {batch!r} already has a seed (record {self.current('seed')[-1].seq}): a seal made "
                "after the seed proves nothing"
            )
        if existing is None:
            self._check_batch_order(batch)
        payload, head = batch_seal_step(
            ledger, self.plan, batch, roster, seal, history, plan_record, existing
        )
        return self._result(
            "batch seal", payload, lambda n: self._seal_steps(n, head, payload, existing),
            lambda _: write_commitment(payload, output), [existing] if existing else [],
        )  # fmt: skip

    def _sealing(self) -> tuple[Ledger, str]:
        """The ledger and the declared batch a batch seal needs (`PolicyError` otherwise)."""
        declared = [b.id for b in self.plan.plan.batches]
        if self.batch is None or self.batch not in declared:
            raise PolicyError(
                f"a batch seal is made for one batch of plan {self.plan_id!r} (--batch): "
                f"{', '.join(declared) or 'it declares no [[plan.batches]]'}"
            )
        if self.ledger is None:
            raise PolicyError("a batch seal is bound to the plan's ledger: give the ledger (--ledger)")
        return self.ledger, self.batch

    def _seal_steps(
        self, next_seq: int, head: LedgerHead, payload: dict[str, Any], existing: LedgerRecord | None
    ) -> list[Step]:
        if existing is not None:
            return []
        if next_seq != head.seq + 1:
            raise LedgerConflictError(
                f"the ledger moved on while batch {self.batch!r} was sealed (head {head.seq}, now "
                f"{next_seq - 1}): seal it again"
            )
        return [Step(self.campaign_id, "roster_commitment", payload)]

    def _check_roster_digest(self, result: Draw, committed: LedgerRecord | None) -> None:
        """Refuse a draw from another roster than the committed one (`LedgerMismatchError`)."""
        if committed is None or result.manifest.get("roster_digest") == committed.payload.get(
            "roster_digest"
        ):
            return
        raise LedgerMismatchError(
            f"the roster drawn has digest {result.manifest.get('roster_digest')}, but campaign "
            f"{self.campaign_id!r} committed to {committed.payload.get('roster_digest')} "
            f"(record {committed.seq}): draw from the committed roster; nothing was recorded"
        )

    def _batch_options(
        self, seal: Seal | None, options: dict[str, Any]
    ) -> tuple[dict[str, Any], Seal | None]:
        """The draw options of a batch (its date, and a history holding the plan's earlier checks)
        and, for a sealed plan, the batch's seal under the plan key.

        Raises `PolicyError` for a batch the plan lacks, a date that is not the batch's or a sealed
        batch without a ledger, and `LedgerConflictError` for a batch drawn before the previous one
        is recorded or a sealed batch without its batch seal.
        """
        from .batches import batch_history, ledger_at

        assert self.batch is not None
        batch = self.plan.plan.batch(self.batch)
        given = options.get("as_of")
        if given is not None and given != batch.drawn_on:
            raise PolicyError(
                f"batch {batch.id!r} is drawn on {batch.drawn_on} (the plan says so), not on {given}: "
                "change [[plan.batches]] or the date"
            )
        self._check_batch_order(batch.id)
        view = self.ledger
        if seal is not None:
            seal, head = self._recorded_batch_seal(seal)
            view = ledger_at(self.ledger, head) if self.ledger is not None else None
        history = batch_history(view, self.plan, batch.id, options.get("history"))
        return {**options, "history": history, "as_of": batch.drawn_on}, seal

    def _recorded_batch_seal(self, plan_seal: Seal) -> tuple[Seal, int]:
        """The batch's recorded seal under the plan key, and the ledger head it was computed at."""
        from ..draw.sealed import Seal
        from .batches import batch_seal_record

        assert self.batch is not None
        if self.ledger is None:
            raise PolicyError(
                f"batch {self.batch!r} of a sealed plan is drawn under its batch seal, which the plan's "
                "ledger holds: give the ledger (--ledger)"
            )
        record = batch_seal_record(self.ledger, self.plan_id, self.batch)
        if record is None:
            raise LedgerConflictError(
                f"batch {self.batch!r} of plan {self.plan_id!r} has no batch seal: seal it before its seed "
                f"(dualrandom seal ROSTER --batch {self.batch} --campaign FILE --ledger {self.ledger.url} "
                "--seal SEALED.json, with the plan's --history)"
            )
        commitment = dict(record.payload["sealed"]["commitment"])
        if commitment.get("plan_commitment_digest") != plan_seal.digest:
            raise LedgerMismatchError(
                f"the batch seal of {self.batch!r} (record {record.seq}) is bound to another plan commitment "
                f"than the sealed material given ({plan_seal.digest[:16]}…)"
            )
        return Seal(key=plan_seal.key, commitment=commitment), int(commitment["ledger_head"]["seq"])

    def _check_batch_order(self, batch_id: str) -> None:
        plan = self.plan.plan
        if self.ledger is None or not plan.batches_in_order:
            return
        ids = [b.id for b in plan.batches]
        position = ids.index(batch_id)
        if position == 0 or self.ledger.current(f"{plan.id}/{ids[position - 1]}", "draw"):
            return
        raise LedgerConflictError(
            f"batch {batch_id!r} of plan {plan.id!r} comes after batch {ids[position - 1]!r}, which has no "
            f"recorded draw: draw {ids[position - 1]!r} first (the plan draws its batches in order)"
        )

    def _batch_draw(self, result: Draw) -> Draw:
        """The draw with its batch in the manifest and each target's visit id in the sample."""
        from dataclasses import replace

        from ..visits import VISIT_VERSION, visit_ids

        codes = result.sample["uscc"].astype(str).tolist()
        sample = result.sample.assign(visit=visit_ids(self.plan_id, self.batch, codes))
        manifest = {**result.manifest, "batch": self.batch, "visits": VISIT_VERSION}
        return replace(result, sample=sample, manifest=manifest)

    def _require_seal(self, seal: Seal | None, what: str) -> None:
        """Refuse an open (recomputable) draw where the campaign's tickets must be sealed.

        Open tickets against different ratios let anyone infer tiers (docs/draw-spec.md §12).
        """
        from ..draw.sealed import disclosure_of

        if seal is not None or disclosure_of(self.campaign) != "sealed":
            return
        raise PolicyError(
            f"campaign {self.campaign_id!r} needs a sealed {what}: its tiers have different ratios, so "
            "open tickets would let anyone infer tiers. Seal it before the seed (CLI: commit "
            "--seal-out AUDITOR/sealed.json, with --history and --as-of when frequency caps apply; then "
            'draw --seal AUDITOR/sealed.json), or set [publication] disclosure = "open" to accept '
            "recomputable tickets"
        )

    def _drawn(
        self, drawer: Callable[..., Draw], committed: LedgerRecord | None, roster: Any, seed: str,
        options: Mapping[str, Any],
    ) -> Draw:  # fmt: skip
        from ..draw.sealed import SealMismatchError

        try:
            return drawer(roster, self.campaign, seed, **options)
        except SealMismatchError as error:
            if committed is None:
                raise
            raise LedgerMismatchError(
                f"{error} (the seal campaign {self.campaign_id!r} committed to in record {committed.seq}): "
                "draw from the committed roster and history, on the committed date; nothing was recorded"
            ) from None

    def _check_seal(self, committed: LedgerRecord, seal: Seal | None) -> None:
        sealed = committed.payload.get("sealed")
        expected = sealed.get("commitment_digest") if isinstance(sealed, dict) else None
        found = seal.digest if seal is not None else None
        if expected == found:
            return
        if expected is None:
            raise LedgerMismatchError(
                f"campaign {self.campaign_id!r} committed to an open draw (record {committed.seq}), "
                "not to this sealed material"
            )
        raise LedgerMismatchError(
            f"campaign {self.campaign_id!r} committed to sealed material {expected[:16]}… (record "
            f"{committed.seq}); draw with that material (--seal FILE), "
            + ("not without it" if found is None else f"not {found[:16]}…")
        )

    def _seed_refusal(self, seed: str, recorded: LedgerRecord) -> str:
        url = self.ledger.url if self.ledger else "LEDGER"
        return (
            f"seed {seed!r} is not the seed recorded for campaign {self.campaign_id!r} "
            f"({recorded.payload.get('seed')!r}, record {recorded.seq}); a new seed needs the old one "
            f"withdrawn with a reason: dualrandom ledger supersede {url} {recorded.seq} --reason TEXT"
        )

    def _replay_substitutions(self, draw: Draw) -> Draw:
        from ..draw import substitute

        for record in self.current("substitution"):
            draw = substitute(
                draw, str(record.payload["removed"]), str(record.payload["reason"]),
                task_id=str(record.payload["task_id"]),
            )  # fmt: skip
        return draw

    def substitute(
        self,
        draw: Draw,
        uscc: str,
        reason: str,
        *,
        task_id: str | None = None,
        output: str | Path | None = None,
    ) -> StepResult[Draw]:
        """Replace a drawn entity from the ordered reserve, with a reason; rewrite and record.

        ``draw`` is the written draw (`dualrandom.draw.draw.restore_draw`). A substitution
        already written but not yet recorded (a run killed in between) is recorded now.
        """
        from ..draw import substitute as replace_entity

        written = list(draw.substitutions)
        recorded = [r.payload for r in self.current("substitution")]
        pending = [s for s in written if s["removed"] == uscc and task_id in (None, s["task_id"])]
        if pending and self.ledger is not None:
            return self._catch_up_substitution(draw, pending[-1], recorded, output)
        if self.ledger is not None:
            self._check_written_draw(draw, recorded)
        self._need_batch()
        after = replace_entity(draw, uscc, reason, task_id=task_id)
        if self.batch is not None:
            after = self._batch_draw(after)
        cid, record = self.campaign_id, after.substitutions[-1]
        return self._result(
            "substitution",
            after,
            lambda _: [Step(cid, "substitution", dict(record))],
            lambda _: write_draw(after, output),
        )

    def _check_written_draw(self, draw: Draw, recorded: list[dict[str, Any]]) -> None:
        if not _same_records(draw.substitutions, recorded):
            raise LedgerMismatchError(
                f"the sample's manifest lists {len(draw.substitutions)} substitution(s) but campaign "
                f"{self.campaign_id!r} recorded {len(recorded)}: use the files of the recorded draw"
            )
        found, expected = drawn_pairs(draw.manifest), self.recorded_sample()
        if found != expected:
            raise LedgerMismatchError(difference(found, expected, "the sample is not the recorded draw"))

    def _catch_up_substitution(
        self,
        draw: Draw,
        written: dict[str, Any],
        recorded: list[dict[str, Any]],
        output: str | Path | None,
    ) -> StepResult[Draw]:
        for record in self.current("substitution"):
            if canonical_json(record.payload) == canonical_json(written):
                return StepResult("substitution", draw, (record,), True, write_draw(draw, output))
        if not _same_records(draw.substitutions[:-1], recorded):
            raise LedgerMismatchError(
                f"{written['removed']} was substituted in the files but the ledger's substitutions of "
                f"campaign {self.campaign_id!r} differ: use the files of the recorded draw"
            )
        cid = self.campaign_id
        return self._result(
            "substitution",
            draw,
            lambda _: [Step(cid, "substitution", dict(written))],
            lambda _: write_draw(draw, output),
        )

    def assign(
        self,
        sample: pd.DataFrame,
        inspectors: pd.DataFrame,
        conflicts: pd.DataFrame | None,
        seed: str,
        *,
        output: str | Path | None = None,
        source: str = "sample",
        **options: Any,
    ) -> StepResult[Assignment]:
        """Draw the teams for the recorded sample; record the assignment and its recusals (回避).

        An entity drawn by several tasks (of a batch, or of a plan drawn once) is one visit with
        one joint team (`dualrandom.visits.visit_targets`); the teams table names each row's
        visit. ``options`` go to `dualrandom.assign.assign_teams` (history, mode, allow_partial, ...).
        """
        from ..assign import assign_teams

        self._need_batch()
        if self.ledger is not None:
            self._require_targets("the assignment")
            self.check_sample(sample, source)
        if self.batch is None and not _several_tasks(sample):
            result = assign_teams(sample, inspectors, conflicts, self.campaign, seed, **options)
        else:
            result = self._assign_visits(sample, inspectors, conflicts, seed, options)
        manifest = result.manifest
        existing = self._refuse_different("assignment", manifest)
        cid = self.campaign_id

        def steps(next_seq: int) -> list[Step]:
            if existing:
                return []
            recusal = {"assignment": next_seq, "rules": manifest.get("rules"),
                       "recusals": manifest.get("recusals", [])}  # fmt: skip
            return [Step(cid, "assignment", dict(manifest)), Step(cid, "recusal", recusal)]

        return self._result(
            "assignment",
            result,
            steps,
            lambda _: write_teams(result, output),
            [existing] if existing else [],
        )

    def _require_targets(self, before: str) -> None:
        if not self.current("triggered_check") or not any(
            "task_id" in r.payload for r in self.current("triggered_check")
        ):
            self._require("draw", before)

    def _assign_visits(
        self, sample: pd.DataFrame, inspectors: pd.DataFrame, conflicts: pd.DataFrame | None, seed: str,
        options: Mapping[str, Any],
    ) -> Assignment:  # fmt: skip
        """Teams per visit: an entity drawn by several tasks gets one joint team for all of them."""
        from dataclasses import replace

        from ..assign import assign_teams
        from ..assign.manifest import frame_digest
        from ..visits import VISIT_VERSION, expand_teams, visit_targets

        view, targets, joint = visit_targets(sample, self.campaign, self.plan_id, self.batch)
        solved = assign_teams(targets.drop(columns="visit"), inspectors, conflicts, view, seed, **options)
        teams = expand_teams(solved.teams, targets, joint, self.campaign)
        outputs = {
            **solved.manifest.get("outputs", {}),
            "teams": frame_digest(teams.fillna("")),
            "rows": len(teams),
        }
        visits = {"version": VISIT_VERSION, "count": len(targets),
                  "joint": int((targets["task_id"].str.contains("+", regex=False)).sum())}  # fmt: skip
        manifest = {**solved.manifest, "outputs": outputs, "batch": self.batch, "visits": visits}
        return replace(solved, teams=teams, manifest=manifest)

    def trigger(
        self,
        uscc: str,
        department: str,
        on: date,
        reason: str,
        *,
        history: pd.DataFrame | None = None,
        history_out: str | Path | None = None,
    ) -> StepResult[dict[str, Any]]:
        """Record a check outside the random quota (complaint, early warning, case lead).

        With ``history_out``, writes ``history`` plus this check as a new version of the
        inspection history (the file a draw committed to is never changed). Raises
        `PolicyError` for a department that is not in the campaign or an empty reason.
        """
        departments = [d.id for d in self.campaign.departments]
        if department not in departments:
            raise PolicyError(
                f"department {department!r} is not in campaign {self.campaign_id!r}; "
                f"its departments are {', '.join(departments)}"
            )
        if not reason.strip():
            raise PolicyError("a triggered check needs its reason (complaint, early warning, case lead)")
        payload = {"uscc": uscc, "department": department, "inspected_on": on.isoformat(),
                   "reason": reason.strip()}  # fmt: skip
        existing = [r for r in self.current("triggered_check") if r.payload == payload]
        cid = self.campaign_id
        return self._result(
            "triggered check",
            payload,
            lambda _: [] if existing else [Step(cid, "triggered_check", payload)],
            lambda _: write_history(history, payload, cid, history_out),
            existing[-1:],
        )

    def trigger_many(
        self,
        checks: pd.DataFrame,
        *,
        task_id: str,
        history: pd.DataFrame | None = None,
        history_out: str | Path | None = None,
        output: str | Path | None = None,
    ) -> StepResult[pd.DataFrame]:
        """Record many triggered checks (an early-warning list) as one ``triggered_check`` record.

        ``checks`` is `dualrandom.protocol.triggered.triggered_checks`'s table. In a batch, the
        checks are targets of that batch: ``output`` receives them as a sample (with their visit
        ids) that `assign` and `import_results` take; with ``history_out`` the history plus these
        checks is written as a new version. The same list again is "already recorded".
        """
        from ..visits import visit_ids

        task = self.campaign.task(task_id)
        listed = checks.sort_values("uscc", kind="stable", ignore_index=True)
        visits = visit_ids(self.plan_id, self.batch, listed["uscc"].tolist())
        entries = [
            {**{str(k): str(v) for k, v in row.items()}, "visit": visit}
            for row, visit in zip(listed.to_dict(orient="records"), visits, strict=True)
        ]
        payload = {"task_id": task.id, "count": len(entries), "checks": entries}
        existing = [
            r for r in self.current("triggered_check") if canonical_json(r.payload) == canonical_json(payload)
        ]
        targets = listed.assign(
            task_id=task.id,
            departments=";".join(task.departments),
            division="",
            visit=visits,
            kind="triggered",
        )
        cid = self.campaign_id
        return self._result(
            "triggered checks",
            targets,
            lambda _: [] if existing else [Step(cid, "triggered_check", payload)],
            lambda _: write_targets(targets, output) + write_history(history, entries, cid, history_out),
            existing[-1:],
        )

    def import_results(
        self,
        source: str | Path | pd.DataFrame,
        sample: pd.DataFrame,
        *,
        source_name: str | None = None,
        sample_source: str = "sample",
        output: str | Path | None = None,
        as_of: date | None = None,
    ) -> StepResult[pd.DataFrame]:
        """Validate results against the campaign and the recorded sample; record their digest.

        The same results again are "already recorded"; new results are another record.
        ``output`` receives the validated rows with ``due_on`` and ``overdue`` (as of ``as_of``).
        """
        from ..results import import_results, results_payload

        self._need_batch()
        if self.ledger is not None:
            self._require_targets("results")
            self.check_sample(sample, sample_source)
        name = source_name or (str(source) if not isinstance(source, pd.DataFrame) else "results")
        validated = import_results(source, self.campaign, sample, source_name=name, as_of=as_of)
        payload = results_payload(validated, self.campaign, source=Path(name).name)
        existing = [r for r in self.current("results") if r.payload.get("digest") == payload["digest"]]
        cid = self.campaign_id
        return self._result(
            "results",
            validated,
            lambda _: [] if existing else [Step(cid, "results", payload)],
            lambda _: self._write_results(validated, output, as_of or date.today()),
            existing[-1:],
        )

    def _write_results(
        self, validated: pd.DataFrame, output: str | Path | None, day: date
    ) -> tuple[Path, ...]:
        if output is None:
            return ()
        from ..atomic import atomic_file
        from ..publish.calendar import campaign_calendar
        from ..publish.deadlines import due_dates, overdue

        calendar = campaign_calendar(self.campaign)
        due = due_dates(validated["completed_on"], self.campaign.publication.working_days, calendar)
        with atomic_file(output, suffix=".csv") as temporary:
            shown = validated.drop(columns=["tier", "row"]).assign(
                completed_on=validated["completed_on"].dt.strftime("%Y-%m-%d"),
                due_on=due.dt.strftime("%Y-%m-%d"),
                overdue=overdue(due, day),
            )
            shown.to_csv(temporary, index=False, encoding="utf-8")
        return (Path(output),)

    def publish(
        self,
        sample: pd.DataFrame,
        results: str | Path | pd.DataFrame,
        roster: pd.DataFrame,
        directory: str | Path,
        *,
        published_on: date,
        seed: str | None = None,
        draw_manifest: Mapping[str, Any] | None = None,
        teams: pd.DataFrame | None = None,
        inspectors: pd.DataFrame | None = None,
    ) -> StepResult[dict[str, Any]]:
        """Publish the bundle (anchored to the ledger head) and record it.

        With a ledger, the seed, the sample, the draw manifest, the teams and the results must be
        the recorded ones (`LedgerMismatchError` otherwise). Triggered checks (a batch such as
        ``W1``) have no seed: their bundle lists them as triggered, not drawn. Returns the bundle index.
        """
        from ..publish.run import prepare_publication

        self._need_batch()
        triggered = self._triggered_only()
        if (draw_manifest or {}).get("disclosure") != "sealed" and not triggered:
            self._require_seal(None, "draw to publish")
        if self.ledger is not None and triggered:
            self._check_triggered_inputs(sample, seed, draw_manifest, teams)
        elif self.ledger is not None:
            seed = self._check_publication_inputs(sample, seed, draw_manifest, teams)
        publication, validated = prepare_publication(
            self.campaign, sample, results, roster, published_on=published_on, seed=seed,
            draw_manifest=draw_manifest, teams=teams, inspectors=inspectors, triggered=triggered,
        )  # fmt: skip
        if self.ledger is not None:
            self._check_results(validated)
        return self._publish(publication, directory)

    def _triggered_only(self) -> bool:
        """Whether this campaign's targets are triggered checks (a batch like W1), with no draw."""
        if self.ledger is None:
            return self.batch is not None and self.batch not in {b.id for b in self.plan.plan.batches}
        listed = any("task_id" in r.payload for r in self.current("triggered_check"))
        return listed and not self.current("draw")

    def _check_triggered_inputs(
        self, sample: pd.DataFrame, seed: str | None, draw_manifest: Mapping[str, Any] | None,
        teams: pd.DataFrame | None,
    ) -> None:  # fmt: skip
        """Triggered checks have no seed and no draw: refuse either, check targets and teams."""
        if seed is not None or draw_manifest is not None:
            raise LedgerMismatchError(
                f"campaign {self.campaign_id!r} holds triggered checks, not a draw: they have no seed "
                "and no draw manifest to publish (publish them without --seed and --draw-manifest)"
            )
        self.check_sample(sample)
        if teams is not None:
            self._check_teams(teams)

    def _check_publication_inputs(
        self,
        sample: pd.DataFrame,
        seed: str | None,
        draw_manifest: Mapping[str, Any] | None,
        teams: pd.DataFrame | None,
    ) -> str:
        seeded = self._require("seed", "the publication")
        recorded_seed = str(seeded.payload.get("seed"))
        for given in (seed, (draw_manifest or {}).get("seed")):
            if given is not None and given != recorded_seed:
                raise LedgerMismatchError(self._seed_refusal(str(given), seeded))
        self.check_sample(sample)
        if draw_manifest is not None and "sample" in draw_manifest:
            listed, recorded = drawn_pairs(draw_manifest), self.recorded_sample()
            if listed != recorded:
                raise LedgerMismatchError(
                    difference(listed, recorded, "the draw manifest is not the recorded draw")
                )
        if teams is not None:
            self._check_teams(teams)
        return recorded_seed

    def _check_teams(self, teams: pd.DataFrame) -> None:
        from ..assign.manifest import frame_digest

        assignment = self._require("assignment", "publishing teams")
        recorded = (assignment.payload.get("outputs") or {}).get("teams")
        found = frame_digest(teams.astype("string").fillna(""))
        if recorded != found:
            raise LedgerMismatchError(
                f"the teams table (digest {found}) is not the one assignment record {assignment.seq} "
                f"recorded ({recorded}): publish the teams `dualrandom assign` wrote"
            )

    def _check_results(self, validated: pd.DataFrame) -> None:
        from ..results import results_payload

        if validated.empty:
            return  # notices before any result arrives
        digest = results_payload(validated, self.campaign)["digest"]
        if not any(r.payload.get("digest") == digest for r in self.current("results")):
            raise LedgerMismatchError(
                f"these results (digest {digest[:16]}…) were never imported into campaign "
                f"{self.campaign_id!r}: run `dualrandom results import` with the same file first"
            )

    def _publish(self, publication: Any, directory: str | Path) -> StepResult[dict[str, Any]]:
        from ..publish.bundle import publication_payload, write_bundle

        inputs = publication_inputs(publication)
        existing = [r for r in self.current("publication") if r.payload.get("inputs") == inputs]
        anchor = existing[-1].payload.get("anchor") if existing else None
        cid = self.campaign_id
        written: dict[str, Any] = {}

        payload: dict[str, Any] = {}

        def write(head: LedgerHead | None) -> tuple[Path, ...]:
            mark = anchor if anchor is not None or head is None else {"seq": head.seq, "hash": head.hash}
            written.update(write_bundle(publication, directory, anchor=mark))
            payload.update(publication_payload(publication, written))
            written.update(on_time=payload["on_time"], overdue=payload["overdue"])
            return (Path(directory),)

        def steps(_: int) -> list[Step]:
            if existing:
                return []
            internal = {"inputs": inputs, "anchor": written.get("ledger"), "privacy": publication.privacy}
            return [Step(cid, "publication", {**payload, **internal})]

        return self._result("publication", written, steps, write, existing[-1:])

    def supersede(self, seq: int, reason: str) -> LedgerRecord:
        """Withdraw record ``seq`` of this campaign with a reason (see `supersede`)."""
        if self.ledger is None:
            raise LedgerError("superseding needs a ledger")
        return supersede(self.ledger, seq, reason)


def _same_records(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]) -> bool:
    """Whether two lists of payloads are equal as the ledger stores them (canonical JSON)."""
    return [canonical_json(p) for p in first] == [canonical_json(p) for p in second]


def _several_tasks(sample: pd.DataFrame) -> bool:
    """Whether some entity of ``sample`` is drawn by more than one task (one visit for them all)."""
    if "task_id" not in sample.columns or "uscc" not in sample.columns:
        return False
    codes = sample["uscc"].astype("string").fillna("").str.strip().str.upper()
    return bool(sample.assign(uscc=codes).groupby("uscc")["task_id"].nunique().gt(1).any())


def _with_capped(result: Draw, roster: Any, campaign: Campaign, options: Mapping[str, Any]) -> Draw:
    """The draw with ``capped_entities`` in its manifest: each entity a cap left out, counted once."""
    from dataclasses import replace

    from .caps import capped_entities

    count = capped_entities(roster, campaign, options.get("history"), options.get("as_of"))
    return (
        result if count is None else replace(result, manifest={**result.manifest, "capped_entities": count})
    )


def _check_seal_kind(plan: Campaign, seal: Seal) -> None:
    """Refuse a campaign seal for a plan in batches, and a plan commitment for a plan drawn once."""
    from ..draw.sealed import PLAN_KIND

    batches = bool(plan.plan.batches)
    if batches != (seal.commitment.get("kind") == PLAN_KIND):
        raise PolicyError(
            f"plan {plan.plan.id!r} is drawn in batches: its commitment is the plan commitment (seal_plan; "
            "CLI: commit --seal-out without --as-of), each batch sealed later by `dualrandom seal --batch`"
            if batches
            else f"plan {plan.plan.id!r} is drawn once: seal it with seal_campaign, not as a plan in batches"
        )


def _sealed_drawer(seal: Seal) -> Callable[..., Draw]:
    from ..draw.sealed import draw_sealed

    def drawer(roster: Any, campaign: Campaign, seed: str, **options: Any) -> Draw:
        return draw_sealed(roster, campaign, seed, seal, **options)

    return drawer
