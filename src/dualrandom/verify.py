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
from .draw.draw import draw_tasks, substitute
from .draw.frame import prepare_frame
from .draw.manifest import ALGORITHM, specs_from_manifest
from .errors import DualrandomError, VerificationError
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
) -> list[str]:
    """Recompute the draw of ``manifest`` from ``roster`` (and history); list every difference.

    An empty list means the draw is exactly what the seed, the roster and the policy give.
    Differences name the roster digest, missing or extra entities per cell, tickets, ranks,
    quotas, thresholds and the reserve entities used by substitutions.
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
    as_of = date.fromisoformat(manifest["as_of"]) if manifest.get("as_of") else None
    recorded_residents = residents if residents is not None else manifest.get("residents")
    try:
        redone = draw_tasks(
            roster, sampling, specs, seed, seed_rule=manifest.get("seed_rule", ""),
            history=history if manifest.get("history_digest") else None, as_of=as_of,
            residents=recorded_residents, snapshot_digest=manifest.get("snapshot_digest"),
            campaign_id=manifest.get("campaign_id"),
        )  # fmt: skip
        for record in manifest.get("substitutions", []):
            redone = substitute(redone, record["removed"], record["reason"], task_id=record["task_id"])
    except DualrandomError as error:
        return [*differences, f"the draw cannot be recomputed: {error}"]
    recorded = manifest.get("history_digest")
    if recorded and history is not None and redone.manifest["history_digest"] != recorded:
        differences.append(
            f"history digest: manifest {recorded}, history gives {redone.manifest['history_digest']}"
        )
    differences += _compare_counts(manifest["strata"], redone.manifest["strata"])
    differences += _compare_sample(manifest["sample"], redone.manifest["sample"])
    for published, recomputed in zip(manifest.get("substitutions", []), redone.substitutions, strict=False):
        if published["added"] != recomputed["added"]:
            differences.append(
                f"substitution {published['sequence']}: {published['added']} replaced "
                f"{published['removed']}, but the next reserve entity is {recomputed['added']}"
            )
    return differences


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
) -> None:
    """Like `verify_draw`, but raise `VerificationError` listing the differences."""
    differences = verify_draw(manifest, roster, history=history, residents=residents)
    if differences:
        raise VerificationError(differences)
