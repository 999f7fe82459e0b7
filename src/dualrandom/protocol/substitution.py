"""Substitutions in the protocol: the written draw checked against the recorded one, and a
substitution written but not yet recorded (a run killed in between) caught up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LedgerMismatchError
from ..ledger import LedgerRecord
from ..ledger.records import canonical_json
from .recorded import difference, drawn_pairs

if TYPE_CHECKING:
    from ..draw import Draw
    from .campaign import CampaignProtocol

__all__ = ["caught_up", "check_written_draw", "pending"]


def pending(draw: Draw, uscc: str, task_id: str | None) -> dict[str, Any] | None:
    """The last substitution of ``uscc`` (of ``task_id``, if given) the written draw holds, if any."""
    found = [s for s in draw.substitutions if s["removed"] == uscc and task_id in (None, s["task_id"])]
    return found[-1] if found else None


def check_written_draw(protocol: CampaignProtocol, draw: Draw) -> None:
    """Raise `LedgerMismatchError` unless ``draw`` is the recorded draw with its substitutions."""
    recorded = [r.payload for r in protocol.current("substitution")]
    if not _same_records(draw.substitutions, recorded):
        raise LedgerMismatchError(
            f"the sample's manifest lists {len(draw.substitutions)} substitution(s) but campaign "
            f"{protocol.campaign_id!r} recorded {len(recorded)}: use the files of the recorded draw"
        )
    found, expected = drawn_pairs(draw.manifest), protocol.recorded_sample()
    if found != expected:
        raise LedgerMismatchError(difference(found, expected, "the sample is not the recorded draw"))


def caught_up(protocol: CampaignProtocol, draw: Draw, written: dict[str, Any]) -> LedgerRecord | None:
    """The record of the substitution ``written`` if already recorded; None if it is still to record.

    Raises `LedgerMismatchError` when the substitutions recorded before it are not the written ones.
    """
    records = protocol.current("substitution")
    for record in records:
        if canonical_json(record.payload) == canonical_json(written):
            return record
    if not _same_records(draw.substitutions[:-1], [r.payload for r in records]):
        raise LedgerMismatchError(
            f"{written['removed']} was substituted in the files but the ledger's substitutions of "
            f"campaign {protocol.campaign_id!r} differ: use the files of the recorded draw"
        )
    return None


def _same_records(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]) -> bool:
    """Whether two lists of payloads are equal as the ledger stores them (canonical JSON)."""
    return [canonical_json(p) for p in first] == [canonical_json(p) for p in second]
