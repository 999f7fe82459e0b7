"""What may be appended: known kinds, and the supersede rules that stop a quiet redraw.

A campaign takes each step in `SINGULAR_KINDS` (roster commitment, seed, draw, assignment)
once. Repeating it needs ``supersedes=<seq of the current record>`` and a reason; both records
stay in the ledger. Any record may supersede an earlier one of the same campaign and kind,
but never one that is already superseded, so the history is a line, not a tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import LedgerConflictError, LedgerError
from .records import KINDS, SINGULAR_KINDS

__all__ = ["StepHistory", "check_request", "check_supersede"]


def check_request(campaign_id: object, kind: object, supersedes: object, reason: object) -> None:
    """Raise `LedgerError` if an append's arguments are malformed."""
    if not isinstance(campaign_id, str) or not campaign_id.strip() or campaign_id != campaign_id.strip():
        raise LedgerError(f"campaign_id must be a non-empty string without outer spaces, got {campaign_id!r}")
    if kind not in KINDS:
        raise LedgerError(f"unknown ledger record kind {kind!r}; expected one of {', '.join(KINDS)}")
    if supersedes is not None and (
        isinstance(supersedes, bool) or not isinstance(supersedes, int) or supersedes < 1
    ):
        raise LedgerError(f"supersedes must be the seq (a positive integer) of a record, got {supersedes!r}")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise LedgerError(f"reason must be a non-empty string when given, got {reason!r}")
    for name, text in (("campaign_id", campaign_id), ("reason", reason)):
        try:
            (text or "").encode("utf-8")
        except UnicodeEncodeError as error:
            raise LedgerError(f"{name} {text!r} cannot be written as UTF-8: {error.reason}") from error


@dataclass
class StepHistory:
    """The earlier records of one campaign and kind: which exist, and which superseded which."""

    seqs: set[int] = field(default_factory=set)
    superseded_by: dict[int, int] = field(default_factory=dict)
    current: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, steps: Mapping[int, tuple[int | None, bool]]) -> StepHistory:
        """Build from seq -> (supersedes, is a withdrawal) pairs, in seq order."""
        history = cls()
        for seq in sorted(steps):
            history.add(seq, *steps[seq])
        return history

    def add(self, seq: int, supersedes: int | None, withdrawal: bool = False) -> None:
        """Record that ``seq`` was appended, superseding ``supersedes``.

        A withdrawal (`Ledger.supersede`) replaces the record it supersedes by nothing: it is
        never current itself, so the step may be taken again.
        """
        self.seqs.add(seq)
        if not withdrawal:
            self.current.add(seq)
        if supersedes is not None:
            self.superseded_by.setdefault(supersedes, seq)
            self.current.discard(supersedes)


def check_supersede(
    campaign_id: str, kind: str, supersedes: int | None, reason: str | None, history: StepHistory
) -> None:
    """Check a step against the earlier records of the same campaign and kind.

    Raises `LedgerConflictError` when the step would repeat or fork one already recorded, and
    `LedgerError` when the supersede request itself is malformed.
    """
    if supersedes is None:
        if kind in SINGULAR_KINDS and history.current:
            last = max(history.current)
            raise LedgerConflictError(
                f"campaign {campaign_id!r} already has {kind} record {last}; "
                f"to replace it pass supersedes={last} and a reason"
            )
        return
    if reason is None:
        raise LedgerError(f"superseding record {supersedes} needs a reason")
    if supersedes not in history.seqs:
        raise LedgerError(f"record {supersedes} is not an earlier {kind} of campaign {campaign_id!r}")
    if supersedes in history.superseded_by:
        raise LedgerConflictError(
            f"record {supersedes} was already superseded by record {history.superseded_by[supersedes]}; "
            f"supersede record {_latest(supersedes, history.superseded_by)} instead"
        )


def _latest(seq: int, superseded_by: Mapping[int, int]) -> int:
    while seq in superseded_by:
        seq = superseded_by[seq]
    return seq
