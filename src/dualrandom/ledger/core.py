"""`Ledger`: the append-only, hash-chained record of every campaign step."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import LedgerConflictError, LedgerError, LedgerIntegrityError
from .backend import Backend, WriteTransaction
from .records import (
    GENESIS_HASH,
    SINGULAR_KINDS,
    WITHDRAWAL_PREFIX,
    LedgerHead,
    LedgerRecord,
    Step,
    StoredRow,
    check_payload,
    hash_with_payload_text,
    is_withdrawal,
    utc_timestamp,
)
from .rules import StepHistory, check_request, check_supersede
from .verify import content_problem, ensure_rows, verify_rows

if TYPE_CHECKING:
    from ..verification import Verification

__all__ = ["Ledger", "open_backend"]

_POSTGRES = re.compile(r"^postgres(?:ql)?(?:\+psycopg)?://", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def open_backend(
    url_or_path: str | os.PathLike[str],
    *,
    create: bool = True,
    timeout: float = 10.0,
    read_only: bool = False,
) -> Backend:
    """Open the store a URL or path names.

    ``postgresql://…`` (or ``postgres://``) opens PostgreSQL; ``sqlite:///relative.db``,
    ``sqlite:////absolute.db``, ``sqlite://`` (in memory) and plain paths open SQLite.
    ``read_only`` opens an existing ledger so that no statement can change it.
    Raises `LedgerError` for an unknown scheme or a store that cannot be opened.
    """
    text = os.fspath(url_or_path)
    options: dict[str, Any] = {"create": create and not read_only, "timeout": timeout, "read_only": read_only}
    if not isinstance(url_or_path, os.PathLike) and _POSTGRES.match(text):
        from .postgres import PostgresBackend

        return PostgresBackend(re.sub(r"^[^:]*://", "postgresql://", text), **options)
    from .sqlite import SqliteBackend

    if not isinstance(url_or_path, os.PathLike) and text.lower().startswith("sqlite://"):
        path = text[len("sqlite://") :]
        path = path[1:] if path.startswith("/") else path
        return SqliteBackend(path or ":memory:", **options)
    if not isinstance(url_or_path, os.PathLike) and _SCHEME.match(text):
        raise LedgerError(
            f"unknown ledger URL scheme in {text.split('://')[0]!r}://…; use postgresql:// or a path"
        )
    return SqliteBackend(text, **options)


class Ledger:
    """An append-only, hash-chained ledger of campaign steps on SQLite or PostgreSQL.

    Open one with `Ledger.open`; use it as a context manager to close it.
    """

    def __init__(
        self, backend: Backend, *, clock: Callable[[], datetime] | None = None, url: str = ""
    ) -> None:
        self.backend = backend
        self.url = url or backend.description
        self._clock = clock

    @classmethod
    def open(
        cls,
        url_or_path: str | os.PathLike[str],
        *,
        create: bool = True,
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
        read_only: bool = False,
    ) -> Ledger:
        """Open (and with ``create``, make) the ledger at a path or URL (see `open_backend`).

        ``timeout`` is how many seconds a writer waits for another writer's lock before it gets a
        `LedgerConflictError`. ``clock`` supplies ``recorded_at`` (default: the system clock).
        ``read_only`` opens an existing ledger for reading only (``verify``, ``show``).
        Raises `LedgerError` when the store cannot be opened or is not a ledger.
        """
        backend = open_backend(url_or_path, create=create, timeout=timeout, read_only=read_only)
        return cls(backend, clock=clock, url=os.fspath(url_or_path))

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
        return self._append([Step(campaign_id, kind, payload, supersedes, reason)], after)[0]

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
        return self._append([Step(campaign_id, kind, payload, None, reason) for payload in payloads], after)

    def append_steps(self, steps: Iterable[Step], *, after: int | None = None) -> list[LedgerRecord]:
        """Append several steps, of any campaigns and kinds, in one transaction (all or nothing).

        The rules of `append` apply to each step in turn (a seed and its draw are recorded
        together this way, so a failed draw never leaves its seed behind).
        """
        return self._append(list(steps), after)

    def supersede(self, seq: int, reason: str, *, after: int | None = None) -> LedgerRecord:
        """Withdraw record ``seq`` with a reason: the step it recorded may be taken again.

        Appends a record of the same campaign and kind whose payload is ``{"withdrawn": seq}``;
        both stay in the ledger. Raises `LedgerError` when ``seq`` is not a record or the reason
        is empty, and `LedgerConflictError` when it was already superseded or withdrawn.
        """
        found = self.record(seq)
        if found is None:
            raise LedgerError(f"the ledger has no record {seq}")
        if is_withdrawal(found.payload):
            raise LedgerConflictError(f"record {seq} is itself a withdrawal (of record {found.supersedes})")
        step = Step(found.campaign_id, found.kind, {"withdrawn": seq}, seq, reason)
        return self._append([step], after)[0]

    def record(self, seq: int) -> LedgerRecord | None:
        """The record with this seq, or None."""
        with self.backend.snapshot() as snapshot:
            for row in snapshot.rows(seq=seq):
                return LedgerRecord.from_row(row)
        return None

    def _append(self, steps: list[Step], after: int | None) -> list[LedgerRecord]:
        if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
            raise LedgerError(f"after must be the seq of the last record (0 when empty), got {after!r}")
        texts = []
        for campaign_id, kind, payload, supersedes, reason in steps:
            check_request(campaign_id, kind, supersedes, reason)
            texts.append(check_payload(payload))
            if texts[-1].startswith(WITHDRAWAL_PREFIX) and payload != {"withdrawn": supersedes}:
                raise LedgerError('a payload {"withdrawn": N} must supersede record N and hold nothing else')
        ruled = {(c, k) for c, k, _, supersedes, _ in steps if k in SINGULAR_KINDS or supersedes is not None}
        rows: list[StoredRow] = []
        with self.backend.writing() as transaction:
            head = _checked_head(transaction)
            if after is not None and after != head.seq:
                raise LedgerConflictError(
                    f"the ledger moved on: the last record is {head.seq}, not {after}; re-read and retry"
                )
            histories = {key: StepHistory.of(transaction.steps(*key)) for key in sorted(ruled)}
            for (campaign_id, kind, payload, supersedes, reason), text in zip(steps, texts, strict=True):
                history = histories.get((campaign_id, kind))
                if history is not None:
                    check_supersede(campaign_id, kind, supersedes, reason, history)
                    history.add(head.seq + 1, supersedes, is_withdrawal(payload))
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
        """The records of a campaign and kind that no later record supersedes, in seq order.

        Withdrawals (`supersede`) are never current: they leave their step untaken.
        """
        found = self.records(campaign_id, kind)
        superseded = {record.supersedes for record in found}
        return [r for r in found if r.seq not in superseded and not is_withdrawal(r.payload)]

    def head(self) -> LedgerHead:
        """The seq and hash of the last record (seq 0 and 64 zeros when empty): publish it as an anchor."""
        with self.backend.snapshot() as snapshot:
            return snapshot.head()

    def verify(self, anchors: Iterable[LedgerHead | tuple[int, str]] = ()) -> Verification:
        """Check the whole chain; every ``ledger.*`` difference found (none when it is intact).

        ``anchors`` are (seq, hash) pairs published earlier (e.g. in a publication bundle); a
        ledger rewritten from scratch still fails against them. `ensure_intact` raises instead.
        """
        pinned = [LedgerHead(int(seq), str(digest)) for seq, digest in anchors]
        with self.backend.snapshot() as snapshot:
            return verify_rows(snapshot.rows(), snapshot.head(), pinned)

    def ensure_intact(self, anchors: Iterable[LedgerHead | tuple[int, str]] = ()) -> LedgerHead:
        """Check the whole chain (as `verify`) and return its head.

        Raises `LedgerIntegrityError` naming the first bad record (``row``) and carrying every
        difference found.
        """
        pinned = [LedgerHead(int(seq), str(digest)) for seq, digest in anchors]
        with self.backend.snapshot() as snapshot:
            return ensure_rows(snapshot.rows(), snapshot.head(), pinned)

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


def _checked_head(transaction: WriteTransaction) -> LedgerHead:
    """The head an append extends, after checking that it is the intact last record.

    Raises `LedgerIntegrityError` when the last record was edited or the head row disagrees
    with it, so a tampered ledger is never silently extended (``ledger verify`` names the rest).
    """
    head = transaction.head()
    last = transaction.last()
    found = LedgerHead(0, GENESIS_HASH) if last is None else LedgerHead(last.seq, last.hash)
    if found != head:
        raise LedgerIntegrityError(
            f"the ledger head names record {head.seq} but the last record is {found.seq}: records were "
            "deleted or added behind the ledger's back; run `dualrandom ledger verify` and append nothing",
            row=min(head.seq, found.seq) + 1,
        )
    problem = content_problem(last) if last is not None else None
    if last is not None and problem is not None:
        raise LedgerIntegrityError(
            f"record {last.seq} {problem}; run `dualrandom ledger verify` and append nothing", row=last.seq
        )
    return head
