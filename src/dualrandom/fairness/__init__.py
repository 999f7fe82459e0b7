"""Fairness and burden: the analyst's toolkit (see docs/fairness.md).

One job per module: `inclusion` (Monte Carlo of the real draw against the design),
`disparity` (rates by group within a tier), `burden` (inspections per entity, frequency
caps), `coordination` (permanent random numbers), `inspectors` (workload, officers' chances,
pairings), `plots` (one figure per study), `report` (all studies and the HTML page),
`city` (a classified synthetic city), `stats` (exact binomial intervals, chi-square, Gini).

It needs the ``dualrandom[fairness]`` extra (scipy, matplotlib): importing it without them
raises `MissingDependencyError` saying so.
"""

from __future__ import annotations

from . import _extra  # noqa: F401  (first: says which extra to install when one is missing)
from .burden import CapEffect, burden_by_year, burden_summary, cap_effect, entity_burden, history_from_samples
from .city import DEMO_POLICY, ClassifiedCity, classified_city
from .coordination import SCHEMES, CoordinationStudy, coordination_study, expected_overlap
from .disparity import DIMENSIONS, disparity, realised_counts
from .inclusion import (
    CampaignSampler,
    InclusionStudy,
    RatioSampler,
    Sampler,
    design_probabilities,
    inclusion_counts,
    inclusion_study,
)
from .inspectors import (
    Assigner,
    OfficerStudy,
    TeamSampler,
    Workload,
    eligible_pairs,
    officer_study,
    pairings,
    with_marginals,
    workload,
)
from .montecarlo import run_replicates
from .plots import plot_burden, plot_coordination, plot_disparity, plot_inclusion, plot_inspectors
from .report import FairnessReport, fairness_report, figure_png
from .stats import chi2_pvalue, clopper_pearson, gini, replicate_seeds

__all__ = [
    "DEMO_POLICY",
    "DIMENSIONS",
    "SCHEMES",
    "Assigner",
    "CampaignSampler",
    "CapEffect",
    "ClassifiedCity",
    "CoordinationStudy",
    "FairnessReport",
    "InclusionStudy",
    "OfficerStudy",
    "RatioSampler",
    "Sampler",
    "TeamSampler",
    "Workload",
    "burden_by_year",
    "burden_summary",
    "cap_effect",
    "chi2_pvalue",
    "classified_city",
    "clopper_pearson",
    "coordination_study",
    "design_probabilities",
    "disparity",
    "eligible_pairs",
    "entity_burden",
    "expected_overlap",
    "fairness_report",
    "figure_png",
    "gini",
    "history_from_samples",
    "inclusion_counts",
    "inclusion_study",
    "officer_study",
    "pairings",
    "plot_burden",
    "plot_coordination",
    "plot_disparity",
    "plot_inclusion",
    "plot_inspectors",
    "realised_counts",
    "replicate_seeds",
    "run_replicates",
    "with_marginals",
    "workload",
]
