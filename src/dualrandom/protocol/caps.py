"""How many distinct entities the frequency caps left out of a draw (``capped_entities``).

The manifest's per-cell ``capped`` counts the entities a cap removed from one task's frame, so
an entity in the frames of two tasks (a joint visit) is counted in each. ``capped_entities``
counts each such entity once for the whole draw (docs/draw-spec.md §14); ``with_capped``
puts that count in the draw's manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..models import Campaign

if TYPE_CHECKING:
    from ..draw import Draw

__all__ = ["capped_entities", "with_capped"]


def capped_entities(roster: Any, campaign: Campaign, history: Any, as_of: date | None) -> int | None:
    """Distinct entities of ``roster`` a frequency cap removed from at least one task's frame.

    None when no cap was applied (no history table, no draw date or no caps) or when ``roster``
    is not a table in memory (a roster drawn on a Dask cluster). Only entities with a recent
    check can reach a cap, so only those roster rows are examined. Raises `InputError` for a
    bad history, as the draw does.
    """
    from ..draw.draw import task_sampling, task_specs
    from ..draw.frame import apply_caps, filter_task, prepare_frame, recent_checks
    from ..draw.sealed import PRESEED
    from ..ids import normalize_ids
    from ..schema import canonical_headers, table_spec

    if not isinstance(roster, pd.DataFrame) or not isinstance(history, pd.DataFrame) or as_of is None:
        return None
    if not campaign.sampling.frequency_caps:
        return None
    checks = recent_checks(history, as_of)
    table = canonical_headers(roster, table_spec("entities"))[0]
    if checks.empty or "uscc" not in table.columns:
        return 0
    codes = normalize_ids(table["uscc"].astype("string").fillna(""))
    checked = table.loc[codes.isin(list(checks.index)).to_numpy(dtype=bool)]
    frame = prepare_frame(checked.reset_index(drop=True), campaign.sampling.tiers)
    gone: set[str] = set()
    for spec in task_specs(campaign, PRESEED):
        caps = task_sampling(campaign.sampling, spec).frequency_caps
        covered = filter_task(frame, spec.task) if spec.task is not None else frame
        over = apply_caps(covered, caps, checks).to_numpy(dtype=bool)
        gone.update(covered.loc[over, "uscc"].tolist())
    return len(gone)


def with_capped(result: Draw, roster: Any, campaign: Campaign, options: Mapping[str, Any]) -> Draw:
    """The draw with ``capped_entities`` in its manifest: each entity a cap left out, counted once."""
    from dataclasses import replace

    count = capped_entities(roster, campaign, options.get("history"), options.get("as_of"))
    return (
        result if count is None else replace(result, manifest={**result.manifest, "capped_entities": count})
    )
