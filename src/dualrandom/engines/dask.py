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

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..draw.commitment import commitment_columns
from ..draw.commitment import history_digest as history_table_digest
from ..draw.draw import (
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
from ..errors import DrawError, InputError, PolicyError, Problem, VerificationError
from ..models import Campaign, Coordination, Sampling
from ._assemble import TaskCells, assemble, task_cells
from ._classify import DaskClassification, classify_dask
from ._commit import stream_digest
from ._partition import CellKey, DrawPlan, Scan, candidates, clean, key_bounds, scan, short_cells, trim
from ._ranges import SnapshotRanges, Tampered, attach_ranges, join_ranges, open_ranges
from ._runtime import Progress, dask_client, delayed, gather, require_dask
from .tiers import TierLookup, attach_tiers

__all__ = [
    "DaskClassification",
    "classify_dask",
    "dask_client",
    "draw_dask",
    "read_dask_roster",
    "read_sql_roster",
]

_FILTER_COLUMNS = ("entity_type", "industry", "division")


PANDAS_PARTITION_ROWS = 1_000_000
"""Rows per partition when a pandas DataFrame (or a table read whole: CSV, XLSX, a SQL query) is handed on."""

SQL_PARTITION_ROWS = 1_000_000
"""Rows per partition of a SQL table read by ranges of its index column."""


def read_dask_roster(
    roster: Any,
    columns: Sequence[str] | None = None,
    *,
    table: str | None = None,
    query: str | None = None,
    index_col: str | None = None,
) -> tuple[Any, str]:
    """A Dask DataFrame of ``roster`` and the name problems use for it.

    ``roster`` is a Dask or pandas DataFrame; a Parquet file, folder (hive partitions read as
    text) or glob, local or at an fsspec URL; a SQL URL with ``table`` (read in ranges of
    ``index_col``, default the primary key, else ``uscc``: see `read_sql_roster`) or ``query``
    (read whole); or a CSV/XLSX file (read whole). Raises `InputError` when it cannot be read
    and `MissingDependencyError` for a missing fsspec backend or database driver.
    """
    from ..io.sources import locate
    from ..io.tables import _PARQUET, describe_source, read_table

    dd, _ = require_dask()
    if isinstance(roster, dd.DataFrame):
        return _plain(roster), "roster"
    if isinstance(roster, pd.DataFrame):
        return _partitioned(roster), "roster"
    location = locate(roster, table=table, query=query)
    name = describe_source(roster, table=table, query=query)
    if location.kind == "sql" and location.table is not None and location.query is None:
        frame = read_sql_roster(location.url, location.table, name, index_col=index_col)
    elif location.kind == "sql" or Path(location.url).suffix.lower() not in (*_PARQUET, ""):
        return _partitioned(read_table(roster, table=table, query=query)), name
    else:
        frame = _read_parquet(location.url, location.kind == "fsspec", name)
    if columns is not None:
        frame = frame[[c for c in frame.columns if c in columns]]
    return _plain(frame), name


def _partitioned(frame: pd.DataFrame) -> Any:
    dd, _ = require_dask()
    parts = max(1, -(-len(frame) // PANDAS_PARTITION_ROWS))
    return dd.from_pandas(frame.reset_index(drop=True), npartitions=parts, sort=False)


def _plain(frame: Any) -> Any:
    """Categorical columns (hive partitions, Parquet dictionaries) as text, as `read_table` reads them."""
    categorical = [c for c in frame.columns if isinstance(frame._meta[c].dtype, pd.CategoricalDtype)]
    return frame.astype(dict.fromkeys(categorical, "string")) if categorical else frame


def _read_parquet(url: str, remote: bool, name: str) -> Any:
    from ..io.sources import filesystem, hive_partitioning

    dd, _ = require_dask()
    fs, path = filesystem(url, name) if remote else (None, url)
    exists = (fs.exists(path) or bool(fs.glob(path))) if fs is not None else Path(path).exists()
    if not exists and "*" not in path:
        raise InputError([Problem(name, None, None, None, "FILE_NOT_FOUND", "no such file or directory")])
    is_dir = fs.isdir(path) if fs is not None else Path(path).is_dir()
    partitioning = hive_partitioning(path, fs) if is_dir else None
    dataset = {"partitioning": partitioning} if partitioning is not None else {}
    return dd.read_parquet(url, dataset=dataset) if dataset else dd.read_parquet(url)


def read_sql_roster(url: str, table: str, name: str, *, index_col: str | None = None) -> Any:
    """A SQL table as a Dask DataFrame read in ranges of ``index_col`` (`dask.dataframe.read_sql_table`).

    The index column defaults to the table's one-column primary key, else ``uscc``; it stays
    a column. Range bounds are every `SQL_PARTITION_ROWS`-th value in index order, asked of
    the database (a numbered ordering), so text keys such as codes partition evenly too.
    Raises `InputError` (rule SQL) when the table, the column or the database is not there.
    """
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    from ..io.sources import sql_url

    dd, _ = require_dask()
    connect = sql_url(url, name)
    engine = create_engine(connect)
    schema, _, bare = table.rpartition(".")
    try:
        with engine.connect() as connection:
            found = inspect(connection)
            if bare not in found.get_table_names(schema=schema or None):
                raise _sql_problem(name, f"no table {table!r} in the database")
            keys = found.get_pk_constraint(bare, schema=schema or None).get("constrained_columns") or []
            column = index_col or (keys[0] if len(keys) == 1 else "uscc")
            if column not in [c["name"] for c in found.get_columns(bare, schema=schema or None)]:
                raise _sql_problem(name, f"no column {column!r} to partition the table by")
            quoted, where = engine.dialect.identifier_preparer.quote(column), _qualified(engine, table)
            bounds = (
                connection.execute(
                    text(
                        f"SELECT v FROM (SELECT {quoted} AS v, ROW_NUMBER() OVER (ORDER BY {quoted}) AS n "
                        f"FROM {where}) numbered WHERE (n - 1) % :step = 0 ORDER BY v"
                    ),
                    {"step": SQL_PARTITION_ROWS},
                )
                .scalars()
                .all()
            )
            last = connection.execute(text(f"SELECT MAX({quoted}) FROM {where}")).scalar()
    except SQLAlchemyError as error:
        raise _sql_problem(
            name, f"cannot read: {str(getattr(error, 'orig', error)).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    if last is None:  # an empty table: one empty partition, still checked like any roster
        from ..io.tables import read_table

        return _partitioned(read_table(url, table=table))
    divisions = list(dict.fromkeys(bounds))  # in the database's order (its collation), not Python's
    if divisions[-1] != last or len(divisions) == 1:
        divisions.append(last)
    frame = dd.read_sql_table(bare, connect, index_col=column, divisions=divisions, schema=schema or None)
    return frame.reset_index()


def _qualified(engine: Any, table: str) -> str:
    quote = engine.dialect.identifier_preparer.quote
    return ".".join(quote(part) for part in table.split("."))


def _sql_problem(name: str, message: str) -> InputError:
    return InputError([Problem(name, None, None, None, "SQL", message)])


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


def _select(
    client: Any, parts: Sequence[Any], plan: DrawPlan, split_every: int, progress: Progress | None
) -> pd.DataFrame:
    """Every partition's candidates (`candidates`), merged on the client as they arrive,
    ``split_every`` at a time (`trim`).

    Key-bounded candidates are about what the draw needs, so merging them on a worker would only
    gather the whole sample into one worker's memory; the client holds the sample anyway (it is
    the output). The merge keeps, per cell, a set that does not depend on the arrival order.
    """
    _, distributed = require_dask()
    select_future = client.scatter(plan, broadcast=True)
    leaves = client.compute([delayed(candidates)(p, select_future) for p in parts])
    if progress is not None:
        progress("select", 0, len(leaves))
    merged, batch = trim([], plan), []
    for done, future in enumerate(distributed.as_completed(leaves), start=1):
        batch.append(future.result())
        future.release()
        if len(batch) == split_every or done == len(leaves):
            merged, batch = trim([merged, *batch], plan), []
        if progress is not None:
            progress("select", done, len(leaves))
    return merged


def _recorded_digest(lookup: TierLookup | SnapshotRanges, given: str | None) -> str:
    """The snapshot's content digest, recorded in the manifest.

    Raises `DrawError` when ``given`` (``--snapshot-digest``) is another one.
    """
    if given is not None and given != lookup.content_digest:
        raise DrawError(
            f"--snapshot-digest {given} is not the digest of the snapshot {lookup.source} "
            f"({lookup.content_digest}); leave it out, the snapshot's digest is recorded"
        )
    return lookup.content_digest


def _with_tiers(
    client: Any, parts: list[Any], lookup: TierLookup | SnapshotRanges | None, progress: Progress | None
) -> list[Any]:
    """The roster's delayed partitions, each given its snapshot tiers: an in-memory snapshot is
    broadcast once and joined in every stage; a stored one is joined range by range once, its
    tiers kept on the workers per partition (`join_ranges`)."""
    if isinstance(lookup, TierLookup):
        tiers_future = client.scatter(lookup, broadcast=True)
        return [delayed(attach_tiers)(p, tiers_future) for p in parts]
    if lookup is not None:
        placed = join_ranges(client, parts, lookup, progress)
        return [delayed(attach_ranges)(p, t, lookup) for p, t in zip(parts, placed, strict=True)]
    return parts


def _history_inputs(
    history: pd.DataFrame | None, as_of: date | None, source: str
) -> tuple[pd.Series | None, str | None, InputError | None]:
    """The history's recent checks and digest (the in-memory draw's: headers, dates and kinds as
    the schema reads them), or the error listing its bad rows, raised after the roster's own.

    Raises `DrawError` for a history without the draw date.
    """
    if history is None:
        return None, None, None
    if as_of is None:
        raise DrawError("frequency caps need the draw date: pass as_of with the history")
    try:
        checks = recent_checks(history, as_of, source=source)
    except InputError as error:
        return None, None, error
    return checks, history_table_digest(history), None


def _bernoulli_limits(sampling: Sampling, specs: Sequence[TaskSpec]) -> dict[tuple[int, str], int]:
    """Per (task position, tier), the ticket-key limit of its ratio (Bernoulli mode only)."""
    if sampling.mode != "bernoulli":
        return {}
    return {
        (i, t): ratio_key(r)
        for i, spec in enumerate(specs)
        for t, r in task_sampling(sampling, spec).ratios.items()
    }


def _selecting(
    plan: DrawPlan, plans: Sequence[TaskCells], scans: Sequence[Scan], limits: Mapping[tuple[int, str], int]
) -> DrawPlan:
    """``plan`` with what every cell keeps (quota + reserve), its Bernoulli limit or its key bound."""
    keep: dict[CellKey, int] = {}
    cut: dict[CellKey, int] = {}
    for index, cells in enumerate(plans):
        for cell in cells.cells:
            keep[(index, *cell)] = cells.quotas[cell] + plan.sampling.reserve
            if cells.bernoulli:
                cut[(index, *cell)] = limits[(index, cell[1])]
    sizes = {cell: sum(s.sizes.get(cell, 0) for s in scans) for cell in keep if cell not in cut}
    return replace(plan, keep=keep, limits=cut, bounds=key_bounds(keep, sizes))


def _select_exact(
    client: Any, parts: Sequence[Any], plan: DrawPlan, split_every: int, progress: Progress | None
) -> pd.DataFrame:
    """`_select` under the plan's key bounds, and again without the bound of any cell it cut short
    (about 10^-9 a cell): the candidates never depend on the bounds."""
    merged = _select(client, parts, plan, split_every, progress)
    short = short_cells(merged, plan)
    if short:
        bounds = {cell: b for cell, b in plan.bounds.items() if cell not in short}
        merged = _select(client, parts, replace(plan, bounds=bounds), split_every, progress)
    return merged


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
    snapshot: Any = None,
    source: str | None = None,
    history_source: str = "history",
    scheduler: Any = None,
    progress: Progress | None = None,
    split_every: int = 8,
) -> Draw:
    """Draw from a partitioned roster on Dask; the result equals the in-memory draw's.

    ``policy`` is a `Campaign` (as `draw_campaign`) or per-tier ratios (as `draw_sample`,
    with ``mode``, ``reserve``, ``min_total``, ``max_total``, ``coordination``, ``task_id``
    and ``departments``). ``roster`` is anything `read_dask_roster` reads; rows are numbered in
    partition order (header = row 1). ``snapshot`` (default: the roster's ``--snapshot``) gives
    every entity its tier and its content digest is recorded: a path (a snapshot file or a
    `classify_dask` dataset) is digest-checked and joined range by range (`open_ranges`,
    memory per worker follows the partition size); a `ClassificationSnapshot` in memory is
    broadcast (`dualrandom.engines.tiers`). ``scheduler``: see `dask_client`. ``progress`` is
    called as ``progress(stage, done, total)``; a stored snapshot adds the stage ``join``.

    Raises `InputError` listing every bad row (NOT_CLASSIFIED for a code the snapshot lacks),
    `PolicyError` for a policy the roster cannot serve, `DrawError` for a snapshot digest
    that is not the snapshot's, `VerificationError` for a snapshot that is not what its
    sidecar records (or that changed while it was read).
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
    frame, name = read_dask_roster(roster)
    name = source or name
    lookup = _lookup(snapshot if snapshot is not None else getattr(roster, "snapshot", None))
    if lookup is not None:
        snapshot_digest = _recorded_digest(lookup, snapshot_digest)
        frame = frame[[c for c in frame.columns if c not in ("tier", "score")]]
    meta = frame._meta if lookup is None else attach_tiers(frame._meta, _EMPTY)
    missing = [p for p in check_frame(meta, None, source=name)[1] if p.rule == "COLUMN_MISSING"]
    if missing:  # rows are checked partition by partition
        raise InputError(missing)
    if sampling.strata and sampling.strata not in meta.columns:
        raise PolicyError(f"sampling.strata names the column {sampling.strata!r}, which the roster lacks")
    columns = commitment_columns(meta, sampling.strata)
    wanted = {"uscc", "tier", *_FILTER_COLUMNS, *columns}
    frame = frame[[c for c in frame.columns if c in wanted]]
    checks, history_digest, history_error = _history_inputs(history, as_of, history_source)
    for spec in specs:  # a task filtering on a missing column fails before any work
        if spec.task is not None:
            filter_task(clean(meta), spec.task, source=name)
    limits = _bernoulli_limits(sampling, specs)
    plan = DrawPlan(sampling, tuple(specs), name, checks, snapshot=lookup.source if lookup else None)
    with _refusing_tampered(), dask_client(scheduler) as client:
        parts = _with_tiers(client, frame.to_delayed(), lookup, progress)
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
        merged = _select_exact(client, parts, _selecting(plan, plans, scans, limits), split_every, progress)
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


_EMPTY = TierLookup(np.empty(0, dtype="S18"), np.empty(0, dtype=np.uint8), (), "", "")


def _lookup(snapshot: Any) -> TierLookup | SnapshotRanges | None:
    """How tiers are joined: a snapshot in memory is broadcast, a stored one joined by ranges."""
    if snapshot is None or isinstance(snapshot, TierLookup | SnapshotRanges):
        return snapshot
    if isinstance(snapshot, str | Path):
        return open_ranges(snapshot)
    return TierLookup.of(snapshot)


@contextmanager
def _refusing_tampered() -> Iterator[None]:
    """A snapshot unit that a worker finds changed since its digest was checked: `VerificationError`."""
    try:
        yield
    except Tampered as error:
        raise VerificationError([str(error)], subject="snapshot") from None


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
