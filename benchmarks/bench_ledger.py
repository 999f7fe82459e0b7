"""Ledger speed: appends per second and verify time, next to plain inserts without hashing.

Run: ``python benchmarks/bench_ledger.py [--records 100000] [--durable 2000] [--postgres URL]``.

For each backend (SQLite file; PostgreSQL when a URL is given or a local server can be started
from /usr/lib/postgresql/*/bin, with fsync on) it measures, in the same run:

* durable appends/s: one `Ledger.append` per transaction, against one plain INSERT + COMMIT per
  row into the same columns (no hashing, no chain, same durability settings);
* bulk appends/s: `Ledger.append_many` in batches of 10,000, against ``executemany`` batches;
* verify time for all records, against reading the same rows with a plain SELECT.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from dualrandom.ledger import Ledger

BATCH = 10_000
PLAIN_TABLE = (
    "CREATE TABLE plain (seq BIGINT PRIMARY KEY, campaign_id TEXT, kind TEXT, payload TEXT, "
    "supersedes BIGINT, reason TEXT, recorded_at TEXT)"
)


def payload(index: int) -> dict[str, Any]:
    """A results record as the publication step would append it."""
    return {
        "uscc": f"913501{index:012d}",
        "task_id": "T2",
        "department": "FOOD",
        "completed_on": "2026-11-20",
        "result": ["发现问题经责令已改正", "未发现问题"][index % 2],
    }


def plain_row(index: int) -> tuple[Any, ...]:
    return (
        index + 1,
        "XY-2026-Q4",
        "results",
        json.dumps(payload(index)),
        None,
        None,
        "2026-11-22T08:00:00Z",
    )


CPU: dict[str, float] = {}


def timed(action: Callable[[], object], cpu_key: str | None = None) -> float:
    """Wall seconds of ``action``; with ``cpu_key``, also keep this process's CPU seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    if cpu_key:
        CPU[cpu_key] = time.process_time() - cpu
    return time.perf_counter() - start


class Plain:
    """The baseline a user would otherwise write: plain rows, no hash, same connection settings."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgresql://")
        if self.postgres:
            import psycopg

            self.connection: Any = psycopg.connect(url)
            self.connection.execute("DROP TABLE IF EXISTS plain")
            self.connection.execute(PLAIN_TABLE)
            self.connection.commit()
            self.insert = "INSERT INTO plain VALUES (%s, %s, %s, %s, %s, %s, %s)"
        else:
            self.connection = sqlite3.connect(url)
            self.connection.execute("PRAGMA journal_mode = WAL")
            self.connection.execute("PRAGMA synchronous = FULL")
            self.connection.execute(PLAIN_TABLE)
            self.insert = "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?)"

    def one_per_commit(self, start: int, count: int) -> None:
        for index in range(start, start + count):
            self.connection.cursor().execute(self.insert, plain_row(index))
            self.connection.commit()

    def batches(self, start: int, count: int) -> None:
        for first in range(start, start + count, BATCH):
            rows = [plain_row(i) for i in range(first, min(first + BATCH, start + count))]
            self.connection.cursor().executemany(self.insert, rows)
            self.connection.commit()

    def read_all(self) -> int:
        cursor = self.connection.cursor()
        cursor.execute("SELECT * FROM plain ORDER BY seq")
        count = len(cursor.fetchall())
        self.connection.commit()
        return count


def measure(name: str, ledger_url: str, plain_url: str, records: int, durable: int) -> None:
    durable = min(durable, records)
    with Ledger.open(ledger_url) as ledger:
        plain = Plain(plain_url)
        ledger_one = timed(
            lambda: [ledger.append("XY-2026-Q4", "results", payload(i)) for i in range(durable)]
        )
        plain_one = timed(lambda: plain.one_per_commit(0, durable))

        def bulk() -> None:
            for first in range(durable, records, BATCH):
                chunk = (payload(i) for i in range(first, min(first + BATCH, records)))
                ledger.append_many("XY-2026-Q4", "results", chunk)

        ledger_bulk = timed(bulk, "bulk")
        plain_bulk = timed(lambda: plain.batches(durable, records - durable))
        verify = timed(ledger.verify, "verify")
        read = timed(plain.read_all)
        assert ledger.head().seq == records
        plain.connection.close()
    bulk_n = records - durable
    print(f"\n{name}: {records:,} records")
    line("durable appends/s", durable / ledger_one, "plain INSERT+COMMIT/s", durable / plain_one)
    if bulk_n:
        line("bulk appends/s", bulk_n / ledger_bulk, "plain executemany/s", bulk_n / plain_bulk)
    line(f"verify {records:,} (s)", verify, "plain SELECT (s)", read, seconds=True)
    per_bulk, per_verify = CPU["bulk"] / max(bulk_n, 1) * 1e6, CPU["verify"] / records * 1e6
    print(f"  client CPU per record: bulk append {per_bulk:.0f} µs, verify {per_verify:.0f} µs")


def line(label: str, ours: float, baseline_label: str, baseline: float, *, seconds: bool = False) -> None:
    ratio = baseline / ours if seconds else ours / baseline
    style = "10.2f" if seconds else "10,.0f"
    print(f"  {label:<24}{ours:{style}}   {baseline_label:<22}{baseline:{style}}   ratio {ratio:5.2f}")


@contextmanager
def local_postgres() -> Iterator[str | None]:
    """A throw-away server from the test helper (fsync on), or None if PostgreSQL is not installed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg import PostgresMissing, create_database, running_postgres

    try:
        with running_postgres(fsync=True) as server:
            yield create_database(server, "bench")
    except PostgresMissing:
        yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--durable", type=int, default=2_000, help="how many one-per-transaction appends")
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to use")
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    print("ratio = plain time / ledger time (1.00 = as fast as no ledger; 0.50 = twice as slow)")
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        folder = Path(scratch)
        measure("SQLite", str(folder / "bench.ledger"), str(folder / "plain.db"), arguments.records,
                arguments.durable)  # fmt: skip
        if arguments.no_postgres:
            return
        url = arguments.postgres or stack.enter_context(local_postgres())
        if url is None:
            print("\nPostgreSQL: skipped (not installed; pass --postgres URL)")
            return
        measure("PostgreSQL", url, url, arguments.records, arguments.durable)


if __name__ == "__main__":
    main()
