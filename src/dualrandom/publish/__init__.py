"""一公开: deadlines, the publication bundle (CSV, JSON, static site, public manifest), verification."""

from __future__ import annotations

from .bundle import (
    PUBLIC_COLUMNS,
    Bundle,
    build_publication,
    csv_safe,
    read_bundle_index,
    write_bundle,
)
from .deadlines import due_date, due_dates, is_working_day, overdue
from .manifest import results_manifest
from .privacy import mask_entity_names, mask_person
from .run import public_draw_manifest, publish_campaign
from .verify import ensure_bundle, verify_bundle

__all__ = [
    "PUBLIC_COLUMNS",
    "Bundle",
    "build_publication",
    "csv_safe",
    "due_date",
    "due_dates",
    "ensure_bundle",
    "is_working_day",
    "mask_entity_names",
    "mask_person",
    "overdue",
    "public_draw_manifest",
    "publish_campaign",
    "read_bundle_index",
    "results_manifest",
    "verify_bundle",
    "write_bundle",
]
