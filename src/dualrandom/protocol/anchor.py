"""A publication bundle checked against the ledger it names (its anchor)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import LedgerError
from ..ledger import Ledger
from .recorded import difference, drawn_pairs, recorded_sample

__all__ = ["verify_against_ledger"]


def verify_against_ledger(bundle: str | Path, ledger: Ledger) -> list[str]:
    """Differences between a publication bundle and the ledger it names (empty when it agrees).

    Checks that the anchored ledger head is still in the chain, that a publication record of
    the campaign names this very bundle, and that its seed and sample are the recorded ones.
    """
    from ..ledger import LedgerHead
    from ..publish.bundle import read_bundle_index

    directory = Path(bundle)
    index, digest = read_bundle_index(directory)
    anchor = index.get("ledger")
    if not isinstance(anchor, dict):
        return ["the bundle carries no ledger anchor: it was published without --ledger"]
    differences: list[str] = []
    try:
        ledger.verify([LedgerHead(int(anchor["seq"]), str(anchor["hash"]))])
    except (LedgerError, KeyError, TypeError, ValueError) as error:
        differences.append(f"the anchored ledger head {anchor.get('seq')} is not in the chain: {error}")
    campaign_id = str(index.get("plan_id", ""))
    records = ledger.current(campaign_id, "publication")
    if not any(r.payload.get("bundle_digest") == digest for r in records):
        differences.append(
            f"no publication record of campaign {campaign_id!r} names this bundle ({digest[:16]}…)"
        )
    differences += _bundle_draw_differences(directory, ledger, campaign_id)
    return differences


def _bundle_draw_differences(directory: Path, ledger: Ledger, campaign_id: str) -> list[str]:
    seeds = ledger.current(campaign_id, "seed")
    draws = ledger.current(campaign_id, "draw")
    if not seeds or not draws:
        return [f"the ledger holds no current seed and draw of campaign {campaign_id!r}"]
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [f"manifest.json cannot be read: {error}"]
    recorded_seed = seeds[-1].payload.get("seed")
    if not isinstance(manifest, dict) or manifest.get("seed") != recorded_seed:
        shown = manifest.get("seed") if isinstance(manifest, dict) else None
        return [
            f"the bundle publishes seed {shown!r}, the ledger recorded {recorded_seed!r} "
            f"(record {seeds[-1].seq})"
        ]
    entries = manifest.get("drawn", manifest.get("sample"))
    if not isinstance(entries, list):
        return []
    if not all(isinstance(e, dict) and {"uscc", "task_id"} <= set(e) for e in entries):
        return ["manifest.json lists drawn entities without a code and a task"]
    listed = drawn_pairs({"sample": entries})
    recorded = recorded_sample(ledger, campaign_id)
    if listed == recorded:
        return []
    return [difference(listed, recorded, "the bundle's sample is not the recorded draw")]
