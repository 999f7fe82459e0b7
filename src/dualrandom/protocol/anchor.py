"""A publication bundle checked against the ledger it names (its anchor)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, Problem
from ..ledger import Ledger
from ..verification import Difference, Verification, raising
from .recorded import difference, drawn_pairs, recorded_sample

__all__ = ["ensure_against_ledger", "verify_against_ledger"]


def verify_against_ledger(bundle: str | Path, ledger: Ledger) -> Verification:
    """Differences between a publication bundle and the ledger it names (none when it agrees).

    Checks that the anchored ledger head is still in the chain, that a publication record of
    the campaign names this very bundle, and that its seed and sample are the recorded ones.
    Raises `InputError` when ``bundle`` is not a bundle or carries no ledger anchor.
    """
    from ..ledger import LedgerHead
    from ..publish.bundle import read_bundle_index

    directory = Path(bundle)
    index, digest = read_bundle_index(directory)
    anchor = index.get("ledger")
    if not isinstance(anchor, dict):
        message = "the bundle carries no ledger anchor: it was published without --ledger"
        raise InputError([Problem(str(directory), None, "ledger", None, "LEDGER_ANCHOR", message)])
    found: list[Difference] = []
    where = f"{anchor.get('seq')}"
    try:
        chain = ledger.verify([LedgerHead(int(anchor["seq"]), str(anchor["hash"]))])
        if not chain.ok:
            found.append(Difference("ledger.anchor_lost", where, detail="; ".join(chain.lines())))
    except (KeyError, TypeError, ValueError) as error:
        found.append(Difference("ledger.anchor_lost", where, detail=f"not a ledger head ({error!r})"))
    campaign_id = str(index.get("plan_id", ""))
    records = ledger.current(campaign_id, "publication")
    if not any(r.payload.get("bundle_digest") == digest for r in records):
        found.append(Difference("ledger.publication", repr(campaign_id), digest, f"{digest[:16]}…"))
    found += _bundle_draw_differences(directory, ledger, campaign_id)
    return Verification(f"bundle {directory.name} against the ledger", tuple(found))


ensure_against_ledger = raising(verify_against_ledger)


def _triggered_pairs(ledger: Ledger, campaign_id: str) -> set[tuple[str, str]]:
    """The (task_id, uscc) targets of the campaign's current bulk triggered checks."""
    return {
        (str(record.payload["task_id"]), str(check["uscc"]))
        for record in ledger.current(campaign_id, "triggered_check")
        if "task_id" in record.payload
        for check in record.payload.get("checks", [])
    }


def _bundle_draw_differences(directory: Path, ledger: Ledger, campaign_id: str) -> list[Difference]:
    seeds = ledger.current(campaign_id, "seed")
    draws = ledger.current(campaign_id, "draw")
    triggered = _triggered_pairs(ledger, campaign_id) if not draws else set()
    if triggered:
        return _triggered_differences(directory, triggered)
    if not seeds or not draws:
        return [Difference("ledger.no_draw", repr(campaign_id))]
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Difference("bundle.file_missing", "manifest.json", detail="missing from the bundle")]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [Difference("bundle.not_json", "manifest.json", detail=str(error))]
    recorded_seed = seeds[-1].payload.get("seed")
    if not isinstance(manifest, dict) or manifest.get("seed") != recorded_seed:
        shown = manifest.get("seed") if isinstance(manifest, dict) else None
        return [Difference("ledger.seed", f"record {seeds[-1].seq}", repr(recorded_seed), repr(shown))]
    sealed = _sealed_differences(manifest, ledger, campaign_id)
    entries = manifest.get("drawn", manifest.get("sample"))
    if not isinstance(entries, list):
        return sealed
    if not all(isinstance(e, dict) and {"uscc", "task_id"} <= set(e) for e in entries):
        detail = "manifest.json lists drawn entities without a code and a task"
        return [Difference("ledger.sample", "manifest.json", detail=detail)]
    listed = drawn_pairs({"sample": entries})
    recorded = recorded_sample(ledger, campaign_id)
    if listed == recorded:
        return sealed
    detail = difference(listed, recorded, "the bundle's sample is not the recorded draw")
    return [*sealed, Difference("ledger.sample", "manifest.json", detail=detail)]


def _sealed_differences(manifest: dict[str, object], ledger: Ledger, campaign_id: str) -> list[Difference]:
    """A sealed bundle's commitment against the one recorded before the seed.

    That is the campaign's own ``roster_commitment`` (a batch ``PLAN/B``: its batch seal), or for
    a campaign drawn once the plan's.
    """
    if manifest.get("disclosure") != "sealed":
        return []
    records = ledger.current(campaign_id, "roster_commitment")
    sealed = records[-1].payload.get("sealed") if records else None
    expected = sealed.get("commitment_digest") if isinstance(sealed, dict) else None
    shown = manifest.get("sealed")
    found = shown.get("commitment_digest") if isinstance(shown, dict) else None
    if expected is not None and found == expected:
        return []
    where = f"record {records[-1].seq}" if records else repr(campaign_id)
    return [Difference("ledger.sealed_commitment", where, str(expected), str(found))]


def _triggered_differences(directory: Path, recorded: set[tuple[str, str]]) -> list[Difference]:
    """A bundle of triggered checks: no seed, and exactly the checks the ledger recorded."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Difference("bundle.file_missing", "manifest.json", detail="missing from the bundle")]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [Difference("bundle.not_json", "manifest.json", detail=str(error))]
    entries = manifest.get("drawn") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and {"uscc", "task_id"} <= set(e) for e in entries
    ):
        return [Difference("ledger.sample", "manifest.json", detail="the triggered checks are not listed")]
    if manifest.get("seed") is not None:
        return [Difference("ledger.seed", "triggered checks", "None", repr(manifest.get("seed")))]
    listed = {(str(e["task_id"]), str(e["uscc"])) for e in entries}
    if listed == recorded:
        return []
    detail = difference(listed, recorded, "the bundle's checks are not the recorded triggered checks")
    return [Difference("ledger.sample", "manifest.json", detail=detail)]
