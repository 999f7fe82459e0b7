"""Check and convert the classification inputs: roster, credit records, inspection history.

Every bad cell of every table is collected first and reported in one `InputError`
(row numbers as a person sees them: header = row 1). Dates become int64 day numbers
(days since 1970-01-01) so the rest of the package works on plain numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..ids import normalize_ids
from .keys import EntityKeys, entity_keys, lookup, sort_order
from .policy import RECORD_KINDS

__all__ = ["NO_DATE", "Credit", "History", "Roster", "day_number", "prepare_inputs"]

NO_DATE = np.iinfo(np.int64).max
"""Day number standing for an empty optional date (an open end)."""

ROSTER_COLUMNS = ("uscc", "registered_on")
RECORD_COLUMNS = ("uscc", "kind", "start_on")
HISTORY_COLUMNS = ("uscc", "inspected_on")
_KINDS = tuple(RECORD_KINDS)


def day_number(value: date) -> int:
    """Days since 1970-01-01 of a date."""
    return int(np.datetime64(value, "D").astype(np.int64))


@dataclass(frozen=True)
class Roster:
    """The entity roster as arrays, sorted by ``uscc`` (so results do not depend on row order)."""

    uscc: pd.Series
    registered: np.ndarray
    industry: pd.Series | None
    keys: EntityKeys | None

    def _index(self) -> pd.Index:
        """The hash index of the roster's mixed keys, built once."""
        cached: pd.Index | None = self.__dict__.get("_mixed_index")
        if cached is None and self.keys is not None:
            cached = pd.Index(self.keys.mixed())
            object.__setattr__(self, "_mixed_index", cached)
        assert cached is not None
        return cached

    def positions(self, codes: pd.Series, keys: EntityKeys | None) -> np.ndarray:
        """Roster position of each code (-1 when the entity is not on the roster)."""
        found = None if self.keys is None or keys is None else lookup(self.keys, keys, self._index())
        if found is None:
            found = pd.Index(self.uscc).get_indexer(codes)
        return np.asarray(found, dtype=np.int64)


@dataclass(frozen=True)
class Credit:
    """Credit records as arrays: ``kind`` indexes `RECORD_KINDS`; open dates are `NO_DATE`."""

    uscc: pd.Series
    keys: EntityKeys | None
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray
    repaired: np.ndarray
    severity: np.ndarray


@dataclass(frozen=True)
class History:
    """Past inspections as arrays."""

    uscc: pd.Series
    keys: EntityKeys | None
    inspected: np.ndarray


def _missing_columns(frame: pd.DataFrame, needed: tuple[str, ...], source: str) -> list[Problem]:
    return [
        Problem(source, None, column, None, "COLUMN_MISSING", f"required column {column!r} is missing")
        for column in needed
        if column not in frame.columns
    ]


def _rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def _dates(
    frame: pd.DataFrame, column: str, source: str, problems: list[Problem], *, required: bool
) -> np.ndarray:
    """Parse a date column into day numbers; empty cells become `NO_DATE` (or a problem)."""
    if column not in frame.columns:
        return np.full(len(frame), NO_DATE, dtype=np.int64)
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw
        empty = raw.isna().to_numpy(dtype=bool)
        bad = np.zeros(len(raw), dtype=bool)
    else:
        text = raw.astype("string").str.strip()
        empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
        parsed = pd.to_datetime(
            text.where(~pd.Series(empty, index=text.index)), format="ISO8601", errors="coerce"
        )
        bad = parsed.isna().to_numpy(dtype=bool) & ~empty
    days = np.full(len(raw), NO_DATE, dtype=np.int64)
    ok = ~empty & ~bad
    if ok.any():
        days[ok] = parsed[ok].to_numpy(dtype="datetime64[D]").astype(np.int64)
    for row in _rows(bad):
        problems.append(
            Problem(source, int(row) + 2, column, str(raw.iloc[row]), "DATE", "not a date (use YYYY-MM-DD)")
        )
    if required:
        for row in _rows(empty):
            problems.append(Problem(source, int(row) + 2, column, "", "REQUIRED", "a date is required"))
    return days


def _clean_text(column: pd.Series, *, upper: bool) -> pd.Series:
    """Trimmed (optionally upper-cased) text, missing as ""; the work is done once per distinct value."""
    codes, uniques = pd.factorize(column.reset_index(drop=True), use_na_sentinel=True)
    cleaned = [str(u).strip().upper() if upper else str(u).strip() for u in uniques] + [""]
    merged, distinct = pd.factorize(pd.Series(cleaned, dtype=object))
    labels = pd.CategoricalDtype([str(d) for d in distinct])
    return pd.Series(
        pd.Categorical.from_codes(merged[np.where(codes < 0, len(uniques), codes)], dtype=labels)
    )


def _codes(frame: pd.DataFrame, source: str, problems: list[Problem]) -> pd.Series:
    codes = normalize_ids(frame["uscc"].reset_index(drop=True))
    for row in _rows((codes == "").to_numpy(dtype=bool)):
        problems.append(Problem(source, int(row) + 2, "uscc", "", "REQUIRED", "the entity code is empty"))
    return codes


def _roster(frame: pd.DataFrame, source: str, need_industry: bool, problems: list[Problem]) -> Roster | None:
    needed = (*ROSTER_COLUMNS, "industry") if need_industry else ROSTER_COLUMNS
    missing = _missing_columns(frame, needed, source)
    if missing:
        problems.extend(missing)
        return None
    codes = _codes(frame, source, problems)
    keys = entity_keys(codes)
    if keys is None:
        order = np.argsort(codes.to_numpy(dtype=object), kind="stable")
        repeated = bool(codes.duplicated().any())
    else:
        order = sort_order(keys)
        hi, lo = keys.hi[order], keys.lo[order]
        repeated = bool(((hi[1:] == hi[:-1]) & (lo[1:] == lo[:-1])).any())
        keys = EntityKeys(hi, lo)
    if repeated:
        duplicated = codes.duplicated(keep="first").to_numpy(dtype=bool) & (codes != "").to_numpy(dtype=bool)
        for row in _rows(duplicated):
            problems.append(
                Problem(
                    source,
                    int(row) + 2,
                    "uscc",
                    str(codes.iloc[row]),
                    "DUPLICATE",
                    "the entity appears twice",
                )
            )
    registered = _dates(frame, "registered_on", source, problems, required=True)[order]
    industry = None
    if need_industry:
        cleaned = _clean_text(frame["industry"], upper=True).cat
        labels = pd.CategoricalDtype(cleaned.categories)
        industry = pd.Series(pd.Categorical.from_codes(cleaned.codes.to_numpy()[order], dtype=labels))
    return Roster(codes.take(order).reset_index(drop=True), registered, industry, keys)


def _credit(
    frame: pd.DataFrame, source: str, problems: list[Problem], kinds: tuple[str, ...] = _KINDS
) -> Credit | None:
    missing = _missing_columns(frame, RECORD_COLUMNS, source)
    if missing:
        problems.extend(missing)
        return None
    codes = _codes(frame, source, problems)
    kinds_text = _clean_text(frame["kind"], upper=False)
    known = np.array(
        [kinds.index(c) if c in kinds else -1 for c in kinds_text.cat.categories], dtype=np.int64
    )
    kind = known[kinds_text.cat.codes.to_numpy()]
    for row in _rows(kind < 0):
        problems.append(
            Problem(
                source,
                int(row) + 2,
                "kind",
                str(kinds_text.iloc[row]),
                "RECORD_KIND",
                f"unknown record kind; allowed: {', '.join(kinds)}",
            )
        )
    start = _dates(frame, "start_on", source, problems, required=True)
    end = _dates(frame, "end_on", source, problems, required=False)
    repaired = _dates(frame, "repaired_on", source, problems, required=False)
    for column, values in (("end_on", end), ("repaired_on", repaired)):
        for row in _rows((values != NO_DATE) & (start != NO_DATE) & (values < start)):
            problems.append(
                Problem(
                    source,
                    int(row) + 2,
                    column,
                    str(frame[column].iloc[row]),
                    "DATE_ORDER",
                    "this date is before start_on",
                )
            )
    severity = np.ones(len(frame), dtype=np.float64)
    if "severity" in frame.columns:
        raw = frame["severity"].reset_index(drop=True)
        blank = raw.isna()
        if not pd.api.types.is_numeric_dtype(raw.dtype):
            blank |= raw.astype("string").str.strip() == ""
        number = pd.to_numeric(raw.where(~blank), errors="coerce")
        bad = (number.isna() & ~blank) | (number < 0) | ~np.isfinite(number.fillna(1.0))
        for row in _rows(bad.to_numpy(dtype=bool)):
            problems.append(
                Problem(
                    source,
                    int(row) + 2,
                    "severity",
                    str(raw.iloc[row]),
                    "SEVERITY",
                    "severity is a number >= 0 (empty = 1)",
                )
            )
        severity = number.fillna(1.0).to_numpy(dtype=np.float64)
    return Credit(codes, entity_keys(codes), kind, start, end, repaired, severity)


def _history(frame: pd.DataFrame, source: str, problems: list[Problem]) -> History | None:
    missing = _missing_columns(frame, HISTORY_COLUMNS, source)
    if missing:
        problems.extend(missing)
        return None
    codes = _codes(frame, source, problems)
    return History(codes, entity_keys(codes), _dates(frame, "inspected_on", source, problems, required=True))


def prepare_inputs(
    roster: pd.DataFrame,
    records: pd.DataFrame | None,
    history: pd.DataFrame | None,
    *,
    need_industry: bool,
    sources: tuple[str, str, str] = ("roster", "records", "history"),
    kinds: tuple[str, ...] = _KINDS,
) -> tuple[Roster, Credit | None, History | None]:
    """Check all three tables; raise one `InputError` listing every problem found.

    ``kinds`` are the record kinds allowed (a policy's `ClassificationPolicy.kinds`); a
    record's ``kind`` becomes its position in them.
    """
    problems: list[Problem] = []
    checked_roster = _roster(roster, sources[0], need_industry, problems)
    credit = None if records is None else _credit(records, sources[1], problems, kinds)
    past = None if history is None else _history(history, sources[2], problems)
    if problems or checked_roster is None:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the classification inputs")
    return checked_roster, credit, past
