"""The classification and the stratified draw on Dask DataFrames (partitioned Parquet rosters).

`draw_dask` gives exactly the `Draw` of `dualrandom.draw.draw_sample` / `draw_campaign`
(same sample, reserve, counts, thresholds and manifest) in four passes over the partitions:

1. scan: check codes and tiers, count every (task, stratum, tier) cell (a reduction);
2. commit: canonical lines, sorted across the cluster and hashed in order (roster digest,
   duplicate codes);
3. quotas on the client, by the in-memory rules, from the reduced sizes;
4. select: per partition and cell the smallest ticket keys (quota + reserve, ties kept),
   merged in a tree (a mergeable reduction); the client orders the survivors by the full
   ticket exactly as the in-memory draw does.

`classify_dask` classifies partition by partition (classification is row-wise given an
entity's credit records) and writes the snapshot table sorted by code, with the same content
digest as `dualrandom.classify.classify`. Dask is optional (``dualrandom[dask]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..draw.commitment import commitment_columns, table_digest
from ..draw.draw import (
    HISTORY_COLUMNS,
    SAMPLE_COLUMNS,
    Draw,
    NoHistory,
    caps_state,
    refuse_exempt,
    resolve_history,
    task_sampling,
    task_specs,
)
from ..draw.frame import TaskSpec, check_frame, filter_task, recent_checks
from ..draw.manifest import build_manifest
from ..draw.quotas import ratio_key
from ..errors import DrawError, InputError, PolicyError, Problem
from ..ids import normalize_ids
from ..models import Campaign, Coordination, Sampling
from ._assemble import TaskCells, assemble, task_cells
from ._classify import DaskClassification, classify_dask
from ._commit import stream_digest
from ._partition import CellKey, DrawPlan, Scan, candidates, clean, scan, trim
from ._runtime import Progress, dask_client, delayed, gather, require_dask

__all__ = ["DaskClassification", "classify_dask", "dask_client", "draw_dask", "read_roster"]

_FILTER_COLUMNS = ("entity_type", "industry", "division")


PANDAS_PARTITION_ROWS = 1_000_000
"""Rows per partition when a pandas DataFrame is handed to the engine."""


def read_roster(roster: Any, columns: Sequence[str] | None = None) -> tuple[Any, str]:
    """A Dask DataFrame of ``roster``: a Dask or pandas DataFrame, or a Parquet file, directory or glob."""
    dd, _ = require_dask()
    if isinstance(roster, dd.DataFrame):
        return roster, "roster"
    if isinstance(roster, pd.DataFrame):
        parts = max(1, -(-len(roster) // PANDAS_PARTITION_ROWS))
        return dd.from_pandas(roster.reset_index(drop=True), npartitions=parts, sort=False), "roster"
    path = str(roster)
    if "*" not in path and not Path(path).exists():
        raise InputError([Problem(path, None, None, None, "FILE_NOT_FOUND", "no such file or directory")])
    frame = dd.read_parquet(path)
    if columns is not None:
        frame = frame[[c for c in frame.columns if c in columns]]
    return frame, path


def _policy(
    policy: Campaign | Mapping[str, float], seed: str, options: Mapping[str, Any]
) -> tuple[Sampling, list[TaskSpec], str, str | None]:
    """(sampling, task specs, seed rule, campaign id) exactly as the in-memory entry points."""
    if isinstance(policy, Campaign):
        sampling = policy.sampling
        specs = task_specs(policy, seed)
        return sampling, specs, "coordinated" if sampling.coordination is not None else "task", policy.plan.id
    coordination: Coordination | None = options.get("coordination")
    sampling = Sampling.model_validate(
        {
            "tiers": tuple(policy),
            "ratios": dict(policy),
            "mode": options.get("mode", "fixed"),
            "reserve": options.get("reserve", 5),
            "min_total": options.get("min_total"),
            "max_total": options.get("max_total"),
            "coordination": coordination,
        },
        strict=False,
    )
    ticket_seed = coordination.permanent_seed if coordination is not None else seed
    spec = TaskSpec(options.get("task_id", "draw"), ticket_seed, tuple(options.get("departments", ())))
    return sampling, [spec], "coordinated" if coordination is not None else "plain", None


def _check_policy(sampling: Sampling, specs: Sequence[TaskSpec]) -> None:
    refuse_exempt(sampling, specs)
    if sampling.mode == "bernoulli" and sampling.allocation != "proportional":
        raise PolicyError("Bernoulli mode draws ticket < ratio per tier: allocation must be 'proportional'")


def _offsets(scans: Sequence[Scan]) -> list[int]:
    out = [0]
    for s in scans:
        out.append(out[-1] + s.rows)
    return out


def _local_problems(scans: Sequence[Scan], offsets: Sequence[int]) -> list[Problem]:
    return [
        replace(p, row=p.row + offsets[i]) if p.row is not None else p
        for i, s in enumerate(scans)
        for p in s.problems
    ]


def _tree(client: Any, leaves: list[Any], plan: Any, split_every: int) -> Any:
    """Merge candidate futures ``split_every`` at a time, level by level, into one."""
    level = leaves
    while len(level) > 1:
        level = [
            client.submit(trim, level[i : i + split_every], plan, pure=False)
            for i in range(0, len(level), split_every)
        ]
    return client.submit(trim, level, plan, pure=False)


def draw_dask(
    roster: Any,
    policy: Campaign | Mapping[str, float],
    seed: str,
    *,
    mode: str = "fixed",
    reserve: int = 5,
    min_total: int | None = None,
    max_total: int | None = None,
    coordination: Coordination | None = None,
    task_id: str = "draw",
    departments: Sequence[str] = (),
    history: pd.DataFrame | NoHistory | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    snapshot_digest: str | None = None,
    source: str | None = None,
    history_source: str = "history",
    scheduler: Any = None,
    progress: Progress | None = None,
    split_every: int = 8,
) -> Draw:
    """Draw from a partitioned roster on Dask; the result equals the in-memory draw's.

    ``policy`` is a `Campaign` (as `draw_campaign`) or per-tier ratios (as `draw_sample`,
    with ``mode``, ``reserve``, ``min_total``, ``max_total``, ``coordination``, ``task_id``
    and ``departments``). ``roster`` is a Dask DataFrame or a Parquet path; rows are numbered
    in partition order (header = row 1). ``scheduler``: see `dask_client`. ``progress`` is
    called as ``progress(stage, done, total)``.
    """
    require_dask()
    options = {"mode": mode, "reserve": reserve, "min_total": min_total, "max_total": max_total,
               "coordination": coordination, "task_id": task_id, "departments": departments}  # fmt: skip
    sampling, specs, seed_rule, campaign_id = _policy(policy, seed, options)
    waived = False
    if isinstance(policy, Campaign):
        history, waived = resolve_history(policy, history)
    elif isinstance(history, NoHistory):
        history = None
    _check_policy(sampling, specs)
    frame, name = read_roster(roster)
    name = source or name
    meta = frame._meta
    missing = [p for p in check_frame(meta, None, source=name)[1] if p.rule == "COLUMN_MISSING"]
    if missing:  # rows are checked partition by partition
        raise InputError(missing)
    if sampling.strata and sampling.strata not in meta.columns:
        raise PolicyError(f"sampling.strata names the column {sampling.strata!r}, which the roster lacks")
    columns = commitment_columns(meta, sampling.strata)
    wanted = {"uscc", "tier", *_FILTER_COLUMNS, *columns}
    frame = frame[[c for c in meta.columns if c in wanted]]
    checks, history_digest, history_error = None, None, None
    if history is not None:
        if as_of is None:
            raise DrawError("frequency caps need the draw date: pass as_of with the history")
        try:
            checks = recent_checks(history, as_of, source=history_source)
        except InputError as error:
            history_error = error
        present = [c for c in HISTORY_COLUMNS if c in history.columns]
        if history_error is None:
            history_digest = table_digest(history.assign(uscc=normalize_ids(history["uscc"])), present)
    for spec in specs:  # a task filtering on a missing column fails before any work
        if spec.task is not None:
            filter_task(clean(meta), spec.task, source=name)
    limits = (
        {
            (i, t): ratio_key(r)
            for i, spec in enumerate(specs)
            for t, r in task_sampling(sampling, spec).ratios.items()
        }
        if sampling.mode == "bernoulli"
        else {}
    )
    plan = DrawPlan(sampling, tuple(specs), name, checks)
    with dask_client(scheduler) as client:
        parts = frame.to_delayed()
        plan_future = client.scatter(plan, broadcast=True)
        scans: list[Scan] = gather(
            client, [delayed(scan)(p, plan_future, limits) for p in parts], "scan", progress
        )
        offsets = _offsets(scans)
        digest = stream_digest(client, parts, columns, progress)
        problems = _local_problems(scans, offsets) + digest.duplicates(offsets, name)
        if not any(s.rows for s in scans):  # the same refusal as the in-memory draw (dualrandom.schema)
            problems += check_frame(meta, None, source=name)[1]
        if problems:
            raise InputError(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
        if history_error is not None:
            raise history_error
        plans = _task_cells(scans, specs, sampling, residents, seed)
        keep: dict[CellKey, int] = {}
        cut: dict[CellKey, int] = {}
        for index, cells in enumerate(plans):
            for cell in cells.cells:
                keep[(index, *cell)] = cells.quotas[cell] + sampling.reserve
                if cells.bernoulli:
                    cut[(index, *cell)] = limits[(index, cell[1])]
        selecting = replace(plan, keep=keep, limits=cut)
        select_future = client.scatter(selecting, broadcast=True)
        leaves = client.compute([delayed(candidates)(p, select_future) for p in parts])
        root = _tree(client, leaves, select_future, split_every)
        if progress is not None:
            _, distributed = require_dask()
            progress("select", 0, len(leaves))
            for done, _ in enumerate(distributed.as_completed(leaves), start=1):
                progress("select", done, len(leaves))
        merged: pd.DataFrame = root.result()
        del leaves, root
    has_division = "division" in meta.columns
    sample, reserve_table, counts = assemble(merged, plans, specs, sampling, has_division=has_division)
    manifest = build_manifest(
        seed=seed, seed_rule=seed_rule, sampling=sampling, specs=specs, roster_digest=digest.hexdigest(),
        roster_columns=columns, roster_rows=offsets[-1], snapshot_digest=snapshot_digest,
        history_digest=history_digest, as_of=as_of, residents=residents, campaign_id=campaign_id,
        sample=sample, reserve=reserve_table, counts=counts,
        frequency_caps=caps_state(sampling, specs, history is not None, waived),
    )  # fmt: skip
    return Draw(sample=sample[SAMPLE_COLUMNS], reserve=reserve_table, counts=counts, manifest=manifest)


def _task_cells(
    scans: Sequence[Scan],
    specs: Sequence[TaskSpec],
    sampling: Sampling,
    residents: Mapping[str, int] | None,
    seed: str,
) -> list[TaskCells]:
    """Sum the partitions' cell counts per task and compute each task's quotas."""
    out = []
    for index, spec in enumerate(specs):
        seen: dict[tuple[str, str], int] = {}
        capped: dict[tuple[str, str], int] = {}
        below: dict[tuple[str, str], int] = {}
        for s in scans:
            for target, counted in ((seen, s.sizes), (capped, s.capped), (below, s.below)):
                for (task, stratum, tier), n in counted.items():
                    if task == index:
                        target[(stratum, tier)] = target.get((stratum, tier), 0) + n
        out.append(task_cells(seen, capped, below, task_sampling(sampling, spec), residents, spec, seed))
    return out
