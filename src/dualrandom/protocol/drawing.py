"""The commitment and the draw: what `CampaignProtocol.commit` and `CampaignProtocol.draw` check
and compute before they record.

The commitment digests the frozen roster (with the sealed commitment, if any) and must come
before any seed of the plan. The draw checks the commitment (its seal, its roster digest) and
the recorded seed, takes a batch's date, history and batch seal, and replays the recorded
substitutions when the same draw was recorded before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import LedgerConflictError, LedgerMismatchError, PolicyError
from ..ledger import LedgerRecord
from .batches import batch_draw, batch_history, check_batch_order, ledger_at, recorded_batch_seal
from .caps import with_capped
from .recorded import seed_refusal
from .sealing import check_seal, check_seal_kind, require_seal, seal_checked_draw, sealed_drawer

if TYPE_CHECKING:
    from ..draw import Draw
    from ..draw.sealed import Seal
    from .campaign import CampaignProtocol

__all__ = ["commitment_of", "draw_inputs", "drawn", "refuse_after_seed", "seeds_checked", "with_recorded"]

SEALED_OPTIONS = ("history", "as_of", "residents", "snapshot_digest")
"""The draw options a sealed draw takes (the rest are for an open draw only)."""


def commitment_of(
    protocol: CampaignProtocol, roster: pd.DataFrame, seal: Seal | None, snapshot_digest: str | None,
    strata: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The roster commitment to record, with the sealed commitment when ``seal`` is given.

    Raises `PolicyError` for a campaign that needs a seal (with a ledger) or a seal of the wrong kind.
    """
    from ..draw import commitment

    if protocol.ledger is not None:
        require_seal(protocol.campaign, seal, "commitment")
    if seal is not None:
        check_seal_kind(protocol.plan, seal)
    committed = commitment(roster, snapshot_digest=snapshot_digest, strata=strata)
    if seal is not None:
        committed["sealed"] = {"commitment": seal.commitment, "commitment_digest": seal.digest}
    return committed


def refuse_after_seed(protocol: CampaignProtocol) -> None:
    """Raise `LedgerConflictError` when the plan already has a seed (a late commitment proves nothing)."""
    if protocol.plan_seeds():
        raise LedgerConflictError(
            f"campaign {protocol.plan_id!r} already has a seed: a commitment made after the seed "
            "proves nothing"
        )


def draw_inputs(
    protocol: CampaignProtocol, seal: Seal | None, drawer: Callable[..., Draw] | None, options: dict[str, Any]
) -> tuple[LedgerRecord | None, Callable[..., Draw], dict[str, Any]]:
    """The recorded commitment (with a ledger), the drawer and its options for this draw.

    Raises `LedgerConflictError` without a commitment, `LedgerMismatchError` for a seal that is
    not the committed one, and what `batch_options` raises for a batch.
    """
    from ..draw import draw_campaign

    committed = protocol._require("roster_commitment", "the draw") if protocol.ledger else None
    if committed is not None:
        check_seal(protocol.campaign_id, committed, seal)
    if protocol.batch is not None:
        options, seal = batch_options(protocol, seal, dict(options))
    if seal is None:
        return committed, drawer or draw_campaign, options
    return committed, sealed_drawer(seal), {k: v for k, v in options.items() if k in SEALED_OPTIONS}


def seeds_checked(protocol: CampaignProtocol, seed: str) -> list[LedgerRecord]:
    """The recorded seed records; `LedgerMismatchError` when ``seed`` is not the recorded seed."""
    seeded = protocol.current("seed")
    if seeded and seeded[-1].payload.get("seed") != seed:
        raise LedgerMismatchError(seed_refusal(protocol.campaign_id, protocol.ledger, seed, seeded[-1]))
    return seeded


def drawn(
    protocol: CampaignProtocol, drawer: Callable[..., Draw], committed: LedgerRecord | None, roster: Any,
    seed: str, options: dict[str, Any],
) -> Draw:  # fmt: skip
    """The draw, checked against the committed roster, with its capped count and batch visits.

    Raises `LedgerMismatchError` for a roster or seal other than the committed ones.
    """
    result = seal_checked_draw(drawer, protocol.campaign, committed, roster, seed, options)
    _check_roster_digest(protocol.campaign_id, result, committed)
    result = with_capped(result, roster, protocol.campaign, options)
    return result if protocol.batch is None else batch_draw(result, protocol.plan_id, protocol.batch)


def with_recorded(protocol: CampaignProtocol, result: Draw) -> Draw:
    """The draw as recorded: ``result`` with the recorded substitutions made again, in order."""
    from ..draw import substitute

    for record in protocol.current("substitution"):
        result = substitute(
            result, str(record.payload["removed"]), str(record.payload["reason"]),
            task_id=str(record.payload["task_id"]),
        )  # fmt: skip
    return result if protocol.batch is None else batch_draw(result, protocol.plan_id, protocol.batch)


def batch_options(
    protocol: CampaignProtocol, seal: Seal | None, options: dict[str, Any]
) -> tuple[dict[str, Any], Seal | None]:
    """The draw options of a batch (its date, and a history holding the plan's earlier checks)
    and, for a sealed plan, the batch's seal under the plan key.

    Raises `PolicyError` for a batch the plan lacks, a date that is not the batch's or a sealed
    batch without a ledger, and `LedgerConflictError` for a batch drawn before the previous one
    is recorded or a sealed batch without its batch seal.
    """
    assert protocol.batch is not None
    batch = protocol.plan.plan.batch(protocol.batch)
    given = options.get("as_of")
    if given is not None and given != batch.drawn_on:
        raise PolicyError(
            f"batch {batch.id!r} is drawn on {batch.drawn_on} (the plan says so), not on {given}: "
            "change [[plan.batches]] or the date"
        )
    check_batch_order(protocol.ledger, protocol.plan, batch.id)
    view = protocol.ledger
    if seal is not None:
        seal, head = recorded_batch_seal(protocol.ledger, protocol.plan_id, batch.id, seal)
        view = ledger_at(protocol.ledger, head) if protocol.ledger is not None else None
    history = batch_history(view, protocol.plan, batch.id, options.get("history"))
    return {**options, "history": history, "as_of": batch.drawn_on}, seal


def _check_roster_digest(campaign_id: str, result: Draw, committed: LedgerRecord | None) -> None:
    """Refuse a draw from another roster than the committed one (`LedgerMismatchError`)."""
    if committed is None or result.manifest.get("roster_digest") == committed.payload.get("roster_digest"):
        return
    raise LedgerMismatchError(
        f"the roster drawn has digest {result.manifest.get('roster_digest')}, but campaign "
        f"{campaign_id!r} committed to {committed.payload.get('roster_digest')} "
        f"(record {committed.seq}): draw from the committed roster; nothing was recorded"
    )
