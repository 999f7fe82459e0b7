"""Join a classification snapshot's tiers onto a roster, in memory or partition by partition.

A `TierLookup` holds the snapshot's codes as sorted fixed-width bytes and each code's tier
as a small integer (about 19 bytes per entity), so it is broadcast to every worker and a
partition takes its tiers by binary search, without a shuffle. The roster keeps its rows in
their order; its own ``tier`` and ``score`` columns, if any, give way to the snapshot's tier.
An entity of the roster that the snapshot does not classify is an error (NOT_CLASSIFIED):
it would otherwise escape the draw. Entities of the snapshot missing from the roster (closed
since) are not drawn, because the roster is the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError, Problem
from ..ids import normalize_ids

if TYPE_CHECKING:
    from ..classify import ClassificationSnapshot

__all__ = ["NOT_CLASSIFIED", "TierLookup", "attach_tiers", "read_tiered", "unclassified", "with_tiers"]

NOT_CLASSIFIED = "NOT_CLASSIFIED"
"""The rule of a roster row whose code the snapshot does not classify."""


@dataclass(frozen=True)
class TierLookup:
    """A snapshot's codes (sorted ASCII bytes), each code's tier position, the tiers and the digest."""

    codes: npt.NDArray[np.bytes_]
    tiers: npt.NDArray[np.uint8]
    labels: tuple[str, ...]
    source: str
    content_digest: str

    @classmethod
    def of(cls, snapshot: ClassificationSnapshot | str | Path) -> TierLookup:
        """The lookup of a snapshot or of the snapshot file/folder at a path (checked by `load_snapshot`).

        Raises `VerificationError` when the file does not match its sidecar's digests, and
        `InputError` when it is missing.
        """
        from ..classify import load_snapshot

        source = "<snapshot>" if not isinstance(snapshot, str | Path) else str(snapshot)
        loaded = load_snapshot(snapshot) if isinstance(snapshot, str | Path) else snapshot
        tier = loaded.table["tier"].astype(str)
        labels = tuple(sorted(set(tier)))
        codes = normalize_ids(loaded.table["uscc"]).str.encode("ascii", errors="replace")
        keys = np.asarray(codes.to_numpy(dtype=object), dtype=np.bytes_)
        order = np.argsort(keys, kind="stable")
        positions = pd.Categorical(tier, categories=list(labels)).codes.astype(np.uint8)
        return cls(keys[order], positions[order], labels, source, loaded.content_digest)

    def tier_of(self, codes: pd.Series) -> npt.NDArray[np.object_]:
        """The tier of each code (normalised first); None where the snapshot lacks it."""
        normalized = normalize_ids(codes)
        wanted = np.asarray(
            normalized.str.encode("ascii", errors="replace").to_numpy(dtype=object), dtype=self.codes.dtype
        )
        out = np.full(len(wanted), None, dtype=object)
        if len(self.codes) == 0 or len(wanted) == 0:
            return out
        at = np.minimum(np.searchsorted(self.codes, wanted), len(self.codes) - 1)
        width = self.codes.dtype.itemsize
        found = (self.codes[at] == wanted) & (normalized.str.len().to_numpy(dtype=np.int64) <= width)
        out[found] = np.asarray(self.labels, dtype=object)[self.tiers[at[found]]]
        return out


def with_tiers(part: pd.DataFrame, tiers: npt.NDArray[np.object_]) -> pd.DataFrame:
    """``part`` with ``tiers`` (one per row, None where unclassified) in place of its own tier and score."""
    keyed = part.drop(columns=[c for c in ("tier", "score") if c in part.columns])
    return keyed.assign(tier=pd.Series(tiers, index=part.index, dtype=object))


def attach_tiers(part: pd.DataFrame, lookup: TierLookup) -> pd.DataFrame:
    """``part`` with the snapshot's ``tier`` (None where unclassified) in place of its own tier and score."""
    return with_tiers(part, lookup.tier_of(part["uscc"]))


def unclassified(frame: pd.DataFrame, source: str, snapshot: str, *, first_row: int = 2) -> list[Problem]:
    """NOT_CLASSIFIED problems for the rows of a joined table without a tier (first row: ``first_row``)."""
    missing = np.flatnonzero(frame["tier"].isna().to_numpy(dtype=bool))
    codes = frame["uscc"].astype(object).to_numpy()
    message = f"the classification snapshot {snapshot} has no tier for this code; classify the roster again"
    return [
        Problem(source, int(r) + first_row, "uscc", str(codes[r]), NOT_CLASSIFIED, message) for r in missing
    ]


def read_tiered(source: Any) -> pd.DataFrame:
    """Read a roster (`dualrandom.io.read_table`) and join the tiers of its ``snapshot``, if it names one.

    ``source`` is any table source; a `dualrandom.io.sources.SourceText` with ``snapshot``
    (``--snapshot``) takes that snapshot's tiers. Raises `InputError` listing every roster row
    the snapshot does not classify.
    """
    from ..io.tables import describe_source, read_table

    frame = read_table(source)
    snapshot = getattr(source, "snapshot", None)
    if snapshot is None:
        return frame
    joined = attach_tiers(frame, TierLookup.of(snapshot))
    problems = unclassified(joined, describe_source(source), str(snapshot))
    if problems:
        raise InputError(problems)
    return joined
