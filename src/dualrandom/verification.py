"""One result for every verifier: a `Verification` holding the `Difference` records found.

Every check dualrandom offers follows one naming rule:

* ``verify_x(...) -> Verification`` lists every difference and never raises for what it
  checks (a tampered file, a broken rule); it raises `InputError` / `DualrandomError` only
  when it cannot check at all (a missing folder, something that is not a bundle, an argument
  the check needs);
* ``ensure_x(...) -> None`` is its raising twin: `VerificationError` carrying the
  differences (the ledger's `Ledger.ensure_intact` raises `LedgerIntegrityError`, a
  `VerificationError` too, and returns the verified head).

Each difference has a stable ``kind`` (``sample.missing``, ``team.conflict``, ``ledger.edited``,
…) listed with its meaning in `KINDS` and in docs/verification.md; programs and auditors
match on the kind, people read ``str(difference)``. `verify_path` is the one entry point of
``dualrandom verify``: it decides by what it is given (a bundle folder, a draw or teams
manifest, a ledger).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, ParamSpec, overload

from .errors import InputError, Problem, VerificationError

if TYPE_CHECKING:
    import pandas as pd

    from .draw.sealed import Seal

__all__ = ["KINDS", "Difference", "Kind", "Verification", "verify_path"]


class Kind(NamedTuple):
    """A difference kind: the line people read (a format template) and what it means."""

    template: str
    meaning: str


_K = Kind
KINDS: Mapping[str, Kind] = {
    # ---- a draw recomputed from its manifest and the frozen roster (verify_draw) ----
    "draw.seed_digest": _K(
        "seed digest: manifest {found}, seed gives {expected}",
        "the seed does not hash to the recorded seed digest",
    ),
    "draw.roster_digest": _K(
        "roster digest: manifest {found}, roster gives {expected}",
        "the roster given is not the frozen roster the draw committed to",
    ),
    "draw.history_digest": _K(
        "history digest: manifest {found}, history gives {expected}",
        "the inspection history given is not the one the draw's frequency caps used",
    ),
    "draw.not_recomputable": _K(
        "the draw cannot be recomputed: {detail}",
        "the manifest's own content cannot be drawn again (edited policy or tasks)",
    ),
    "count.cell_extra": _K(
        "{where}: only in the manifest",
        "a published (task, tier, stratum) cell the recomputation does not have",
    ),
    "count.cell_missing": _K(
        "{where}: only in the recomputation", "a recomputed cell the manifest does not publish"
    ),
    "count.differs": _K(
        "{where}: {detail} is {found} in the manifest, recomputed {expected}",
        "a cell's eligible, capped, quota, drawn or threshold differs",
    ),
    "sample.missing": _K(
        "{where}: missing from the manifest: {expected}", "drawn entities the manifest leaves out"
    ),
    "sample.extra": _K(
        "{where}: in the manifest but not drawn: {found}",
        "published entities the recomputation does not draw",
    ),
    "sample.duplicate": _K(
        "{where}: listed more than once in the manifest: {found}", "a drawn entity is published twice"
    ),
    "sample.ticket": _K(
        "{where}: has ticket {found} in the manifest, recomputed {expected}",
        "a drawn entity's published ticket differs",
    ),
    "sample.rank": _K(
        "{where}: has rank {found} in the manifest, recomputed {expected}",
        "a drawn entity's published rank differs",
    ),
    "substitution.reserve": _K(
        "{where}: {detail} replaced, but the next reserve entity is {expected}",
        "a substitution did not take the next reserve entity",
    ),
    # ---- sealed draws (verify_draw with the sealed material, verify_bundle, verify_receipt) ----
    "sealed.key": _K(
        "the sealed material's key is not the key the draw committed to before the seed",
        "the seal given holds another key than the committed one",
    ),
    "sealed.commitment_digest": _K(
        "{where}: the sealed commitment hashes to {expected}, not its recorded digest {found}",
        "the sealed commitment was edited after it was recorded",
    ),
    "sealed.announced": _K(
        "{where}: the sealed commitment {found} is not the one announced before the seed",
        "the commitment differs from the digest announced before the seed",
    ),
    "sealed.commitment": _K(
        "sealed commitment: {detail} {found} but the inputs give {expected}",
        "a digest committed before the seed differs from the inputs (sealed draw)",
    ),
    "sealed.roster_digest": _K(
        "{where}: the roster digest differs from the one committed before the seed",
        "the bundle's roster digest is not the committed one",
    ),
    "sealed.quota": _K(
        "{where}: {found} entities drawn, but {expected} were committed before the seed",
        "a task draws another number than the quota committed before the seed",
    ),
    "sealed.receipts": _K(
        "receipts differ from the recomputed ones ({detail})",
        "the published receipts are not the recomputed ones",
    ),
    "receipt.path": _K(
        "{where}: its receipt does not lead to the committed frames root "
        "(not in the task's frame committed before the seed)",
        "a receipt's Merkle path does not reach the committed frames root",
    ),
    "receipt.opening": _K(
        "{where}: the receipt does not commit to this entity's sealed id",
        "the entity's opening does not match its receipt",
    ),
    # ---- batch seals of a sealed plan (dualrandom.protocol.batches.verify_batch_seals) ----
    "batch_seal.plan": _K(
        "{where}: the batch seal is bound to plan commitment {found}, not {expected}",
        "a batch seal names another plan commitment than the plan's sealed material",
    ),
    "batch_seal.batch": _K(
        "{where}: the batch seal is the seal of batch {found}, not of {expected}",
        "a batch seal made for another batch is recorded (or reused) for this one",
    ),
    "batch_seal.head": _K(
        "{where}: the batch seal's ledger head is not an earlier record of the chain ({detail})",
        "the ledger head a batch seal was computed at is unknown, altered or not before the seal",
    ),
    "batch_seal.after_seed": _K(
        "{where}: the batch seal ({found}) was recorded after the batch's seed ({expected})",
        "a batch seal made after the seed proves nothing",
    ),
    "batch_seal.recomputed": _K(
        "{where}: the batch seal's {detail} is {found}, recomputed {expected}",
        "a batch seal's frames root, counts, quotas or digests differ from the ones the roster, the key "
        "and the ledger's recorded draws and triggered checks give",
    ),
    "batch_seal.draw": _K(
        "{where}: the batch was drawn under sealed commitment {found}, not its batch seal {expected}",
        "a batch's recorded draw names another sealed commitment than its batch seal",
    ),
    # ---- a publication bundle (verify_bundle) ----
    "bundle.index": _K("{where}: {detail}", "bundle.json's 'files' or 'ledger' entry is malformed"),
    "bundle.file_missing": _K("{where}: {detail}", "a file the bundle needs or lists is missing"),
    "bundle.file_digest": _K(
        "{where}: SHA-256 {found} differs from {expected} in bundle.json",
        "a file was edited after publication",
    ),
    "bundle.file_unlisted": _K(
        "{where}: present but not listed in bundle.json", "a file was added to the bundle"
    ),
    "bundle.not_json": _K("{where}: not valid JSON ({detail})", "a bundle file is not valid JSON"),
    "bundle.task_seed": _K(
        "{where}: task seed {found} is not {expected}", "a task seed does not derive from the published seed"
    ),
    "bundle.ticket": _K(
        "{where}: published ticket {found} differs from the recomputed {expected}",
        "a published ticket does not recompute from the task seed",
    ),
    "bundle.count": _K("{where}: {detail}", "a task's counts (strata, listed, declared) do not add up"),
    "bundle.threshold": _K(
        "{where}: only {found} drawn ticket(s) lie under its threshold {detail}, "
        "but the strata up to it draw {expected}",
        "drawn tickets are inconsistent with a stratum threshold",
    ),
    "bundle.above_threshold": _K(
        "{where}: ticket {found} is above every threshold", "a drawn ticket lies above every threshold"
    ),
    "bundle.duplicate": _K("{where}: listed more than once", "an entity is listed twice for one task"),
    "bundle.stray_result": _K(
        "results.json: {where} has a result for task {detail} but was not drawn for it",
        "a published result belongs to no drawn entity",
    ),
    "bundle.draw_seed": _K(
        "draw-manifest.json: seed {found} differs from manifest.json",
        "the draw's public manifest names another seed",
    ),
    "bundle.draw_sample": _K(
        "draw-manifest.json: its sample differs from the drawn entities of manifest.json",
        "the draw's public manifest lists other entities",
    ),
    "bundle.full_seed": _K(
        "the full draw manifest's seed differs from the bundle's",
        "the auditor's full manifest is of another draw (seed)",
    ),
    "bundle.full_sample": _K(
        "the full draw manifest's sample differs from the entities the bundle publishes",
        "the auditor's full manifest is of another draw (sample)",
    ),
    # ---- a team table (verify_teams: the independent team checker) ----
    "team.not_in_sample": _K(
        "{where}: the target is not in the sample", "a team row for a target that was not drawn"
    ),
    "team.unknown_officer": _K(
        "{where}: the officer is not in the inspector roster",
        "a team row names an officer the roster does not hold",
    ),
    "team.department": _K(
        "{where}: listed under {found} but belongs to {expected}",
        "an officer is listed under another department",
    ),
    "team.role": _K(
        "{where}: role {found} does not match the roster (expert={expected})",
        "an officer sits as expert (or an expert as officer)",
    ),
    "team.task_department": _K(
        "{where}: department {found} does not take part in this task",
        "an officer of a department outside the task",
    ),
    "team.inactive": _K("{where}: the officer is inactive", "an inactive officer is on a team"),
    "team.conflict": _K(
        "{where}: declared conflict ({detail})", "an officer declared a conflict with the target"
    ),
    "team.conflict_party": _K(
        "{where}: declared conflict with {found} ({detail})",
        "an officer declared a conflict with a party of the target",
    ),
    "team.local": _K(
        "{where}: 属地 officer of division {found} ({detail} level)",
        "an officer of the target's own division (属地 recusal)",
    ),
    "team.rotation_campaigns": _K(
        "{where}: inspected this entity within the last {expected} campaign(s)",
        "the officer inspected the entity in a recent campaign",
    ),
    "team.rotation_days": _K(
        "{where}: inspected this entity within {expected} days of the visit",
        "the officer inspected the entity too recently",
    ),
    "team.qualification": _K(
        "{where}: lacks qualification(s) {expected}", "an officer lacks a qualification the seat needs"
    ),
    "team.certificate_missing": _K(
        "{where}: holds no 执法证 (certificate_no empty), so cannot be an enforcement officer",
        "an officer seat without an enforcement certificate",
    ),
    "team.certificate_expired": _K(
        "{where}: 执法证 valid until {found}, the visit is on {expected}",
        "the certificate expires before the visit",
    ),
    "team.expert_field": _K(
        "{where}: the expert holds none of {expected}", "an expert without a field the task needs"
    ),
    "team.unavailable": _K("{where}: unavailable on {found}", "the officer is unavailable on the visit day"),
    "team.duplicate": _K(
        "{where}: officer {detail} appears {found} times", "an officer appears twice on one team"
    ),
    "team.seats": _K(
        "{where}: department {detail} sends {found}, needs {expected}",
        "a department sends the wrong number of officers",
    ),
    "team.experts": _K(
        "{where}: {found} experts, rules ask for {expected}", "a team has the wrong number of experts"
    ),
    "team.officer_cap": _K(
        "{where}: {found} targets exceed max_targets {expected}",
        "an officer has more targets than the roster allows",
    ),
    "team.campaign_cap": _K(
        "{where}: {found} targets exceed the campaign cap {expected}",
        "an officer has more targets than the campaign allows",
    ),
    "team.not_recomputed": _K(
        "published but not recomputed: {found}",
        "a published team row the recomputation (same seed) does not give",
    ),
    "team.not_published": _K(
        "recomputed but not published: {expected}", "a recomputed team row the table leaves out"
    ),
    # ---- a ledger (Ledger.verify, verify_rows) and a bundle against it (verify_against_ledger) ----
    "ledger.missing": _K(
        "{where} is missing (record {found} follows {expected}): deleted",
        "records were deleted from the chain",
    ),
    "ledger.inserted": _K(
        "{where} is out of order (after record {expected}): inserted", "a record was inserted out of order"
    ),
    "ledger.unchained": _K(
        "{where} does not chain to record {expected} (prev_hash differs): inserted or reordered",
        "a record's prev_hash is not the previous record's hash",
    ),
    "ledger.edited": _K(
        "{where} {detail}", "a record's content no longer matches its hash (or is not canonical)"
    ),
    "ledger.supersede": _K(
        "{where} breaks the supersede rules: {detail}", "a record breaks the supersede rules"
    ),
    "ledger.head": _K(
        "the ledger head names record {found} but the last record is {expected}: "
        "records deleted or appended behind the ledger's back",
        "the stored head is not the last record",
    ),
    "ledger.anchor": _K(
        "{where} {found}, but the published anchor says {expected}",
        "a published anchor (seq, hash) is not in the chain",
    ),
    "ledger.anchor_lost": _K(
        "the anchored ledger head {where} is not in the chain: {detail}",
        "the head a bundle names is no longer in the ledger",
    ),
    "ledger.publication": _K(
        "no publication record of campaign {where} names this bundle ({found})",
        "the ledger never recorded publishing this bundle",
    ),
    "ledger.no_draw": _K(
        "the ledger holds no current seed and draw of campaign {where}",
        "the ledger has no draw to compare the bundle with",
    ),
    "ledger.seed": _K(
        "the bundle publishes seed {found}, the ledger recorded {expected} ({where})",
        "the bundle's seed is not the recorded one",
    ),
    "ledger.sample": _K("{detail}", "the bundle's drawn entities are not the recorded draw"),
    "ledger.sealed_commitment": _K(
        "{where}: the bundle's sealed commitment {found} is not the one recorded before the seed "
        "({expected})",
        "a sealed bundle's commitment is not the campaign's (or the batch's seal) recorded before its seed",
    ),
}
"""Every difference kind -> its line template and meaning (docs/verification.md lists them)."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One thing a verifier found different from what should be.

    ``kind`` is a stable name from `KINDS`; ``where`` what it concerns (a record, a file, a
    task and tier, a team row); ``expected`` what the recomputation or the rule gives,
    ``found`` what was published or stored; ``detail`` anything else the line needs.
    Raises `ValueError` for a kind that is not in `KINDS`.
    """

    kind: str
    where: str = ""
    expected: str | None = None
    found: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown difference kind {self.kind!r}")

    def __str__(self) -> str:
        return KINDS[self.kind].template.format(
            where=self.where, expected=self.expected, found=self.found, detail=self.detail
        )

    def to_dict(self) -> dict[str, str | None]:
        """The difference as JSON-ready fields, with the human line as ``message``."""
        return {
            "kind": self.kind,
            "where": self.where,
            "expected": self.expected,
            "found": self.found,
            "detail": self.detail,
            "message": str(self),
        }


@dataclass(frozen=True, slots=True)
class Verification(Sequence[Difference]):
    """What was verified (``subject``) and every difference found; `ok` when there is none.

    It is a sequence of its differences: ``len()``, iteration and indexing give them, and,
    like the list it replaces, it is truthy when there are differences. Prefer `ok`.
    """

    subject: str
    differences: tuple[Difference, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.differences

    def __len__(self) -> int:
        return len(self.differences)

    def __iter__(self) -> Iterator[Difference]:
        return iter(self.differences)

    @overload
    def __getitem__(self, index: int) -> Difference: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Difference]: ...
    def __getitem__(self, index: int | slice) -> Difference | Sequence[Difference]:
        return self.differences[index]

    def __add__(self, other: Verification) -> Verification:  # type: ignore[override]
        return Verification(f"{self.subject} and {other.subject}", self.differences + other.differences)

    def kinds(self) -> list[str]:
        """The kind of each difference, in order."""
        return [d.kind for d in self.differences]

    def lines(self) -> list[str]:
        """The human line of each difference, in order."""
        return [str(d) for d in self.differences]

    def raise_if_failed(self) -> None:
        """Raise `VerificationError` carrying the differences unless `ok`."""
        if self.differences:
            raise VerificationError(self.differences, subject=self.subject)

    def to_dict(self) -> dict[str, Any]:
        """``subject``, ``ok`` and the differences as JSON-ready fields (for auditors' tools)."""
        return {"subject": self.subject, "ok": self.ok, "differences": [d.to_dict() for d in self]}


def verify_path(
    target: str | Path,
    *,
    roster: str | Path | None = None,
    history: str | Path | None = None,
    residents: Mapping[str, int] | None = None,
    teams: str | Path | None = None,
    sample: str | Path | None = None,
    inspectors: str | Path | None = None,
    conflicts: str | Path | None = None,
    campaign: str | Path | None = None,
    draw_manifest: str | Path | None = None,
    ledger: str | None = None,
    seal: str | Path | None = None,
    commitment_digest: str | None = None,
) -> Verification:
    """Verify what ``target`` is: a bundle folder, a draw or teams manifest, or a ledger.

    A folder is a publication bundle (`verify_bundle`, the auditor's check with ``roster`` and
    ``draw_manifest``; with ``ledger`` also `verify_against_ledger`); a JSON manifest of kind
    ``draw`` is recomputed with ``roster`` (`verify_draw`), one of kind ``teams`` is checked
    with ``teams``, ``sample`` and ``inspectors`` (`verify_teams`); a SQLite ledger file or a
    ``postgresql://`` URL has its chain checked (`Ledger.verify`). Raises `InputError` when
    ``target`` is none of these or a file the check needs is not given.
    """
    from .draw.sealed import read_seal

    material = read_seal(seal) if seal else None
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")) or _is_sqlite(Path(text)):
        return _verify_ledger(text, campaign, roster, material, history)
    path = Path(text)
    if not path.exists():
        raise InputError([Problem(text, None, None, None, "VERIFY_TARGET", "no such file or folder")])
    if path.is_dir():
        return _verify_bundle_path(path, roster, history, draw_manifest, ledger, material, commitment_digest)
    if ledger:
        _usage(text, "--ledger checks a publication bundle: give the bundle folder")
    data = _read_manifest(path)
    kind = data.get("kind")
    if kind == "draw":
        return _verify_draw_path(data, roster, history, residents, material)
    if kind == "teams":
        given = {"teams": teams, "sample": sample, "inspectors": inspectors}
        return _verify_teams_path(data, given, conflicts, campaign, history)
    raise InputError(
        [
            Problem(
                text, None, "kind", str(kind), "MANIFEST_KIND", "the manifest kind must be 'draw' or 'teams'"
            )
        ]
    )


def _usage(source: str, message: str) -> NoReturn:
    """Raise `InputError`: the check cannot be made as asked."""
    raise InputError([Problem(source, None, None, None, "VERIFY_USAGE", message)])


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _read_manifest(path: Path) -> dict[str, Any]:
    """A JSON manifest; raises `InputError` when the file is not a JSON object."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            [Problem(str(path), None, None, None, "JSON", f"not a JSON manifest: {error}")]
        ) from None
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), None, None, None, "JSON", "not a JSON manifest (an object)")])
    return data


def _verify_ledger(
    url: str, campaign: str | Path | None, roster: str | Path | None, seal: Seal | None,
    history: str | Path | None,
) -> Verification:  # fmt: skip
    """The chain; with the plan's campaign, roster and sealed material, also every batch seal."""
    from .ledger import Ledger

    if any((campaign, roster, seal)) and not all((campaign, roster, seal)):
        _usage(url, "checking a sealed plan's batch seals needs --campaign, --roster and --seal together")

    with Ledger.open(url, create=False, read_only=True) as opened:
        chain = opened.verify()
        if not (campaign and roster and seal):
            return chain
        from .engines.tiers import read_tiered
        from .io import read_table
        from .models import load_campaign
        from .protocol.batches import verify_batch_seals

        past = read_table(history) if history else None
        seals = verify_batch_seals(opened, load_campaign(campaign), read_tiered(str(roster)), seal, past)
    return Verification(f"{chain.subject} and the {seals.subject}", chain.differences + seals.differences)


def _verify_bundle_path(
    path: Path,
    roster: str | Path | None,
    history: str | Path | None,
    draw_manifest: str | Path | None,
    ledger: str | None,
    seal: Seal | None,
    commitment_digest: str | None,
) -> Verification:
    from .io import read_table
    from .publish import verify_bundle

    result = verify_bundle(
        path,
        read_table(roster) if roster else None,
        draw_manifest=_read_manifest(Path(draw_manifest)) if draw_manifest else None,
        history=read_table(history) if history else None,
        seal=seal,
        commitment_digest=commitment_digest or (seal.digest if seal is not None else None),
    )
    if not ledger:
        return result
    from .ledger import Ledger
    from .protocol import verify_against_ledger

    with Ledger.open(ledger, create=False, read_only=True) as opened:
        against = verify_against_ledger(path, opened)
    return Verification(f"{result.subject} against the ledger", result.differences + against.differences)


def _verify_draw_path(
    data: Mapping[str, Any],
    roster: str | Path | None,
    history: str | Path | None,
    residents: Mapping[str, int] | None,
    seal: Seal | None,
) -> Verification:
    from .io import read_table
    from .verify import verify_draw

    if not roster:
        _usage("draw manifest", "verifying a draw needs --roster (the frozen roster the digest commits to)")
    frame: pd.DataFrame = read_table(str(roster))
    past = read_table(history) if history else None
    return verify_draw(data, frame, history=past, residents=residents, seal=seal)


def _verify_teams_path(
    data: Mapping[str, Any],
    given: Mapping[str, str | Path | None],
    conflicts: str | Path | None,
    campaign: str | Path | None,
    history: str | Path | None,
) -> Verification:
    """Teams against their manifest: `assign.verify_teams`, or for teams of visits (one joint
    team per entity) `visits.verify_visit_teams`, which needs the campaign."""
    from datetime import date

    from .assign import verify_teams
    from .io import read_table
    from .models import load_campaign
    from .visits import verify_visit_teams

    teams, sample, inspectors = given["teams"], given["sample"], given["inspectors"]
    if not (teams and sample and inspectors):
        _usage("teams manifest", "verifying teams needs --teams, --sample and --inspectors")
    if data.get("visits") and not campaign:
        _usage("teams manifest", "verifying the teams of visits needs --campaign (the plan and its tasks)")
    conflict_table = read_table(conflicts) if conflicts else None
    tables = (read_table(teams), read_table(sample), read_table(inspectors), conflict_table)
    options: dict[str, Any] = {
        "history": read_table(history) if history else None,
        "seed": data.get("seed"), "mode": data.get("mode"),
        "candidates": data.get("candidates"), "allow_partial": data.get("status") == "PARTIAL",
        "on": date.fromisoformat(data["on"]) if data.get("on") else None,
        "sources": {"sample": str(sample), "inspectors": str(inspectors), "conflicts": str(conflicts or ""),
                    "history": str(history or "")},
    }  # fmt: skip
    plan = load_campaign(campaign) if campaign else None
    if data.get("visits") and plan is not None:
        return verify_visit_teams(*tables, plan, batch=data.get("batch"), **options)
    return verify_teams(*tables, plan, **options)


P = ParamSpec("P")


def raising(verifier: Callable[P, Verification]) -> Callable[P, None]:
    """The raising twin of ``verifier`` (``verify_x`` → ``ensure_x``): the same call, raising
    `VerificationError` carrying every difference instead of returning them."""

    @functools.wraps(verifier)
    def ensure(*args: P.args, **kwargs: P.kwargs) -> None:
        verifier(*args, **kwargs).raise_if_failed()

    ensure.__name__ = verifier.__name__.replace("verify_", "ensure_", 1)
    ensure.__qualname__ = ensure.__name__
    ensure.__doc__ = f"Like `{verifier.__name__}`, but raise `VerificationError` carrying every difference."
    return ensure
