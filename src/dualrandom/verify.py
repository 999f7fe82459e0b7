"""Recompute a published draw from its manifest and the frozen roster, and say what differs.

Team and bundle checks live with their producers (`dualrandom.assign.verify_teams`,
`dualrandom.publish.verify_bundle`); this module checks draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from .draw.commitment import commitment_columns, roster_digest
from .draw.draw import Draw, TaskSpec, draw_tasks, substitute
from .draw.frame import prepare_frame
from .draw.manifest import ALGORITHM, specs_from_manifest
from .draw.sealed import Seal, commitment_digest, draw_tasks_sealed, key_digest
from .errors import DualrandomError, VerificationError
from .models import Sampling
from .tickets import seed_digest

__all__ = ["check_draw", "verify_draw"]


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
) -> list[str]:
    """Recompute the draw of ``manifest`` from ``roster`` (and history); list every difference.

    An empty list means the draw is exactly what the seed, the roster and the policy give.
    Differences name the roster digest, missing or extra entities per cell, tickets, ranks,
    quotas, thresholds and the reserve entities used by substitutions. A sealed draw
    (``disclosure = "sealed"``) needs the sealed material (``seal``, `dualrandom.draw.sealed.load_seal`);
    its key, commitment, committed quotas and receipts are checked too. Never raises for a
    bad roster or manifest content: problems are listed.
    """
    if manifest.get("kind") != "draw":
        return [f"not a draw manifest (kind {manifest.get('kind')!r})"]
    if manifest.get("algorithm") != ALGORITHM:
        return [f"algorithm {manifest.get('algorithm')!r} is not {ALGORITHM!r}; use the matching version"]
    differences: list[str] = []
    seed = str(manifest["seed"])
    if manifest.get("seed_digest") != seed_digest(seed):
        differences.append(
            f"seed digest: manifest {manifest.get('seed_digest')}, seed gives {seed_digest(seed)}"
        )
    sampling, specs = specs_from_manifest(manifest)
    try:
        frame = prepare_frame(roster, sampling.tiers)
        columns = manifest.get("roster_columns") or commitment_columns(frame, sampling.strata)
        digest = roster_digest(frame, columns, normalized=True)
    except DualrandomError as error:
        return [*differences, f"the roster cannot be used: {error}"]
    if digest != manifest.get("roster_digest"):
        differences.append(f"roster digest: manifest {manifest.get('roster_digest')}, roster gives {digest}")
    if manifest.get("history_digest") and history is None:
        differences.append("the draw applied frequency caps: pass the inspection history to verify it")
    sealed = manifest.get("disclosure") == "sealed"
    if sealed:
        problems = _check_seal(manifest, seal)
        if problems:
            return [*differences, *problems]
    try:
        redone = _redo(manifest, roster, sampling, specs, history, residents, seal if sealed else None)
    except DualrandomError as error:
        return [*differences, f"the draw cannot be recomputed: {error}"]
    recorded = manifest.get("history_digest")
    if recorded and history is not None and redone.manifest["history_digest"] != recorded:
        differences.append(
            f"history digest: manifest {recorded}, history gives {redone.manifest['history_digest']}"
        )
    if sealed:
        differences += _compare_sealed(manifest, redone.manifest)
    differences += _compare_counts(manifest["strata"], redone.manifest["strata"])
    differences += _compare_sample(manifest["sample"], redone.manifest["sample"])
    for published, recomputed in zip(manifest.get("substitutions", []), redone.substitutions, strict=False):
        if published["added"] != recomputed["added"]:
            differences.append(
                f"substitution {published['sequence']}: {published['added']} replaced "
                f"{published['removed']}, but the next reserve entity is {recomputed['added']}"
            )
    return differences


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


def _check_seal(manifest: Mapping[str, Any], seal: Seal | None) -> list[str]:
    """Problems that stop a sealed draw from being recomputed (no key, or not the committed key)."""
    if seal is None:
        return ["a sealed draw is recomputed with its sealed material: pass the auditor's seal file"]
    sealed = manifest.get("sealed") or {}
    commitment = sealed.get("commitment") or {}
    out = []
    if key_digest(seal.key) != commitment.get("key_digest"):
        out.append("the sealed material's key is not the key the draw committed to before the seed")
    if commitment_digest(commitment) != sealed.get("commitment_digest"):
        out.append("the manifest's sealed commitment does not match its recorded digest")
    return out


def _compare_sealed(published: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    """Committed quotas against the draw, and the published receipts against the recomputed ones."""
    out: list[str] = []
    commitment = published["sealed"]["commitment"]
    for key in ("roster_digest", "history_digest"):
        if commitment.get(key) != recomputed.get(key):
            out.append(
                f"sealed commitment: {key} {commitment.get(key)} but the inputs give {recomputed.get(key)}"
            )
    drawn: dict[str, int] = {}
    for cell in recomputed["strata"]:
        drawn[cell["task_id"]] = drawn.get(cell["task_id"], 0) + int(cell["quota"])
    for task in commitment.get("tasks", []):
        quota = task.get("quota")
        recomputed_quota = drawn.get(task["task_id"], 0)
        if quota is not None and int(quota) != recomputed_quota:
            out.append(f"task {task['task_id']!r}: committed quota {quota}, recomputed {recomputed_quota}")
    fields = ("task_id", "uscc", "commitment")
    mine = {tuple(str(r[k]) for k in fields): r["path"] for r in recomputed.get("receipts", [])}
    theirs = {tuple(str(r[k]) for k in fields): r["path"] for r in published.get("receipts", [])}
    bad = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    if bad:
        out.append(f"receipts differ from the recomputed ones ({len(bad)} entries, e.g. {bad[:3]})")
    return out


def _compare_counts(published: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    mine = {(c["task_id"], c["tier"], c["stratum"]): c for c in recomputed}
    theirs = {(c["task_id"], c["tier"], c["stratum"]): c for c in published}
    for cell in sorted(set(mine) | set(theirs)):
        if cell not in mine or cell not in theirs:
            where = "manifest" if cell in theirs else "recomputation"
            out.append(f"{_name(cell)}: only in the {where}")
            continue
        for key in ("eligible", "capped", "quota", "drawn", "threshold"):
            if theirs[cell][key] != mine[cell][key]:
                shown, ours = theirs[cell][key], mine[cell][key]
                out.append(f"{_name(cell)}: {key} is {shown!r} in the manifest, recomputed {ours!r}")
    return out


def _compare_sample(published: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    mine, theirs = _cells(recomputed), _cells(published)
    for cell in sorted(set(mine) | set(theirs)):
        ours = {r["uscc"]: r for r in mine.get(cell, [])}
        shown = {r["uscc"]: r for r in theirs.get(cell, [])}
        missing = sorted(set(ours) - set(shown))
        extra = sorted(set(shown) - set(ours))
        if missing:
            out.append(f"{_name(cell)}: missing from the manifest: {', '.join(missing)}")
        if extra:
            out.append(f"{_name(cell)}: in the manifest but not drawn: {', '.join(extra)}")
        for code in sorted(set(ours) & set(shown)):
            for key in ("ticket", "rank"):
                if ours[code][key] != shown[code][key]:
                    out.append(
                        f"{_name(cell)}: {code} has {key} {shown[code][key]!r} in the manifest, "
                        f"recomputed {ours[code][key]!r}"
                    )
    return out


def check_draw(
    manifest: Mapping[str, Any],
    roster: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    residents: Mapping[str, int] | None = None,
    seal: Seal | None = None,
) -> None:
    """Like `verify_draw`, but raise `VerificationError` listing the differences."""
    differences = verify_draw(manifest, roster, history=history, residents=residents, seal=seal)
    if differences:
        raise VerificationError(differences)
