"""`publish_campaign`: validate results, build the publication, write the bundle, record it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..draw.manifest import public_manifest
from ..errors import PolicyError
from ..ledger import Ledger
from ..models import Campaign
from ..results import import_results
from .bundle import Bundle, build_publication

__all__ = ["prepare_publication", "public_draw_manifest", "publish_campaign"]


def public_draw_manifest(draw_manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The draw's own public variant (`dualrandom.draw.manifest.public_manifest`): no tiers."""
    if draw_manifest.get("public"):
        return dict(draw_manifest)
    return public_manifest(draw_manifest)


def prepare_publication(
    campaign: Campaign,
    sample: pd.DataFrame,
    results: str | Path | pd.DataFrame,
    roster: pd.DataFrame,
    *,
    published_on: date,
    seed: str | None = None,
    draw_manifest: Mapping[str, Any] | None = None,
    teams: pd.DataFrame | None = None,
    inspectors: pd.DataFrame | None = None,
    triggered: bool = False,
) -> tuple[Bundle, pd.DataFrame]:
    """Validate the results and build the publication in memory (nothing written).

    ``draw_manifest`` (the draw's full manifest, SAMPLE.manifest.json) supplies the seed, the
    task seeds and the roster digest; its public variant goes into the bundle as
    draw-manifest.json. Without it, ``seed`` is needed and task seeds follow docs/draw-spec.md.
    Raises `PolicyError` without a seed or with one that contradicts the manifest, and
    `InputError` for bad results. A results file with a header and no rows publishes the
    notices alone. With ``triggered`` the targets are triggered checks (no seed, no draw):
    their bundle says so (`dualrandom.publish.manifest.triggered_manifest`).
    """
    if triggered:
        validated = import_results(results, campaign, sample, as_of=published_on)
        publication = build_publication(
            campaign, sample, validated, roster, published_on=published_on, seed=None, teams=teams,
            inspectors=inspectors,
        )  # fmt: skip
        return publication, validated
    internal: Mapping[str, Any] = draw_manifest or {}
    seed = seed if seed is not None else internal.get("seed")
    if not isinstance(seed, str) or not seed:
        raise PolicyError("publishing needs the draw's seed: pass --seed or the draw manifest")
    if draw_manifest is not None and draw_manifest.get("seed") not in (None, seed):
        raise PolicyError(
            f"--seed {seed!r} differs from the draw manifest's seed {draw_manifest.get('seed')!r}"
        )
    validated = import_results(results, campaign, sample, as_of=published_on)
    policy = internal.get("policy") or {}
    task_seeds = {str(t["id"]): str(t["seed"]) for t in policy.get("tasks", []) if "seed" in t}
    digest = internal.get("roster_digest")
    shown = public_draw_manifest(draw_manifest) if draw_manifest and "sample" in draw_manifest else None
    publication = build_publication(
        campaign, sample, validated, roster, published_on=published_on, seed=seed, teams=teams,
        inspectors=inspectors, roster_digest=digest if isinstance(digest, str) else None,
        task_seeds=task_seeds or None,
        draw_manifest=shown,
    )  # fmt: skip
    return publication, validated


def publish_campaign(
    campaign: Campaign,
    sample: pd.DataFrame,
    results: str | Path | pd.DataFrame,
    roster: pd.DataFrame,
    directory: str | Path,
    *,
    published_on: date,
    seed: str | None = None,
    draw_manifest: Mapping[str, Any] | None = None,
    teams: pd.DataFrame | None = None,
    inspectors: pd.DataFrame | None = None,
    ledger: Ledger | None = None,
) -> dict[str, Any]:
    """Publish a campaign's results as a bundle directory; returns the bundle index.

    The publication step of `dualrandom.protocol.CampaignProtocol` (see `prepare_publication`
    for the inputs): with a ledger, every input must be the recorded one, the bundle carries
    the ledger head as its anchor, and the ``publication`` record is appended last.
    """
    from ..protocol import CampaignProtocol

    step = CampaignProtocol(campaign, ledger).publish(
        sample, results, roster, directory, published_on=published_on, seed=seed,
        draw_manifest=draw_manifest, teams=teams, inspectors=inspectors,
    )  # fmt: skip
    return step.value
