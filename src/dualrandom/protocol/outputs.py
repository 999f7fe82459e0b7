"""The files each step writes, atomically, before it records anything."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..assign import Assignment
    from ..draw import Draw
    from ..draw.sealed import Seal

__all__ = [
    "write_batch_history",
    "write_commitment",
    "write_draw",
    "write_history",
    "write_seal",
    "write_targets",
    "write_teams",
]


def write_commitment(commitment: Mapping[str, Any], output: str | Path | None) -> tuple[Path, ...]:
    """Write a roster commitment as JSON (atomically); returns the paths written."""
    if output is None:
        return ()
    from ..atomic import write_text_atomic
    from ..draw import manifest_json

    write_text_atomic(output, manifest_json(commitment))
    return (Path(output),)


def write_seal(seal: Seal | None, output: str | Path | None) -> tuple[Path, ...]:
    """Write the auditor-only sealed material (the key), readable by its owner only."""
    if seal is None or output is None:
        return ()
    from ..atomic import write_text_atomic
    from ..draw.sealed import seal_json

    path = Path(output)
    write_text_atomic(path, seal_json(seal))
    path.chmod(0o600)
    return (path,)


def write_draw(draw: Draw, output: str | Path | None) -> tuple[Path, ...]:
    """Write SAMPLE, SAMPLE.manifest.json (auditor) and SAMPLE.public.json (no tiers), atomically.

    Raises `InputError` for an output type that cannot hold a table, before anything is written.
    """
    if output is None:
        return ()
    from ..atomic import write_text_atomic
    from ..draw import manifest_json, public_manifest
    from ..io.tables import check_output, write_table

    path = check_output(output)
    write_table(draw.sample, path)
    write_text_atomic(f"{path}.manifest.json", manifest_json(draw.manifest))
    write_text_atomic(f"{path}.public.json", manifest_json(public_manifest(draw.manifest)))
    return path, Path(f"{path}.manifest.json"), Path(f"{path}.public.json")


def write_teams(assignment: Assignment, output: str | Path | None) -> tuple[Path, ...]:
    """Write TEAMS, TEAMS.marginals.csv (marginals mode) and TEAMS.manifest.json, atomically."""
    if output is None:
        return ()
    from ..atomic import write_text_atomic
    from ..io.tables import check_output, write_table

    path = check_output(output)
    written = [path]
    write_table(assignment.teams, path)
    if assignment.marginals is not None:
        write_table(assignment.marginals, f"{path}.marginals.csv")
        written.append(Path(f"{path}.marginals.csv"))
    write_text_atomic(
        f"{path}.manifest.json", json.dumps(assignment.manifest, ensure_ascii=False, indent=2) + "\n"
    )
    return (*written, Path(f"{path}.manifest.json"))


def write_history(
    history: pd.DataFrame | None,
    checks: Mapping[str, str] | Sequence[Mapping[str, str]],
    campaign_id: str,
    output: str | Path | None,
) -> tuple[Path, ...]:
    """Write ``history`` plus the triggered ``checks`` (one or many) as a new history file."""
    if output is None:
        return ()
    from ..io import write_table

    listed = [checks] if isinstance(checks, Mapping) else list(checks)
    rows = pd.DataFrame(
        {"uscc": [c["uscc"] for c in listed], "inspected_on": [c["inspected_on"] for c in listed],
         "campaign_id": campaign_id, "department": [c["department"] for c in listed], "kind": "triggered",
         "inspector_id": ""}
    )  # fmt: skip
    if any(c.get("visit") for c in listed):
        rows["visit"] = [c.get("visit", "") for c in listed]
    merged = rows if history is None else pd.concat([history.astype("string"), rows], ignore_index=True)
    write_table(merged.fillna("").drop_duplicates(ignore_index=True), output)
    return (Path(output),)


def write_batch_history(history: pd.DataFrame | None, output: str | Path | None) -> tuple[Path, ...]:
    """Write the history a batch was drawn against (file + the plan's earlier checks) as SAMPLE.history.csv.

    The draw manifest holds its digest: the auditor verifies the batch with ``--history`` this file.
    """
    if history is None or output is None:
        return ()
    from ..io import write_table

    path = Path(f"{output}.history.csv")
    write_table(history, path)
    return (path,)


def write_targets(targets: pd.DataFrame, output: str | Path | None) -> tuple[Path, ...]:
    """Write triggered checks as targets (a sample `assign` and `results import` take), atomically."""
    if output is None:
        return ()
    from ..io.tables import check_output, write_table

    path = check_output(output)
    write_table(targets, path)
    return (path,)
