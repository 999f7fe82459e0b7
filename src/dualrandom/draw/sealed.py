"""Sealed draws: tickets the public cannot compute, committed before the seed (docs/draw-spec.md §12).

A sealed draw keeps every step of ``dualrandom-draw/2`` but hashes, instead of the public code,
the entity's *sealed id* ``HMAC-SHA256(K, "dualrandom-sealed/1␟id␟" + code)`` under a campaign
key ``K`` that is generated and committed (its SHA-256) **before** the seed, so the bureau
cannot grind it and the public cannot compute any ticket, threshold test or label: the public
bundle then says nothing about a tier beyond the fact that an entity was drawn.

What stays public: the commitment (key digest, per-task quota totals, the root of a Merkle tree
over every task's frame), the seed, and per drawn entity a *receipt*: the commitment
``c = SHA-256("dualrandom-sealed/1␟receipt␟" + task + "␟" + code + "␟" + sealed id)`` and its
Merkle path to the committed root. Anyone checks that every published entity was in the
committed frame of its task and that each task draws the committed number; an entity given
its sealed id (the opening) checks its receipt and recomputes its own ticket from the public
seed; an auditor holding ``K`` (the sealed material, never in the public bundle) reproduces
the whole draw bit for bit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import DrawError, PolicyError
from ..ids import normalize_ids
from ..jsontext import stable_json
from ..models import Campaign, Sampling
from ..schema import canonical_headers, table_spec
from ..tickets import ticket
from ..verification import Difference, Verification, raising
from .commitment import commitment_columns, history_digest, roster_digest
from .draw import Draw, NoHistory, draw_tasks, resolve_history, task_sampling, task_specs
from .frame import TaskSpec, apply_caps, filter_task, prepare_frame, recent_checks

__all__ = [
    "PLAN_KIND",
    "PRESEED",
    "SEALED_VERSION",
    "Disclosure",
    "Seal",
    "SealMismatchError",
    "disclosure_of",
    "draw_sealed",
    "draw_tasks_sealed",
    "ensure_receipt",
    "entity_opening",
    "key_digest",
    "load_seal",
    "merkle_path",
    "merkle_path_holds",
    "merkle_root",
    "opening_ticket",
    "plan_rules_digest",
    "receipt_commitment",
    "receipt_leaf",
    "seal_batch",
    "seal_campaign",
    "seal_json",
    "seal_plan",
    "sealed_ids",
    "verify_receipt",
]

SEALED_VERSION = "dualrandom-sealed/1"
SEP = "\x1f"  # U+001F between fields (printed ␟ in the docs)
PRESEED = "dualrandom-preseed"
"""The placeholder seed under which quotas are computed before the real seed (fixed mode only)."""

PLAN_KIND = "sealed_plan_commitment"
"""The kind of the one commitment of a sealed plan in batches (docs/draw-spec.md §14)."""

Disclosure = Literal["open", "sealed"]


def disclosure_of(campaign: Campaign) -> Disclosure:
    """``sealed`` or ``open``: the campaign's choice, or (``auto``) sealed unless all ratios are equal."""
    chosen = campaign.publication.disclosure
    if chosen != "auto":
        return "sealed" if chosen == "sealed" else "open"
    ratios = {r for task in campaign.tasks for r in task.tier_ratios(campaign.sampling).values()}
    return "open" if len(ratios) <= 1 else "sealed"


def key_digest(key: bytes) -> str:
    """The public commitment to the campaign key: hex SHA-256 of the version, ␟key␟ and the key."""
    return hashlib.sha256(f"{SEALED_VERSION}{SEP}key{SEP}".encode() + key).hexdigest()


def sealed_ids(key: bytes, codes: Iterable[str]) -> list[str]:
    """Upper-case hex HMAC-SHA256 of each normalised code: the ids a sealed draw hashes."""
    prefix = hmac.new(key, f"{SEALED_VERSION}{SEP}id{SEP}".encode(), hashlib.sha256)
    out: list[str] = []
    for code in codes:
        mac = prefix.copy()
        mac.update(code.encode("utf-8"))
        out.append(mac.hexdigest().upper())
    return out


def receipt_commitment(task_id: str, code: str, sealed_id: str) -> str:
    """The public half of a receipt: hex SHA-256 binding task, code and (secret) sealed id."""
    text = SEP.join((SEALED_VERSION, "receipt", task_id, code, sealed_id))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def receipt_leaf(task_id: str, code: str, commitment: str) -> bytes:
    """The Merkle leaf of a (task, code): SHA-256(0x00 ‖ task ␟ code ␟ commitment)."""
    return hashlib.sha256(b"\x00" + SEP.join((task_id, code, commitment)).encode("utf-8")).digest()


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first; an odd last node is carried up unchanged."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [
            hashlib.sha256(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)
        ]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def merkle_root(leaves: Sequence[bytes]) -> str:
    """Hex root of the tree over ``leaves`` (SHA-256(0x01 ‖ left ‖ right) per inner node)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _levels(leaves)[-1][0].hex()


def merkle_path(levels: list[list[bytes]], index: int) -> list[str]:
    """The path of leaf ``index``: siblings bottom-up, ``L``/``R`` + hex (the sibling's side)."""
    path: list[str] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(("L" if sibling < index else "R") + level[sibling].hex())
        index //= 2
    return path


def merkle_path_holds(leaf: bytes, path: Sequence[str], root: str) -> bool:
    """True when ``path`` leads from ``leaf`` to ``root`` (malformed steps give False)."""
    node = leaf
    for step in path:
        if not isinstance(step, str):
            return False
        try:
            sibling = bytes.fromhex(step[1:])
        except ValueError:
            return False
        if step[:1] == "L":
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
        elif step[:1] == "R":
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        else:
            return False
    return node.hex() == root


@dataclass(frozen=True)
class Seal:
    """The sealed material of a campaign: the key (secret) and the public pre-seed commitment.

    ``commitment`` is published (or recorded in the ledger) before the seed; ``key`` goes to
    auditors only (`seal_json`). ``frames`` (task → sorted codes) is kept in memory to build
    receipts; it is recomputed from the roster when a seal is loaded.
    """

    key: bytes
    commitment: dict[str, Any]
    frames: dict[str, list[str]] = field(default_factory=dict, compare=False)

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the commitment's canonical JSON (what the ledger and the bundle name)."""
        return commitment_digest(self.commitment)


def commitment_digest(commitment: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of a sealed commitment."""
    text = json.dumps(dict(commitment), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _frames(
    frame: pd.DataFrame, sampling: Sampling, specs: Sequence[TaskSpec], checks: pd.Series | None
) -> dict[str, list[str]]:
    """Per task, the sorted codes of its frame (filters, then frequency caps)."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        covered = filter_task(frame, spec.task) if spec.task is not None else frame
        if checks is not None:
            caps = task_sampling(sampling, spec).frequency_caps
            covered = covered.loc[~apply_caps(covered, caps, checks).to_numpy(dtype=bool)]
        out[spec.task_id] = sorted(covered["uscc"].tolist())
    return out


def _tree(
    key: bytes, frames: Mapping[str, list[str]]
) -> tuple[list[list[bytes]], dict[tuple[str, str], int]]:
    """The Merkle levels over every (task, code) of the frames, and each leaf's index."""
    pairs = sorted((task, code) for task, codes in frames.items() for code in codes)
    codes = sorted({c for _, c in pairs})
    ids = dict(zip(codes, sealed_ids(key, codes), strict=True))
    leaves = [receipt_leaf(t, c, receipt_commitment(t, c, ids[c])) for t, c in pairs]
    return _levels(leaves), {pair: i for i, pair in enumerate(pairs)}


def _specs(campaign: Campaign, seed: str) -> list[TaskSpec]:
    return task_specs(campaign, seed)


def rounding_seed(key: bytes, commitment: Mapping[str, Any]) -> str:
    """What keys a sealed draw's rounding coins: the key digest, then ␟ and the batch of a batch seal.

    One key serves every batch of a plan; the batch gives each batch its own coins.
    """
    batch = commitment.get("batch")
    return key_digest(key) + (f"{SEP}{batch}" if batch else "")


def _new_key(key: bytes | None) -> bytes:
    key = key if key is not None else secrets.token_bytes(32)
    if len(key) < 16:
        raise PolicyError(f"a sealed draw needs a key of at least 16 bytes, got {len(key)}")
    return key


def seal_campaign(
    roster: pd.DataFrame,
    campaign: Campaign,
    *,
    key: bytes | None = None,
    history: pd.DataFrame | NoHistory | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    bound: Mapping[str, Any] | None = None,
) -> Seal:
    """Generate (or take) the campaign key and the commitment to publish **before** the seed.

    The commitment holds the key digest, the roster and history digests, the Merkle root of the
    task frames and, in fixed mode, each task's quota total (a sealed draw's rounding coins are
    keyed on the committed key digest, not on the seed, so quotas are fixed before the seed).
    ``bound`` adds fields that bind the commitment (a batch seal's batch, plan commitment and
    ledger head, `seal_batch`). Raises `InputError` for a bad roster or history and `PolicyError`
    for a bad policy or a capped campaign sealed without history (pass `NO_HISTORY` to waive the caps).
    """
    history, _ = resolve_history(campaign, history)
    key = _new_key(key)
    extra = dict(bound or {})
    sampling = campaign.sampling
    frame = prepare_frame(roster, sampling.tiers)
    if history is not None and as_of is None:
        raise DrawError("frequency caps need the draw date: pass as_of with the history")
    checks = recent_checks(history, as_of) if history is not None and as_of is not None else None
    frames = _frames(frame, sampling, _specs(campaign, PRESEED), checks)
    levels, _ = _tree(key, frames)
    trial = draw_tasks_sealed(  # the policy is checked before the seed, on a placeholder seed
        roster, sampling, _specs(campaign, PRESEED), PRESEED, key, seed_rule="task",
        history=history, as_of=as_of, residents=residents, commitment=extra,
    )  # fmt: skip
    quotas: dict[str, int | None] = {t: None for t in frames}
    if sampling.mode == "fixed":
        quotas = {str(t): int(g["quota"].sum()) for t, g in trial.counts.groupby("task_id", sort=False)}
    columns = commitment_columns(frame, sampling.strata)
    committed = {
        "kind": "sealed_commitment",
        "version": SEALED_VERSION,
        "campaign_id": campaign.plan.id,
        "key_digest": key_digest(key),
        "roster_digest": roster_digest(frame, columns, normalized=True),
        "history_digest": history_digest(history) if history is not None else None,
        "as_of": as_of.isoformat() if as_of is not None else None,
        "frames_root": levels[-1][0].hex() if levels[0] else merkle_root([]),
        "tasks": [{"task_id": t, "eligible": len(frames[t]), "quota": quotas.get(t)} for t in frames],
        **extra,
    }
    return Seal(key=key, commitment=committed, frames=frames)


def plan_rules_digest(campaign: Campaign) -> str:
    """Hex SHA-256 of the campaign's canonical JSON: tasks, ratios, caps, batches and their dates."""
    return commitment_digest(campaign.model_dump(mode="json"))


def seal_plan(
    roster: pd.DataFrame,
    campaign: Campaign,
    *,
    key: bytes | None = None,
    history: pd.DataFrame | NoHistory | None = None,
) -> Seal:
    """The key and the **plan commitment** of a plan in batches, made once before the first seed.

    The commitment (docs/draw-spec.md §14) holds the key digest (one key for every batch), the
    roster digest, the digest of the history file the batches count (None without one) and
    the digest of the campaign rules with its batches and dates; each batch is then sealed
    on its own before its seed (`seal_batch`). Raises `PolicyError` for a plan without
    batches or a short key and `InputError` for a bad roster or history.
    """
    plan = campaign.plan
    if not plan.batches:
        raise PolicyError(f"plan {plan.id!r} declares no [[plan.batches]]: seal it with seal_campaign")
    key = _new_key(key)
    frame = prepare_frame(roster, campaign.sampling.tiers)
    past = history if isinstance(history, pd.DataFrame) else None
    if past is not None:  # every bad row of the history is reported now, not at the first batch
        recent_checks(past, plan.batches[0].drawn_on)
    committed = {
        "kind": PLAN_KIND,
        "version": SEALED_VERSION,
        "campaign_id": plan.id,
        "key_digest": key_digest(key),
        "roster_digest": roster_digest(
            frame, commitment_columns(frame, campaign.sampling.strata), normalized=True
        ),
        "history_digest": history_digest(past) if past is not None else None,
        "rules_digest": plan_rules_digest(campaign),
        "batches": [{"batch": b.id, "drawn_on": b.drawn_on.isoformat()} for b in plan.batches],
    }
    return Seal(key=key, commitment=committed)


def seal_batch(
    roster: pd.DataFrame,
    campaign: Campaign,
    plan_seal: Seal,
    *,
    history: pd.DataFrame,
    as_of: date,
    head: Mapping[str, Any],
) -> Seal:
    """The **batch seal** of one batch of a sealed plan, made before the batch's seed.

    ``campaign`` is the batch's campaign (`dualrandom.visits.batch_campaign`, id ``PLAN/B``),
    ``history`` the batch's history (the committed file plus the plan's recorded checks as of
    ``head``, the ledger head ``{"seq", "hash"}`` the seal is computed at). The seal is
    `seal_campaign` under the plan key, bound to the batch, the plan commitment's digest and
    ``head``. Raises `SealMismatchError` when ``plan_seal`` is not a plan commitment or the
    roster is not the committed one, and as `seal_campaign` does.
    """
    if plan_seal.commitment.get("kind") != PLAN_KIND:
        raise SealMismatchError("the sealed material is not the commitment of a plan in batches")
    batch = campaign.plan.id.rpartition("/")[2]
    bound = {"batch": batch, "plan_commitment_digest": plan_seal.digest,
             "ledger_head": {"seq": int(head["seq"]), "hash": str(head["hash"])}}  # fmt: skip
    seal = seal_campaign(roster, campaign, key=plan_seal.key, history=history, as_of=as_of, bound=bound)
    if seal.commitment["roster_digest"] != plan_seal.commitment.get("roster_digest"):
        raise SealMismatchError("the roster is not the one the plan commitment committed")
    return seal


def _sealed_inputs(
    frame: pd.DataFrame, key: bytes, history: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    codes = frame["uscc"].tolist()
    hidden = sealed_ids(key, codes)
    back = dict(zip(hidden, codes, strict=True))
    forward = dict(zip(codes, hidden, strict=True))
    if history is not None:
        history = canonical_headers(history, table_spec("history"))[0]  # 统一社会信用代码 → uscc
    if history is not None and "uscc" in history.columns:  # else the draw reports the missing column
        normal = normalize_ids(history["uscc"]).astype(object)
        history = history.assign(uscc=[forward.get(c, c) for c in normal.tolist()])
    return frame.assign(uscc=hidden), history, back


def _unseal_records(records: list[dict[str, Any]], back: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{**r, "uscc": back.get(r["uscc"], r["uscc"])} for r in records]


def draw_tasks_sealed(
    roster: pd.DataFrame,
    sampling: Sampling,
    specs: Sequence[TaskSpec],
    seed: str,
    key: bytes,
    *,
    seed_rule: str,
    commitment: Mapping[str, Any],
    history: pd.DataFrame | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    snapshot_digest: str | None = None,
    campaign_id: str | None = None,
    caps_waived: bool = False,
) -> Draw:
    """`dualrandom.draw.draw_tasks` on sealed ids; the result names the real codes again.

    Rounding coins are keyed on the key digest, and on the batch for a batch seal (`rounding_seed`;
    committed before the seed, so the committed quotas hold). The manifest records the real
    roster and history digests, ``disclosure = "sealed"``, the commitment and, per drawn and
    reserve entity, its public receipt. Raises as `draw_tasks` does.
    """
    frame = prepare_frame(roster, sampling.tiers)
    hidden, sealed_history, back = _sealed_inputs(frame, key, history)
    draw = draw_tasks(
        hidden, sampling, specs, seed, seed_rule=seed_rule, history=sealed_history, as_of=as_of,
        residents=residents, snapshot_digest=snapshot_digest, campaign_id=campaign_id,
        caps_waived=caps_waived, rounding_seed=rounding_seed(key, commitment),
    )  # fmt: skip
    manifest = dict(draw.manifest)
    manifest["sample"] = _unseal_records(manifest["sample"], back)
    manifest["reserve"] = _unseal_records(manifest["reserve"], back)
    columns = manifest["roster_columns"]
    manifest["roster_digest"] = roster_digest(frame, columns, normalized=True)
    manifest["history_digest"] = history_digest(history) if history is not None else None
    manifest["disclosure"] = "sealed"
    manifest["sealed"] = {"commitment": dict(commitment), "commitment_digest": commitment_digest(commitment)}
    sample = draw.sample.assign(uscc=draw.sample["uscc"].map(lambda c: back.get(c, c)))
    reserve = draw.reserve.assign(uscc=draw.reserve["uscc"].map(lambda c: back.get(c, c)))
    if "frames_root" in commitment:
        checks = recent_checks(history, as_of) if history is not None and as_of is not None else None
        frames = _frames(frame, sampling, specs, checks)
        manifest["receipts"] = _receipts(key, frames, [*manifest["sample"], *manifest["reserve"]])
    return replace(draw, sample=sample, reserve=reserve, manifest=manifest)


def _receipts(
    key: bytes, frames: Mapping[str, list[str]], records: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Public receipts (commitment and Merkle path) of the (task, code) pairs of ``records``."""
    levels, index = _tree(key, frames)
    wanted = sorted({(str(r["task_id"]), str(r["uscc"])) for r in records})
    codes = sorted({c for _, c in wanted})
    ids = dict(zip(codes, sealed_ids(key, codes), strict=True))
    return [
        {
            "task_id": t,
            "uscc": c,
            "commitment": receipt_commitment(t, c, ids[c]),
            "path": merkle_path(levels, index[(t, c)]),
        }
        for t, c in wanted
    ]


class SealMismatchError(DrawError):
    """The roster, history or draw date are not the ones a seal committed to (input to correct)."""

    exit_code = 2


def draw_sealed(
    roster: pd.DataFrame,
    campaign: Campaign,
    seed: str,
    seal: Seal,
    *,
    history: pd.DataFrame | NoHistory | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    snapshot_digest: str | None = None,
) -> Draw:
    """Draw ``campaign`` with sealed tickets under the key committed in ``seal``.

    Raises `SealMismatchError` (a `DrawError`) when the roster, history or draw date differ
    from what the seal committed (a seal made for other inputs proves nothing), and as `draw_tasks` does.
    """
    history, waived = resolve_history(campaign, history)
    committed = seal.commitment
    frame = prepare_frame(roster, campaign.sampling.tiers)
    columns = commitment_columns(frame, campaign.sampling.strata)
    problems = []
    if roster_digest(frame, columns, normalized=True) != committed["roster_digest"]:
        problems.append("the roster is not the one the seal committed")
    if (history_digest(history) if history is not None else None) != committed["history_digest"]:
        problems.append("the history is not the one the seal committed")
    if (as_of.isoformat() if as_of is not None else None) != committed["as_of"]:
        problems.append(f"the draw date {as_of} is not the sealed {committed['as_of']}")
    if committed.get("campaign_id") != campaign.plan.id:
        problems.append(f"the seal is for campaign {committed.get('campaign_id')!r}")
    if problems:
        raise SealMismatchError("; ".join(problems))
    rule = "coordinated" if campaign.sampling.coordination is not None else "task"
    return draw_tasks_sealed(
        roster, campaign.sampling, _specs(campaign, seed), seed, seal.key, seed_rule=rule,
        commitment=committed, history=history, as_of=as_of, residents=residents,
        snapshot_digest=snapshot_digest, campaign_id=campaign.plan.id, caps_waived=waived,
    )  # fmt: skip


def seal_json(seal: Seal) -> str:
    """The auditor-only file: the key (hex) and the commitment. Never put it in a public bundle."""
    data = {
        "kind": "sealed_material",
        "version": SEALED_VERSION,
        "warning": "secret: auditors only (纪检监察, courts); anyone holding it can compute every ticket",
        "key": seal.key.hex(),
        "commitment": seal.commitment,
        "commitment_digest": seal.digest,
    }
    return stable_json(data)


def load_seal(data: Mapping[str, Any]) -> Seal:
    """The `Seal` of a sealed-material file (as parsed JSON).

    Raises `PolicyError` when it is not sealed material or its key does not match its commitment.
    """
    if data.get("kind") != "sealed_material" or data.get("version") != SEALED_VERSION:
        raise PolicyError(f"not {SEALED_VERSION} sealed material (kind {data.get('kind')!r})")
    try:
        key = bytes.fromhex(str(data["key"]))
    except (KeyError, ValueError) as error:
        raise PolicyError(f"the sealed material's key is not hex: {error}") from error
    commitment = dict(data["commitment"])
    if key_digest(key) != commitment.get("key_digest"):
        raise PolicyError("the sealed material's key does not match its committed key digest")
    return Seal(key=key, commitment=commitment)


def read_seal(path: str | Path) -> Seal:
    """The `Seal` in a sealed-material file; `PolicyError` when it cannot be read or is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PolicyError(f"{path}: not readable sealed material ({error})") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: not sealed material (a JSON object is expected)")
    return load_seal(data)


def entity_opening(seal: Seal, code: str) -> dict[str, str]:
    """What an entity is given privately to check its own receipts: its code and sealed id."""
    normal = str(normalize_ids(pd.Series([code])).iloc[0])
    return {"uscc": normal, "sealed_id": sealed_ids(seal.key, [normal])[0], "version": SEALED_VERSION}


def verify_receipt(
    receipt: Mapping[str, Any], frames_root: str, *, opening: Mapping[str, str] | None = None
) -> Verification:
    """Check a published receipt against the committed frames root.

    With the entity's ``opening`` (`entity_opening`), also check that the receipt commits to
    the entity's sealed id (`opening_ticket` then gives the entity's own ticket). Differences:
    ``receipt.path`` (not in the task's committed frame), ``receipt.opening`` (not this
    entity's receipt). Never raises on malformed input.
    """
    task, code, commitment = (
        str(receipt.get("task_id")),
        str(receipt.get("uscc")),
        str(receipt.get("commitment")),
    )
    subject, where = f"receipt of {code} for task {task}", f"task {task}, entity {code}"
    path = receipt.get("path")
    if not isinstance(path, list) or not merkle_path_holds(
        receipt_leaf(task, code, commitment), path, frames_root
    ):
        return Verification(subject, (Difference("receipt.path", where, frames_root),))
    if opening is not None and (
        opening.get("uscc") != code
        or receipt_commitment(task, code, str(opening.get("sealed_id"))) != commitment
    ):
        return Verification(subject, (Difference("receipt.opening", where, found=str(opening.get("uscc"))),))
    return Verification(subject)


ensure_receipt = raising(verify_receipt)


def opening_ticket(opening: Mapping[str, str], task_seed: str) -> str:
    """The entity's own ticket under ``task_seed``, from its opening (check its receipt first)."""
    return ticket(task_seed, str(opening["sealed_id"]))
