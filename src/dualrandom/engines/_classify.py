"""Classification on Dask: row-wise per partition, then sorted by code and digested in order.

An entity's tier depends only on its own row, credit records and inspections, so each
partition is classified with `dualrandom.classify.classify` on the records of its own
entities (the records are checked once and broadcast). The partitions are then sorted by
code across the cluster and written as a Parquet dataset; the content digest is computed by
streaming that dataset column by column, so it equals the in-memory snapshot's digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..atomic import atomic_directory, write_text_atomic
from ..classify import ClassificationPolicy, ClassificationSnapshot, classify, policy_digest
from ..classify.inputs import prepare_inputs
from ..classify.snapshot import FORMAT, sidecar_path
from ..errors import InputError, Problem
from ..ids import normalize_ids
from ..jsontext import stable_json
from ._commit import stream_digest
from ._runtime import Progress, dask_client, delayed, gather, require_dask
from ._snapdigest import dataset_digest, units_of
from ._tablesort import write_sorted

__all__ = ["DaskClassification", "classify_dask"]

_ROSTER_ORDER = {("uscc", "REQUIRED"): 0, ("uscc", "DUPLICATE"): 1, ("registered_on", "DATE"): 2}


@dataclass(frozen=True)
class DaskClassification:
    """A classification written as a Parquet dataset sorted by code, with its JSON sidecar.

    ``path`` is the dataset directory (``part.<i>.parquet`` in code order); the sidecar has
    the same content as `ClassificationSnapshot.metadata`.
    """

    path: Path
    version: str
    as_of: date
    policy: ClassificationPolicy
    policy_digest: str
    content_digest: str
    rows: int
    tier_counts: dict[str, int]

    def parts(self) -> list[Path]:
        """The dataset's files in code order."""
        return sorted(self.path.glob("part.*.parquet"), key=lambda p: int(p.name.split(".")[1]))

    def to_snapshot(self) -> ClassificationSnapshot:
        """Load the whole table into memory as a `ClassificationSnapshot` (small rosters only)."""
        table = pd.concat([pd.read_parquet(p) for p in self.parts()], ignore_index=True)
        return ClassificationSnapshot(
            self.version, self.as_of, self.policy, self.policy_digest, table, self.content_digest
        )


def _subset(table: pd.DataFrame | None, codes: pd.Series) -> pd.DataFrame | None:
    """The rows of ``table`` (which has a normalised ``_code`` column) about ``codes``."""
    if table is None:
        return None
    mine = table.loc[table["_code"].isin(codes).to_numpy(dtype=bool)]
    return mine.drop(columns="_code").reset_index(drop=True)


Classified = tuple[int, pd.DataFrame | list[Problem]]
"""One partition's row count and its snapshot table, or its roster problems (local rows)."""


def _classify_part(
    part: pd.DataFrame,
    shared: tuple[pd.DataFrame | None, pd.DataFrame | None],
    policy: ClassificationPolicy,
    as_of: date,
    version: str,
    sources: tuple[str, str, str],
) -> Classified:
    """Classify one partition on the records of its own entities (duplicates are found later)."""
    frame = part.reset_index(drop=True)
    codes = normalize_ids(frame["uscc"])
    records, history = shared
    try:
        snapshot = classify(
            frame, _subset(records, codes), policy, as_of=as_of,
            history=_subset(history, codes), version=version, sources=sources,
        )  # fmt: skip
    except InputError as error:
        return len(frame), [p for p in error.problems if p.source == sources[0] and p.rule != "DUPLICATE"]
    return len(frame), snapshot.table


def _summary(classified: Classified) -> tuple[int, list[Problem], dict[str, int]]:
    """Rows, roster problems and tier counts of one classified partition."""
    rows, result = classified
    if isinstance(result, list):
        return rows, result, {}
    counts = result["tier"].value_counts()
    return rows, [], {str(t): int(n) for t, n in counts.items()}


def _table(classified: Classified) -> pd.DataFrame:
    result = classified[1]
    if isinstance(result, list):  # reported before any table is written
        raise InputError(result)
    return result


def _tagged(table: pd.DataFrame | None) -> pd.DataFrame | None:
    if table is None:
        return None
    return (
        table.assign(_code=normalize_ids(table["uscc"]).astype(object)) if "uscc" in table.columns else table
    )


def _input_problems(
    records: pd.DataFrame | None, history: pd.DataFrame | None, sources: tuple[str, str, str]
) -> list[Problem]:
    """Problems of the credit records and history, checked once for the whole run."""
    empty = pd.DataFrame({"uscc": pd.Series(dtype=object), "registered_on": pd.Series(dtype=object)})
    try:
        prepare_inputs(empty, records, history, need_industry=False, sources=sources)
    except InputError as error:
        return list(error.problems)
    return []


def classify_dask(
    roster: Any,
    records: pd.DataFrame | None,
    policy: ClassificationPolicy,
    *,
    as_of: date,
    output: str | Path,
    history: pd.DataFrame | None = None,
    version: str | None = None,
    sources: tuple[str, str, str] | None = None,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> DaskClassification:
    """Classify a partitioned roster on Dask; write the sorted table to ``output`` (a directory).

    The content digest equals that of `dualrandom.classify.classify` on the whole roster.
    ``records`` and ``history`` are broadcast (each partition gets its entities' rows).
    """
    require_dask()
    from .dask import read_dask_roster

    frame, name = read_dask_roster(roster)
    names = sources or (name, "records", "history")
    meta = frame._meta
    need_industry = "industry_risk" in policy.indicators or any(
        o.indicator == "industry_risk" for o in policy.overrides
    )
    needed = ("uscc", "registered_on", "industry") if need_industry else ("uscc", "registered_on")
    missing = [
        Problem(names[0], None, c, None, "COLUMN_MISSING", f"required column {c!r} is missing")
        for c in needed
        if c not in meta.columns
    ]
    others = _input_problems(records, history, names)
    if missing:
        problems = missing + others
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the classification inputs")
    frame = frame[list(needed)]
    label = version or as_of.isoformat()
    target = Path(output)
    meta_table = classify(meta[list(needed)], None, policy, as_of=as_of, version=label).table
    with dask_client(scheduler) as client:
        shared = client.scatter((_tagged(records), _tagged(history)), broadcast=True)
        parts = frame.to_delayed()
        classified = client.compute(
            [delayed(_classify_part)(p, shared, policy, as_of, label, names) for p in parts]
        )
        summaries = gather(
            client, [client.submit(_summary, c, pure=False) for c in classified], "check", progress
        )
        offsets = np.concatenate([[0], np.cumsum([s[0] for s in summaries])]).astype(np.int64).tolist()
        repeats = stream_digest(client, parts, ["uscc"], progress, stage="repeats")
        problems = _roster_problems(summaries, offsets, repeats.duplicates(offsets, names[0]))
        if problems or others:
            every = problems + others
            raise InputError(every, summary=f"{len(every)} problem(s) in the classification inputs")
        tables = [client.submit(_table, c, pure=False) for c in classified]
        del classified
        with atomic_directory(target) as temporary:
            files = write_sorted(client, tables, meta_table, temporary, progress)
            rows = offsets[-1]
            policy_sha = policy_digest(policy)
            header = {
                "format": FORMAT, "version": label, "as_of": as_of.isoformat(), "policy_digest": policy_sha,
                "columns": [str(c) for c in meta_table.columns], "rows": rows,
            }  # fmt: skip
            types = {str(c): pa.Schema.from_pandas(meta_table).field(str(c)).type for c in meta_table.columns}
            digest = dataset_digest(units_of(files), header, types)
    totals = {name: sum(s[2].get(name, 0) for s in summaries) for name in policy.tiers.names}
    result = DaskClassification(target, label, as_of, policy, policy_sha, digest, rows, totals)
    write_text_atomic(
        sidecar_path(target),
        stable_json(_metadata(result)),
    )
    return result


def _metadata(result: DaskClassification) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": result.version,
        "as_of": result.as_of.isoformat(),
        "policy_digest": result.policy_digest,
        "content_digest": result.content_digest,
        "rows": result.rows,
        "tier_counts": result.tier_counts,
        "policy": result.policy.model_dump(mode="json"),
    }


def _roster_problems(
    summaries: Sequence[tuple[int, list[Problem], dict[str, int]]],
    offsets: Sequence[int],
    repeats: list[Problem],
) -> list[Problem]:
    """Roster problems in the in-memory (`dualrandom.schema`) order: by row, then column."""
    shifted = [
        replace(p, row=p.row + offsets[i]) if p.row is not None else p
        for i, (_, found, _) in enumerate(summaries)
        for p in found
    ]
    every = shifted + repeats
    return sorted(every, key=lambda p: (p.row or 0, _ROSTER_ORDER.get((p.column or "", p.rule), 3)))
