"""The stratified draw: in every (stratum, tier) cell, the entities with the smallest tickets.

Fixed mode takes the quota's smallest tickets (an exact simple random sample of the cell);
Bernoulli mode takes every ticket below the tier's ratio. Entities are ranked by
(ticket key, full ticket), which equals the string order of full tickets, so the result does
not depend on row order, on other cells, or on how many processes hashed the tickets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ..errors import DrawError, PolicyError
from ..kernel import available as kernel_available
from ..kernel import text_keys
from ..models import NO_EXEMPT_SOURCE, Campaign, Coordination, Sampling
from ..tickets import KEY_DIGITS, kernel_threads, seed_digest, ticket_keys, tickets
from .commitment import commitment_columns, roster_digest
from .commitment import history_digest as history_table_digest
from .coordination import shift_keys
from .frame import CODES, TaskSpec, apply_caps, filter_task, prepare_frame, recent_checks
from .manifest import build_manifest, with_substitution
from .quotas import cell_quotas, exact_ratio, ratio_key, within_totals

__all__ = [
    "NO_HISTORY",
    "SAMPLE_COLUMNS",
    "Draw",
    "NoHistory",
    "TaskSpec",
    "caps_state",
    "draw_campaign",
    "draw_sample",
    "draw_tasks",
    "refuse_exempt",
    "resolve_history",
    "substitute",
    "task_sampling",
    "task_specs",
    "with_minimum",
]

SAMPLE_COLUMNS = ["uscc", "task_id", "tier", "ticket", "rank", "departments", "division"]
RESERVE_COLUMNS = ["uscc", "task_id", "tier", "stratum", "ticket", "order", "division"]
COUNT_COLUMNS = ["task_id", "stratum", "tier", "eligible", "capped", "quota", "drawn", "threshold"]
HISTORY_COLUMNS = ["uscc", "inspected_on", "kind"]
Cell = tuple[str, str]


class NoHistory:
    """The operator's explicit choice to draw a capped campaign without its history (`NO_HISTORY`)."""

    def __repr__(self) -> str:
        return "NO_HISTORY"


NO_HISTORY = NoHistory()
"""Pass as ``history`` to draw a campaign with frequency caps without them; the manifest says so."""


@dataclass(frozen=True)
class Draw:
    """A draw: the sample, the ordered reserve, per-cell counts, and the manifest.

    ``sample`` has the contract columns (`SAMPLE_COLUMNS`), sorted by task, tier and rank;
    ``reserve`` lists, per cell, the next tickets in order; ``counts`` has one row per
    (task, stratum, tier) with the eligible size, the capped entities, the quota, the number
    drawn and the threshold.
    """

    sample: pd.DataFrame
    reserve: pd.DataFrame
    counts: pd.DataFrame
    manifest: dict[str, Any]
    substitutions: tuple[dict[str, Any], ...] = field(default=())

    @property
    def thresholds(self) -> dict[str, str]:
        """Per cell: the last drawn ticket position (fixed) or the ratio (Bernoulli).

        Keys are the tier when the draw has one task and no strata, else ``task/stratum/tier``
        (empty parts left out).
        """
        simple = self.counts["task_id"].nunique() <= 1 and (self.counts["stratum"] == "").all()
        out: dict[str, str] = {}
        for row in self.counts.to_dict(orient="records"):
            parts = (str(row["task_id"]), str(row["stratum"]), str(row["tier"]))
            key = parts[2] if simple else "/".join(p for p in parts if p)
            out[key] = str(row["threshold"])
        return out


Columns = dict[str, list[npt.NDArray[Any]]]


def extend_columns(columns: Columns, **values: Any) -> None:
    """Append equal-length arrays (scalars broadcast) to the named column lists."""
    """Append one cell's rows (arrays, or scalars repeated) to column-wise buffers."""
    length = len(values["uscc"])
    for name, value in values.items():
        array = value if isinstance(value, np.ndarray) else np.full(length, value, dtype=object)
        columns.setdefault(name, []).append(array)


def columns_table(columns: Columns) -> pd.DataFrame:
    """Concatenate column lists built by `extend_columns` into a table."""
    return pd.DataFrame({name: np.concatenate(arrays) for name, arrays in columns.items()})


def _strata(frame: pd.DataFrame, column: str | None) -> npt.NDArray[np.object_]:
    if column is None:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)


class _ArrowCodes:
    """A column of codes kept in Arrow: only the positions taken from it become Python strings."""

    def __init__(self, values: pa.LargeStringArray) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, positions: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        taken: npt.NDArray[np.object_] = self.values.take(pa.array(positions)).to_numpy(zero_copy_only=False)
        return taken


Codes = npt.NDArray[np.object_] | _ArrowCodes


def _codes_and_keys(seed: str, column: pd.Series, processes: int) -> tuple[Codes, npt.NDArray[np.uint64]]:
    """The codes of ``column`` and their ticket keys.

    Arrow-backed text goes to the kernel as its buffers (no Python object per code); other
    columns, or a draw without the kernel, go through `dualrandom.tickets.ticket_keys`.
    """
    dtype = column.dtype
    if kernel_available() and isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        values = pa.chunked_array(pa.array(column.array)).cast(pa.large_string()).combine_chunks()
        if not values.null_count:
            raw = text_keys(seed_digest(seed), values, threads=kernel_threads(len(values)))
            return _ArrowCodes(values), np.frombuffer(raw, dtype=np.uint64)
    ids = column.to_numpy(dtype=object)
    return ids, ticket_keys(seed, ids, processes=processes)


def _ordered(
    keys: npt.NDArray[np.uint64],
    count: int,
    seed: str,
    ids: Codes,
    rows: npt.NDArray[np.intp],
) -> npt.NDArray[np.intp]:
    """Positions in ``keys`` of the ``count`` smallest (key, full ticket), in order.

    ``keys`` are those of ``ids[rows]``; the codes are looked up only where keys tie.
    """
    if count <= 0 or len(keys) == 0:
        return np.empty(0, dtype=np.intp)
    if count < len(keys):
        kth = np.partition(keys, count - 1)[count - 1]
        candidates = np.flatnonzero(keys <= kth)
    else:
        candidates = np.arange(len(keys))
    order = candidates[np.argsort(keys[candidates], kind="stable")]
    sorted_keys = keys[order]
    tied = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if len(tied):  # equal 16-digit keys: order by the full ticket, then by code
        starts = np.unique(np.searchsorted(sorted_keys, sorted_keys[tied], side="left"))
        for start in starts:
            stop = int(np.searchsorted(sorted_keys, sorted_keys[start], side="right"))
            run = order[start:stop]
            codes = ids[rows[run]]
            full = tickets(seed, codes)
            order[start:stop] = run[sorted(range(len(run)), key=lambda i: (full[i], codes[i]))]
    return order[:count]


def _text_at(column: pd.Series | None, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.object_] | str:
    """The values of ``column`` at ``rows`` as text, missing as "" ("" without the column).

    Only the drawn and reserve rows are converted, not the whole roster.
    """
    if column is None:
        return ""
    return column.iloc[rows].astype("string").fillna("").to_numpy(dtype=object)


def _position(keys: npt.NDArray[np.uint64], full: str) -> str:
    """The ranking value u' of a ticket: its (shifted) key digits and the unchanged rest."""
    return f"0.{int(keys):0{KEY_DIGITS}d}{full[2 + KEY_DIGITS :]}"


def task_sampling(sampling: Sampling, spec: TaskSpec) -> Sampling:
    """The rules one task is drawn under: its own ratios over the campaign's, no caps if uncapped."""
    update: dict[str, Any] = {}
    if spec.task is not None and spec.task.ratios:
        update["ratios"] = spec.task.tier_ratios(sampling)
    if spec.task is not None and spec.task.per_capita is not None:
        update["per_capita"] = spec.task.per_capita
    if not spec.capped and sampling.frequency_caps:
        update["frequency_caps"] = {}
    return sampling.model_copy(update=update) if update else sampling


def _design_share(
    sampling: Sampling, sizes: Mapping[Cell, int], quotas: Mapping[Cell, int] | None
) -> Fraction:
    """Entities the task is designed to draw: ``sum(r * N)``, or the quotas' sum when allocated."""
    if quotas is not None:
        return Fraction(sum(quotas.values()))
    return sum((exact_ratio(sampling.ratios[cell[1]]) * n for cell, n in sizes.items()), Fraction(0))


def with_minimum(
    sampling: Sampling,
    spec: TaskSpec,
    sizes: Mapping[Cell, int],
    capped: Mapping[Cell, int],
    quotas: Mapping[Cell, int] | None = None,
) -> Sampling:
    """Refuse a task designed below its minimum ratio; else floor its total at ``ceil(min * N)``.

    ``N`` counts the task's frame before frequency caps. Raises `PolicyError` naming the
    rule ``MIN_RATIO`` and its source.
    """
    minimum = spec.task.minimum() if spec.task is not None else None
    if minimum is None:
        return sampling
    share, source = minimum
    frame = sum(sizes.values()) + sum(capped.values())
    need = exact_ratio(share) * frame
    design = _design_share(sampling, sizes, quotas)
    if design < need:
        shown = float(design / frame) if frame else 0.0
        raise PolicyError(
            f"task {spec.task_id!r} is designed to draw {shown:.2%} of its {frame:,} entities "
            f"({float(design):.1f}), below the minimum {share:.2%} [MIN_RATIO] ({source}); "
            "raise the task's ratios or [sampling].ratios"
        )
    floor = math.ceil(need)
    if sampling.max_total is not None and sampling.max_total < floor:
        raise PolicyError(
            f"task {spec.task_id!r}: max_total {sampling.max_total} is below the {floor} entities "
            f"the minimum {share:.2%} of {frame:,} requires [MIN_RATIO] ({source})"
        )
    if (sampling.min_total or 0) >= floor:
        return sampling
    return sampling.model_copy(update={"min_total": floor})


def _task_quotas(
    sampling: Sampling,
    spec: TaskSpec,
    keys: npt.NDArray[np.uint64],
    members: Mapping[Cell, npt.NDArray[np.intp]],
    capped: Mapping[Cell, int],
    residents: Mapping[str, int] | None,
    seed: str,
) -> tuple[Sampling, dict[Cell, int], bool]:
    """The task's rules with its minimum applied, the quota per cell, and whether it is Bernoulli.

    Raises `PolicyError` for a Bernoulli draw with an allocation and as `with_minimum` does.
    """
    cells = list(members)
    sizes = {cell: len(members[cell]) for cell in cells}
    if sampling.mode == "bernoulli":
        if sampling.allocation != "proportional":
            raise PolicyError(
                "Bernoulli mode draws ticket < ratio per tier: allocation must be 'proportional'"
            )
        sampling = with_minimum(sampling, spec, sizes, capped)
        limits = {cell: np.uint64(ratio_key(sampling.ratios[cell[1]])) for cell in cells}
        counted = {cell: int((keys[members[cell]] < limits[cell]).sum()) for cell in cells}
        adjusted = within_totals(
            counted,
            {cell: Fraction(int(limits[cell]), 10**16) * sizes[cell] for cell in cells},
            sizes,
            min_total=sampling.min_total,
            max_total=sampling.max_total,
        )
        return sampling, adjusted, adjusted == counted
    allocated = None
    if sampling.allocation != "proportional":
        unfloored = sampling.model_copy(update={"min_total": None})
        allocated = cell_quotas(sizes, unfloored, residents, task_id=spec.task_id, seed=seed)
    sampling = with_minimum(sampling, spec, sizes, capped, allocated)
    return sampling, cell_quotas(sizes, sampling, residents, task_id=spec.task_id, seed=seed), False


def _draw_task(
    frame: pd.DataFrame,
    sampling: Sampling,
    spec: TaskSpec,
    checks: pd.Series | None,
    residents: Mapping[str, int] | None,
    source: str,
    processes: int,
    seed: str,
) -> tuple[Columns, Columns, list[dict[str, Any]]]:
    sampling = task_sampling(sampling, spec)
    covered = filter_task(frame, spec.task, source=source) if spec.task is not None else frame
    capped: dict[Cell, int] = {}
    if checks is not None:
        over = apply_caps(covered, sampling.frequency_caps, checks).to_numpy(dtype=bool)
        if over.any():
            gone = covered.loc[over]
            gone_strata = _strata(gone, sampling.strata)
            for cell in zip(gone_strata.tolist(), gone["tier"].tolist(), strict=True):
                capped[cell] = capped.get(cell, 0) + 1
            covered = covered.loc[~over]
    ids, keys = _codes_and_keys(spec.seed, covered["uscc"], processes)
    if sampling.coordination is not None:
        keys = shift_keys(keys, sampling.coordination.start)
    if sampling.strata:
        stratum_codes, stratum_values = pd.factorize(_strata(covered, sampling.strata))
    else:  # one stratum, "": nothing to hash per row
        stratum_codes, stratum_values = np.zeros(len(covered), dtype=np.intp), np.array([""], dtype=object)
    tier_codes, tier_values = pd.factorize(covered["tier"])
    width = max(len(tier_values), 1)
    pair_codes, pairs = pd.factorize(stratum_codes * width + tier_codes)
    seen = [(str(stratum_values[p // width]), str(tier_values[p % width])) for p in pairs.tolist()]
    cells = sorted(
        set(seen) | set(capped) | ({("", t) for t in sampling.tiers} if not sampling.strata else set())
    )
    cell_index = {cell: i for i, cell in enumerate(cells)}
    translate = np.array([cell_index[cell] for cell in seen], dtype=np.intp)
    codes = translate[pair_codes] if len(ids) else np.empty(0, dtype=np.intp)
    by_cell = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(cells)))])
    members = {cell: by_cell[bounds[i] : bounds[i + 1]] for i, cell in enumerate(cells)}
    sizes = {cell: len(members[cell]) for cell in cells}

    sampling, quotas, bernoulli = _task_quotas(sampling, spec, keys, members, capped, residents, seed)

    departments = ";".join(spec.departments)
    division = covered["division"] if "division" in covered.columns else None
    samples: Columns = {}
    reserves: Columns = {}
    counts: list[dict[str, Any]] = []
    for cell in cells:
        stratum, tier = cell
        rows = members[cell]
        picked = rows[_ordered(keys[rows], quotas[cell] + sampling.reserve, spec.seed, ids, rows)]
        drawn, spare = picked[: quotas[cell]], picked[quotas[cell] :]
        full = tickets(spec.seed, ids[picked])
        if bernoulli:
            threshold = repr(float(sampling.ratios[tier]))
        elif len(drawn):
            threshold = _position(keys[drawn[-1]], full[len(drawn) - 1])
        else:
            threshold = ""
        counts.append(
            {
                "task_id": spec.task_id,
                "stratum": stratum,
                "tier": tier,
                "eligible": sizes[cell],
                "capped": capped.get(cell, 0),
                "quota": quotas[cell],
                "drawn": len(drawn),
                "threshold": threshold,
            }
        )
        extend_columns(
            samples, uscc=ids[drawn], task_id=spec.task_id, tier=tier, ticket=full[: len(drawn)],
            _key=keys[drawn], stratum=stratum, departments=departments,
            division=_text_at(division, drawn),
        )  # fmt: skip
        extend_columns(
            reserves, uscc=ids[spare], task_id=spec.task_id, tier=tier, stratum=stratum,
            ticket=full[len(drawn) :], order=np.arange(1, len(spare) + 1, dtype=np.int64),
            division=_text_at(division, spare),
        )  # fmt: skip
    return samples, reserves, counts


def _by_ticket_within_ties(
    order: npt.NDArray[np.intp], tied: npt.NDArray[np.bool_], full: npt.NDArray[np.object_]
) -> None:
    """Sort, in place, each run of ``order`` whose neighbours tie (``tied[i]``: i and i+1) by ticket."""
    begins = np.flatnonzero(tied & ~np.concatenate([[False], tied[:-1]]))
    for begin in begins.tolist():
        end = begin
        while end < len(tied) and tied[end]:
            end += 1
        run = order[begin : end + 1]
        order[begin : end + 1] = run[np.argsort(full[run], kind="stable")]


def rank_sample(sample: pd.DataFrame, tiers: Sequence[str], task_order: Sequence[str]) -> pd.DataFrame:
    """Rank within task × tier by (key, full ticket) and sort by task, tier, rank.

    One numpy sort on (task, tier, key); full tickets are compared only where 16-digit keys tie.
    """
    if sample.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*SAMPLE_COLUMNS, "stratum"]})
    task = pd.Index(list(task_order)).get_indexer(pd.Index(sample["task_id"])).astype(np.int64)
    tier = pd.Index(list(tiers)).get_indexer(pd.Index(sample["tier"])).astype(np.int64)
    group = task * max(len(tiers), 1) + tier
    keys = sample["_key"].to_numpy(dtype=np.uint64)
    order = np.lexsort((keys, group))
    same_group = group[order][1:] == group[order][:-1]
    tied = same_group & (keys[order][1:] == keys[order][:-1])
    if tied.any():
        _by_ticket_within_ties(order, tied, sample["ticket"].to_numpy(dtype=object))
    starts = np.flatnonzero(np.concatenate([[True], ~same_group]))
    sizes = np.diff(np.concatenate([starts, [len(order)]]))
    rank = np.arange(len(order), dtype=np.int64) - np.repeat(starts, sizes) + 1
    ranked = sample.iloc[order][[*SAMPLE_COLUMNS[:4], *SAMPLE_COLUMNS[5:], "stratum"]].reset_index(drop=True)
    ranked.insert(4, "rank", rank)
    return ranked


def draw_tasks(
    roster: pd.DataFrame,
    sampling: Sampling,
    specs: Sequence[TaskSpec],
    seed: str,
    *,
    seed_rule: str,
    history: pd.DataFrame | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    snapshot_digest: str | None = None,
    campaign_id: str | None = None,
    source: str = "roster",
    processes: int = 1,
    history_source: str = "history",
    caps_waived: bool = False,
    rounding_seed: str | None = None,
) -> Draw:
    """Draw every task of ``specs`` from ``roster`` (the engine behind both public entry points).

    ``source`` and ``history_source`` name the inputs in error messages. Tickets are hashed by
    the C kernel on every core when it is built (`dualrandom.kernel`); otherwise by hashlib,
    in ``processes`` worker processes when > 1. The result is the same on every path.
    ``caps_waived`` records in the manifest that the operator drew without the history.
    ``rounding_seed`` keys the rounding coins (default ``seed``; a sealed draw uses its key digest).
    Raises `PolicyError` when a ratio or cap exempts a tier or a task misses its minimum ratio,
    `InputError` for bad rows and `DrawError` for history without a draw date.
    """
    refuse_exempt(sampling, specs)
    frame = prepare_frame(roster, sampling.tiers, source=source)
    if sampling.strata and sampling.strata not in frame.columns:
        raise PolicyError(f"sampling.strata names the column {sampling.strata!r}, which the roster lacks")
    checks = None
    history_digest = None
    if history is not None:
        if as_of is None:
            raise DrawError("frequency caps need the draw date: pass as_of with the history")
        checks = recent_checks(history, as_of, source=history_source, any_code=frame.attrs[CODES] == "any")
        history_digest = history_table_digest(history)
    samples: Columns = {}
    reserves: Columns = {}
    counts: list[dict[str, Any]] = []
    for spec in specs:
        s, r, c = _draw_task(
            frame, sampling, spec, checks, residents, source, processes, rounding_seed or seed
        )
        for parts, more in ((samples, s), (reserves, r)):
            for name, arrays in more.items():
                parts.setdefault(name, []).extend(arrays)
        counts += c
    task_order = [spec.task_id for spec in specs]
    sample = rank_sample(columns_table(samples), sampling.tiers, task_order)
    reserve = columns_table(reserves)[RESERVE_COLUMNS] if reserves else pd.DataFrame(columns=RESERVE_COLUMNS)
    count_table = pd.DataFrame(counts, columns=COUNT_COLUMNS)
    columns = commitment_columns(frame, sampling.strata)
    manifest = build_manifest(
        seed=seed,
        seed_rule=seed_rule,
        sampling=sampling,
        specs=specs,
        roster_digest=roster_digest(frame, columns, normalized=True),
        roster_columns=columns,
        roster_rows=len(frame),
        snapshot_digest=snapshot_digest,
        history_digest=history_digest,
        as_of=as_of,
        residents=residents,
        campaign_id=campaign_id,
        sample=sample,
        reserve=reserve,
        counts=count_table,
        frequency_caps=caps_state(sampling, specs, history is not None, caps_waived),
    )
    return Draw(sample=sample[SAMPLE_COLUMNS], reserve=reserve, counts=count_table, manifest=manifest)


def refuse_exempt(sampling: Sampling, specs: Sequence[TaskSpec]) -> None:
    """Raise `PolicyError` when a ratio of 0 or a frequency cap of 0 would exempt a tier."""
    for spec in specs:
        rules = task_sampling(sampling, spec)
        where = f"task {spec.task_id!r}: " if rules is not sampling and spec.task is not None else ""
        exempt = [tier for tier in rules.tiers if rules.ratios[tier] <= 0]
        if exempt:
            raise PolicyError(
                f"{where}ratio 0 for tier(s) {exempt}: no tier is exempt from sampling ({NO_EXEMPT_SOURCE})"
            )
        for tier, cap in rules.frequency_caps.items():
            if cap == 0 and rules.ratios[tier] > 0:
                raise PolicyError(
                    f"{where}frequency cap 0 for tier {tier!r} would exempt it from sampling "
                    f"({NO_EXEMPT_SOURCE})"
                )


def caps_state(sampling: Sampling, specs: Sequence[TaskSpec], history: bool, waived: bool) -> str:
    """``applied``, ``waived`` (the operator drew without the history) or ``none`` (no task is capped)."""
    if not sampling.frequency_caps or not any(spec.capped for spec in specs):
        return "none"
    if waived:
        return "waived"
    return "applied" if history else "not applied"


def draw_sample(
    frame: pd.DataFrame,
    ratios: Mapping[str, float],
    seed: str,
    *,
    mode: str = "fixed",
    reserve: int = 5,
    min_total: int | None = None,
    max_total: int | None = None,
    coordination: Coordination | None = None,
    task_id: str = "draw",
    departments: Sequence[str] = (),
    snapshot_digest: str | None = None,
    source: str = "roster",
    processes: int = 1,
) -> Draw:
    """Draw a tier-stratified sample from ``frame`` (columns ``uscc``, ``tier``) under ``seed``.

    Tickets use ``seed`` as given (or the permanent seed with ``coordination``). Fixed mode:
    per tier ``ceil(r * N)`` smallest tickets; Bernoulli mode: every ticket below ``r``.
    """
    sampling = Sampling.model_validate(
        {
            "tiers": tuple(ratios),
            "ratios": dict(ratios),
            "mode": mode,
            "reserve": reserve,
            "min_total": min_total,
            "max_total": max_total,
            "coordination": coordination,
        },
        strict=False,
    )
    ticket_seed = coordination.permanent_seed if coordination is not None else seed
    spec = TaskSpec(task_id=task_id, seed=ticket_seed, departments=tuple(departments))
    rule = "coordinated" if coordination is not None else "plain"
    return draw_tasks(
        frame, sampling, [spec], seed, seed_rule=rule, snapshot_digest=snapshot_digest, source=source,
        processes=processes,
    )  # fmt: skip


def seed_for_task(seed: str, task_id: str, permanent_seed: str | None) -> str:
    """The ticket seed of a task: ``seed/task_id``, or the permanent seed of a coordinated draw."""
    return permanent_seed if permanent_seed else f"{seed}/{task_id}"


def task_seed(seed: str, task_id: str, sampling: Sampling) -> str:
    """The ticket seed of a task of a campaign drawn under ``sampling`` (see `seed_for_task`)."""
    coordination = sampling.coordination
    return seed_for_task(seed, task_id, coordination.permanent_seed if coordination is not None else None)


def task_specs(campaign: Campaign, seed: str) -> list[TaskSpec]:
    """The task specs of ``campaign`` under ``seed``: ticket seed, departments, filters, caps."""
    return [
        TaskSpec(
            task_id=task.id,
            seed=task_seed(seed, task.id, campaign.sampling),
            departments=task.departments,
            task=task,
            capped=campaign.capped(task),
        )
        for task in campaign.tasks
    ]


def resolve_history(
    campaign: Campaign, history: pd.DataFrame | NoHistory | None
) -> tuple[pd.DataFrame | None, bool]:
    """The history to draw with and whether caps are waived; refuses caps silently skipped.

    Raises `PolicyError` when a task of ``campaign`` is frequency-capped and ``history`` is
    None: pass the history, or `NO_HISTORY` to draw without the caps on purpose.
    """
    if isinstance(history, NoHistory):
        return None, True
    if (
        history is None
        and campaign.sampling.frequency_caps
        and any(campaign.capped(t) for t in campaign.tasks)
    ):
        raise PolicyError(
            f"campaign {campaign.plan.id!r} has frequency caps {dict(campaign.sampling.frequency_caps)}: "
            "draw it with its inspection history (CLI: --history FILE --as-of DATE), or say that the caps "
            "are waived (CLI: --without-history; Python: history=NO_HISTORY), which the manifest records"
        )
    return history, False


def draw_campaign(
    roster: pd.DataFrame,
    campaign: Campaign,
    seed: str,
    *,
    history: pd.DataFrame | NoHistory | None = None,
    as_of: date | None = None,
    residents: Mapping[str, int] | None = None,
    snapshot_digest: str | None = None,
    source: str = "roster",
    processes: int = 1,
    history_source: str = "history",
) -> Draw:
    """Draw every task of ``campaign``: filters, frequency caps from ``history``, quotas, tickets.

    Task ``T`` uses the ticket seed ``f"{seed}/{T}"`` (independent tasks); with
    ``sampling.coordination`` every task uses the permanent seed shifted by the start. A task
    whose items are all key (重点) is not capped. Raises `PolicyError` for a capped campaign
    drawn without history (pass `NO_HISTORY` to waive the caps) and as `draw_tasks` does.
    """
    past, waived = resolve_history(campaign, history)
    sampling = campaign.sampling
    rule = "coordinated" if sampling.coordination is not None else "task"
    return draw_tasks(
        roster, sampling, task_specs(campaign, seed), seed, seed_rule=rule, history=past, as_of=as_of,
        residents=residents, snapshot_digest=snapshot_digest, campaign_id=campaign.plan.id, source=source,
        history_source=history_source, processes=processes, caps_waived=waived,
    )  # fmt: skip


def restore_draw(manifest: Mapping[str, Any], sample: pd.DataFrame) -> Draw:
    """The `Draw` behind a written SAMPLE file and its manifest (to substitute from the reserve).

    The manifest is the authority: when the SAMPLE file disagrees with it (a run killed between
    writing the two), the rows follow the manifest's sample.
    """
    reserve = pd.DataFrame(manifest["reserve"], columns=[c for c in RESERVE_COLUMNS if c != "division"])
    rows = _sample_rows(manifest, sample[SAMPLE_COLUMNS].astype({"rank": "int64"}))
    return Draw(
        sample=rows.reset_index(drop=True),
        reserve=reserve.assign(division=""),
        counts=pd.DataFrame(manifest["strata"]),
        manifest=dict(manifest),
        substitutions=tuple(manifest.get("substitutions", ())),
    )


def _sample_rows(manifest: Mapping[str, Any], sample: pd.DataFrame) -> pd.DataFrame:
    """``sample``'s rows for exactly the (task, entity) pairs the manifest lists as drawn."""
    listed = {(str(r["task_id"]), str(r["uscc"])): r for r in manifest.get("sample", [])}
    pairs = list(zip(sample["task_id"].astype(str), sample["uscc"].astype(str), strict=True))
    if set(pairs) == set(listed) and len(pairs) == len(listed):
        return sample
    kept = sample[[pair in listed for pair in pairs]]
    departments = dict(zip(sample["task_id"].astype(str), sample["departments"], strict=False))
    missing = [listed[pair] for pair in listed if pair not in set(pairs)]
    added = pd.DataFrame(
        {"uscc": [r["uscc"] for r in missing], "task_id": [r["task_id"] for r in missing],
         "tier": [r["tier"] for r in missing], "ticket": [r["ticket"] for r in missing],
         "rank": [int(r["rank"]) for r in missing],
         "departments": [departments.get(str(r["task_id"]), "") for r in missing], "division": ""},
        columns=SAMPLE_COLUMNS,
    )  # fmt: skip
    rows = pd.concat([kept, added], ignore_index=True).astype({"rank": "int64"})
    return rows.sort_values(["task_id", "tier", "rank"], kind="stable")


def substitute(draw: Draw, uscc: str, reason: str, *, task_id: str | None = None) -> Draw:
    """Replace a drawn entity by the next unused reserve entity of its cell, recording why.

    Raises `DrawError` if the entity is not in the sample (or is in several tasks and
    ``task_id`` is not given), if ``reason`` is empty, or if the cell's reserve is used up.
    """
    if not reason.strip():
        raise DrawError("a substitution needs a reason (deregistered, moved out, recusal unsatisfiable, ...)")
    records = draw.manifest["sample"]
    hits = [r for r in records if r["uscc"] == uscc and (task_id is None or r["task_id"] == task_id)]
    if not hits:
        raise DrawError(f"{uscc} is not in the sample" + (f" of task {task_id!r}" if task_id else ""))
    if len(hits) > 1:
        raise DrawError(f"{uscc} is drawn in tasks {[r['task_id'] for r in hits]}: name the task_id")
    gone = hits[0]
    used = {r["uscc"] for r in records if r["task_id"] == gone["task_id"]} | {
        s["removed"] for s in draw.substitutions if s["task_id"] == gone["task_id"]
    }
    spare = draw.reserve[
        (draw.reserve["task_id"] == gone["task_id"])
        & (draw.reserve["tier"] == gone["tier"])
        & (draw.reserve["stratum"] == gone["stratum"])
        & ~draw.reserve["uscc"].isin(list(used))
    ].sort_values("order")
    if spare.empty:
        raise DrawError(
            f"the reserve of task {gone['task_id']!r} is used up for {uscc}'s stratum; draw a new batch"
        )
    incoming = spare.iloc[0]
    record = {
        "sequence": len(draw.substitutions) + 1,
        "task_id": gone["task_id"],
        "tier": gone["tier"],
        "stratum": gone["stratum"],
        "removed": uscc,
        "added": str(incoming["uscc"]),
        "reason": reason.strip(),
    }
    sample = draw.sample
    is_gone = (sample["uscc"] == uscc) & (sample["task_id"] == gone["task_id"])
    template = sample.loc[is_gone].iloc[0]
    same = (sample["task_id"] == gone["task_id"]) & (sample["tier"] == gone["tier"])
    added = template.copy()
    added["uscc"] = record["added"]
    added["ticket"] = str(incoming["ticket"])
    added["rank"] = int(sample.loc[same, "rank"].max()) + 1
    added["division"] = incoming["division"]
    position = int(np.flatnonzero(same.to_numpy())[-1])
    rows = pd.concat([sample.iloc[: position + 1], added.to_frame().T, sample.iloc[position + 1 :]])
    new_sample = rows.loc[~((rows["uscc"] == uscc) & (rows["task_id"] == gone["task_id"]))]
    new_sample = new_sample.reset_index(drop=True).astype({"rank": "int64"})
    manifest = with_substitution(draw.manifest, record, incoming_ticket=str(incoming["ticket"]))
    return replace(draw, sample=new_sample, manifest=manifest, substitutions=(*draw.substitutions, record))
