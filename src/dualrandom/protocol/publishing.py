"""Results and publication in the protocol: the inputs checked against the ledger, the validated
results written with their deadlines, and the bundle anchored to the ledger head it extends.

A publication's seed, sample, draw manifest, teams and results must be the recorded ones.
Triggered checks (a batch such as ``W1``) have no seed and no draw: their bundle lists them as
triggered, not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import LedgerMismatchError
from ..ledger import LedgerHead, LedgerRecord
from ..ledger.records import Step
from ..models import Campaign
from .recorded import difference, drawn_pairs, publication_inputs, seed_refusal
from .sealing import require_seal

if TYPE_CHECKING:
    from .campaign import CampaignProtocol

__all__ = ["BundleRecording", "check_results", "checked_seed", "triggered_only", "write_results"]


def triggered_only(protocol: CampaignProtocol) -> bool:
    """Whether this campaign's targets are triggered checks (a batch like W1), with no draw."""
    if protocol.ledger is None:
        return protocol.batch is not None and protocol.batch not in {b.id for b in protocol.plan.plan.batches}
    listed = any("task_id" in r.payload for r in protocol.current("triggered_check"))
    return listed and not protocol.current("draw")


def checked_seed(
    protocol: CampaignProtocol, sample: pd.DataFrame, seed: str | None,
    draw_manifest: Mapping[str, Any] | None, teams: pd.DataFrame | None, triggered: bool,
) -> str | None:  # fmt: skip
    """The seed to publish (the recorded one, with a ledger), once the inputs are checked.

    Raises `PolicyError` for an open draw of a campaign that needs sealed tickets, and
    `LedgerMismatchError` for a seed, sample, draw manifest or teams that are not the recorded ones.
    """
    if (draw_manifest or {}).get("disclosure") != "sealed" and not triggered:
        require_seal(protocol.campaign, None, "draw to publish")
    if protocol.ledger is None:
        return seed
    if triggered:
        _check_triggered_inputs(protocol, sample, seed, draw_manifest)
    else:
        seed = _check_drawn_inputs(protocol, sample, seed, draw_manifest)
    if teams is not None:
        _check_teams(protocol, teams)
    return seed


def check_results(protocol: CampaignProtocol, validated: pd.DataFrame) -> None:
    """Raise `LedgerMismatchError` for results that were never imported into the campaign."""
    from ..results import results_payload

    if validated.empty:
        return  # notices before any result arrives
    digest = results_payload(validated, protocol.campaign)["digest"]
    if not any(r.payload.get("digest") == digest for r in protocol.current("results")):
        raise LedgerMismatchError(
            f"these results (digest {digest[:16]}…) were never imported into campaign "
            f"{protocol.campaign_id!r}: run `dualrandom results import` with the same file first"
        )


def write_results(
    campaign: Campaign, validated: pd.DataFrame, output: str | Path | None, day: date
) -> tuple[Path, ...]:
    """Write the validated results with ``due_on`` and ``overdue`` (as of ``day``) to ``output``."""
    if output is None:
        return ()
    from ..atomic import atomic_file
    from ..publish.calendar import campaign_calendar
    from ..publish.deadlines import due_dates, overdue

    calendar = campaign_calendar(campaign)
    due = due_dates(validated["completed_on"], campaign.publication.working_days, calendar)
    with atomic_file(output, suffix=".csv") as temporary:
        shown = validated.drop(columns=["tier", "row"]).assign(
            completed_on=validated["completed_on"].dt.strftime("%Y-%m-%d"),
            due_on=due.dt.strftime("%Y-%m-%d"),
            overdue=overdue(due, day),
        )
        shown.to_csv(temporary, index=False, encoding="utf-8")
    return (Path(output),)


class BundleRecording:
    """A publication's bundle, written anchored to the ledger head, and the record it makes.

    ``written`` fills in as the bundle is written (the bundle index); ``existing`` is the record
    of the same publication made before, whose anchor the bundle keeps.
    """

    def __init__(
        self, campaign_id: str, recorded: list[LedgerRecord], publication: Any, directory: str | Path
    ) -> None:
        self.campaign_id, self.publication, self.directory = campaign_id, publication, directory
        self.inputs = publication_inputs(publication)
        self.existing = [r for r in recorded if r.payload.get("inputs") == self.inputs][-1:]
        self.written: dict[str, Any] = {}
        self.payload: dict[str, Any] = {}

    def write(self, head: LedgerHead | None) -> tuple[Path, ...]:
        """Write the bundle, anchored to the recorded anchor, else to ``head`` (none without a ledger)."""
        from ..publish.bundle import publication_payload, write_bundle

        anchor = self.existing[-1].payload.get("anchor") if self.existing else None
        mark = anchor if anchor is not None or head is None else {"seq": head.seq, "hash": head.hash}
        self.written.update(write_bundle(self.publication, self.directory, anchor=mark))
        self.payload.update(publication_payload(self.publication, self.written))
        self.written.update(on_time=self.payload["on_time"], overdue=self.payload["overdue"])
        return (Path(self.directory),)

    def steps(self, _: int) -> list[Step]:
        """The ``publication`` record, unless the same publication was recorded before."""
        if self.existing:
            return []
        internal = {"inputs": self.inputs, "anchor": self.written.get("ledger"),
                    "privacy": self.publication.privacy}  # fmt: skip
        return [Step(self.campaign_id, "publication", {**self.payload, **internal})]


def _check_triggered_inputs(
    protocol: CampaignProtocol, sample: pd.DataFrame, seed: str | None, manifest: Mapping[str, Any] | None
) -> None:
    """Triggered checks have no seed and no draw: refuse either, and check the targets."""
    if seed is not None or manifest is not None:
        raise LedgerMismatchError(
            f"campaign {protocol.campaign_id!r} holds triggered checks, not a draw: they have no seed "
            "and no draw manifest to publish (publish them without --seed and --draw-manifest)"
        )
    protocol.check_sample(sample)


def _check_drawn_inputs(
    protocol: CampaignProtocol, sample: pd.DataFrame, seed: str | None, manifest: Mapping[str, Any] | None
) -> str:
    """The recorded seed, once the seed, the sample and the draw manifest are the recorded ones."""
    seeded = protocol._require("seed", "the publication")
    recorded_seed = str(seeded.payload.get("seed"))
    for given in (seed, (manifest or {}).get("seed")):
        if given is not None and given != recorded_seed:
            raise LedgerMismatchError(seed_refusal(protocol.campaign_id, protocol.ledger, str(given), seeded))
    protocol.check_sample(sample)
    if manifest is not None and "sample" in manifest:
        listed, recorded = drawn_pairs(manifest), protocol.recorded_sample()
        if listed != recorded:
            raise LedgerMismatchError(
                difference(listed, recorded, "the draw manifest is not the recorded draw")
            )
    return recorded_seed


def _check_teams(protocol: CampaignProtocol, teams: pd.DataFrame) -> None:
    """Raise `LedgerMismatchError` unless ``teams`` is the table the assignment recorded."""
    from ..assign.manifest import frame_digest

    assignment = protocol._require("assignment", "publishing teams")
    recorded = (assignment.payload.get("outputs") or {}).get("teams")
    found = frame_digest(teams.astype("string").fillna(""))
    if recorded != found:
        raise LedgerMismatchError(
            f"the teams table (digest {found}) is not the one assignment record {assignment.seq} "
            f"recorded ({recorded}): publish the teams `dualrandom assign` wrote"
        )
