"""Recompute a published draw from its manifest and the frozen roster, and say what differs.

Team and bundle checks live with their producers (`dualrandom.assign.verify_teams`,
`dualrandom.publish.verify_bundle`); this module checks draws. Every check returns a
`dualrandom.verification.Verification`; its ``ensure_`` twin raises `VerificationError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from .draw.commitment import commitment_columns, roster_digest
from .draw.draw import Draw, TaskSpec, draw_tasks, substitute
from .draw.frame import prepare_frame
from .draw.manifest import ALGORITHM, specs_from_manifest
from .draw.sealed import Seal, commitment_digest, draw_tasks_sealed, key_digest
from .errors import DualrandomError, InputError, Problem
from .models import Sampling
from .tickets import seed_digest
from .verification import Difference, Verification, raising

__all__ = ["ensure_draw", "verify_draw"]


def _cells(records: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault((record["task_id"], record["tier"], record.get("stratum", "")), []).append(record)
    return out


def _name(cell: tuple[str, str, str]) -> str:
    task, tier, stratum = cell
    return f"task {task!r}, tier {tier!r}" + (f", stratum {stratum!r}" if stratum else "")


def verify_draw(
    manifest: Mapping[str, Any],
    roster: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    residents: Mapping[str, int] | None = None,
    seal: Seal | None = None,
) -> Verification:
    """Recompute the draw of ``manifest`` from ``roster`` (and history); list every difference.

    The differences (docs/verification.md) name the seed and roster digests, missing or extra
    entities per cell, tickets, ranks, counts and thresholds, and the reserve entities used by
    substitutions. A sealed draw (``disclosure = "sealed"``) is recomputed under its sealed
    material (``seal``, `dualrandom.draw.sealed.load_seal`), whose key, commitment, committed
    quotas and receipts are checked too. Raises `InputError` when the draw cannot be checked
    as asked: not a draw manifest, another algorithm, an unusable roster, or a history or seal
    the draw needs and that is not given.
    """
    _check_usage(manifest, history, seal)
    subject = f"draw of {len(manifest.get('sample', []))} entities"
    found: list[Difference] = []
    seed = str(manifest["seed"])
    if manifest.get("seed_digest") != seed_digest(seed):
        found.append(Difference("draw.seed_digest", "", seed_digest(seed), str(manifest.get("seed_digest"))))
    sampling, specs = specs_from_manifest(manifest)
    frame = prepare_frame(roster, sampling.tiers)
    columns = manifest.get("roster_columns") or commitment_columns(frame, sampling.strata)
    digest = roster_digest(frame, columns, normalized=True)
    if digest != manifest.get("roster_digest"):
        found.append(Difference("draw.roster_digest", "", digest, str(manifest.get("roster_digest"))))
    sealed = manifest.get("disclosure") == "sealed"
    if sealed:
        stopped = _check_seal(manifest, seal)
        if stopped:
            return Verification(subject, (*found, *stopped))
    try:
        redone = _redo(manifest, roster, sampling, specs, history, residents, seal if sealed else None)
    except DualrandomError as error:
        return Verification(subject, (*found, Difference("draw.not_recomputable", detail=str(error))))
    recorded = manifest.get("history_digest")
    if recorded and redone.manifest["history_digest"] != recorded:
        found.append(Difference("draw.history_digest", "", redone.manifest["history_digest"], str(recorded)))
    if sealed:
        found += _compare_sealed(manifest, redone.manifest)
    found += _compare_counts(manifest["strata"], redone.manifest["strata"])
    found += _compare_sample(manifest["sample"], redone.manifest["sample"])
    for published, recomputed in zip(manifest.get("substitutions", []), redone.substitutions, strict=False):
        if published["added"] != recomputed["added"]:
            where = f"substitution {published['sequence']}"
            detail = f"{published['added']} replaced {published['removed']}"
            found.append(Difference("substitution.reserve", where, str(recomputed["added"]), None, detail))
    return Verification(subject, tuple(found))


def _check_usage(manifest: Mapping[str, Any], history: pd.DataFrame | None, seal: Seal | None) -> None:
    """Raise `InputError` when ``manifest`` cannot be checked with what is given."""
    message = None
    if manifest.get("kind") != "draw":
        message = f"not a draw manifest (kind {manifest.get('kind')!r})"
    elif manifest.get("algorithm") != ALGORITHM:
        message = f"algorithm {manifest.get('algorithm')!r} is not {ALGORITHM!r}; use the matching version"
    elif manifest.get("history_digest") and history is None:
        message = "the draw applied frequency caps: pass the inspection history to verify it"
    elif manifest.get("disclosure") == "sealed" and seal is None:
        message = "a sealed draw is recomputed with its sealed material: pass the auditor's seal file"
    if message is not None:
        raise InputError([Problem("draw manifest", None, None, None, "VERIFY_USAGE", message)])


def _redo(
    manifest: Mapping[str, Any],
    roster: pd.DataFrame,
    sampling: Sampling,
    specs: list[TaskSpec],
    history: pd.DataFrame | None,
    residents: Mapping[str, int] | None,
    seal: Seal | None,
) -> Draw:
    """The draw the manifest's inputs give (sealed under ``seal``'s key when it is given)."""
    as_of = date.fromisoformat(manifest["as_of"]) if manifest.get("as_of") else None
    used_history = history if manifest.get("history_digest") else None
    recorded_residents = residents if residents is not None else manifest.get("residents")
    seed = str(manifest["seed"])
    options: dict[str, Any] = {
        "seed_rule": manifest.get("seed_rule", ""),
        "history": used_history,
        "as_of": as_of,
        "residents": recorded_residents,
        "snapshot_digest": manifest.get("snapshot_digest"),
        "campaign_id": manifest.get("campaign_id"),
    }
    if seal is not None:
        commitment = manifest["sealed"]["commitment"]
        redone = draw_tasks_sealed(roster, sampling, specs, seed, seal.key, commitment=commitment, **options)
    else:
        redone = draw_tasks(roster, sampling, specs, seed, **options)
    for record in manifest.get("substitutions", []):
        redone = substitute(redone, record["removed"], record["reason"], task_id=record["task_id"])
    return redone


def _check_seal(manifest: Mapping[str, Any], seal: Seal | None) -> list[Difference]:
    """What stops a sealed draw from being recomputed: not the committed key, an edited commitment."""
    sealed = manifest.get("sealed") or {}
    commitment = sealed.get("commitment") or {}
    out = []
    if seal is not None and key_digest(seal.key) != commitment.get("key_digest"):
        out.append(Difference("sealed.key", "", str(commitment.get("key_digest")), key_digest(seal.key)))
    digest = commitment_digest(commitment)
    if digest != sealed.get("commitment_digest"):
        out.append(
            Difference("sealed.commitment_digest", "manifest", digest, str(sealed.get("commitment_digest")))
        )
    return out


def _compare_sealed(published: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[Difference]:
    """Committed quotas against the draw, and the published receipts against the recomputed ones."""
    out: list[Difference] = []
    commitment = published["sealed"]["commitment"]
    for key in ("roster_digest", "history_digest"):
        if commitment.get(key) != recomputed.get(key):
            expected, shown = recomputed.get(key), commitment.get(key)
            out.append(Difference("sealed.commitment", "", str(expected), str(shown), key))
    drawn: dict[str, int] = {}
    for cell in recomputed["strata"]:
        drawn[cell["task_id"]] = drawn.get(cell["task_id"], 0) + int(cell["quota"])
    for task in commitment.get("tasks", []):
        quota = task.get("quota")
        recomputed_quota = drawn.get(task["task_id"], 0)
        if quota is not None and int(quota) != recomputed_quota:
            where = f"task {task['task_id']!r}"
            out.append(Difference("sealed.quota", where, str(quota), str(recomputed_quota)))
    fields = ("task_id", "uscc", "commitment")
    mine = {tuple(str(r[k]) for k in fields): r["path"] for r in recomputed.get("receipts", [])}
    theirs = {tuple(str(r[k]) for k in fields): r["path"] for r in published.get("receipts", [])}
    bad = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    if bad:
        out.append(Difference("sealed.receipts", detail=f"{len(bad)} entries, e.g. {bad[:3]}"))
    return out


def _compare_counts(published: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> list[Difference]:
    out: list[Difference] = []
    mine = {(c["task_id"], c["tier"], c["stratum"]): c for c in recomputed}
    theirs = {(c["task_id"], c["tier"], c["stratum"]): c for c in published}
    for cell in sorted(set(mine) | set(theirs)):
        if cell not in mine or cell not in theirs:
            out.append(
                Difference("count.cell_extra" if cell in theirs else "count.cell_missing", _name(cell))
            )
            continue
        for key in ("eligible", "capped", "quota", "drawn", "threshold"):
            if theirs[cell][key] != mine[cell][key]:
                shown, ours = repr(theirs[cell][key]), repr(mine[cell][key])
                out.append(Difference("count.differs", _name(cell), ours, shown, key))
    return out


def _compare_sample(published: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> list[Difference]:
    out: list[Difference] = []
    mine, theirs = _cells(recomputed), _cells(published)
    for cell in sorted(set(mine) | set(theirs)):
        ours = {r["uscc"]: r for r in mine.get(cell, [])}
        shown = {r["uscc"]: r for r in theirs.get(cell, [])}
        listed = Counter(r["uscc"] for r in theirs.get(cell, []))
        repeated = sorted(code for code, n in listed.items() if n > 1)
        if repeated:
            out.append(Difference("sample.duplicate", _name(cell), found=", ".join(repeated)))
        missing = sorted(set(ours) - set(shown))
        extra = sorted(set(shown) - set(ours))
        if missing:
            out.append(Difference("sample.missing", _name(cell), expected=", ".join(missing)))
        if extra:
            out.append(Difference("sample.extra", _name(cell), found=", ".join(extra)))
        for code in sorted(set(ours) & set(shown)):
            for key in ("ticket", "rank"):
                if ours[code][key] != shown[code][key]:
                    where = f"{_name(cell)}: {code}"
                    expected, found = repr(ours[code][key]), repr(shown[code][key])
                    out.append(Difference(f"sample.{key}", where, expected, found))
    return out


ensure_draw = raising(verify_draw)
