"""Early warning (风险预警): entities whose score rose sharply since the previous snapshot.

The list feeds triggered checks, which are recorded outside the random quota.
"""

from __future__ import annotations

import pandas as pd

from ..errors import PolicyError
from .snapshot import ClassificationSnapshot

__all__ = ["early_warning"]


def early_warning(
    previous: ClassificationSnapshot, current: ClassificationSnapshot, *, rise: float | None = None
) -> pd.DataFrame:
    """Entities on both snapshots whose score rose by more than ``rise`` points.

    ``rise`` defaults to the current policy's ``early_warning.rise``. Columns: ``uscc,
    previous_score, score, rise, previous_tier, tier, reason_1``; largest rise first, then uscc.
    """
    if current.as_of < previous.as_of:
        raise PolicyError(
            f"the previous snapshot ({previous.as_of}) is newer than the current one ({current.as_of})"
        )
    threshold = current.policy.early_warning.rise if rise is None else rise
    before = previous.table[["uscc", "score", "tier"]].rename(
        columns={"score": "previous_score", "tier": "previous_tier"}
    )
    after = current.table[["uscc", "score", "tier", "reason_1"]]
    both = after.merge(before, on="uscc", how="inner")
    both["rise"] = both["score"] - both["previous_score"]
    flagged = both[both["rise"] > threshold]
    flagged = flagged.sort_values(["rise", "uscc"], ascending=[False, True], kind="stable", ignore_index=True)
    return flagged[["uscc", "previous_score", "score", "rise", "previous_tier", "tier", "reason_1"]]
