"""The tier-inference attack: it finds the leak of open publication and nothing in sealed ones."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import _publish_data as data
from dualrandom.classify import classify, load_policy
from dualrandom.cli import main
from dualrandom.demo import AS_OF, DRAWN_ON, _packaged, demo_campaign
from dualrandom.draw import NO_HISTORY, draw_campaign
from dualrandom.draw.sealed import draw_sealed, seal_campaign
from dualrandom.models import Campaign
from dualrandom.publish import build_publication, publish_campaign
from dualrandom.publish.attack import tier_narrowing
from dualrandom.publish.manifest import results_manifest
from dualrandom.publish.run import public_draw_manifest
from dualrandom.results import import_results
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

CAMPAIGN = demo_campaign()
CAMPAIGNS = 8


@pytest.fixture(scope="module")
def city() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 20k city classified by the demo policy: (roster with tiers, inspection history)."""
    made = synth_city(20_000, seed="privacy-city", as_of=AS_OF)
    records = synth_credit(made.entities, as_of=AS_OF, seed="privacy-city")
    snapshot = classify(
        made.entities, records, load_policy(_packaged("policy.toml")), as_of=AS_OF, history=made.history
    )
    return made.entities.merge(snapshot.table[["uscc", "tier"]], on="uscc", how="left"), made.history


def _attack(roster: pd.DataFrame, history: pd.DataFrame, seed: str, *, sealed: bool) -> dict[str, object]:
    if sealed:
        seal = seal_campaign(
            roster, CAMPAIGN, key=hashlib.sha256(seed.encode()).digest(), history=history, as_of=DRAWN_ON
        )
        draw = draw_sealed(roster, CAMPAIGN, seed, seal, history=history, as_of=DRAWN_ON)
    else:
        draw = draw_campaign(roster, CAMPAIGN, seed, history=history, as_of=DRAWN_ON)
    draw_public = public_draw_manifest(draw.manifest)
    manifest = results_manifest(CAMPAIGN, draw.sample, seed=seed, draw_public=draw_public)
    return tier_narrowing(manifest, CAMPAIGN, roster, draw_public=draw_public).as_dict()


def test_open_publication_narrows_tiers(city: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The leak of issue 13, measured: open tickets, thresholds and labels pin tiers down."""
    roster, history = city
    figures = _attack(roster, history, "73925180462217783145", sealed=False)
    assert figures["narrowed"] > 1000
    by_tier = figures["by_tier"]
    assert isinstance(by_tier, dict) and by_tier["D"]["determined"] > 0


def test_sealed_publication_narrows_nothing_over_eight_campaigns(
    city: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    roster, history = city
    proven_open: set[int] = set()
    for k in range(CAMPAIGNS):
        seed = f"{k:02d}925180462217783145"
        sealed = _attack(roster, history, seed, sealed=True)
        assert sealed["narrowed"] == 0 and sealed["determined"] == 0, sealed
        if k < 2:
            opened = _attack(roster, history, seed, sealed=False)
            proven_open.add(int(opened["by_tier"]["D"]["determined"]))  # type: ignore[index]
    assert max(proven_open) > 0


def test_attack_never_reads_the_tiers(city: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    roster, history = city
    seed = "73925180462217783145"
    draw = draw_campaign(roster, CAMPAIGN, seed, history=history, as_of=DRAWN_ON)
    draw_public = public_draw_manifest(draw.manifest)
    manifest = results_manifest(CAMPAIGN, draw.sample, seed=seed, draw_public=draw_public)
    with_tiers = tier_narrowing(manifest, CAMPAIGN, roster, draw_public=draw_public)
    shuffled = roster.assign(tier=np.random.default_rng(0).permutation(roster["tier"].to_numpy()))
    blind = tier_narrowing(manifest, CAMPAIGN, roster.drop(columns=["tier"]), draw_public=draw_public)
    other = tier_narrowing(manifest, CAMPAIGN, shuffled, draw_public=draw_public)
    assert with_tiers.narrowed == blind.narrowed == other.narrowed
    assert with_tiers.determined == blind.determined
    assert blind.by_tier == {}


def test_every_publication_carries_the_figure() -> None:
    campaign = data.campaign()
    roster = data.roster(3000)
    seal = seal_campaign(roster, campaign, key=b"k" * 32, history=NO_HISTORY)
    for draw, narrowed in (
        (draw_sealed(roster, campaign, data.SEED, seal, history=NO_HISTORY), False),
        (draw_campaign(roster, campaign, data.SEED, history=NO_HISTORY), True),
    ):
        results = import_results(data.results(draw.sample, campaign), campaign, draw.sample)
        publication = build_publication(
            campaign, draw.sample, results, roster, published_on=date(2026, 10, 20), seed=data.SEED,
            draw_manifest=public_draw_manifest(draw.manifest),
        )  # fmt: skip
        assert publication.privacy is not None and publication.privacy["measured"] is True
        assert (publication.privacy["narrowed"] > 0) is narrowed


def test_privacy_command(tmp_path: Path) -> None:
    campaign: Campaign = data.campaign()
    roster = data.roster(3000)
    seal = seal_campaign(roster, campaign, key=b"k" * 32, history=NO_HISTORY)
    draw = draw_sealed(roster, campaign, data.SEED, seal, history=NO_HISTORY)
    publish_campaign(
        campaign, draw.sample, data.results(draw.sample, campaign), roster, tmp_path / "bundle",
        published_on=date(2026, 10, 20), draw_manifest=draw.manifest,
    )  # fmt: skip
    roster.to_csv(tmp_path / "register.csv", index=False)
    result = CliRunner().invoke(
        main,
        [
            "privacy",
            str(tmp_path / "bundle"),
            "--campaign",
            str(data.ROOT / "examples" / "campaign.toml"),
            "--roster",
            str(tmp_path / "register.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"narrowed": 0' in result.output
