"""Bad input on the command line: every problem listed at once, exit 2, and nothing written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dualrandom.cli import main


def test_draw_lists_every_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "uscc,tier\n91350100M000100Y43,A\n91350200776049653A,Z\n91350100M000100Y43,B\n,A\n", encoding="utf-8"
    )
    out = tmp_path / "sample.csv"
    args = ["draw", str(roster), "--ratio", "A=0.5", "--ratio", "B=0.5", "--seed", "1", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        f"  - {roster}, row 3, column 'tier': the tier must be one of ['A', 'B'] (value 'Z') [TIER_UNKNOWN]",
        f"  - {roster}, row 4, column 'uscc': duplicates row 2 (value '91350100M000100Y43') [DUPLICATE]",
        f"  - {roster}, row 5, column 'uscc': the code is empty (value '') [ID_EMPTY]",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_assign_lists_every_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("uscc,departments\n91350100M000100Y43,SAMR\n", encoding="utf-8")
    inspectors = tmp_path / "inspectors.csv"
    rows = "inspector_id,name,department\nI1,张三,SAMR\nI1,李四,SAMR\nI3,,SAMR\n"
    inspectors.write_text(rows, encoding="utf-8")
    out = tmp_path / "teams.csv"
    args = ["assign", str(sample), "--inspectors", str(inspectors), "--seed", "1", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "row 3, column 'inspector_id': duplicates row 2 (value 'I1') [DUPLICATE]" in result.output
    assert "row 4, column 'name': a value is required (value '') [REQUIRED]" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inspectors.csv", "sample.csv"]
