"""One matplotlib figure per study, built on `matplotlib.figure.Figure` (no pyplot state).

Figures display in a notebook and save with any backend (Agg in tests and in the CLI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from .burden import CapEffect
from .coordination import SCHEMES, CoordinationStudy
from .inclusion import InclusionStudy
from .inspectors import OfficerStudy, Workload
from .stats import bonferroni

__all__ = ["plot_burden", "plot_coordination", "plot_disparity", "plot_inclusion", "plot_inspectors"]

_OK, _BAD, _REF = "#3b6ea5", "#c0392b", "#555555"


def _grid(panels: int, width: float = 3.2, height: float = 2.8) -> tuple[Figure, list[Axes]]:
    columns = min(4, max(1, panels))
    rows = -(-panels // columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes: list[Axes] = list(figure.subplots(rows, columns, squeeze=False).ravel())
    for extra in axes[panels:]:
        extra.set_visible(False)
    return figure, axes[:panels]


def plot_inclusion(study: InclusionStudy) -> Figure:
    """Per (task, tier): entities' empirical inclusion rates, the design and its acceptance band."""
    entities = study.entities
    groups = list(entities.groupby(["task_id", "tier"], sort=True))
    figure, axes = _grid(len(groups))
    level = bonferroni(study.alpha, len(entities))
    r = study.replicates
    for ax, ((task, tier), part) in zip(axes, groups, strict=True):
        pi = float(part["design"].mean())
        low, high = (stats.binom.ppf([level / 2, 1 - level / 2], r, pi) / r).tolist()
        rates = part["rate"].to_numpy()
        ax.hist(rates, bins=min(30, max(5, len(np.unique(rates)))), color=_OK, alpha=0.8)
        ax.axvspan(low, high, color=_REF, alpha=0.12, label="binomial band")
        ax.axvline(pi, color=_REF, linestyle="--", label=f"design {pi:.4f}")
        flagged = int(part["flagged"].sum())
        ax.set_title(
            f"{task} · tier {tier} · flagged {flagged}", color=_BAD if flagged else "black", fontsize=9
        )
        ax.set_xlabel(f"inclusion rate over {r} seeds", fontsize=8)
        ax.legend(fontsize=7)
    verdict = "passed" if study.passed else "FAILED"
    figure.suptitle(
        f"Inclusion: chi2 = {study.statistic:.0f} on {study.df:.0f} df, p = {study.p_value:.3g} ({verdict})"
    )
    return figure


def plot_disparity(table: pd.DataFrame, dimension: str) -> Figure:
    """Group rate / tier rate with intervals for one dimension, one panel per (task, tier)."""
    part = table[table["dimension"] == dimension]
    groups = list(part.groupby(["task_id", "tier"], sort=True))
    figure, axes = _grid(max(1, len(groups)), width=4.0, height=0.3 * max(4, part["group"].nunique()) + 1)
    for ax, ((task, tier), rows) in zip(axes, groups, strict=True):
        y = np.arange(len(rows))
        ratio = rows["ratio"].to_numpy(dtype=float)
        err = np.vstack(
            [
                ratio - rows["ratio_low"].to_numpy(dtype=float),
                rows["ratio_high"].to_numpy(dtype=float) - ratio,
            ]
        )
        flagged = rows["flagged"].to_numpy(dtype=bool)
        colours = [_BAD if f else _OK for f in flagged]
        for mask, colour in ((~flagged, _OK), (flagged, _BAD)):
            bars = np.clip(err[:, mask], 0, None)
            ax.errorbar(ratio[mask], y[mask], xerr=bars, fmt="none", ecolor=colour, elinewidth=1)
        ax.scatter(ratio, y, c=colours, s=12, zorder=3)
        ax.axvline(1.0, color=_REF, linestyle="--")
        ax.set_yticks(y, rows["group"].astype(str).tolist(), fontsize=7)
        label = f"{task} · " if task else ""
        ax.set_title(f"{label}tier {tier}", fontsize=9)
        ax.set_xlabel("rate / tier rate", fontsize=8)
    figure.suptitle(f"Disparity by {dimension}")
    return figure


def plot_burden(summary: pd.DataFrame, caps: CapEffect | None = None) -> Figure:
    """Shares inspected once and twice or more per tier; with ``caps``, capped against uncapped."""
    figure, axes = _grid(2 if caps is not None else 1, width=4.5, height=3.2)
    ax = axes[0]
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["inspected"], width=0.4, color=_OK, label="inspected >= 1")
    ax.bar(x + 0.2, summary["twice_or_more"], width=0.4, color=_BAD, label="inspected >= 2")
    ax.set_xticks(x, summary["group"].astype(str).tolist())
    ax.set_ylabel("share of entities (last 365 days)")
    ax.legend(fontsize=7)
    ax.set_title("Inspections per entity", fontsize=9)
    if caps is not None:
        ax = axes[1]
        table = caps.table
        for offset, (label, colour) in zip((-0.2, 0.2), (("capped", _OK), ("uncapped", _BAD)), strict=True):
            rows = table[table["policy"] == label]
            share = rows["share"].to_numpy(dtype=float)
            err = np.vstack(
                [share - rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float) - share]
            )
            xs = np.arange(len(rows)) + offset
            ax.bar(xs, share, width=0.4, color=colour, label=label, yerr=np.clip(err, 0, None), capsize=2)
            ax.set_xticks(np.arange(len(rows)), rows["tier"].astype(str).tolist())
        ax.set_ylabel(f"share inspected >= 2 in {caps.cycles} cycles")
        ax.legend(fontsize=7)
        ax.set_title("Effect of the frequency caps", fontsize=9)
    figure.suptitle("Burden")
    return figure


def plot_coordination(study: CoordinationStudy) -> Figure:
    """Observed against expected overlap per tier, one panel per scheme."""
    figure, axes = _grid(len(SCHEMES), width=3.6, height=3.0)
    table = study.table
    for ax, scheme in zip(axes, SCHEMES, strict=True):
        rows = table[table["scheme"] == scheme]
        x = np.arange(len(rows))
        n = rows["entities"].to_numpy(dtype=float)
        observed = rows["observed"].to_numpy(dtype=float)
        err = np.vstack([observed - rows["low"].to_numpy() * n, rows["high"].to_numpy() * n - observed])
        ax.bar(x - 0.2, rows["expected_count"], width=0.4, color=_REF, alpha=0.5, label="expected")
        colours = [_OK if p else _BAD for p in rows["passed"]]
        ax.bar(
            x + 0.2,
            observed,
            width=0.4,
            color=colours,
            yerr=np.clip(err, 0, None),
            capsize=2,
            label="observed",
        )
        ax.set_xticks(x, rows["tier"].astype(str).tolist())
        ax.set_title(scheme, fontsize=9)
        ax.set_ylabel("entities in both samples", fontsize=8)
        ax.legend(fontsize=7)
    figure.suptitle(f"Coordination over {study.replicates} permanent seeds")
    return figure


def plot_inspectors(load: Workload, study: OfficerStudy | None = None) -> Figure:
    """The workload's Lorenz curve and, with ``study``, each officer's share against uniform."""
    figure, axes = _grid(2 if study is not None else 1, width=4.5, height=3.4)
    values = np.sort(load.loads["load"].to_numpy(dtype=float))
    ax = axes[0]
    if values.sum() > 0:
        share = np.concatenate([[0.0], np.cumsum(values) / values.sum()])
        ax.plot(np.linspace(0, 1, len(share)), share, color=_OK, label="workload")
    ax.plot([0, 1], [0, 1], color=_REF, linestyle="--", label="equal")
    ax.set_title(f"Lorenz curve · Gini {load.gini:.3f} · max/min {load.max_min_ratio:.3g}", fontsize=9)
    ax.set_xlabel("share of officers", fontsize=8)
    ax.set_ylabel("share of targets", fontsize=8)
    ax.legend(fontsize=7)
    if study is not None:
        ax = axes[1]
        officers = study.officers.sort_values("ratio", ignore_index=True)
        y = np.arange(len(officers))
        ratio = officers["ratio"].to_numpy(dtype=float)
        low = officers["ratio_low"].to_numpy(dtype=float)
        high = officers["ratio_high"].to_numpy(dtype=float)
        colours = [_BAD if f else _OK for f in officers["flagged"]]
        ax.fill_betweenx(y, low, high, color=_REF, alpha=0.15, label="binomial band")
        ax.scatter(ratio, y, c=colours, s=6, zorder=3)
        ax.axvline(1.0, color=_REF, linestyle="--")
        ax.set_xlabel("targets drawn / expected (uniform over the eligible)", fontsize=8)
        ax.set_ylabel("officers (sorted)", fontsize=8)
        ax.set_title(f"Officers over {study.replicates} seeds · flagged {study.flagged_officers}", fontsize=9)
        ax.legend(fontsize=7)
    figure.suptitle("Inspectors")
    return figure
