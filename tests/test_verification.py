"""The one verification result, its documented kinds, and `dualrandom verify` as an operator runs it."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.errors import InputError, LedgerIntegrityError, VerificationError
from dualrandom.ledger import Ledger
from dualrandom.verification import KINDS, Difference, Verification, verify_path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "verification.md"


def test_a_difference_reads_as_the_line_people_know() -> None:
    d = Difference("sample.missing", "task 'T1', tier 'A'", expected="U1, U2")
    assert str(d) == "task 'T1', tier 'A': missing from the manifest: U1, U2"
    assert d.to_dict() == {
        "kind": "sample.missing", "where": "task 'T1', tier 'A'", "expected": "U1, U2", "found": None,
        "detail": "", "message": "task 'T1', tier 'A': missing from the manifest: U1, U2",
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"unknown difference kind 'sample\.lost'"):
        Difference("sample.lost")


def test_a_verification_is_the_sequence_of_its_differences() -> None:
    clean = Verification("draw of 3 entities")
    assert clean.ok and not clean and len(clean) == 0 and list(clean) == []
    clean.raise_if_failed()
    found = (Difference("bundle.file_unlisted", "x.txt"), Difference("team.inactive", "target U officer o"))
    failed = Verification("bundle b", found)
    assert (
        not failed.ok
        and failed
        and failed[1] is found[1]
        and failed.kinds() == ["bundle.file_unlisted", "team.inactive"]
    )
    assert (clean + failed).subject == "draw of 3 entities and bundle b"
    assert (clean + failed).differences == found
    with pytest.raises(VerificationError) as caught:
        failed.raise_if_failed()
    assert caught.value.differences == found and caught.value.subject == "bundle b"
    assert str(caught.value) == (
        "verification failed:\n  - x.txt: present but not listed in bundle.json\n"
        "  - target U officer o: the officer is inactive"
    )
    assert json.loads(json.dumps(failed.to_dict()))["differences"][0]["kind"] == "bundle.file_unlisted"


def test_a_long_failure_lists_200_lines_and_counts_the_rest() -> None:
    many = Verification("teams", tuple(Difference("team.inactive", f"officer {i}") for i in range(205)))
    with pytest.raises(VerificationError) as caught:
        many.raise_if_failed()
    lines = str(caught.value).splitlines()
    assert len(lines) == 202 and lines[-1] == "  ... and 5 more" and len(caught.value.differences) == 205


def test_every_kind_is_documented_once_with_its_meaning() -> None:
    text = DOCS.read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z_.]+)` \| (.+?) \|$", text, flags=re.MULTILINE)
    assert [kind for kind, _ in listed] == list(KINDS)
    assert all(meaning == KINDS[kind].meaning for kind, meaning in listed)


def test_every_template_formats_with_the_four_fields() -> None:
    for kind, (template, meaning) in KINDS.items():
        assert meaning and set(re.findall(r"{(\w+)}", template)) <= {"where", "expected", "found", "detail"}
        assert str(Difference(kind, "w", "e", "f", "d"))


# --- the ledger: one result type, the raising form keeps LedgerIntegrityError ------------------


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    path = tmp_path / "campaign.ledger"
    with Ledger.open(path, clock=lambda: datetime(2026, 11, 22, 8, tzinfo=UTC)) as ledger:
        ledger.append("XY-2026-Q4", "seed", {"seed": "31415926"})
        ledger.append("XY-2026-Q4", "draw", {"drawn": 36})
    return path


def _edit_record_2(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER ledger_records_no_update")
    connection.execute("""UPDATE ledger_records SET payload = '{"drawn":37}' WHERE seq = 2""")
    connection.commit()
    connection.close()


def test_the_ledger_returns_and_raises_the_same_differences(ledger_path: Path) -> None:
    with Ledger.open(ledger_path, create=False, read_only=True) as ledger:
        head = ledger.ensure_intact()
        assert ledger.verify().ok and ledger.verify().subject == f"ledger of 2 record(s); head 2:{head.hash}"
    _edit_record_2(ledger_path)
    with Ledger.open(ledger_path, create=False, read_only=True) as ledger:
        result = ledger.verify([(1, "0" * 64)])
        assert result.kinds() == ["ledger.anchor", "ledger.edited"]
        with pytest.raises(LedgerIntegrityError) as caught:
            ledger.ensure_intact([(1, "0" * 64)])
    assert isinstance(caught.value, VerificationError) and caught.value.row == 1
    assert caught.value.differences == result.differences
    assert result.lines()[1] == "record 2 does not match its hash: edited"


# --- `dualrandom verify` the way an operator types it -----------------------------------------


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["verify", *arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_cli_verifies_a_ledger_file_and_names_an_edit(ledger_path: Path) -> None:
    assert run(str(ledger_path))[:2] == (0, f"OK: {verify_path(ledger_path).subject} verified\n")
    _edit_record_2(ledger_path)
    code, out, err = run(str(ledger_path))
    assert (code, out) == (1, "")
    assert err == "Error: verification failed:\n  - record 2 does not match its hash: edited\n"
    code, out, _ = run(str(ledger_path), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["subject"].startswith("ledger of 2 record(s)")
    assert report["differences"] == [
        {"kind": "ledger.edited", "where": "record 2", "expected": None, "found": None,
         "detail": "does not match its hash: edited", "message": "record 2 does not match its hash: edited"}
    ]  # fmt: skip


def test_cli_mistakes_exit_2_with_a_message(tmp_path: Path, ledger_path: Path) -> None:
    code, _, err = run(str(tmp_path / "typo.json"))
    assert code == 2 and "typo.json: no such file or folder [VERIFY_TARGET]" in err
    draw = tmp_path / "draw.json"
    draw.write_text('{"kind": "draw"}', encoding="utf-8")
    code, _, err = run(str(draw))
    assert code == 2 and "verifying a draw needs --roster" in err
    teams = tmp_path / "teams.json"
    teams.write_text('{"kind": "teams"}', encoding="utf-8")
    code, _, err = run(str(teams), "--teams", "t.csv")
    assert code == 2 and "verifying teams needs --teams, --sample and --inspectors" in err
    code, _, err = run(str(draw), "--ledger", str(ledger_path))
    assert code == 2 and "--ledger checks a publication bundle: give the bundle folder" in err
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(str(tmp_path / "list.json"))
    assert code == 2 and "not a JSON manifest (an object)" in err


def test_verify_path_refuses_what_it_cannot_verify(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"kind": "results"}', encoding="utf-8")
    with pytest.raises(InputError, match="the manifest kind must be 'draw' or 'teams'"):
        verify_path(tmp_path / "m.json")
