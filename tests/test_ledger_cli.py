"""`dualrandom ledger verify|show` through click's CliRunner: exit codes and exact text."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.ledger import Ledger

pytest_plugins = ["pg"]


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    path = tmp_path / "campaign.ledger"
    with Ledger.open(path, clock=lambda: datetime(2026, 11, 22, 8, tzinfo=UTC)) as ledger:
        ledger.append("XY-2026-Q4", "seed", {"seed": "31415926"})
        ledger.append("XY-2026-Q4", "draw", {"drawn": 36})
        ledger.append("XY-2026-Q4", "draw", {"drawn": 35}, supersedes=2, reason="entity [deregistered]")
        ledger.append("OTHER", "results", {"result": "未发现问题"})
    return path


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_verify_prints_the_head(ledger_path: Path) -> None:
    with Ledger.open(ledger_path) as ledger:
        head = ledger.head()
    code, out, err = run("ledger", "verify", str(ledger_path))
    assert (code, err) == (0, "")
    assert out == f"ledger OK: 4 record(s); head 4:{head.hash}\n"
    code, out, _ = run("ledger", "verify", str(ledger_path), "--anchor", f"4:{head.hash}")
    assert code == 0


def test_verify_names_the_edited_row(ledger_path: Path) -> None:
    connection = sqlite3.connect(ledger_path)
    connection.execute("DROP TRIGGER ledger_records_no_update")
    connection.execute("""UPDATE ledger_records SET payload = '{"drawn":37}' WHERE seq = 2""")
    connection.commit()
    connection.close()
    code, out, err = run("ledger", "verify", str(ledger_path))
    assert (code, out) == (1, "")
    assert err == (
        "Error: ledger integrity check failed at record 2 (1 problem(s)):\n"
        "  - record 2 does not match its hash: edited\n"
    )


def test_verify_against_a_wrong_anchor(ledger_path: Path) -> None:
    code, _, err = run("ledger", "verify", str(ledger_path), "--anchor", "2:" + "0" * 64)
    assert code == 1
    assert err.startswith(
        "Error: ledger integrity check failed at record 2 (1 problem(s)):\n  - record 2 has hash "
    )


def test_verify_rejects_a_malformed_anchor(ledger_path: Path) -> None:
    code, _, err = run("ledger", "verify", str(ledger_path), "--anchor", "two:abc")
    assert code == 2
    assert "'two:abc' is not SEQ:HASH (a record number and 64 lower-case hex digits)" in err


def test_verify_missing_ledger(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.ledger"
    code, _, err = run("ledger", "verify", str(missing))
    assert (code, err) == (1, f"Error: no ledger file at {missing}\n")
    assert not missing.exists()


def test_show_json_filters(ledger_path: Path) -> None:
    code, out, _ = run(
        "ledger", "show", str(ledger_path), "--campaign", "XY-2026-Q4", "--kind", "draw", "--json"
    )
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["seq"], r["supersedes"], r["reason"]) for r in records] == [
        (2, None, None),
        (3, 2, "entity [deregistered]"),
    ]
    assert records[1]["payload"] == {"drawn": 35}
    assert records[1]["recorded_at"] == "2026-11-22T08:00:00.000000Z"


def test_show_table(ledger_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": "160"}).invoke(main, ["ledger", "show", str(ledger_path)])
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 4
    cells = [cell.strip() for cell in rows[2].strip("│").split("│")]
    assert cells[:6] == [
        "3",
        "XY-2026-Q4",
        "draw",
        "2",
        "entity [deregistered]",
        "2026-11-22T08:00:00.000000Z",
    ]


def test_show_rejects_an_unknown_kind(ledger_path: Path) -> None:
    code, _, err = run("ledger", "show", str(ledger_path), "--kind", "redraw")
    assert code == 2
    assert "'redraw' is not one of" in err


@pytest.mark.postgres
def test_verify_on_postgres_names_the_edited_row(postgres_url: str) -> None:
    import psycopg

    with Ledger.open(postgres_url) as ledger:
        for n in range(3):
            ledger.append("XY-2026-Q4", "results", {"n": n})
    assert run("ledger", "verify", postgres_url)[0] == 0
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("ALTER TABLE ledger_records DISABLE TRIGGER USER")
        connection.execute("""UPDATE ledger_records SET payload = '{"n":7}' WHERE seq = 2""")
    code, out, err = run("ledger", "verify", postgres_url)
    assert (code, out) == (1, "")
    assert err == (
        "Error: ledger integrity check failed at record 2 (1 problem(s)):\n"
        "  - record 2 does not match its hash: edited\n"
    )
