"""The campaign ledger on SQLite and a real PostgreSQL server: chain, tampering, supersede rules,
concurrent writers."""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dualrandom.errors import LedgerConflictError, LedgerError, LedgerIntegrityError
from dualrandom.ledger import GENESIS_HASH, Ledger, LedgerHead, StoredRow, canonical_json, record_hash

pytest_plugins = ["pg"]

CAMPAIGN = "XY-2026-Q4"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A fresh ledger location on each backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "campaign.ledger")


@pytest.fixture
def ledger(url: str) -> Iterator[Ledger]:
    with Ledger.open(url) as opened:
        yield opened


class Raw:
    """Direct SQL on a ledger's store, the way a tamperer would do it (triggers dropped first)."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgresql://")
        if self.postgres:
            import psycopg

            self.connection: Any = psycopg.connect(url, autocommit=True)
        else:
            self.connection = sqlite3.connect(url, isolation_level=None)

    def execute(self, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
        if self.postgres:
            sql = sql.replace("?", "%s")
        cursor = self.connection.execute(sql, parameters)
        return list(cursor.fetchall()) if cursor.description else []

    def drop_guards(self) -> None:
        if self.postgres:
            self.execute("ALTER TABLE ledger_records DISABLE TRIGGER USER")
        else:
            self.execute("DROP TRIGGER ledger_records_no_update")
            self.execute("DROP TRIGGER ledger_records_no_delete")

    def row(self, seq: int) -> StoredRow:
        found = self.execute(
            "SELECT seq, campaign_id, kind, payload, supersedes, reason, prev_hash, hash, recorded_at "
            "FROM ledger_records WHERE seq = ?",
            seq,
        )
        return StoredRow(*found[0])

    def insert(self, row: StoredRow) -> None:
        self.execute("INSERT INTO ledger_records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", *row)

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def raw(url: str, ledger: Ledger) -> Iterator[Raw]:
    opened = Raw(url)
    yield opened
    opened.close()


def fill(ledger: Ledger, n: int = 5) -> None:
    """Append a plausible campaign: commitment, seed, draw, then results."""
    ledger.append(CAMPAIGN, "roster_commitment", {"roster_sha256": "ab" * 32, "entities": 1200})
    ledger.append(CAMPAIGN, "seed", {"seed": "31415926", "source": "骰子 (dice), witnessed"})
    ledger.append(CAMPAIGN, "draw", {"drawn": 36, "manifest_sha256": "cd" * 32})
    for index in range(n - 3):
        ledger.append(CAMPAIGN, "results", {"uscc": "91350100M000100Y43", "result": "未发现问题", "i": index})


def forge(**fields: Any) -> StoredRow:
    """A row with a correct hash of its own, as a forger with the recipe would make it."""
    return StoredRow(**{**fields, "payload": canonical_json(fields["payload"])}, hash=record_hash(**fields))


def integrity_row(ledger: Ledger, anchors: list[LedgerHead] | None = None) -> int | None:
    with pytest.raises(LedgerIntegrityError) as caught:
        ledger.ensure_intact(anchors or [])
    return caught.value.row


# --- the chain -----------------------------------------------------------------------------------


def test_records_chain_from_genesis(ledger: Ledger) -> None:
    fill(ledger, 6)
    records = ledger.records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    for record in records:
        assert record.hash == record_hash(
            **{k: v for k, v in record.to_dict().items() if k != "hash"}  # every field but the hash
        )
    assert ledger.ensure_intact() == ledger.head() == LedgerHead(6, records[-1].hash)
    assert records[1].payload == {"seed": "31415926", "source": "骰子 (dice), witnessed"}


def test_empty_ledger_verifies(ledger: Ledger) -> None:
    assert ledger.ensure_intact() == LedgerHead(0, GENESIS_HASH)
    assert ledger.records() == []


def test_filters_and_reopen(url: str, ledger: Ledger) -> None:
    fill(ledger, 5)
    ledger.append("OTHER", "draw", {"drawn": 1})
    assert [r.seq for r in ledger.records(kind="draw")] == [3, 6]
    assert [r.seq for r in ledger.records(campaign_id=CAMPAIGN, kind="results")] == [4, 5]
    with Ledger.open(url, create=False) as again:
        assert again.records() == ledger.records()
        assert again.append(CAMPAIGN, "publication", {"rows": 2}).seq == 7


def test_append_returns_what_is_stored(ledger: Ledger) -> None:
    record = ledger.append(CAMPAIGN, "seed", {"pair": (1, 2), "中": {"b": 1.5, "a": None}})
    assert ledger.records() == [record]
    assert record.payload == {"pair": [1, 2], "中": {"a": None, "b": 1.5}}


def test_clock_sets_recorded_at(url: str) -> None:
    moment = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    with Ledger.open(url, clock=lambda: moment) as ledger:
        record = ledger.append(CAMPAIGN, "seed", {"seed": "1"})
    assert record.recorded_at == "2026-11-22T08:00:00.000000Z"


# --- tampering -----------------------------------------------------------------------------------


def test_triggers_refuse_update_and_delete(raw: Raw, ledger: Ledger) -> None:
    fill(ledger)
    with pytest.raises(Exception, match="append-only"):
        raw.execute("UPDATE ledger_records SET reason = 'x' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        raw.execute("DELETE FROM ledger_records WHERE seq = 5")
    assert ledger.ensure_intact().seq == 5


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_one_changed_byte_in_a_payload_names_the_row(raw: Raw, ledger: Ledger, seq: int) -> None:
    fill(ledger, 5)
    raw.drop_guards()
    payload = raw.row(seq).payload
    position = next(i for i, c in enumerate(payload) if c.isdigit())
    edited = payload[:position] + str((int(payload[position]) + 1) % 10) + payload[position + 1 :]
    raw.execute("UPDATE ledger_records SET payload = ? WHERE seq = ?", edited, seq)
    assert integrity_row(ledger) == seq


def test_whitespace_in_a_payload_is_an_edit(raw: Raw, ledger: Ledger) -> None:
    fill(ledger)
    raw.drop_guards()
    raw.execute("UPDATE ledger_records SET payload = replace(payload, ':', ': ') WHERE seq = 2")
    with pytest.raises(LedgerIntegrityError, match="record 2 has a payload that is not canonical JSON"):
        ledger.ensure_intact()


def test_a_byte_that_breaks_utf8_names_the_row(tmp_path: Any) -> None:
    path = tmp_path / "campaign.ledger"
    with Ledger.open(path) as ledger:
        fill(ledger)
        raw = Raw(str(path))
        raw.drop_guards()
        raw.execute(
            """UPDATE ledger_records SET payload = CAST(x'7b2278223a2280227d' AS TEXT) WHERE seq = 2"""
        )
        raw.close()
        with pytest.raises(LedgerIntegrityError, match="record 2 holds bytes that are not UTF-8") as caught:
            ledger.ensure_intact()
    assert caught.value.row == 2


def test_edited_reason_and_kind_name_the_row(raw: Raw, ledger: Ledger) -> None:
    fill(ledger)
    raw.drop_guards()
    raw.execute("UPDATE ledger_records SET kind = 'seed' WHERE seq = 4")
    assert integrity_row(ledger) == 4


def test_deleted_row_is_named(raw: Raw, ledger: Ledger) -> None:
    fill(ledger, 6)
    raw.drop_guards()
    raw.execute("DELETE FROM ledger_records WHERE seq = 3")
    with pytest.raises(LedgerIntegrityError, match=r"record 3 is missing \(record 4 follows 2\)") as caught:
        ledger.ensure_intact()
    assert caught.value.row == 3


def test_deleted_last_row_is_caught_by_the_head(raw: Raw, ledger: Ledger) -> None:
    fill(ledger, 6)
    raw.drop_guards()
    raw.execute("DELETE FROM ledger_records WHERE seq = 6")
    with pytest.raises(LedgerIntegrityError, match="the ledger head names record 6") as caught:
        ledger.ensure_intact()
    assert caught.value.row == 6


def test_swapped_rows_are_named(raw: Raw, ledger: Ledger) -> None:
    fill(ledger, 6)
    raw.drop_guards()
    two, four = raw.row(2), raw.row(4)
    # Swap through a free seq: 2 -> 1000, 4 -> 2, 1000 -> 4 (what "reordering" means in a table).
    raw.execute("UPDATE ledger_records SET seq = 1000 WHERE seq = 2")
    raw.execute("UPDATE ledger_records SET seq = 2 WHERE seq = 4")
    raw.execute("UPDATE ledger_records SET seq = 4 WHERE seq = 1000")
    assert (raw.row(2).hash, raw.row(4).hash) == (four.hash, two.hash)
    with pytest.raises(LedgerIntegrityError, match="record 2 does not chain to record 1") as caught:
        ledger.ensure_intact()
    assert caught.value.row == 2


def test_inserted_row_is_named(raw: Raw, ledger: Ledger) -> None:
    """A forged record slipped in as record 3 (with a valid hash of its own) breaks record 4.

    UNIQUE(prev_hash) forbids two records chained to record 2, so the forger must also re-point
    the old record 3 (now 4) at the forgery, and that edit shows.
    """
    fill(ledger, 5)
    raw.drop_guards()
    for seq in (5, 4, 3):
        raw.execute("UPDATE ledger_records SET seq = ? WHERE seq = ?", seq + 1, seq)
    two = raw.row(2)
    forged = forge(seq=3, campaign_id=CAMPAIGN, kind="recusal", payload={"inspector_id": "I-7"},
                   supersedes=None, reason="forged", prev_hash=two.hash,
                   recorded_at=two.recorded_at)  # fmt: skip
    with pytest.raises(Exception, match=r"(?i)unique"):
        raw.insert(forged)
    raw.execute("UPDATE ledger_records SET prev_hash = ? WHERE seq = 4", forged.hash)
    raw.insert(forged)
    with pytest.raises(LedgerIntegrityError, match="record 4 does not match its hash") as caught:
        ledger.ensure_intact()
    assert caught.value.row == 4


def test_appended_behind_the_back_is_caught_by_the_head(raw: Raw, ledger: Ledger) -> None:
    fill(ledger, 4)
    last = raw.row(4)
    raw.insert(
        forge(seq=5, campaign_id=CAMPAIGN, kind="results", payload={}, supersedes=None, reason=None,
              prev_hash=last.hash, recorded_at=last.recorded_at)
    )  # fmt: skip
    assert integrity_row(ledger) == 5


def test_deleted_head_row_is_reported(raw: Raw, ledger: Ledger) -> None:
    fill(ledger)
    raw.execute("DELETE FROM ledger_head")
    with pytest.raises(LedgerIntegrityError, match="the ledger head row is missing"):
        ledger.ensure_intact()
    with pytest.raises(LedgerIntegrityError, match="the ledger head row is missing"):
        ledger.append(CAMPAIGN, "results", {})


def test_forged_second_draw_breaks_the_supersede_rule(raw: Raw, ledger: Ledger) -> None:
    """Even a forger who recomputes hashes and the head cannot hide an unsanctioned redraw."""
    fill(ledger, 4)
    last = raw.row(4)
    forged = forge(seq=5, campaign_id=CAMPAIGN, kind="draw", payload={"drawn": 35}, supersedes=None,
                   reason=None, prev_hash=last.hash, recorded_at=last.recorded_at)  # fmt: skip
    raw.insert(forged)
    raw.execute("UPDATE ledger_head SET seq = 5, hash = ? WHERE id = 1", forged.hash)
    with pytest.raises(LedgerIntegrityError, match="record 5 breaks the supersede rules") as caught:
        ledger.ensure_intact()
    assert caught.value.row == 5


def test_rewritten_chain_fails_against_a_published_anchor(raw: Raw, ledger: Ledger) -> None:
    fill(ledger, 5)
    anchor = ledger.head()
    raw.drop_guards()
    previous = GENESIS_HASH
    for seq in range(1, 6):  # rewrite record 2 and re-hash everything after it
        row = raw.row(seq)
        payload = json.loads(row.payload)
        if seq == 2:
            payload["seed"] = "27182818"
        fields = row._asdict() | {"payload": payload, "prev_hash": previous}
        del fields["hash"]
        previous = record_hash(**fields)
        text = canonical_json(payload)
        raw.execute("UPDATE ledger_records SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    text, fields["prev_hash"], previous, seq)  # fmt: skip
    raw.execute("UPDATE ledger_head SET hash = ? WHERE id = 1", previous)
    assert ledger.ensure_intact().seq == 5  # self-consistent ...
    assert integrity_row(ledger, [anchor]) == 5  # ... but not the ledger that was published


# --- supersede rules -----------------------------------------------------------------------------


def test_second_draw_is_refused_without_supersedes(ledger: Ledger) -> None:
    fill(ledger, 3)
    with pytest.raises(
        LedgerConflictError,
        match="campaign 'XY-2026-Q4' already has draw record 3; to replace it pass supersedes=3 and a reason",
    ):
        ledger.append(CAMPAIGN, "draw", {"drawn": 37})
    assert len(ledger.records(kind="draw")) == 1


@pytest.mark.parametrize("kind", ["roster_commitment", "seed", "draw", "assignment"])
def test_each_singular_step_needs_a_supersede(ledger: Ledger, kind: str) -> None:
    first = ledger.append(CAMPAIGN, kind, {"v": 1})
    with pytest.raises(LedgerConflictError):
        ledger.append(CAMPAIGN, kind, {"v": 2})
    second = ledger.append(CAMPAIGN, kind, {"v": 2}, supersedes=first.seq, reason="entity deregistered")
    assert [r.seq for r in ledger.records(kind=kind)] == [first.seq, second.seq]  # both stay visible
    assert ledger.current(CAMPAIGN, kind) == [second]
    ledger.append("ANOTHER", kind, {"v": 1})  # other campaigns are independent


def test_supersede_needs_a_reason_and_a_matching_record(ledger: Ledger) -> None:
    fill(ledger, 4)
    with pytest.raises(LedgerError, match="superseding record 3 needs a reason"):
        ledger.append(CAMPAIGN, "draw", {}, supersedes=3)
    with pytest.raises(LedgerError, match="record 2 is not an earlier draw of campaign 'XY-2026-Q4'"):
        ledger.append(CAMPAIGN, "draw", {}, supersedes=2, reason="x")
    with pytest.raises(LedgerError, match="record 3 is not an earlier draw of campaign 'OTHER'"):
        ledger.append("OTHER", "draw", {}, supersedes=3, reason="x")
    with pytest.raises(LedgerError, match="record 99 is not an earlier"):
        ledger.append(CAMPAIGN, "draw", {}, supersedes=99, reason="x")
    assert ledger.head().seq == 4


def test_superseded_record_cannot_be_superseded_again(ledger: Ledger) -> None:
    fill(ledger, 3)
    ledger.append(CAMPAIGN, "draw", {"n": 2}, supersedes=3, reason="recusal unsatisfiable")
    ledger.append(CAMPAIGN, "draw", {"n": 3}, supersedes=4, reason="roster corrected")
    superseded = "record 3 was already superseded by record 4; supersede record 5 instead"
    with pytest.raises(LedgerConflictError, match=superseded):
        ledger.append(CAMPAIGN, "draw", {"n": 4}, supersedes=3, reason="fork")
    assert [r.seq for r in ledger.current(CAMPAIGN, "draw")] == [5]
    assert ledger.ensure_intact().seq == 5


def test_repeatable_kinds_append_freely(ledger: Ledger) -> None:
    for kind in ("substitution", "recusal", "triggered_check", "results", "publication"):
        ledger.append(CAMPAIGN, kind, {"n": 1})
        ledger.append(CAMPAIGN, kind, {"n": 2}, reason="second batch")
    fixed = ledger.append(CAMPAIGN, "results", {"n": 3}, supersedes=8, reason="typo in result")
    assert fixed.supersedes == 8
    assert [r.seq for r in ledger.current(CAMPAIGN, "results")] == [7, 11]
    assert ledger.ensure_intact().seq == 11


def test_append_many_is_one_chain_and_all_or_nothing(ledger: Ledger) -> None:
    fill(ledger, 3)
    results = [{"uscc": f"U{i}", "result": "未发现问题"} for i in range(100)]
    records = ledger.append_many(CAMPAIGN, "results", results, reason="batch import")
    assert [r.seq for r in records] == list(range(4, 104))
    assert [r.payload for r in records] == results
    assert ledger.records()[3:] == records
    with pytest.raises(LedgerError, match="is nan"):
        ledger.append_many(CAMPAIGN, "results", [{"ok": 1}, {"bad": math.nan}])
    with pytest.raises(LedgerConflictError, match="already has assignment record"):
        ledger.append_many("NEW", "assignment", [{"team": 1}, {"team": 2}])
    assert ledger.head().seq == 103
    assert ledger.records(campaign_id="NEW") == []
    assert ledger.append_many(CAMPAIGN, "results", []) == []
    assert ledger.ensure_intact().seq == 103


# --- concurrent writers --------------------------------------------------------------------------


def _race_draw(url: str, campaign: str, barrier: Any, outcomes: Any) -> None:
    with Ledger.open(url, timeout=30) as ledger:
        barrier.wait()
        try:
            record = ledger.append(campaign, "draw", {"writer": multiprocessing.current_process().name})
            outcomes.put(("won", record.seq))
        except LedgerConflictError as error:
            outcomes.put(("conflict", str(error)))


def _append_many(url: str, writer: int, count: int, barrier: Any) -> None:
    with Ledger.open(url, timeout=60) as ledger:
        barrier.wait()
        for index in range(count):
            ledger.append(CAMPAIGN, "results", {"writer": writer, "index": index})


def test_of_two_concurrent_draws_exactly_one_wins(url: str, ledger: Ledger) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(3):
        campaign = f"RACE-{round_}"
        barrier, outcomes = context.Barrier(2), context.Queue()
        arguments = (url, campaign, barrier, outcomes)
        workers = [context.Process(target=_race_draw, args=arguments) for _ in range(2)]
        for worker in workers:
            worker.start()
        results = sorted(outcomes.get(timeout=60) for _ in workers)
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        assert [kind for kind, _ in results] == ["conflict", "won"]
        assert f"campaign '{campaign}' already has draw record" in str(results[0][1])
        assert len(ledger.records(campaign_id=campaign)) == 1
    assert ledger.ensure_intact().seq == 3


def test_concurrent_appends_serialise_into_one_chain(url: str, ledger: Ledger) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_append_many, args=(url, w, 25, barrier)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = ledger.records()
    assert [r.seq for r in records] == list(range(1, 51))
    assert sorted((r.payload["writer"], r.payload["index"]) for r in records) == [
        (w, i) for w in range(2) for i in range(25)
    ]
    assert ledger.ensure_intact().seq == 50


def _compare_and_append(url: str, seen: int, barrier: Any, outcomes: Any) -> None:
    with Ledger.open(url, timeout=30) as ledger:
        barrier.wait()
        try:
            outcomes.put(("won", ledger.append(CAMPAIGN, "results", {"n": 1}, after=seen).seq))
        except LedgerConflictError as error:
            outcomes.put(("conflict", str(error)))


def test_of_two_writers_from_the_same_head_exactly_one_wins(url: str, ledger: Ledger) -> None:
    """Compare-and-append (after=N): any record, not just a repeated step."""
    fill(ledger, 3)
    context = multiprocessing.get_context("fork")
    barrier, outcomes = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_compare_and_append, args=(url, 3, barrier, outcomes)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    results = sorted(outcomes.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert results == [
        ("conflict", "the ledger moved on: the last record is 4, not 3; re-read and retry"),
        ("won", 4),
    ]
    with pytest.raises(LedgerError, match="after must be the seq of the last record"):
        ledger.append(CAMPAIGN, "results", {}, after=-1)
    assert ledger.append_many(CAMPAIGN, "results", [{}, {}], after=4)[-1].seq == 6


def test_writer_waiting_past_the_timeout_gets_a_conflict(url: str, ledger: Ledger) -> None:
    fill(ledger, 3)
    with Ledger.open(url, timeout=0.2) as impatient, ledger.backend.writing() as holding:
        holding.head()  # takes the write lock (BEGIN IMMEDIATE / SELECT ... FOR UPDATE)
        with pytest.raises(LedgerConflictError, match="another writer holds"):
            impatient.append(CAMPAIGN, "results", {"late": True})
    assert ledger.append(CAMPAIGN, "results", {"late": False}).seq == 4


def test_stale_writer_hits_the_unique_constraints(ledger: Ledger) -> None:
    """A writer that computed its record from an old head cannot fork the chain."""
    fill(ledger, 3)
    two = ledger.records()[1]
    stale = forge(seq=3, campaign_id=CAMPAIGN, kind="results", payload={}, supersedes=None, reason=None,
                  prev_hash=two.hash, recorded_at=two.recorded_at)  # fmt: skip
    with (
        pytest.raises(LedgerConflictError, match="another writer already appended record 3"),
        ledger.backend.writing() as transaction,
    ):
        transaction.insert([stale])
    assert ledger.ensure_intact().seq == 3


# --- opening -------------------------------------------------------------------------------------


def test_open_without_create_needs_an_existing_ledger(tmp_path: Any) -> None:
    with pytest.raises(LedgerError, match="no ledger file at"):
        Ledger.open(tmp_path / "missing.ledger", create=False)
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(LedgerError, match="is not a dualrandom ledger"):
        Ledger.open(plain, create=False)
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some notes that are long enough" * 20)
    with pytest.raises(LedgerError, match="cannot open the ledger"):
        Ledger.open(text)


def test_sqlite_urls(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Ledger.open("sqlite:///relative.ledger") as ledger:
        ledger.append(CAMPAIGN, "seed", {})
    with Ledger.open(f"sqlite:///{tmp_path}/relative.ledger", create=False) as ledger:
        assert ledger.head().seq == 1
    with Ledger.open("sqlite://") as memory:
        assert memory.append(CAMPAIGN, "seed", {}).seq == 1
    with pytest.raises(LedgerError, match=r"unknown ledger URL scheme in 'mysql'"):
        Ledger.open("mysql://host/db")


@pytest.mark.postgres
def test_postgres_unreachable_is_a_ledger_error(postgres_server: str) -> None:
    with pytest.raises(LedgerError, match=r"cannot connect to postgresql://postgres:\*\*\*@127.0.0.1:1/x"):
        Ledger.open("postgresql://postgres:secret@127.0.0.1:1/x", timeout=1)
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger.open(f"{postgres_server}/postgres", create=False)


def _die_inside_a_transaction(url: str, inside: Any) -> None:
    with Ledger.open(url) as ledger, ledger.backend.writing() as transaction:
        head, rows = transaction.head(), []
        for seq in range(head.seq + 1, head.seq + 1001):
            rows.append(
                forge(
                    seq=seq,
                    campaign_id=CAMPAIGN,
                    kind="results",
                    payload={"n": seq},
                    supersedes=None,
                    reason=None,
                    prev_hash=head.hash,
                    recorded_at="2026-11-22T08:00:00Z",
                )
            )
            head = LedgerHead(seq, rows[-1].hash)
        transaction.insert(rows)
        inside.set()
        time.sleep(600)  # killed here, before COMMIT


def test_a_writer_killed_inside_its_transaction_leaves_the_ledger_whole(url: str, ledger: Ledger) -> None:
    """kill -9 after the inserts but before COMMIT: none of the batch remains and the lock is freed."""
    fill(ledger, 3)
    context = multiprocessing.get_context("fork")
    inside = context.Event()
    writer = context.Process(target=_die_inside_a_transaction, args=(url, inside))
    writer.start()
    assert inside.wait(timeout=60)
    writer.kill()
    writer.join(timeout=30)
    assert writer.exitcode == -signal.SIGKILL
    assert ledger.ensure_intact().seq == 3
    assert ledger.append(CAMPAIGN, "publication", {"after": "kill"}).seq == 4
    assert ledger.ensure_intact().seq == 4
