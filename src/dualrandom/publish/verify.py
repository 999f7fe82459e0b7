"""`verify_bundle`: the public check of a publication bundle, and the auditor's with the roster.

Public check (needs only the bundle): every file matches its SHA-256 in bundle.json; every
drawn entity's ticket recomputes from the published task seed; per task, the drawn tickets
are consistent with the published stratum counts and thresholds; every published result
belongs to a drawn entity; the draw's own public manifest (draw-manifest.json), when present,
lists the same seed and the same drawn entities and tickets.

Auditor's check (with the frozen roster and the draw's full manifest): the full manifest's
public variant is the one in the bundle, and `dualrandom.verify.verify_draw` recomputes it.

`verify_bundle` returns a `dualrandom.verification.Verification` (``bundle.*``, ``sealed.*``
and, for the auditor, the draw's differences); `ensure_bundle` raises `VerificationError`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..draw.draw import seed_for_task
from ..draw.sealed import Seal, commitment_digest, verify_receipt
from ..errors import InputError, Problem
from ..tickets import tickets
from ..verification import Difference, Verification, raising
from ..verify import verify_draw
from .bundle import BUNDLE_INDEX, file_digests, read_bundle_index
from .manifest import TRIGGERED_RULE

__all__ = ["ensure_bundle", "verify_bundle"]

DRAW_MANIFEST = "draw-manifest.json"


Found = list[Difference]


def _load(path: Path, found: Found) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        found.append(Difference("bundle.file_missing", path.name, detail="missing from the bundle"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        found.append(Difference("bundle.not_json", path.name, detail=str(error)))
    return None


def _check_files(directory: Path, index: dict[str, Any], found: Found) -> None:
    listed = index.get("files")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        detail = "'files' is not a mapping of file names to SHA-256 digests"
        found.append(Difference("bundle.index", BUNDLE_INDEX, detail=detail))
        return
    anchor = index.get("ledger")
    if anchor is not None and not _is_anchor(anchor):
        detail = f"'ledger' is not a ledger head (seq, 64-digit hash): {anchor!r}"
        found.append(Difference("bundle.index", BUNDLE_INDEX, detail=detail))
    present = file_digests(directory)
    for name, digest in sorted(listed.items()):
        if name not in present:
            detail = f"listed in {BUNDLE_INDEX} but missing"
            found.append(Difference("bundle.file_missing", name, digest, None, detail))
        elif present[name] != digest:
            found.append(Difference("bundle.file_digest", name, digest, present[name]))
    found.extend(
        Difference("bundle.file_unlisted", name, None, present[name])
        for name in sorted(set(present) - set(listed))
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


def _check_task(task: dict[str, Any], drawn: list[dict[str, str]], expected_seed: str, found: Found) -> None:
    task_id = str(task["task_id"])
    if task.get("task_seed") != expected_seed:
        found.append(
            Difference(
                "bundle.task_seed", f"task {task_id}", repr(expected_seed), repr(task.get("task_seed"))
            )
        )
    recomputed_tickets = tickets(expected_seed, [entry["uscc"] for entry in drawn]).tolist()
    for entry, recomputed in zip(drawn, recomputed_tickets, strict=True):
        if recomputed != entry["ticket"]:
            where = f"task {task_id}, entity {entry['uscc']}"
            found.append(Difference("bundle.ticket", where, str(recomputed), str(entry["ticket"])))
    total = sum(int(s["count"]) for s in task["strata"])
    if total != len(drawn) or total != int(task["drawn"]):
        detail = (
            f"strata count {total} entities, the manifest lists {len(drawn)} drawn "
            f"and declares {task['drawn']}"
        )
        found.append(Difference("bundle.count", f"task {task_id}", str(total), str(len(drawn)), detail))
    if task.get("rule") in (
        "ticket <= threshold",
        "ticket < threshold",
    ):  # else coordinated: see draw-manifest.json
        _check_thresholds(task, drawn, recomputed_tickets, found)


def _check_triggered_task(task: dict[str, Any], listed: list[dict[str, Any]], found: Found) -> None:
    """Triggered checks: no seed, no ticket; the count declared is the count listed, each once."""
    task_id = str(task["task_id"])
    codes = [str(entry.get("uscc")) for entry in listed]
    if len(codes) != int(task.get("drawn", -1)):
        detail = f"the manifest lists {len(codes)} triggered check(s) and declares {task.get('drawn')}"
        found.append(
            Difference("bundle.count", f"task {task_id}", str(task.get("drawn")), str(len(codes)), detail)
        )
    for code in sorted(c for c, n in Counter(codes).items() if n > 1):
        found.append(Difference("bundle.duplicate", f"task {task_id}, entity {code}"))


def _check_thresholds(
    task: dict[str, Any], drawn: list[dict[str, str]], recomputed: list[str], found: Found
) -> None:
    """Drawn tickets against the strata thresholds: enough under each, none above them all."""
    task_id, strict = str(task["task_id"]), task["rule"] == "ticket < threshold"
    strata = sorted(task["strata"], key=lambda s: str(s["threshold"]))
    needed = 0
    for stratum in strata:
        threshold = str(stratum["threshold"])
        needed += int(stratum["count"])
        under = sum(1 for t in recomputed if (t < threshold if strict else t <= threshold))
        if under < needed:
            where = f"task {task_id}, stratum {stratum['label']}"
            found.append(Difference("bundle.threshold", where, str(needed), str(under), threshold))
    if strata:
        top = str(strata[-1]["threshold"])
        for entry, t in zip(drawn, recomputed, strict=True):
            if (t >= top) if strict else (t > top):
                where = f"task {task_id}, entity {entry['uscc']}"
                found.append(Difference("bundle.above_threshold", where, top, t))


def _check_sealed_task(
    task: dict[str, Any],
    drawn: list[dict[str, Any]],
    expected_seed: str,
    sealed: Mapping[str, Any],
    found: Found,
) -> None:
    """A sealed task: seed, committed quota, no duplicate, and a valid receipt per drawn entity."""
    task_id = str(task["task_id"])
    where = f"task {task_id}"
    if task.get("task_seed") != expected_seed:
        found.append(Difference("bundle.task_seed", where, repr(expected_seed), repr(task.get("task_seed"))))
    committed = {str(t["task_id"]): t for t in sealed.get("commitment", {}).get("tasks", [])}
    quota = committed.get(task_id, {}).get("quota")
    if len(drawn) != int(task.get("drawn", -1)):
        detail = f"{len(drawn)} entities listed, the manifest declares {task.get('drawn')}"
        found.append(Difference("bundle.count", where, str(task.get("drawn")), str(len(drawn)), detail))
    if quota is not None and len(drawn) != int(quota):
        found.append(Difference("sealed.quota", where, str(quota), str(len(drawn))))
    codes = [str(d.get("uscc")) for d in drawn]
    found.extend(
        Difference("bundle.duplicate", f"{where}, entity {code}", found=code)
        for code in sorted({c for c in codes if codes.count(c) > 1})
    )
    root = str(sealed.get("commitment", {}).get("frames_root", ""))
    for entry in drawn:
        found.extend(verify_receipt(entry, root))


def _check_commitment(manifest: Mapping[str, Any], announced: str | None, found: Found) -> None:
    sealed = manifest.get("sealed") or {}
    commitment = sealed.get("commitment") or {}
    digest = commitment_digest(commitment)
    if digest != sealed.get("commitment_digest"):
        found.append(
            Difference(
                "sealed.commitment_digest", "manifest.json", digest, str(sealed.get("commitment_digest"))
            )
        )
    if announced is not None and digest != announced:
        found.append(Difference("sealed.announced", "manifest.json", announced, digest))
    if commitment.get("roster_digest") != manifest.get("roster_digest"):
        expected, shown = str(commitment.get("roster_digest")), str(manifest.get("roster_digest"))
        found.append(Difference("sealed.roster_digest", "manifest.json", expected, shown))


def _drawn_set(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(str(r["uscc"]), str(r["task_id"]), str(r.get("ticket", r.get("commitment")))) for r in records}


def _check_public(directory: Path, found: Found, announced: str | None) -> dict[str, Any] | None:
    manifest = _load(directory / "manifest.json", found)
    results = _load(directory / "results.json", found)
    if not isinstance(manifest, dict):
        return None
    drawn = manifest.get("drawn", [])
    sealed = manifest.get("disclosure") == "sealed"
    if sealed:
        _check_commitment(manifest, announced, found)
    for task in manifest.get("tasks", []):
        mine = [d for d in drawn if d.get("task_id") == task["task_id"]]
        expected = _expected_seed(manifest, str(task["task_id"]))
        if task.get("rule") == TRIGGERED_RULE:
            _check_triggered_task(task, mine, found)
        elif sealed:
            _check_sealed_task(task, mine, expected, manifest.get("sealed") or {}, found)
        else:
            _check_task(task, mine, expected, found)
    if isinstance(results, dict):
        keys = {(d["uscc"], d["task_id"]) for d in drawn}
        strays = sorted({(r["uscc"], r["task_id"]) for r in results.get("results", [])} - keys)
        found.extend(Difference("bundle.stray_result", f"entity {u}", detail=t) for u, t in strays)
    draw_public = (directory / DRAW_MANIFEST).exists() and _load(directory / DRAW_MANIFEST, found)
    if isinstance(draw_public, dict):
        if draw_public.get("seed") != manifest.get("seed"):
            found.append(
                Difference(
                    "bundle.draw_seed",
                    DRAW_MANIFEST,
                    repr(manifest.get("seed")),
                    repr(draw_public.get("seed")),
                )
            )
        if _drawn_set(draw_public.get("sample", [])) != _drawn_set(drawn):
            found.append(Difference("bundle.draw_sample", DRAW_MANIFEST))
    return manifest


def verify_bundle(
    bundle_dir: str | Path,
    roster: pd.DataFrame | None = None,
    *,
    draw_manifest: Mapping[str, Any] | None = None,
    history: pd.DataFrame | None = None,
    seal: Seal | None = None,
    commitment_digest: str | None = None,
) -> Verification:
    """Check a publication bundle; every difference found (docs/verification.md).

    A sealed bundle is checked without any ticket: seeds, the pre-seed commitment (against
    ``commitment_digest``, the digest announced before the seed, when given), the committed
    quota per task and every drawn entity's receipt. With ``roster`` (the frozen roster with
    tiers) this is the auditor's check: it needs the draw's full manifest (``draw_manifest``,
    e.g. SAMPLE.manifest.json) and, for a sealed draw, the sealed material (``seal``); it checks
    that the bundle publishes exactly that draw and recomputes it with
    `dualrandom.verify.verify_draw`. Raises `InputError` when ``bundle_dir`` is not a bundle
    (no folder, no readable bundle.json) or the auditor's check lacks the full manifest.
    """
    directory = Path(bundle_dir)
    if not directory.is_dir():
        raise InputError([Problem(str(directory), None, None, None, "BUNDLE_DIR", "not a bundle directory")])
    if roster is not None and draw_manifest is None:
        message = "the auditor's check needs the draw's full manifest (SAMPLE.manifest.json)"
        raise InputError([Problem(str(directory), None, None, None, "VERIFY_USAGE", message)])
    index, _ = read_bundle_index(directory)
    found: Found = []
    _check_files(directory, index, found)
    manifest = _check_public(directory, found, commitment_digest)
    subject = f"bundle {directory.name}"
    if roster is None or draw_manifest is None:
        return Verification(subject, tuple(found))
    if manifest is not None:
        found += _compare_full(manifest, draw_manifest)
    audited = verify_draw(draw_manifest, roster, history=history, seal=seal)
    return Verification(subject, (*found, *audited))


def _compare_full(manifest: Mapping[str, Any], draw_manifest: Mapping[str, Any]) -> Found:
    """The auditor's full draw manifest against the bundle: the same seed and drawn entities."""
    found: Found = []
    if draw_manifest.get("seed") != manifest.get("seed"):
        found.append(
            Difference("bundle.full_seed", "", repr(draw_manifest.get("seed")), repr(manifest.get("seed")))
        )
    full = {(str(r["uscc"]), str(r["task_id"]), str(r["ticket"])) for r in draw_manifest.get("sample", [])}
    if manifest.get("disclosure") == "sealed":  # the bundle lists no ticket: compare codes and tasks
        same = {f[:2] for f in full} == {d[:2] for d in _drawn_set(manifest.get("drawn", []))}
    else:
        same = full == _drawn_set(manifest.get("drawn", []))
    if not same:
        found.append(Difference("bundle.full_sample"))
    return found


ensure_bundle = raising(verify_bundle)
