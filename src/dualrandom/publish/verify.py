"""`verify_bundle`: the public check of a publication bundle, and the auditor's with the roster.

Public check (needs only the bundle): every file matches its SHA-256 in bundle.json; every
drawn entity's ticket recomputes from the published task seed; per task, the drawn tickets
are consistent with the published stratum counts and thresholds; every published result
belongs to a drawn entity; the draw's own public manifest (draw-manifest.json), when present,
lists the same seed and the same drawn entities and tickets.

Auditor's check (with the frozen roster and the draw's full manifest): the full manifest's
public variant is the one in the bundle, and `dualrandom.verify.verify_draw` recomputes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..draw.draw import seed_for_task
from ..draw.sealed import Seal, check_receipt, commitment_digest
from ..tickets import tickets
from ..verify import verify_draw
from .bundle import BUNDLE_INDEX, file_digests

__all__ = ["verify_bundle"]

DRAW_MANIFEST = "draw-manifest.json"


def _load(path: Path, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: missing from the bundle")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}: not valid JSON ({error})")
    return None


def _check_files(directory: Path, index: dict[str, Any], problems: list[str]) -> None:
    listed = index.get("files")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        problems.append(f"{BUNDLE_INDEX}: 'files' is not a mapping of file names to SHA-256 digests")
        return
    anchor = index.get("ledger")
    if anchor is not None and not _is_anchor(anchor):
        problems.append(f"{BUNDLE_INDEX}: 'ledger' is not a ledger head (seq, 64-digit hash): {anchor!r}")
    present = file_digests(directory)
    for name, digest in sorted(listed.items()):
        if name not in present:
            problems.append(f"{name}: listed in {BUNDLE_INDEX} but missing")
        elif present[name] != digest:
            problems.append(f"{name}: SHA-256 {present[name]} differs from {digest} in {BUNDLE_INDEX}")
    problems.extend(
        f"{name}: present but not listed in {BUNDLE_INDEX}" for name in sorted(set(present) - set(listed))
    )


def _is_anchor(anchor: object) -> bool:
    if not isinstance(anchor, dict) or set(anchor) != {"seq", "hash"}:
        return False
    seq, digest = anchor["seq"], anchor["hash"]
    hexdigits = set("0123456789abcdef")
    return (
        type(seq) is int
        and seq >= 0
        and isinstance(digest, str)
        and len(digest) == 64
        and set(digest) <= hexdigits
    )


def _expected_seed(manifest: Mapping[str, Any], task_id: str) -> str:
    permanent = manifest.get("permanent_seed")
    return seed_for_task(str(manifest.get("seed", "")), task_id, str(permanent) if permanent else None)


def _check_task(
    task: dict[str, Any], drawn: list[dict[str, str]], expected_seed: str, problems: list[str]
) -> None:
    task_id = str(task["task_id"])
    if task.get("task_seed") != expected_seed:
        problems.append(f"task {task_id}: task seed {task.get('task_seed')!r} is not {expected_seed!r}")
    recomputed_tickets = tickets(expected_seed, [entry["uscc"] for entry in drawn]).tolist()
    for entry, recomputed in zip(drawn, recomputed_tickets, strict=True):
        if recomputed != entry["ticket"]:
            problems.append(
                f"task {task_id}, entity {entry['uscc']}: published ticket {entry['ticket']} "
                f"differs from the recomputed {recomputed}"
            )
    total = sum(int(s["count"]) for s in task["strata"])
    if total != len(drawn) or total != int(task["drawn"]):
        problems.append(
            f"task {task_id}: strata count {total} entities, the manifest lists {len(drawn)} "
            f"drawn and declares {task['drawn']}"
        )
    if task.get("rule") not in ("ticket <= threshold", "ticket < threshold"):
        return  # coordinated draws: thresholds are in draw-manifest.json
    strict = task["rule"] == "ticket < threshold"
    strata = sorted(task["strata"], key=lambda s: str(s["threshold"]))
    needed = 0
    for stratum in strata:
        threshold = str(stratum["threshold"])
        needed += int(stratum["count"])
        under = sum(1 for t in recomputed_tickets if (t < threshold if strict else t <= threshold))
        if under < needed:
            problems.append(
                f"task {task_id}, stratum {stratum['label']}: only {under} drawn ticket(s) lie under "
                f"its threshold {threshold}, but the strata up to it draw {needed}"
            )
    if strata:
        top = str(strata[-1]["threshold"])
        for entry, t in zip(drawn, recomputed_tickets, strict=True):
            if (t >= top) if strict else (t > top):
                problems.append(
                    f"task {task_id}, entity {entry['uscc']}: ticket {t} is above every threshold"
                )


def _check_sealed_task(
    task: dict[str, Any],
    drawn: list[dict[str, Any]],
    expected_seed: str,
    sealed: Mapping[str, Any],
    problems: list[str],
) -> None:
    """A sealed task: seed, committed quota, no duplicate, and a valid receipt per drawn entity."""
    task_id = str(task["task_id"])
    if task.get("task_seed") != expected_seed:
        problems.append(f"task {task_id}: task seed {task.get('task_seed')!r} is not {expected_seed!r}")
    committed = {str(t["task_id"]): t for t in sealed.get("commitment", {}).get("tasks", [])}
    quota = committed.get(task_id, {}).get("quota")
    if len(drawn) != int(task.get("drawn", -1)):
        problems.append(
            f"task {task_id}: {len(drawn)} entities listed, the manifest declares {task.get('drawn')}"
        )
    if quota is not None and len(drawn) != int(quota):
        problems.append(
            f"task {task_id}: {len(drawn)} entities drawn, but {quota} were committed before the seed"
        )
    codes = [str(d.get("uscc")) for d in drawn]
    problems.extend(
        f"task {task_id}, entity {code}: listed more than once"
        for code in sorted({c for c in codes if codes.count(c) > 1})
    )
    root = str(sealed.get("commitment", {}).get("frames_root", ""))
    for entry in drawn:
        valid, _ = check_receipt(entry, root)
        if not valid:
            problems.append(
                f"task {task_id}, entity {entry.get('uscc')}: its receipt does not lead to the committed "
                "frames root (not in the task's frame committed before the seed)"
            )


def _check_commitment(manifest: Mapping[str, Any], announced: str | None, problems: list[str]) -> None:
    sealed = manifest.get("sealed") or {}
    commitment = sealed.get("commitment") or {}
    digest = commitment_digest(commitment)
    if digest != sealed.get("commitment_digest"):
        problems.append(f"manifest.json: the sealed commitment hashes to {digest}, not its recorded digest")
    if announced is not None and digest != announced:
        problems.append(
            f"manifest.json: the sealed commitment {digest} is not the one announced before the seed"
        )
    if commitment.get("roster_digest") != manifest.get("roster_digest"):
        problems.append("manifest.json: the roster digest differs from the one committed before the seed")


def _drawn_set(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(str(r["uscc"]), str(r["task_id"]), str(r.get("ticket", r.get("commitment")))) for r in records}


def _check_public(directory: Path, problems: list[str], announced: str | None) -> dict[str, Any] | None:
    manifest = _load(directory / "manifest.json", problems)
    results = _load(directory / "results.json", problems)
    if not isinstance(manifest, dict):
        return None
    drawn = manifest.get("drawn", [])
    sealed = manifest.get("disclosure") == "sealed"
    if sealed:
        _check_commitment(manifest, announced, problems)
    for task in manifest.get("tasks", []):
        mine = [d for d in drawn if d.get("task_id") == task["task_id"]]
        expected = _expected_seed(manifest, str(task["task_id"]))
        if sealed:
            _check_sealed_task(task, mine, expected, manifest.get("sealed") or {}, problems)
        else:
            _check_task(task, mine, expected, problems)
    if isinstance(results, dict):
        keys = {(d["uscc"], d["task_id"]) for d in drawn}
        strays = sorted({(r["uscc"], r["task_id"]) for r in results.get("results", [])} - keys)
        problems.extend(
            f"results.json: entity {u} has a result for task {t} but was not drawn for it" for u, t in strays
        )
    draw_public = (directory / DRAW_MANIFEST).exists() and _load(directory / DRAW_MANIFEST, problems)
    if isinstance(draw_public, dict):
        if draw_public.get("seed") != manifest.get("seed"):
            problems.append(f"{DRAW_MANIFEST}: seed {draw_public.get('seed')!r} differs from manifest.json")
        if _drawn_set(draw_public.get("sample", [])) != _drawn_set(drawn):
            problems.append(f"{DRAW_MANIFEST}: its sample differs from the drawn entities of manifest.json")
    return manifest


def verify_bundle(
    bundle_dir: str | Path,
    roster: pd.DataFrame | None = None,
    *,
    draw_manifest: Mapping[str, Any] | None = None,
    history: pd.DataFrame | None = None,
    seal: Seal | None = None,
    commitment_digest: str | None = None,
) -> list[str]:
    """Check a publication bundle; returns the differences found (empty when it verifies).

    A sealed bundle is checked without any ticket: seeds, the pre-seed commitment (against
    ``commitment_digest``, the digest announced before the seed, when given), the committed
    quota per task and every drawn entity's receipt. With ``roster`` (the frozen roster with
    tiers) this is the auditor's check: it needs the draw's full manifest (``draw_manifest``,
    e.g. SAMPLE.manifest.json) and, for a sealed draw, the sealed material (``seal``); it checks
    that the bundle publishes exactly that draw and recomputes it with
    `dualrandom.verify.verify_draw`. Never raises for bad bundle content: problems are listed.
    """
    directory = Path(bundle_dir)
    if not directory.is_dir():
        return [f"{directory}: not a bundle directory"]
    problems: list[str] = []
    index = _load(directory / BUNDLE_INDEX, problems)
    if isinstance(index, dict):
        _check_files(directory, index, problems)
    elif index is not None:
        problems.append(f"{BUNDLE_INDEX}: not a bundle index (a JSON object)")
    manifest = _check_public(directory, problems, commitment_digest)
    if roster is None:
        return problems
    if draw_manifest is None:
        return [*problems, "the auditor's check needs the draw's full manifest (SAMPLE.manifest.json)"]
    if manifest is not None:
        if draw_manifest.get("seed") != manifest.get("seed"):
            problems.append("the full draw manifest's seed differs from the bundle's")
        full = {
            (str(r["uscc"]), str(r["task_id"]), str(r["ticket"])) for r in draw_manifest.get("sample", [])
        }
        if manifest.get("disclosure") == "sealed":  # the bundle lists no ticket: compare codes and tasks
            same = {f[:2] for f in full} == {d[:2] for d in _drawn_set(manifest.get("drawn", []))}
        else:
            same = full == _drawn_set(manifest.get("drawn", []))
        if not same:
            problems.append("the full draw manifest's sample differs from the entities the bundle publishes")
    problems.extend(str(p) for p in verify_draw(draw_manifest, roster, history=history, seal=seal))
    return problems
