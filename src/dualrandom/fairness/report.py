"""The analyst's report: every study on one campaign, and an HTML page with the plots embedded.

`fairness_report` runs the studies (on a synthetic city when no roster is given);
`FairnessReport.html` renders them with PNG data URIs so the page is one self-contained
file. The page shows tiers: it is internal and must never be published.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from ..assign import assign_teams
from ..draw import NO_HISTORY, draw_campaign
from ..errors import InfeasibleAssignmentError, PolicyError
from ..models import Campaign
from .burden import CapEffect, burden_by_year, burden_summary, cap_effect, entity_burden
from .city import classified_city
from .coordination import CoordinationStudy, coordination_study
from .disparity import disparity
from .inclusion import CampaignSampler, InclusionStudy, design_probabilities, inclusion_study
from .inspectors import OfficerStudy, TeamSampler, Workload, eligible_pairs, officer_study, pairings, workload
from .plots import plot_burden, plot_coordination, plot_disparity, plot_inclusion, plot_inspectors

__all__ = ["FairnessReport", "fairness_report", "figure_png"]

T = TypeVar("T")


@dataclass(frozen=True)
class FairnessReport:
    """The studies of one campaign; ``notes`` says why a study was skipped."""

    campaign_id: str
    seed: str
    entities: int
    synthetic: bool
    inclusion: InclusionStudy
    disparity: pd.DataFrame
    coordination: CoordinationStudy | None = None
    burden: pd.DataFrame | None = None
    burden_years: pd.DataFrame | None = None
    caps: CapEffect | None = None
    workload: Workload | None = None
    officers: OfficerStudy | None = None
    chances: dict[str, Any] | None = None  # the ``fairness`` block of one assignment's manifest
    pairings: dict[str, pd.DataFrame] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, Figure]:
        """One figure per study that ran, keyed by section name."""
        out = {"inclusion": plot_inclusion(self.inclusion)}
        if not self.disparity.empty:
            out["disparity"] = plot_disparity(self.disparity, str(self.disparity["dimension"].iloc[0]))
        if self.coordination is not None:
            out["coordination"] = plot_coordination(self.coordination)
        if self.burden is not None:
            out["burden"] = plot_burden(self.burden, self.caps)
        if self.workload is not None:
            out["inspectors"] = plot_inspectors(self.workload, self.officers)
        return out

    def html(self) -> str:
        """The self-contained HTML page (plots as PNG data URIs)."""
        figures = self.figures()
        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("dualrandom", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        return environment.get_template("fairness.html").render(
            r=self,
            sections=_sections(self, {k: figure_png(v) for k, v in figures.items()}),
            flagged_groups=int(self.disparity["flagged"].sum()) if not self.disparity.empty else 0,
            groups=len(self.disparity),
        )


def figure_png(figure: Figure) -> str:
    """The figure as a base64 PNG (for a data URI)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(frame: pd.DataFrame, rows: int = 40) -> str:
    return str(frame.head(rows).to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))


def _sections(report: FairnessReport, images: dict[str, str]) -> list[dict[str, Any]]:
    inclusion = report.inclusion
    sections: list[dict[str, Any]] = [
        {
            "title": "Inclusion",
            "text": (
                f"The real draw was run on {inclusion.replicates} seeds. Each entity's count is "
                "Binomial(seeds, design probability); intervals are Clopper-Pearson at the Bonferroni "
                "level, and the chi-square test sums the standardised counts."
            ),
            "image": images.get("inclusion"),
            "tables": [_table(inclusion.tiers)],
        }
    ]
    if not report.disparity.empty:
        flagged = report.disparity[report.disparity["flagged"]]
        sections.append(
            {
                "title": "Disparity",
                "text": (
                    "Within each tier, the inspection rate of each region, industry and entity type as a "
                    f"ratio to the tier's rate. {len(flagged)} groups flagged (listed below)."
                ),
                "image": images.get("disparity"),
                "tables": [_table(flagged)] if len(flagged) else [],
            }
        )
    if report.coordination is not None:
        sections.append(
            {
                "title": "Coordination (permanent random numbers)",
                "text": (
                    "Overlap of two Bernoulli draws: positive coordination (same start, two departments) "
                    "expects min(p1, p2), negative (next cycle) max(0, p1 + p2 - 1), independent p1 p2."
                ),
                "image": images.get("coordination"),
                "tables": [_table(report.coordination.table)],
            }
        )
    if report.burden is not None:
        tables = [_table(report.burden)]
        if report.burden_years is not None:
            tables.append(_table(report.burden_years))
        if report.caps is not None:
            tables.append(_table(report.caps.table))
        sections.append(
            {
                "title": "Burden",
                "text": "Inspections per entity over the last 365 days and per year (every department and "
                "campaign), and simulated cycles of the draw with and without the frequency caps.",
                "image": images.get("burden"),
                "tables": tables,
            }
        )
    if report.workload is not None:
        tables = [_table(report.workload.departments)]
        if report.chances is not None:
            tables.append(_table(pd.DataFrame([report.chances])))
        if report.officers is not None:
            tables.append(_table(pd.DataFrame([report.officers.summary()])))
            worst = report.officers.officers.sort_values("ratio", ascending=False)
            tables.append(_table(worst, 10))
        if report.pairings is not None:
            summary = {k: len(v) for k, v in report.pairings.items()}
            tables.append(_table(pd.DataFrame([summary])))
        sections.append(
            {
                "title": "Inspectors",
                "text": "Workload of one assignment and the fairness figures of its manifest (how its "
                "chances are known, the largest max/min chance ratio among the officers eligible for one "
                "target, the largest pair probability, the entropy, repeated officer pairs); then each "
                "officer's share of targets over many seeds of the real assignment against uniform over "
                "the eligible officers.",
                "image": images.get("inspectors"),
                "tables": tables,
            }
        )
    return sections


def _timed(
    timings: dict[str, float],
    name: str,
    work: Callable[[], T],
    progress: Callable[[str, int, int], None] | None,
) -> T:
    if progress is not None:
        progress(name, 0, 0)
    started = time.perf_counter()
    result = work()
    timings[name] = time.perf_counter() - started
    return result


def fairness_report(
    campaign: Campaign,
    roster: pd.DataFrame | None = None,
    *,
    inspectors: pd.DataFrame | None = None,
    conflicts: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    as_of: date | None = None,
    seeds: int = 1000,
    team_seeds: int = 200,
    coordination_seeds: int = 200,
    seed: str = "fairness",
    alpha: float = 0.05,
    processes: int = 1,
    city_entities: int = 3000,
    roster_source: str = "roster",
    progress: Callable[[str, int, int], None] | None = None,
) -> FairnessReport:
    """Run every study on ``campaign``; without ``roster``, on a classified synthetic city.

    ``roster`` needs ``uscc`` and ``tier`` (plus the columns the tasks filter on). Without
    ``as_of`` the studies date from the day after the last inspection in ``history``. The
    officer study runs when an inspector roster is available. ``roster_source`` names the
    roster in error messages; ``progress`` is called as ``progress(study, 0, 0)`` as each study starts.
    """
    synthetic = roster is None
    if roster is None:
        city = classified_city(city_entities, seed=seed)
        roster = city.entities
        inspectors = city.inspectors if inspectors is None else inspectors
        conflicts = city.conflicts if conflicts is None else conflicts
        history = city.history if history is None else history
        as_of = as_of or city.as_of
    if history is not None and as_of is None:
        latest = pd.to_datetime(history["inspected_on"], errors="coerce").max()
        as_of = (latest + timedelta(days=1)).date() if pd.notna(latest) else date(campaign.plan.year, 1, 1)
    timings: dict[str, float] = {}
    notes: dict[str, str] = {}
    sampling = campaign.sampling
    design = design_probabilities(
        roster, sampling, campaign.tasks, history=history, as_of=as_of, source=roster_source
    )
    sampler = CampaignSampler(roster, campaign, history, as_of)
    inclusion = _timed(
        timings,
        "inclusion",
        lambda: inclusion_study(
            sampler, design, replicates=seeds, seed=seed, alpha=alpha, processes=processes
        ),
        progress,
    )
    groups = disparity(inclusion.entities, roster, alpha=alpha)
    coordination = None
    try:
        coordination = _timed(
            timings,
            "coordination",
            lambda: coordination_study(
                roster,
                sampling.ratios,
                replicates=coordination_seeds,
                seed=seed,
                alpha=alpha,
                processes=processes,
            ),
            progress,
        )
    except PolicyError as error:
        notes["coordination"] = f"not run: {error}"
    burden = years = caps = None
    start = as_of or date(campaign.plan.year, 1, 1)
    if history is not None:
        per_entity = entity_burden(history, roster, as_of=start)
        burden, years = burden_summary(per_entity), burden_by_year(history, roster)
    else:
        notes["burden"] = "no inspection history: past burden not measured"
    caps = _timed(
        timings, "caps", lambda: cap_effect(roster, campaign, start=start, replicates=3, seed=seed), progress
    )
    if burden is None:
        burden = pd.DataFrame(columns=["group", "inspected", "twice_or_more"])
    load = officers = paired = chances = None
    if inspectors is not None:
        past = history if history is not None else NO_HISTORY
        sample = draw_campaign(roster, campaign, f"{seed}/sample", history=past, as_of=as_of).sample
        try:
            teams = TeamSampler(sample, inspectors, conflicts, campaign, history)
            assigned = assign_teams(sample, inspectors, conflicts, campaign, f"{seed}/teams", history=history)
            one, chances = assigned.teams, assigned.manifest["fairness"]
            load = workload(one, inspectors)
            paired = pairings([one], history)
            pairs = eligible_pairs(sample, inspectors, conflicts, campaign, history=history)
            officers = _timed(
                timings,
                "officers",
                lambda: officer_study(
                    teams, pairs, replicates=team_seeds, seed=seed, alpha=alpha, processes=processes
                ),
                progress,
            )
        except InfeasibleAssignmentError as error:
            notes["officers"] = f"not run: {str(error).splitlines()[0]}"
    else:
        notes["officers"] = "no inspector roster: officer study not run"
    return FairnessReport(
        campaign_id=campaign.plan.id,
        seed=seed,
        entities=len(roster),
        synthetic=synthetic,
        inclusion=inclusion,
        disparity=groups,
        coordination=coordination,
        burden=burden,
        burden_years=years,
        caps=caps,
        workload=load,
        officers=officers,
        chances=chances,
        pairings=paired,
        notes=notes,
        timings=timings,
    )
