"""The first random: a verifiable, tier-stratified draw (see docs/draw-spec.md).

Modules, one job each: `frame` (checked roster, task filters, frequency caps), `quotas`
(exact per-stratum counts), `draw` (selection, reserve, substitution), `coordination`
(permanent random numbers), `commitment` (roster digest), `manifest` (what is recorded).
"""

from __future__ import annotations

from .commitment import commitment, roster_digest, table_digest
from .coordination import next_start, shift_keys
from .draw import (
    NO_HISTORY,
    SAMPLE_COLUMNS,
    Draw,
    draw_campaign,
    draw_sample,
    draw_tasks,
    substitute,
    task_seed,
)
from .frame import TaskSpec, filter_task, prepare_frame, recent_checks
from .manifest import ALGORITHM, manifest_json, public_manifest, specs_from_manifest
from .quotas import allocate, ceil_quota, cell_quotas, quotas, tier_quotas, within_totals

__all__ = [
    "ALGORITHM",
    "NO_HISTORY",
    "SAMPLE_COLUMNS",
    "Draw",
    "TaskSpec",
    "allocate",
    "ceil_quota",
    "cell_quotas",
    "commitment",
    "draw_campaign",
    "draw_sample",
    "draw_tasks",
    "filter_task",
    "manifest_json",
    "next_start",
    "prepare_frame",
    "public_manifest",
    "quotas",
    "recent_checks",
    "roster_digest",
    "shift_keys",
    "specs_from_manifest",
    "substitute",
    "table_digest",
    "task_seed",
    "tier_quotas",
    "within_totals",
]
