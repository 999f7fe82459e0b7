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
from ..ids import validate_ids
from ..schema import validate
from .keys import EntityKeys, entity_keys, lookup, sort_order
from .policy import RECORD_KINDS

__all__ = ["NO_DATE", "Credit", "History", "Roster", "day_number", "prepare_inputs"]

NO_DATE = np.iinfo(np.int64).max
"""Day number standing for an empty optional date (an open end)."""

NEEDED_ROSTER_COLUMNS = ("uscc", "registered_on")
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


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers of a typed date column; empty dates become `NO_DATE`."""
    days = values.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(values.isna().to_numpy(dtype=bool), NO_DATE, days)


def _roster(frame: pd.DataFrame, source: str, need_industry: bool, problems: list[Problem]) -> Roster | None:
    needed = (*NEEDED_ROSTER_COLUMNS, "industry") if need_industry else NEEDED_ROSTER_COLUMNS
    checked = validate(frame, "entities", source=source, needs=needed, any_code=True)
    errors = [p for p in checked.errors if p.rule != "NO_ROWS"]
    problems.extend(errors)
    if errors:
        return None
    typed = checked.frame
    codes = typed["uscc"].astype(object)
    keys = entity_keys(codes)
    if keys is None:
        order = np.argsort(codes.to_numpy(dtype=object), kind="stable")
    else:
        order = sort_order(keys)
        keys = EntityKeys(keys.hi[order], keys.lo[order])
    registered = _days(typed["registered_on"])[order]
    industry = None
    if need_industry:
        labels = pd.Categorical(typed["industry"].astype(object))
        industry = pd.Series(pd.Categorical.from_codes(labels.codes[order], dtype=labels.dtype))
    return Roster(codes.take(order).reset_index(drop=True), registered, industry, keys)


def _credit(
    frame: pd.DataFrame, source: str, problems: list[Problem], any_code: bool, kinds: tuple[str, ...] = _KINDS
) -> Credit | None:
    allowed = {"kind": kinds}
    checked = validate(frame, "records", source=source, lenient=True, any_code=any_code, choices=allowed)
    problems.extend(p for p in checked.problems if p.severity == "error")
    if checked.errors:
        return None
    typed = checked.frame
    codes = typed["uscc"].astype(object)
    kind = pd.Categorical(typed["kind"].astype(object), categories=list(kinds)).codes.astype(np.int64)
    return Credit(
        codes, entity_keys(codes), kind, _days(typed["start_on"]), _days(typed["end_on"]),
        _days(typed["repaired_on"]), typed["severity"].to_numpy(dtype=np.float64),
    )  # fmt: skip


def _history(frame: pd.DataFrame, source: str, problems: list[Problem], any_code: bool) -> History | None:
    checked = validate(frame, "history", source=source, lenient=True, any_code=any_code)
    problems.extend(p for p in checked.problems if p.severity == "error")
    if checked.errors:
        return None
    codes = checked.frame["uscc"].astype(object)
    return History(codes, entity_keys(codes), _days(checked.frame["inspected_on"]))


def prepare_inputs(
    roster: pd.DataFrame,
    records: pd.DataFrame | None,
    history: pd.DataFrame | None,
    *,
    need_industry: bool,
    sources: tuple[str, str, str] = ("roster", "records", "history"),
    kinds: tuple[str, ...] = _KINDS,
) -> tuple[Roster, Credit | None, History | None]:
    """Check all three tables through `dualrandom.schema`; raise one `InputError` listing every problem.

    The roster's codes may be arbitrary identifiers (they are only hashed and matched); the
    records' and history's codes are then checked the same way, else as GB 32100 codes (a
    malformed code is an error, never a record silently matched to no entity). An empty roster
    is accepted here (the Dask engine checks records and history alone). ``kinds`` are the
    record kinds allowed (a policy's `ClassificationPolicy.kinds`); a record's ``kind`` becomes
    its position in them.
    """
    problems: list[Problem] = []
    checked_roster = _roster(roster, sources[0], need_industry, problems)
    codes = checked_roster.uscc if checked_roster is not None else pd.Series([], dtype=object)
    any_code = not bool(validate_ids(codes, lenient=True).ok.all())
    credit = None if records is None else _credit(records, sources[1], problems, any_code, kinds)
    past = None if history is None else _history(history, sources[2], problems, any_code)
    if problems or checked_roster is None:
        raise InputError(problems, summary=f"{len(problems)} problem(s) in the classification inputs")
    return checked_roster, credit, past
