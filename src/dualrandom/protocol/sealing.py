"""Sealed tickets in the protocol: when a seal is needed, and that it is the committed one.

A campaign whose tiers have different ratios is drawn with sealed tickets (docs/draw-spec.md
§12): its commitment holds the sealed commitment's digest, and its draw must be made with that
very material. These checks refuse an open draw where a sealed one is needed, a seal of the
wrong kind, and material other than the committed one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import LedgerMismatchError, PolicyError
from ..ledger import LedgerRecord
from ..models import Campaign

if TYPE_CHECKING:
    from ..draw import Draw
    from ..draw.sealed import Seal

__all__ = ["check_seal", "check_seal_kind", "require_seal", "seal_checked_draw", "sealed_drawer"]


def require_seal(campaign: Campaign, seal: Seal | None, what: str) -> None:
    """Refuse an open (recomputable) draw where the campaign's tickets must be sealed.

    Open tickets against different ratios let anyone infer tiers (docs/draw-spec.md §12).
    Raises `PolicyError`.
    """
    from ..draw.sealed import disclosure_of

    if seal is not None or disclosure_of(campaign) != "sealed":
        return
    raise PolicyError(
        f"campaign {campaign.plan.id!r} needs a sealed {what}: its tiers have different ratios, so "
        "open tickets would let anyone infer tiers. Seal it before the seed (CLI: commit "
        "--seal-out AUDITOR/sealed.json, with --history and --as-of when frequency caps apply; then "
        'draw --seal AUDITOR/sealed.json), or set [publication] disclosure = "open" to accept '
        "recomputable tickets"
    )


def check_seal_kind(plan: Campaign, seal: Seal) -> None:
    """Refuse a campaign seal for a plan in batches, and a plan commitment for a plan drawn once.

    Raises `PolicyError`.
    """
    from ..draw.sealed import PLAN_KIND

    batches = bool(plan.plan.batches)
    if batches != (seal.commitment.get("kind") == PLAN_KIND):
        raise PolicyError(
            f"plan {plan.plan.id!r} is drawn in batches: its commitment is the plan commitment (seal_plan; "
            "CLI: commit --seal-out without --as-of), each batch sealed later by `dualrandom seal --batch`"
            if batches
            else f"plan {plan.plan.id!r} is drawn once: seal it with seal_campaign, not as a plan in batches"
        )


def check_seal(campaign_id: str, committed: LedgerRecord, seal: Seal | None) -> None:
    """Raise `LedgerMismatchError` unless ``seal`` is the material ``committed`` recorded (or both none)."""
    sealed = committed.payload.get("sealed")
    expected = sealed.get("commitment_digest") if isinstance(sealed, dict) else None
    found = seal.digest if seal is not None else None
    if expected == found:
        return
    if expected is None:
        raise LedgerMismatchError(
            f"campaign {campaign_id!r} committed to an open draw (record {committed.seq}), "
            "not to this sealed material"
        )
    raise LedgerMismatchError(
        f"campaign {campaign_id!r} committed to sealed material {expected[:16]}… (record "
        f"{committed.seq}); draw with that material (--seal FILE), "
        + ("not without it" if found is None else f"not {found[:16]}…")
    )


def sealed_drawer(seal: Seal) -> Callable[..., Draw]:
    """A drawer with `dualrandom.draw.draw_campaign`'s signature that draws sealed tickets."""
    from ..draw.sealed import draw_sealed

    def drawer(roster: Any, campaign: Campaign, seed: str, **options: Any) -> Draw:
        return draw_sealed(roster, campaign, seed, seal, **options)

    return drawer


def seal_checked_draw(
    drawer: Callable[..., Draw], campaign: Campaign, committed: LedgerRecord | None, roster: Any, seed: str,
    options: Mapping[str, Any],
) -> Draw:  # fmt: skip
    """``drawer``'s draw; a seal that does not fit a recorded commitment raises `LedgerMismatchError`."""
    from ..draw.sealed import SealMismatchError

    try:
        return drawer(roster, campaign, seed, **options)
    except SealMismatchError as error:
        if committed is None:
            raise
        raise LedgerMismatchError(
            f"{error} (the seal campaign {campaign.plan.id!r} committed to in record {committed.seq}): "
            "draw from the committed roster and history, on the committed date; nothing was recorded"
        ) from None
