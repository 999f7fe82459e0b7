"""The embedded ledger store: one SQLite file (stdlib `sqlite3`).

Writers serialise on ``BEGIN IMMEDIATE`` (waiting up to ``timeout`` seconds for the lock);
``seq`` is the primary key and ``prev_hash`` and ``hash`` are UNIQUE, so a writer working from
a stale head cannot slip in. Triggers refuse UPDATE and DELETE on records. The file uses WAL
with ``synchronous=FULL``: a committed record survives a crash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import LedgerConflictError, LedgerError
from .backend import COLUMNS, FORMAT, head_from, read_last, read_steps
from .records import GENESIS_HASH, LedgerHead, StoredRow

__all__ = ["SqliteBackend"]

_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS ledger_records (
        seq INTEGER PRIMARY KEY CHECK (seq >= 1),
        campaign_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        supersedes INTEGER,
        reason TEXT,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_records_step ON ledger_records (campaign_id, kind)",
    """CREATE TABLE IF NOT EXISTS ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TRIGGER IF NOT EXISTS ledger_records_no_update BEFORE UPDATE ON ledger_records
    BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_records_no_delete BEFORE DELETE ON ledger_records
    BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END""",
    f"INSERT OR IGNORE INTO ledger_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')",
    f"INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('format', '{FORMAT}')",
)


class _Reader:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def head(self) -> LedgerHead:
        row = self._connection.execute("SELECT seq, hash FROM ledger_head WHERE id = 1").fetchone()
        return head_from(row)

    def rows(
        self, campaign_id: str | None = None, kind: str | None = None, *, seq: int | None = None
    ) -> Iterator[StoredRow]:
        where, parameters = _filters(campaign_id, kind, seq)
        cursor = self._connection.execute(
            f"SELECT {COLUMNS} FROM ledger_records{where} ORDER BY seq", parameters
        )
        for row in cursor:
            yield StoredRow(*row)

    def steps(self, campaign_id: str, kind: str) -> dict[int, tuple[int | None, bool]]:
        return read_steps(self._connection, "?", campaign_id, kind)

    def last(self) -> StoredRow | None:
        return read_last(self._connection)


class _Writer(_Reader):
    def insert(self, rows: Sequence[StoredRow]) -> None:
        if not rows:
            return
        row = rows[-1]
        try:
            self._connection.cursor().executemany(
                f"INSERT INTO ledger_records ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            self._connection.execute(
                "UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (row.seq, row.hash)
            )
        except sqlite3.IntegrityError as error:
            raise LedgerConflictError(
                f"another writer already appended record {rows[0].seq} "
                f"(or one chained to the same record): {error}"
            ) from error


class SqliteBackend:
    """A ledger in one SQLite file (or ``":memory:"``)."""

    def __init__(
        self, path: str | Path, *, create: bool = True, timeout: float = 10.0, read_only: bool = False
    ) -> None:
        self.path = str(path)
        self.description = f"SQLite ledger {self.path}"
        self.timeout = timeout
        self.read_only = read_only
        if self.path != ":memory:" and not create and not Path(self.path).is_file():
            raise LedgerError(f"no ledger file at {self.path}")
        target = Path(self.path).resolve().as_uri() + "?mode=ro" if read_only else self.path
        try:
            self._connection = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=read_only)
            self._connection.text_factory = _text  # a corrupted byte must reach verify, not crash the read
        except sqlite3.Error as error:
            raise LedgerError(f"cannot open the ledger file {self.path}: {error}") from error
        try:
            self._prepare(create)
        except BaseException:
            self._connection.close()
            raise

    def _prepare(self, create: bool) -> None:
        try:
            if not self.read_only:
                self._connection.execute("PRAGMA journal_mode = WAL")
                self._connection.execute("PRAGMA synchronous = FULL")
            tables = {
                name
                for (name,) in self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as error:
            raise self._error(error, "open") from error
        if "ledger_records" not in tables:
            if not create:
                raise LedgerError(f"{self.path} is not a dualrandom ledger (no ledger_records table)")
            with self.writing():
                for statement in _SCHEMA:
                    self._connection.execute(statement)
        try:
            found = self._connection.execute("SELECT value FROM ledger_meta WHERE key = 'format'").fetchone()
        except sqlite3.Error as error:
            raise self._error(error, "open") from error
        if found is None or found[0] != FORMAT:
            raise LedgerError(
                f"{self.path} has ledger format {found and found[0]!r}; this version reads {FORMAT!r}"
            )

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``: the one write transaction at a time."""
        if self.read_only:
            raise LedgerError(f"the ledger {self.path} was opened read-only")
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._error(error, "lock") from error
        try:
            yield _Writer(self._connection)
            self._connection.execute("COMMIT")
        except BaseException as failure:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            if isinstance(failure, sqlite3.Error):
                raise self._error(failure, "write") from failure
            raise

    @contextmanager
    def snapshot(self) -> Iterator[_Reader]:
        """A deferred read transaction: every read inside sees the same state."""
        try:
            self._connection.execute("BEGIN")
            yield _Reader(self._connection)
        except sqlite3.Error as error:
            raise self._error(error, "read") from error
        finally:
            if self._connection.in_transaction:
                self._connection.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def _error(self, error: sqlite3.Error, action: str) -> LedgerError:
        text = str(error)
        if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
            return LedgerConflictError(
                f"another writer holds the ledger {self.path} (waited {self.timeout:g} s to {action}): {text}"
            )
        return LedgerError(f"cannot {action} the ledger {self.path}: {text}")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _filters(campaign_id: str | None, kind: str | None, seq: int | None) -> tuple[str, tuple[object, ...]]:
    clauses: list[str] = []
    parameters: list[object] = []
    if seq is not None:
        clauses.append("seq = ?")
        parameters.append(seq)
    if campaign_id is not None:
        clauses.append("campaign_id = ?")
        parameters.append(campaign_id)
    if kind is not None:
        clauses.append("kind = ?")
        parameters.append(kind)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(parameters)
