"""The production ledger store: PostgreSQL through psycopg 3 (the ``postgres`` extra).

Writers serialise on ``SELECT … FROM ledger_head FOR UPDATE`` (waiting up to ``timeout``
seconds, then giving up); ``seq`` is the primary key and ``prev_hash`` and ``hash`` are UNIQUE,
so a writer that skips the lock still cannot fork the chain. A trigger refuses UPDATE, DELETE
and TRUNCATE on records. Payloads are stored as TEXT, not jsonb, to keep their exact bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import LedgerConflictError, LedgerError, MissingDependencyError
from .backend import COLUMNS, FORMAT, head_from, read_last, read_steps
from .records import GENESIS_HASH, LedgerHead, StoredRow

__all__ = ["PostgresBackend"]

_SCHEMA_LOCK = 0x6C65646765  # pg_advisory_xact_lock key: one schema creator at a time

_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS ledger_records (
        seq BIGINT PRIMARY KEY CHECK (seq >= 1),
        campaign_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        supersedes BIGINT,
        reason TEXT,
        prev_hash TEXT NOT NULL UNIQUE,
        hash TEXT NOT NULL UNIQUE,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_records_step ON ledger_records (campaign_id, kind)",
    """CREATE TABLE IF NOT EXISTS ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'ledger records are append-only'; END $$""",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_records_append_only'
                       AND tgrelid = 'ledger_records'::regclass) THEN
            CREATE TRIGGER ledger_records_append_only BEFORE UPDATE OR DELETE ON ledger_records
                FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_records_no_truncate'
                       AND tgrelid = 'ledger_records'::regclass) THEN
            CREATE TRIGGER ledger_records_no_truncate BEFORE TRUNCATE ON ledger_records
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
        END IF;
    END $$""",
    f"INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}') ON CONFLICT DO NOTHING",
    f"INSERT INTO ledger_meta (key, value) VALUES ('format', '{FORMAT}') ON CONFLICT DO NOTHING",
)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:
        raise MissingDependencyError(
            "a PostgreSQL ledger needs psycopg: pip install 'dualrandom[postgres]'"
        ) from error
    return psycopg


def _masked(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


class _Reader:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def head(self) -> LedgerHead:
        row = self._connection.execute("SELECT seq, hash FROM ledger_head WHERE id = 1").fetchone()
        return head_from(row)

    def rows(
        self, campaign_id: str | None = None, kind: str | None = None, *, seq: int | None = None
    ) -> Iterator[StoredRow]:
        filters = (("campaign_id = %s", campaign_id), ("kind = %s", kind), ("seq = %s", seq))
        clauses = [c for c, v in filters if v is not None]
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        parameters = tuple(v for _, v in filters if v is not None)
        cursor = self._connection.cursor(name="ledger_rows")  # server-side: streams, called in a transaction
        cursor.itersize = 10_000
        for row in cursor.execute(f"SELECT {COLUMNS} FROM ledger_records{where} ORDER BY seq", parameters):
            yield StoredRow(*row)

    def steps(self, campaign_id: str, kind: str) -> dict[int, tuple[int | None, bool]]:
        return read_steps(self._connection, "%s", campaign_id, kind)

    def last(self) -> StoredRow | None:
        return read_last(self._connection)


class _Writer(_Reader):
    def head(self) -> LedgerHead:
        # Row lock on the head: the PostgreSQL counterpart of SQLite's BEGIN IMMEDIATE.
        row = self._connection.execute("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE").fetchone()
        return head_from(row)

    def insert(self, rows: Sequence[StoredRow]) -> None:
        if not rows:
            return
        row = rows[-1]
        psycopg = _psycopg()
        try:
            self._connection.cursor().executemany(
                f"INSERT INTO ledger_records ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
            )
            self._connection.execute(
                "UPDATE ledger_head SET seq = %s, hash = %s WHERE id = 1", (row.seq, row.hash)
            )
        except psycopg.errors.UniqueViolation as error:
            raise LedgerConflictError(
                f"another writer already appended record {rows[0].seq} (or one chained to the same record): "
                f"{error.diag.message_primary}"
            ) from error


class PostgresBackend:
    """A ledger in a PostgreSQL database, opened from a ``postgresql://`` URL."""

    def __init__(
        self, url: str, *, create: bool = True, timeout: float = 10.0, read_only: bool = False
    ) -> None:
        self.psycopg = _psycopg()
        self.description = f"PostgreSQL ledger {_masked(url)}"
        self.timeout = timeout
        self.read_only = read_only
        try:
            self._connection = self.psycopg.connect(
                url, autocommit=True, connect_timeout=max(1, round(timeout))
            )
        except self.psycopg.Error as error:
            raise LedgerError(f"cannot connect to {_masked(url)}: {error}") from error
        try:
            self._connection.execute(f"SET lock_timeout = {max(1, round(timeout * 1000))}")
            if read_only:
                self._connection.execute("SET default_transaction_read_only = on")
            self._prepare(create)
        except BaseException:
            self._connection.close()
            raise

    def _prepare(self, create: bool) -> None:
        with self._translated("open"), self._connection.transaction():
            self._connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            exists = self._connection.execute("SELECT to_regclass('ledger_records')").fetchone()[0]
            if exists is None:
                if not create:
                    raise LedgerError(f"{self.description} does not exist (no ledger_records table)")
                for statement in _SCHEMA:
                    self._connection.execute(statement)
            found = self._connection.execute("SELECT value FROM ledger_meta WHERE key = 'format'").fetchone()
        if found is None or found[0] != FORMAT:
            raise LedgerError(
                f"{self.description} has ledger format {found and found[0]!r}; this version reads {FORMAT!r}"
            )

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """A transaction whose first read locks the head row until commit."""
        if self.read_only:
            raise LedgerError(f"{self.description} was opened read-only")
        with self._translated("write"), self._connection.transaction():
            yield _Writer(self._connection)

    @contextmanager
    def snapshot(self) -> Iterator[_Reader]:
        """A REPEATABLE READ, READ ONLY transaction."""
        with self._translated("read"), self._connection.transaction():
            self._connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _Reader(self._connection)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        errors = self.psycopg.errors
        try:
            yield
        except (errors.LockNotAvailable, errors.SerializationFailure, errors.DeadlockDetected) as error:
            raise LedgerConflictError(
                f"another writer holds {self.description} (waited {self.timeout:g} s to {action}): "
                f"{error.diag.message_primary}"
            ) from error
        except errors.UniqueViolation as error:
            raise LedgerConflictError(
                f"another writer appended first: {error.diag.message_primary}"
            ) from error
        except self.psycopg.Error as error:
            raise LedgerError(f"cannot {action} {self.description}: {error}") from error
