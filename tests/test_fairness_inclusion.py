"""Inclusion and disparity: the real draw passes; deliberately biased samplers are flagged.

Every tolerance is an exact binomial quantity (Clopper-Pearson at a Bonferroni level, or the
chi-square tail); seeds are fixed, so each verdict is reproducible. Under a correct draw the
chance that a study fails is below 2 * alpha (alpha = 0.01 here), and the biased samplers
miss their targets by orders of magnitude more than the intervals allow.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dualrandom.draw import draw_sample
from dualrandom.errors import InputError
from dualrandom.fairness import (
    CampaignSampler,
    InclusionStudy,
    RatioSampler,
    design_probabilities,
    disparity,
    inclusion_study,
    realised_counts,
)
from dualrandom.models import Sampling, parse_campaign

RATIOS = {"A": 0.05, "B": 0.1, "C": 0.2, "D": 0.4}
SIZES = {"A": 120, "B": 100, "C": 60, "D": 20}
REPLICATES = 100
ALPHA = 0.01


def _roster() -> pd.DataFrame:
    rows = []
    for tier, size in SIZES.items():
        for i in range(size):
            division = ("420602", "420606", "420607")[i % 3]
            rows.append((f"E{tier}{i:04d}", tier, division, ("enterprise", "individual")[i % 2], "F52"))
    return pd.DataFrame(rows, columns=["uscc", "tier", "division", "entity_type", "industry"])


ROSTER = _roster()
DESIGN = design_probabilities(ROSTER, Sampling(ratios=RATIOS))


@pytest.fixture(scope="module")
def real() -> InclusionStudy:
    return inclusion_study(RatioSampler(ROSTER, RATIOS), DESIGN, replicates=REPLICATES, seed="t", alpha=ALPHA)


def test_design_is_exact() -> None:
    fixed = DESIGN.groupby("tier")["design"].unique()
    for tier, size in SIZES.items():
        assert fixed[tier].tolist() == [math.ceil(RATIOS[tier] * size) / size]
    bernoulli = design_probabilities(ROSTER, Sampling(ratios=RATIOS, mode="bernoulli"))
    assert (
        bernoulli.set_index("uscc")["design"].to_dict()
        == ROSTER.set_index("uscc")["tier"].map(RATIOS).to_dict()
    )


def test_real_fixed_draw_passes(real: InclusionStudy) -> None:
    assert real.passed, real.summary()
    assert real.outside == 0 and real.flagged == 0
    # fixed mode draws exactly n_h per replicate: the pooled rate equals the design exactly
    quotas = {tier: math.ceil(RATIOS[tier] * size) for tier, size in SIZES.items()}
    assert real.tiers.set_index("tier")["hits"].to_dict() == {t: REPLICATES * q for t, q in quotas.items()}
    assert real.df == sum(size - 1 for size in SIZES.values())


def test_real_bernoulli_draw_passes() -> None:
    design = design_probabilities(ROSTER, Sampling(ratios=RATIOS, mode="bernoulli"))
    study = inclusion_study(
        RatioSampler(ROSTER, RATIOS, mode="bernoulli"), design, replicates=REPLICATES, seed="b", alpha=ALPHA
    )
    assert study.passed, study.summary()
    assert study.df == len(ROSTER)


class SortedGroupbySample:
    """The naive baseline: pandas groupby.sample on a sorted roster with a fixed random_state."""

    def __call__(self, seed: str) -> pd.DataFrame:
        ordered = ROSTER.sort_values("uscc")
        parts = [
            group.sample(n=math.ceil(RATIOS[str(tier)] * len(group)), random_state=7)
            for tier, group in ordered.groupby("tier")
        ]
        return pd.concat(parts)[["uscc", "tier"]]


def test_groupby_sample_with_fixed_seed_is_flagged() -> None:
    study = inclusion_study(SortedGroupbySample(), DESIGN, replicates=REPLICATES, alpha=ALPHA)
    assert not study.passed
    # the same sample every time: drawn entities have rate 1, the others 0
    assert set(study.entities["rate"].unique()) == {0.0, 1.0}
    drawn = study.entities["rate"] == 1.0
    assert drawn.sum() == sum(math.ceil(RATIOS[t] * n) for t, n in SIZES.items())
    assert study.entities.loc[drawn, "flagged"].all()
    # never drawn: flagged wherever 0 of R is incompatible with the design (tiers C and D here)
    never = study.entities[~drawn]
    assert never.loc[never["design"] > never["high"], "flagged"].all()
    assert never.loc[never["tier"].isin(["C", "D"]), "flagged"].all()
    assert study.p_value < 1e-12


class SkippingDraw:
    """The real draw, except that one entity silently never enters the frame."""

    def __init__(self, skipped: str) -> None:
        self.inner = RatioSampler(ROSTER[ROSTER["uscc"] != skipped], RATIOS)

    def __call__(self, seed: str) -> pd.DataFrame:
        return self.inner(seed)


def test_silently_skipped_entity_is_flagged() -> None:
    skipped = "ED0003"  # tier D: design 8/20 = 0.4
    study = inclusion_study(SkippingDraw(skipped), DESIGN, replicates=REPLICATES, seed="t", alpha=ALPHA)
    row = study.entities.set_index("uscc").loc[skipped]
    assert row["hits"] == 0 and row["design"] == 0.4
    assert bool(row["flagged"]) and row["high"] < 0.4
    assert not study.passed


def test_draws_outside_the_design_are_counted() -> None:
    def outsider(seed: str) -> pd.DataFrame:
        return pd.DataFrame({"uscc": ["NOT-ON-ROSTER"], "tier": ["A"]})

    study = inclusion_study(outsider, DESIGN, replicates=3, alpha=ALPHA)
    assert study.outside == 3 and not study.passed


def test_result_is_independent_of_processes_and_row_order(real: InclusionStudy) -> None:
    shuffled = ROSTER.sample(frac=1.0, random_state=1).reset_index(drop=True)
    sampler = RatioSampler(shuffled, RATIOS)
    one = inclusion_study(sampler, DESIGN, replicates=6, seed="t", alpha=ALPHA)
    two = inclusion_study(sampler, DESIGN, replicates=6, seed="t", alpha=ALPHA, processes=2)
    assert one.entities["hits"].tolist() == two.entities["hits"].tolist()
    first_six = inclusion_study(RatioSampler(ROSTER, RATIOS), DESIGN, replicates=6, seed="t", alpha=ALPHA)
    assert first_six.entities["hits"].tolist() == one.entities["hits"].tolist()


def test_campaign_sampler_respects_task_filters() -> None:
    campaign = parse_campaign(
        {
            "plan": {"id": "P", "name": "p", "year": 2026, "initiating_department": "SAMR"},
            "departments": [{"id": "SAMR", "name": "s"}],
            "items": [{"id": "I", "name": "i", "department": "SAMR"}],
            "tasks": [
                {"id": "T1", "name": "t1", "departments": ["SAMR"], "items": ["I"]},
                {
                    "id": "T2",
                    "name": "t2",
                    "departments": ["SAMR"],
                    "items": ["I"],
                    "entity_types": ["individual"],
                },
            ],
            "sampling": {"ratios": RATIOS},
        }
    )
    design = design_probabilities(ROSTER, campaign.sampling, campaign.tasks)
    assert (design["task_id"] == "T1").sum() == len(ROSTER)
    assert (design["task_id"] == "T2").sum() == (ROSTER["entity_type"] == "individual").sum()
    study = inclusion_study(CampaignSampler(ROSTER, campaign), design, replicates=40, seed="c", alpha=ALPHA)
    assert study.passed, study.summary()
    assert set(study.tiers["task_id"]) == {"T1", "T2"}


def test_design_reports_every_bad_row() -> None:
    bad = ROSTER.head(4).copy()
    bad.loc[1, "tier"] = "Z"
    bad.loc[3, "uscc"] = bad.loc[0, "uscc"]
    with pytest.raises(InputError) as caught:
        design_probabilities(bad, Sampling(ratios=RATIOS), source="roster.csv")
    text = str(caught.value)
    assert "roster.csv, row 3, column 'tier': the tier must be one of" in text
    assert "roster.csv, row 5, column 'uscc'" in text and "DUPLICATE" in text


def test_disparity_of_the_real_draw_flags_nothing(real: InclusionStudy) -> None:
    table = disparity(real.entities, ROSTER, alpha=ALPHA)
    assert set(table["dimension"]) == {"division", "entity_type", "industry"}
    assert not table["flagged"].any()
    # the tier rate is the design, and each ratio is the group rate over it
    row = table.iloc[0]
    assert row["ratio"] == pytest.approx(row["rate"] / row["tier_rate"])


class RegionBlindDraw:
    """The real draw on a roster that silently lost one division (its quotas unchanged elsewhere)."""

    def __call__(self, seed: str) -> pd.DataFrame:
        return draw_sample(ROSTER[ROSTER["division"] != "420607"][["uscc", "tier"]], RATIOS, seed).sample


def test_disparity_flags_a_neglected_region() -> None:
    study = inclusion_study(RegionBlindDraw(), DESIGN, replicates=REPLICATES, seed="r", alpha=ALPHA)
    table = disparity(study.entities, ROSTER, by=["division"], alpha=ALPHA)
    neglected = table[table["group"] == "420607"]
    assert (neglected["hits"] == 0).all()
    assert neglected["flagged"].all()
    assert (neglected["ratio_high"] < 1).all()


def test_realised_counts_and_observed_tier_rate() -> None:
    samples = [RatioSampler(ROSTER, RATIOS)(f"s{i}") for i in range(3)]
    counts = realised_counts(ROSTER, samples)
    assert counts["trials"].unique().tolist() == [3]
    assert counts["hits"].sum() == sum(len(s) for s in samples)
    table = disparity(counts, ROSTER, by=["entity_type"], alpha=ALPHA)
    tier_a = table[table["tier"] == "A"]
    observed = counts.loc[counts["tier"] == "A", "hits"].sum() / (SIZES["A"] * 3)
    assert np.allclose(tier_a["tier_rate"], observed)


def test_disparity_names_a_missing_column(real: InclusionStudy) -> None:
    with pytest.raises(InputError, match=r"roster.csv, column 'size': disparity by 'size' needs this column"):
        disparity(real.entities, ROSTER, by=["size"], source="roster.csv")
