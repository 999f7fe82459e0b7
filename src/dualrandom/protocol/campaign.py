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

This module holds the class, its reading of the ledger and its recording; each step method is the
outline of its step, and the step's own checks and computations live beside it: drawing.py
(commitment, draw), sealing.py (sealed tickets), batches.py (batch seals, batch order),
substitution.py, staffing.py (teams, visits), triggered.py, publishing.py (results, publication).
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
from . import batches, drawing, publishing, staffing, substitution, triggered
from .outputs import (
    write_batch_history,
    write_commitment,
    write_draw,
    write_history,
    write_seal,
    write_targets,
    write_teams,
)
from .recorded import Pair, applied, changed_keys, difference, drawn_pairs, sample_pairs, supersede
from .sealing import check_seal

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

    def _require_targets(self, before: str) -> None:
        """Raise `LedgerConflictError` unless the campaign has a draw or a list of triggered checks."""
        if not self.current("triggered_check") or not any(
            "task_id" in r.payload for r in self.current("triggered_check")
        ):
            self._require("draw", before)

    def recorded_sample(self) -> set[Pair]:
        """The targets as recorded: the draw, then each substitution, plus bulk triggered checks."""
        listed = {
            (str(record.payload["task_id"]), str(check["uscc"]))
            for record in self.current("triggered_check")
            if "task_id" in record.payload
            for check in record.payload.get("checks", [])
        }
        if listed and not self.current("draw"):
            return listed
        draw = self._require("draw", "this step")
        drawn = applied(drawn_pairs(draw.payload), [r.payload for r in self.current("substitution")])
        return drawn | listed

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
        committed = drawing.commitment_of(self, roster, seal, snapshot_digest, strata)
        existing = self._refuse_different("roster_commitment", committed)
        if existing is None:
            drawing.refuse_after_seed(self)
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
        self._need_batch()
        committed, chosen, options = drawing.draw_inputs(self, seal, drawer, options)
        seeded = drawing.seeds_checked(self, seed)
        result = drawing.drawn(self, chosen, committed, roster, seed, options)
        existing = self._refuse_different("draw", result.manifest)
        if existing is not None:
            result = drawing.with_recorded(self, result)
        cid, history = self.campaign_id, options.get("history") if self.batch is not None else None

        def steps(_: int) -> list[Step]:
            planned = [] if seeded else [Step(cid, "seed", {"seed": seed, "source": seed_source})]
            return planned + ([] if existing else [Step(cid, "draw", dict(result.manifest))])

        return self._result(
            "draw",
            result,
            steps,
            lambda _: write_draw(result, output) + write_batch_history(history, output),
            [existing] if existing else [],
        )

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
        ledger, batch = batches.batch_to_seal(self.plan, self.batch, self.ledger)
        plan_record = self._require("roster_commitment", "sealing a batch")
        check_seal(self.campaign_id, plan_record, seal)
        existing = batches.batch_seal_record(ledger, self.plan_id, batch)
        if existing is None:
            batches.check_unseeded(ledger, self.plan, batch, self.current("seed"))
        payload, head = batches.batch_seal_step(
            ledger, self.plan, batch, roster, seal, history, plan_record, existing
        )
        cid = self.campaign_id
        return self._result(
            "batch seal", payload, lambda n: batches.seal_steps(cid, batch, n, head, payload, existing),
            lambda _: write_commitment(payload, output), [existing] if existing else [],
        )  # fmt: skip

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

        written = substitution.pending(draw, uscc, task_id)
        if written is not None and self.ledger is not None:
            done = substitution.caught_up(self, draw, written)
            if done is not None:
                return StepResult("substitution", draw, (done,), True, write_draw(draw, output))
            after, record = draw, written
        else:
            if self.ledger is not None:
                substitution.check_written_draw(self, draw)
            self._need_batch()
            after = replace_entity(draw, uscc, reason, task_id=task_id)
            if self.batch is not None:
                after = batches.batch_draw(after, self.plan_id, self.batch)
            record = after.substitutions[-1]
        cid = self.campaign_id
        return self._result(
            "substitution",
            after,
            lambda _: [Step(cid, "substitution", dict(record))],
            lambda _: write_draw(after, output),
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
        self._need_batch()
        if self.ledger is not None:
            self._require_targets("the assignment")
            self.check_sample(sample, source)
        result = staffing.teams(self, sample, inspectors, conflicts, seed, options)
        existing = self._refuse_different("assignment", result.manifest)
        return self._result(
            "assignment",
            result,
            staffing.assignment_steps(self.campaign_id, result.manifest, existing),
            lambda _: write_teams(result, output),
            [existing] if existing else [],
        )

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
        payload = triggered.triggered_check(self.campaign, uscc, department, on, reason)
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
        payload, targets = triggered.listed_checks(self.campaign, self.plan_id, self.batch, task_id, checks)
        same = canonical_json(payload)
        existing = [r for r in self.current("triggered_check") if canonical_json(r.payload) == same]
        cid = self.campaign_id
        return self._result(
            "triggered checks",
            targets,
            lambda _: [] if existing else [Step(cid, "triggered_check", payload)],
            lambda _: (
                write_targets(targets, output) + write_history(history, payload["checks"], cid, history_out)
            ),
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
            lambda _: publishing.write_results(self.campaign, validated, output, as_of or date.today()),
            existing[-1:],
        )

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
        only = publishing.triggered_only(self)
        seed = publishing.checked_seed(self, sample, seed, draw_manifest, teams, only)
        publication, validated = prepare_publication(
            self.campaign, sample, results, roster, published_on=published_on, seed=seed,
            draw_manifest=draw_manifest, teams=teams, inspectors=inspectors, triggered=only,
        )  # fmt: skip
        if self.ledger is not None:
            publishing.check_results(self, validated)
        recorded = self.current("publication")
        bundle = publishing.BundleRecording(self.campaign_id, recorded, publication, directory)
        return self._result("publication", bundle.written, bundle.steps, bundle.write, bundle.existing)

    def supersede(self, seq: int, reason: str) -> LedgerRecord:
        """Withdraw record ``seq`` of this campaign with a reason (see `supersede`)."""
        if self.ledger is None:
            raise LedgerError("superseding needs a ledger")
        return supersede(self.ledger, seq, reason)
