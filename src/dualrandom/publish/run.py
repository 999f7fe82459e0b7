"""`publish_campaign`: validate results, build the publication, write the bundle, record it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..draw.manifest import public_manifest as draw_public_manifest
from ..errors import PolicyError
from ..models import Campaign
from ..results import import_results
from .bundle import LedgerWriter, build_publication, publish

__all__ = ["public_draw_manifest", "publish_campaign"]


def public_draw_manifest(draw_manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The draw's own public variant (`dualrandom.draw.manifest.public_manifest`): no tiers."""
    if draw_manifest.get("public"):
        return dict(draw_manifest)
    return draw_public_manifest(draw_manifest)


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
    ledger: LedgerWriter | None = None,
) -> dict[str, Any]:
    """Publish a campaign's results as a bundle directory; returns the bundle index.

    ``draw_manifest`` (the draw's full manifest, SAMPLE.manifest.json) supplies the seed, the
    task seeds and the roster digest; its public variant goes into the bundle as
    draw-manifest.json. Without it, ``seed`` is needed and task seeds follow docs/draw-spec.md.
    """
    internal: Mapping[str, Any] = draw_manifest or {}
    seed = seed if seed is not None else internal.get("seed")
    if not isinstance(seed, str) or not seed:
        raise PolicyError("publishing needs the draw's seed: pass --seed or the draw manifest")
    if draw_manifest is not None and draw_manifest.get("seed") not in (None, seed):
        raise PolicyError(
            f"--seed {seed!r} differs from the draw manifest's seed {draw_manifest.get('seed')!r}"
        )
    validated = import_results(results, campaign, sample)
    policy = internal.get("policy") or {}
    task_seeds = {str(t["id"]): str(t["seed"]) for t in policy.get("tasks", []) if "seed" in t}
    digest = internal.get("roster_digest")
    publication = build_publication(
        campaign,
        sample,
        validated,
        roster,
        published_on=published_on,
        seed=seed,
        teams=teams,
        inspectors=inspectors,
        roster_digest=digest if isinstance(digest, str) else None,
        task_seeds=task_seeds or None,
        draw_manifest=public_draw_manifest(draw_manifest)
        if draw_manifest and "sample" in draw_manifest
        else None,
    )
    return publish(publication, directory, ledger=ledger)
