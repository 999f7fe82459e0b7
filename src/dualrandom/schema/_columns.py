"""Vectorised parsers for one roster column each: text in, typed values and a bad-row mask out.

Each parser takes the column as stored (strings from CSV/XLSX, native types from Parquet,
SQL or a DataFrame) and returns a `Parsed`: the typed values, a boolean mask of bad rows, the
rule they break and a message. Nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

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

DATE_DTYPE: Final = "datetime64[us]"
"""Dates are stored as midnight timestamps of this dtype (pandas' default unit)."""

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有效", "在岗")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无效", "离岗")


@dataclass(frozen=True)
class Parsed:
    """Typed ``values``; ``bad`` marks rows that break ``rule`` (explained by ``message``)."""

    values: pd.Series
    bad: np.ndarray
    rule: str = ""
    message: str = ""


def as_text(values: pd.Series) -> pd.Series:
    """The column as stripped strings, missing values as ``""``; whole floats lose their ``.0``."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if bool((finite == np.floor(finite)).all()):
            values = values.astype("Int64")
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        text: pd.Series = values.dt.strftime("%Y-%m-%d").astype("str").fillna("")
        return text
    if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        missing = values.isna().to_numpy(dtype=bool)
        values = values.astype("str").mask(missing, "")
    return values.astype("str").fillna("").str.strip()


def parse_pattern(text: pd.Series, pattern: str, *, rule: str, message: str, upper: bool = False) -> Parsed:
    """Non-empty values must match ``pattern`` in full (empty values are left to the caller)."""
    if upper:
        text = text.str.upper()
    bad = ((text != "") & ~text.str.fullmatch(pattern)).to_numpy(dtype=bool)
    return Parsed(text, bad, rule, message)


def parse_enum(text: pd.Series, choices: Sequence[str], aliases: dict[str, str]) -> Parsed:
    """Values (case-insensitive, or a listed alias) must be one of ``choices``."""
    mapped = text.str.lower()
    unknown = ((mapped != "") & ~mapped.isin(list(choices))).to_numpy(dtype=bool)
    if unknown.any() and aliases:  # only the rows that need it go through the alias table
        mapped = mapped.copy()
        mapped[unknown] = mapped[unknown].map(lambda v: aliases.get(v, v)).astype("str")
    bad = ((mapped != "") & ~mapped.isin(list(choices))).to_numpy(dtype=bool)
    return Parsed(mapped, bad, "ENUM", f"allowed values: {', '.join(choices)}")


def parse_dates(values: pd.Series) -> Parsed:
    """Dates such as 2024-03-15, 2024/3/15, 20240315 or 2024年3月15日; empty gives NaT."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        typed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        return Parsed(typed.dt.normalize().astype(DATE_DTYPE), np.zeros(len(values), dtype=bool))
    text = as_text(values)
    iso = (
        text.str.replace(r"[ T]00:00(:00(\.0+)?)?$", "", regex=True)
        .str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
        .str.replace(r"[/.年月]", "-", regex=True)
        .str.replace("日", "", regex=False)
    )
    parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").astype(DATE_DTYPE)
    bad = ((text != "") & parsed.isna()).to_numpy(dtype=bool)
    return Parsed(parsed, bad, "DATE", "expected a date such as 2024-03-15")


def parse_bool(values: pd.Series, default: bool) -> Parsed:
    """是/否, true/false, yes/no, 1/0 (any case); empty gives ``default``."""
    if pd.api.types.is_bool_dtype(values.dtype) and not values.isna().any():
        return Parsed(values.astype(bool), np.zeros(len(values), dtype=bool))
    text = as_text(values).str.lower()
    true = text.isin(TRUE_WORDS).to_numpy(dtype=bool)
    false = text.isin(FALSE_WORDS).to_numpy(dtype=bool)
    empty = (text == "").to_numpy(dtype=bool)
    typed = pd.Series(np.where(empty, default, true), index=values.index, dtype=bool)
    return Parsed(typed, ~(true | false | empty), "BOOL", "expected 是/否, true/false, yes/no or 1/0")


def parse_int(values: pd.Series) -> Parsed:
    """Whole numbers >= 0; empty gives <NA>."""
    text = as_text(values)
    ok = text.str.fullmatch(r"[0-9]{1,9}").to_numpy(dtype=bool)
    empty = (text == "").to_numpy(dtype=bool)
    typed = pd.to_numeric(text.where(ok, None), errors="coerce").astype("Int64")
    return Parsed(typed, ~(ok | empty), "INT", "expected a whole number >= 0")


def parse_score(values: pd.Series) -> Parsed:
    """A risk score in [0, 1000]; empty gives NaN."""
    text = as_text(values)
    number = pd.to_numeric(text.mask(text == "", None), errors="coerce").astype("float64")
    ok = number.between(0.0, 1000.0).to_numpy(dtype=bool)
    bad = ~ok & (text != "").to_numpy(dtype=bool)
    return Parsed(number.where(ok), bad, "SCORE", "expected a number from 0 to 1000")


def _split(text: pd.Series) -> pd.Series:
    """';'-separated parts (also '；', '、' and ','), stripped, empties dropped, one per row."""
    parts = text.str.replace(r"[；、,，]", ";", regex=True).str.split(";").explode()
    return parts.astype("str").fillna("").str.strip()


def parse_number(values: pd.Series, default: float) -> Parsed:
    """A finite number >= 0; empty gives ``default``."""
    text = as_text(values)
    number = pd.to_numeric(text.mask(text == "", None), errors="coerce").astype("float64")
    ok = (number >= 0) & np.isfinite(number)
    bad = ~ok.to_numpy(dtype=bool) & (text != "").to_numpy(dtype=bool)
    return Parsed(number.where(ok, default), bad, "NUMBER", "expected a number >= 0")


def parse_list(values: pd.Series) -> Parsed:
    """A ';'-separated list kept in order (also '；', '、', ','), stripped, empties dropped, joined by ';'."""
    import pyarrow as pa  # columnar split and join: no Python call per row
    import pyarrow.compute as pc

    text = pa.array(as_text(values).to_numpy(dtype=object), pa.large_string())
    lists = pc.split_pattern(pc.replace_substring_regex(text, "[；、,，]", ";"), ";")
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    kept = np.asarray(pc.not_equal(parts, ""), dtype=bool)
    parents = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)[kept]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(parents, minlength=len(text)))])
    rows = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), parts.filter(pa.array(kept)))
    joined = pc.binary_join(rows, pa.scalar(";", pa.large_string())).to_numpy(zero_copy_only=False)
    return Parsed(pd.Series(joined, index=values.index, dtype="str"), np.zeros(len(values), dtype=bool))


_SCIENTIFIC = r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+|[0-9]+\.0+"


def excel_damage(text: pd.Series, *, digits: bool = False) -> Parsed:
    """Codes Excel turned into numbers: ``9.24206E+17`` or ``420606.0``.

    With ``digits``, also all-digit codes shorter than the length most of the column has (the
    leading zeros Excel drops), when at least 80% of at least five codes share one length.
    """
    bad = text.str.fullmatch(_SCIENTIFIC).fillna(False).to_numpy(dtype=bool)
    message = (
        "Excel turned this code into a number and lost digits; format the column as Text and export again"
    )
    if digits:
        numeric = text[text.str.fullmatch(r"[0-9]+").fillna(False)]
        lengths = numeric.str.len()
        if len(lengths) >= 5:
            usual = int(lengths.mode().iloc[0])
            if (lengths == usual).mean() >= 0.8:
                short = numeric.index[lengths < usual]
                bad |= text.index.isin(short)
                message += f" (the other codes have {usual} digits: leading zeros were dropped)"
    return Parsed(text, bad, "EXCEL_NUMBER", message)


def parse_tags(values: pd.Series) -> Parsed:
    """A ';'-separated list of tags, normalised to sorted unique tags joined by ';' (case kept)."""
    parts = _split(as_text(values))
    parts = parts[parts != ""]
    joined = parts.groupby(level=0).agg(lambda p: ";".join(sorted(set(p))))
    typed = pd.Series("", index=values.index, dtype="str")
    typed.loc[joined.index] = joined.astype("str")
    return Parsed(typed, np.zeros(len(values), dtype=bool))


def parse_date_list(values: pd.Series) -> Parsed:
    """A ';'-separated list of dates, normalised to sorted unique ISO dates joined by ';'."""
    parts = _split(as_text(values))
    parts = parts[parts != ""]
    dates = parse_dates(parts)
    bad_rows = np.unique(parts.index[dates.bad].to_numpy())
    bad = np.isin(np.arange(len(values)), bad_rows) if len(bad_rows) else np.zeros(len(values), dtype=bool)
    iso = dates.values[~dates.bad].dt.strftime("%Y-%m-%d")
    joined = iso.groupby(level=0).agg(lambda d: ";".join(sorted(set(d))))
    typed = pd.Series("", index=values.index, dtype="str")
    typed.loc[joined.index] = joined.astype("str")
    return Parsed(typed, bad, "DATE_LIST", "expected ';'-separated dates such as 2026-11-03;2026-11-04")
