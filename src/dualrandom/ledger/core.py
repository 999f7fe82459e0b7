"""`Ledger`: the append-only, hash-chained record of every campaign step."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any

from ..errors import LedgerConflictError, LedgerError
from .backend import Backend
from .records import (
    SINGULAR_KINDS,
    LedgerHead,
    LedgerRecord,
    StoredRow,
    check_payload,
    hash_with_payload_text,
    utc_timestamp,
)
from .rules import StepHistory, check_request, check_supersede
from .verify import verify_rows

__all__ = ["Ledger", "open_backend"]

_POSTGRES = re.compile(r"^postgres(?:ql)?(?:\+psycopg)?://", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def open_backend(
    url_or_path: str | os.PathLike[str], *, create: bool = True, timeout: float = 10.0
) -> Backend:
    """Open the store a URL or path names.

    ``postgresql://…`` (or ``postgres://``) opens PostgreSQL; ``sqlite:///relative.db``,
    ``sqlite:////absolute.db``, ``sqlite://`` (in memory) and plain paths open SQLite.
    """
    if isinstance(url_or_path, os.PathLike):
        from .sqlite import SqliteBackend

        return SqliteBackend(os.fspath(url_or_path), create=create, timeout=timeout)
    text = str(url_or_path)
    if _POSTGRES.match(text):
        from .postgres import PostgresBackend

        return PostgresBackend(re.sub(r"^[^:]*://", "postgresql://", text), create=create, timeout=timeout)
    if text.lower().startswith("sqlite://"):
        from .sqlite import SqliteBackend

        path = text[len("sqlite://") :]
        path = path[1:] if path.startswith("/") else path
        return SqliteBackend(path or ":memory:", create=create, timeout=timeout)
    if _SCHEME.match(text):
        raise LedgerError(
            f"unknown ledger URL scheme in {text.split('://')[0]!r}://…; use postgresql:// or a path"
        )
    from .sqlite import SqliteBackend

    return SqliteBackend(text, create=create, timeout=timeout)


class Ledger:
    """An append-only, hash-chained ledger of campaign steps on SQLite or PostgreSQL.

    Open one with `Ledger.open`; use it as a context manager to close it.
    """

    def __init__(self, backend: Backend, *, clock: Callable[[], datetime] | None = None) -> None:
        self.backend = backend
        self._clock = clock

    @classmethod
    def open(
        cls,
        url_or_path: str | os.PathLike[str],
        *,
        create: bool = True,
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
    ) -> Ledger:
        """Open (and with ``create``, make) the ledger at a path or URL (see `open_backend`).

        ``timeout`` is how many seconds a writer waits for another writer's lock before it gets a
        `LedgerConflictError`. ``clock`` supplies ``recorded_at`` (default: the system clock).
        Raises `LedgerError` when the store cannot be opened or is not a ledger.
        """
        return cls(open_backend(url_or_path, create=create, timeout=timeout), clock=clock)

    def append(
        self,
        campaign_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        supersedes: int | None = None,
        reason: str | None = None,
        after: int | None = None,
    ) -> LedgerRecord:
        """Append one campaign step and return the stored record.

        A second roster_commitment, seed, draw or assignment of a campaign is refused with
        `LedgerConflictError` unless it passes ``supersedes=<seq of the current one>`` and a
        ``reason``; a record already superseded cannot be superseded again. When another writer
        holds the ledger longer than the timeout, or appended the same seq first, this raises
        `LedgerConflictError`; malformed arguments raise `LedgerError`.

        ``after=N`` appends only if record N is still the last one (compare-and-append): of
        several writers that read the same head, exactly one succeeds and the others get
        `LedgerConflictError`.
        """
        return self._append([(campaign_id, kind, payload, supersedes, reason)], after)[0]

    def append_many(
        self,
        campaign_id: str,
        kind: str,
        payloads: Iterable[dict[str, Any]],
        *,
        reason: str | None = None,
        after: int | None = None,
    ) -> list[LedgerRecord]:
        """Append many steps of one campaign and kind (e.g. one per imported result) at once.

        All or nothing, in one transaction; the rules of `append` apply to each record in turn.
        """
        return self._append([(campaign_id, kind, payload, None, reason) for payload in payloads], after)

    def _append(
        self, steps: list[tuple[str, str, dict[str, Any], int | None, str | None]], after: int | None
    ) -> list[LedgerRecord]:
        if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
            raise LedgerError(f"after must be the seq of the last record (0 when empty), got {after!r}")
        texts = []
        for campaign_id, kind, payload, supersedes, reason in steps:
            check_request(campaign_id, kind, supersedes, reason)
            texts.append(check_payload(payload))
        ruled = {(c, k) for c, k, _, supersedes, _ in steps if k in SINGULAR_KINDS or supersedes is not None}
        rows: list[StoredRow] = []
        with self.backend.writing() as transaction:
            head = transaction.head()
            if after is not None and after != head.seq:
                raise LedgerConflictError(
                    f"the ledger moved on: the last record is {head.seq}, not {after}; re-read and retry"
                )
            histories = {key: StepHistory.of(transaction.steps(*key)) for key in sorted(ruled)}
            for (campaign_id, kind, _, supersedes, reason), text in zip(steps, texts, strict=True):
                history = histories.get((campaign_id, kind))
                if history is not None:
                    check_supersede(campaign_id, kind, supersedes, reason, history)
                    history.add(head.seq + 1, supersedes)
                recorded_at = utc_timestamp(self._clock() if self._clock else None)
                digest = hash_with_payload_text(
                    seq=head.seq + 1,
                    campaign_id=campaign_id,
                    kind=kind,
                    payload_text=text,
                    supersedes=supersedes,
                    reason=reason,
                    prev_hash=head.hash,
                    recorded_at=recorded_at,
                )
                rows.append(
                    StoredRow(
                        head.seq + 1,
                        campaign_id,
                        kind,
                        text,
                        supersedes,
                        reason,
                        head.hash,
                        digest,
                        recorded_at,
                    )
                )
                head = LedgerHead(head.seq + 1, digest)
            transaction.insert(rows)
        return [LedgerRecord.from_row(row) for row in rows]

    def records(self, campaign_id: str | None = None, kind: str | None = None) -> list[LedgerRecord]:
        """Every record (superseded ones included) in seq order, optionally of one campaign/kind."""
        with self.backend.snapshot() as snapshot:
            return [LedgerRecord.from_row(row) for row in snapshot.rows(campaign_id, kind)]

    def current(self, campaign_id: str, kind: str) -> list[LedgerRecord]:
        """The records of a campaign and kind that no later record supersedes, in seq order."""
        found = self.records(campaign_id, kind)
        superseded = {record.supersedes for record in found}
        return [record for record in found if record.seq not in superseded]

    def head(self) -> LedgerHead:
        """The seq and hash of the last record (seq 0 and 64 zeros when empty): publish it as an anchor."""
        with self.backend.snapshot() as snapshot:
            return snapshot.head()

    def verify(self, anchors: Iterable[LedgerHead | tuple[int, str]] = ()) -> LedgerHead:
        """Check the whole chain and return its head.

        ``anchors`` are (seq, hash) pairs published earlier (e.g. in a publication bundle); a
        ledger rewritten from scratch still fails against them. Raises `LedgerIntegrityError`
        naming the first bad record (``row``) and listing every problem found.
        """
        pinned = [LedgerHead(int(seq), str(digest)) for seq, digest in anchors]
        with self.backend.snapshot() as snapshot:
            return verify_rows(snapshot.rows(), snapshot.head(), pinned)

    def close(self) -> None:
        """Close the connection."""
        self.backend.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Ledger {self.backend.description}>"
