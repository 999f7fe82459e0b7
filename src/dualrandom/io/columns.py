"""The vectorised column parsers (they live in `dualrandom.schema`; kept here for importers)."""

from __future__ import annotations

from ..schema._columns import (
    DATE_DTYPE,
    Parsed,
    as_text,
    excel_damage,
    parse_bool,
    parse_date_list,
    parse_dates,
    parse_enum,
    parse_int,
    parse_list,
    parse_number,
    parse_pattern,
    parse_score,
    parse_tags,
)

__all__ = [
    "DATE_DTYPE",
    "Parsed",
    "as_text",
    "excel_damage",
    "parse_bool",
    "parse_date_list",
    "parse_dates",
    "parse_enum",
    "parse_int",
    "parse_list",
    "parse_number",
    "parse_pattern",
    "parse_score",
    "parse_tags",
]
