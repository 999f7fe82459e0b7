"""The storage interface both ledger backends (SQLite, PostgreSQL) implement.

A backend stores `StoredRow`s and a one-row head (seq and hash of the last record). Writes run
in an exclusive transaction (`Backend.writing`); reads for verification run in one consistent
snapshot (`Backend.snapshot`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..errors import LedgerIntegrityError
from .records import WITHDRAWAL_PREFIX, LedgerHead, StoredRow

__all__ = [
    "COLUMNS",
    "FORMAT",
    "Backend",
    "Snapshot",
    "WriteTransaction",
    "head_from",
    "read_last",
    "read_steps",
]

FORMAT = "dualrandom-ledger/1"
"""Stored in the ``ledger_meta`` table; names the record and hash recipe of docs/ledger.md."""

COLUMNS = "seq, campaign_id, kind, payload, supersedes, reason, prev_hash, hash, recorded_at"
"""The record columns in `StoredRow` order."""


def read_steps(
    connection: Any, placeholder: str, campaign_id: str, kind: str
) -> dict[int, tuple[int | None, bool]]:
    """seq -> (supersedes, is a withdrawal) of a campaign's records of a kind, in either store.

    ``placeholder`` is the driver's parameter marker (``?`` for sqlite3, ``%s`` for psycopg).
    """
    mark = placeholder
    cursor = connection.execute(
        f"SELECT seq, supersedes, payload LIKE {mark} FROM ledger_records "
        f"WHERE campaign_id = {mark} AND kind = {mark} ORDER BY seq",
        (WITHDRAWAL_PREFIX + "%", campaign_id, kind),
    )
    return {int(seq): (None if old is None else int(old), bool(flag)) for seq, old, flag in cursor}


def read_last(connection: Any) -> StoredRow | None:
    """The record with the highest seq (None when the ledger is empty), in either store."""
    row = connection.execute(f"SELECT {COLUMNS} FROM ledger_records ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else StoredRow(*row)


def head_from(row: tuple[object, ...] | None) -> LedgerHead:
    """The head from its stored row; `LedgerIntegrityError` when the row was deleted."""
    if row is None:
        raise LedgerIntegrityError("the ledger head row is missing: the ledger_head table was edited")
    return LedgerHead(int(str(row[0])), str(row[1]))


class WriteTransaction(Protocol):
    """An exclusive write transaction: no other writer can append until it ends."""

    def head(self) -> LedgerHead:
        """The last record's seq and hash (seq 0 and 64 zeros when empty)."""
        ...

    def steps(self, campaign_id: str, kind: str) -> dict[int, tuple[int | None, bool]]:
        """seq -> (supersedes, is a withdrawal) of every record of ``campaign_id`` and ``kind``."""
        ...

    def last(self) -> StoredRow | None:
        """The record with the highest seq (None when empty)."""
        ...

    def insert(self, rows: Sequence[StoredRow]) -> None:
        """Insert records and move the head to the last; `LedgerConflictError` on a taken seq or hash."""
        ...


class Snapshot(Protocol):
    """One consistent view of the ledger for reading."""

    def head(self) -> LedgerHead:
        """The head as stored in ``ledger_head``."""
        ...

    def rows(
        self, campaign_id: str | None = None, kind: str | None = None, *, seq: int | None = None
    ) -> Iterator[StoredRow]:
        """Stored rows in seq order, optionally of one campaign and/or kind, or the one ``seq``."""
        ...


class Backend(Protocol):
    """A ledger store."""

    description: str

    def writing(self) -> AbstractContextManager[WriteTransaction]:
        """An exclusive write transaction, committed when the block ends without error."""
        ...

    def snapshot(self) -> AbstractContextManager[Snapshot]:
        """A read-only consistent snapshot."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...
