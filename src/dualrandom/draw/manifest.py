"""The draw manifest: everything needed to recompute a draw, and its public variant.

The auditor's manifest names each drawn entity's tier (it is as private as the roster); the
public variant keeps per-stratum counts and thresholds under anonymous labels and lists the
sample without tiers. A sealed draw (`dualrandom.draw.sealed`) publishes no ticket, threshold
or cell at all: only the pre-seed commitment, the number drawn per task and per drawn entity a
receipt (docs/draw-spec.md §12).
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import repeat
from typing import Any

import pandas as pd

from ..errors import DrawError
from ..jsontext import stable_json
from ..models import Sampling, Task
from ..tickets import seed_digest
from .frame import TaskSpec

__all__ = [
    "ALGORITHM",
    "TICKET_RECIPE",
    "build_manifest",
    "manifest_json",
    "public_manifest",
    "specs_from_manifest",
    "stratum_label",
    "with_substitution",
]

ALGORITHM = "dualrandom-draw/2"
"""Version 2: per-task ratios, random rounding of r·N (docs/draw-spec.md §4), uncapped key tasks."""
TICKET_RECIPE = "consistent_sampler first ticket: 0.+reversed decimal of SHA-256(hex SHA-256(seed)+id)"


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while many small dicts of str and int are made.

    Such dicts cannot form cycles, but making 60k of them triggers full collections that
    walk every object of the process (a tenth of a second on a 1M-entity draw).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _records(table: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per row: ``rank`` and ``order`` as int, every other column as str.

    A column whose values already are all of that type is taken as it is (no call per value).
    """
    values = []
    for column in columns:
        items = table[column].tolist()
        kind = int if column in ("rank", "order") else str
        values.append(items if set(map(type, items)) <= {kind} else [kind(v) for v in items])
    with _without_cycle_collection():
        return list(map(dict, map(zip, repeat(columns), zip(*values, strict=True))))


def build_manifest(
    *,
    seed: str,
    seed_rule: str,
    sampling: Sampling,
    specs: Sequence[TaskSpec],
    roster_digest: str,
    roster_columns: Sequence[str],
    roster_rows: int,
    snapshot_digest: str | None,
    history_digest: str | None,
    as_of: date | None,
    residents: Mapping[str, int] | None,
    campaign_id: str | None,
    sample: pd.DataFrame,
    reserve: pd.DataFrame,
    counts: pd.DataFrame,
    frequency_caps: str = "none",
) -> dict[str, Any]:
    """The auditor's manifest of a draw (JSON-ready).

    ``frequency_caps`` is ``applied``, ``waived`` (drawn without the history on purpose),
    ``not applied`` or ``none`` (no capped task).
    """
    tasks = [
        {
            "id": spec.task_id,
            "seed": spec.seed,
            "departments": list(spec.departments),
            "filters": spec.task.model_dump(mode="json") if spec.task is not None else None,
            "capped": spec.capped,
        }
        for spec in specs
    ]
    strata = [
        {k: (int(v) if k in ("eligible", "capped", "quota", "drawn") else str(v)) for k, v in row.items()}
        for row in counts.to_dict(orient="records")
    ]
    return {
        "kind": "draw",
        "algorithm": ALGORITHM,
        "ticket_recipe": TICKET_RECIPE,
        "campaign_id": campaign_id,
        "seed": seed,
        "seed_digest": seed_digest(seed),
        "seed_rule": seed_rule,
        "roster_digest": roster_digest,
        "roster_columns": list(roster_columns),
        "roster_rows": roster_rows,
        "snapshot_digest": snapshot_digest,
        "history_digest": history_digest,
        "frequency_caps": frequency_caps,
        "as_of": as_of.isoformat() if as_of is not None else None,
        "residents": dict(residents) if residents is not None else None,
        "policy": {"sampling": sampling.model_dump(mode="json"), "tasks": tasks},
        "strata": strata,
        "sample": _records(sample, ["uscc", "task_id", "tier", "stratum", "ticket", "rank"]),
        "reserve": _records(reserve, ["uscc", "task_id", "tier", "stratum", "ticket", "order"]),
        "substitutions": [],
    }


def with_substitution(
    manifest: Mapping[str, Any], record: Mapping[str, Any], *, incoming_ticket: str
) -> dict[str, Any]:
    """A copy of ``manifest`` with one substitution applied to its sample and recorded."""
    out = copy.deepcopy(dict(manifest))
    task, tier = record["task_id"], record["tier"]
    ranks = [r["rank"] for r in out["sample"] if r["task_id"] == task and r["tier"] == tier]
    out["sample"] = [
        r for r in out["sample"] if not (r["uscc"] == record["removed"] and r["task_id"] == task)
    ]
    out["sample"].append(
        {
            "uscc": record["added"],
            "task_id": task,
            "tier": tier,
            "stratum": record["stratum"],
            "ticket": incoming_ticket,
            "rank": max(ranks) + 1,
        }
    )
    out["substitutions"].append(dict(record))
    return out


def specs_from_manifest(manifest: Mapping[str, Any]) -> tuple[Sampling, list[TaskSpec]]:
    """The policy and task specs a manifest records, validated again."""
    policy = manifest["policy"]
    sampling = Sampling.model_validate_json(json.dumps(policy["sampling"]))
    specs = [
        TaskSpec(
            task_id=task["id"],
            seed=task["seed"],
            departments=tuple(task["departments"]),
            task=Task.model_validate_json(json.dumps(task["filters"]))
            if task["filters"] is not None
            else None,
            capped=bool(task.get("capped", True)),
        )
        for task in policy["tasks"]
    ]
    return sampling, specs


def stratum_label(seed: str, task_id: str, stratum: str, tier: str) -> str:
    """An anonymous public label of a cell: 12 hex digits of SHA-256 over seed, task and cell."""
    text = "\x1f".join((seed_digest(seed), task_id, stratum, tier))
    return "S-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


_KEEP = (
    "kind",
    "algorithm",
    "ticket_recipe",
    "campaign_id",
    "seed",
    "seed_digest",
    "seed_rule",
    "roster_digest",
    "roster_rows",
    "snapshot_digest",
    "history_digest",
    "frequency_caps",
    "as_of",
)


def _sealed_public(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The public variant of a sealed draw: no ticket, no threshold, no cell; receipts instead."""
    receipts = {(r["task_id"], r["uscc"]): r for r in manifest.get("receipts", [])}
    sample = [
        {"uscc": r["uscc"], "task_id": r["task_id"], **_receipt(receipts.get((r["task_id"], r["uscc"])))}
        for r in sorted(manifest["sample"], key=lambda r: (r["task_id"], r["uscc"]))
    ]
    drawn: dict[str, int] = {}
    for record in manifest["sample"]:
        drawn[record["task_id"]] = drawn.get(record["task_id"], 0) + 1
    tasks = [
        {"task_id": t["id"], "seed": t["seed"], "drawn": drawn.get(t["id"], 0)}
        for t in manifest["policy"]["tasks"]
    ]
    substitutions = [
        {k: s[k] for k in ("sequence", "task_id", "removed", "added", "reason")}
        for s in manifest["substitutions"]
    ]
    return {
        **{k: manifest.get(k) for k in _KEEP},
        "public": True,
        "disclosure": "sealed",
        "sealed": manifest["sealed"],
        "tasks": tasks,
        "sample": sample,
        "substitutions": substitutions,
    }


def _receipt(record: Mapping[str, Any] | None) -> dict[str, Any]:
    if record is None:
        return {"commitment": "", "path": []}
    return {"commitment": record["commitment"], "path": list(record["path"])}


def public_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The public variant: no tier per entity, cells under anonymous labels, no reserve tiers.

    A sealed draw (``disclosure = "sealed"``) publishes no ticket and no cell at all: per task
    the number drawn, per drawn entity its receipt, and the pre-seed commitment. Raises
    `DrawError` when ``manifest`` is not a draw manifest.
    """
    if manifest.get("disclosure") == "sealed":
        return _sealed_public(manifest)
    absent = sorted({"seed", "strata", "sample", "substitutions"} - set(manifest))
    if absent:
        raise DrawError(f"not a draw manifest: {', '.join(absent)} missing")
    seed = manifest["seed"]
    strata = sorted(
        (
            {
                "label": stratum_label(seed, c["task_id"], c["stratum"], c["tier"]),
                "task_id": c["task_id"],
                "eligible": c["eligible"],
                "drawn": c["drawn"],
                "threshold": c["threshold"],
            }
            for c in manifest["strata"]
        ),
        key=lambda c: (c["task_id"], c["label"]),
    )
    with _without_cycle_collection():
        sample = sorted(
            ({"uscc": r["uscc"], "task_id": r["task_id"], "ticket": r["ticket"]} for r in manifest["sample"]),
            key=lambda r: (r["task_id"], r["ticket"], r["uscc"]),
        )
    substitutions = [
        {k: s[k] for k in ("sequence", "task_id", "removed", "added", "reason")}
        for s in manifest["substitutions"]
    ]
    return {
        **{k: manifest.get(k) for k in _KEEP},
        "public": True,
        "strata": strata,
        "sample": sample,
        "substitutions": substitutions,
    }


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """The manifest as stable, human-readable JSON (sorted keys, UTF-8, trailing newline)."""
    return stable_json(manifest)
