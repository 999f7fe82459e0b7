"""`dualrandom check`, `schema` and `synth` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.io import read_roster
from dualrandom.synth import synth_city

HEADER = "uscc,name,entity_type,division,industry,registered_on"
GOOD = "91350100M000100Y43,襄阳鑫盛商贸有限公司,enterprise,420606,F52,2020-05-01"
PILOT = "91350203M0001QAY9B,樊城区张记小吃店,individual,420606,H62,2021-03-02"
BAD = "91350100M000100Y43,,company,42060,F52,2020-02-30"


def roster(path: Path, *rows: str, encoding: str = "gbk") -> Path:
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return path


def test_check_lists_every_problem_and_exits_2_writing_nothing(tmp_path: Path) -> None:
    path = roster(tmp_path / "名录.csv", GOOD, PILOT, BAD)
    before = sorted(tmp_path.iterdir())
    result = CliRunner().invoke(main, ["check", str(path), "--format", "lines"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"error: {path}, row 3, column 'uscc': the check character (position 18) does not match "
        "positions 1-17: expected '9', found 'B' (value '91350203M0001QAY9B') [ID_CHECK]",
        f"error: {path}, row 4, column 'uscc': duplicates row 2 (value '91350100M000100Y43') [DUPLICATE]",
        f"error: {path}, row 4, column 'name': a value is required (value '') [REQUIRED]",
        f"error: {path}, row 4, column 'entity_type': allowed values: enterprise, individual, cooperative "
        "(value 'company') [ENUM]",
        f"error: {path}, row 4, column 'division': expected a 6-digit GB/T 2260 division code such as 420606 "
        "(value '42060') [DIVISION]",
        f"error: {path}, row 4, column 'registered_on': expected a date such as 2024-03-15 "
        "(value '2020-02-30') [DATE]",
    ]
    assert result.stderr == f"Error: {path}: 6 error(s), 0 warning(s) in 3 entities rows\n"
    assert sorted(tmp_path.iterdir()) == before


def test_check_table_output_names_rows_and_rules(tmp_path: Path) -> None:
    path = roster(tmp_path / "entities.csv", GOOD, BAD)
    result = CliRunner().invoke(main, ["check", str(path)], terminal_width=200)
    assert result.exit_code == 2
    assert "5 problem(s)" in result.stdout
    for rule in ("DUPLICATE", "REQUIRED", "ENUM", "DIVISION", "DATE"):
        assert f"[{rule}]" in result.stdout


def test_check_passes_a_good_roster(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(roster(tmp_path / "e.csv", GOOD))])
    assert result.exit_code == 0
    assert result.stdout == "ok: 1 entities rows, 0 warning(s)\n"


def test_lenient_accepts_a_pilot_code_with_a_warning(tmp_path: Path) -> None:
    path = roster(tmp_path / "e.csv", GOOD, PILOT)
    strict = CliRunner().invoke(main, ["check", str(path)])
    assert strict.exit_code == 2
    lenient = CliRunner().invoke(main, ["check", str(path), "--lenient", "--format", "lines"])
    assert lenient.exit_code == 0
    assert lenient.stdout.splitlines() == [
        f"warning: {path}, row 3, column 'uscc': the check character (position 18) does not match "
        "positions 1-17: expected '9', found 'B' (accepted in lenient mode) "
        "(value '91350203M0001QAY9B') [ID_CHECK]",
        "ok: 2 entities rows, 1 warning(s)",
    ]


def test_check_infers_the_kind_from_the_file_name(tmp_path: Path) -> None:
    city = synth_city(200, seed="cli")
    path = tmp_path / "inspectors.csv"
    city.inspectors.to_csv(path, index=False)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.stdout == "ok: 400 inspectors rows, 0 warning(s)\n"
    wrong = CliRunner().invoke(main, ["check", str(path), "--kind", "entities", "--format", "lines"])
    assert wrong.exit_code == 2
    assert "COLUMN_MISSING" in wrong.stdout


def test_check_reads_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    synth_city(100, seed="cli").conflicts.to_sql("conflicts", url, index=False)
    result = CliRunner().invoke(main, ["check", url, "--kind", "conflicts", "--table", "conflicts"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


def test_check_of_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: 1 problem(s) found:\n  - {path}: no such file [FILE_NOT_FOUND]\n"


def test_schema_prints_json_schemas() -> None:
    campaign = CliRunner().invoke(main, ["schema"])
    assert campaign.exit_code == 0
    assert json.loads(campaign.stdout)["title"] == "Campaign"
    entity = json.loads(CliRunner().invoke(main, ["schema", "entity"]).stdout)
    assert entity["additionalProperties"] is False
    assert {"uscc", "name", "entity_type", "division", "industry", "registered_on", "legal_rep"} <= set(
        entity["properties"]
    )
    inspector = json.loads(CliRunner().invoke(main, ["schema", "inspector"]).stdout)
    assert "certificate_no" in inspector["properties"]
    bad = CliRunner().invoke(main, ["schema", "tier"])
    assert bad.exit_code == 2


def test_synth_writes_every_table_that_check_accepts(tmp_path: Path) -> None:
    out = tmp_path / "city"
    result = CliRunner().invoke(main, ["synth", "--out", str(out), "--entities", "500", "--seed", "s"])
    assert result.exit_code == 0, result.output
    names = ["entities", "inspectors", "conflicts", "history", "departments", "divisions", "credit_records"]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in names)
    city = synth_city(500, seed="s")
    for kind in ("entities", "inspectors", "conflicts", "history"):
        pd.testing.assert_frame_equal(read_roster(out / f"{kind}.csv", kind), getattr(city, kind))  # type: ignore[arg-type]
        assert CliRunner().invoke(main, ["check", str(out / f"{kind}.csv")]).exit_code == 0


def test_synth_parquet_and_bad_sizes(tmp_path: Path) -> None:
    ok = CliRunner().invoke(
        main, ["synth", "--out", str(tmp_path), "--entities", "50", "--format", "parquet"]
    )
    assert ok.exit_code == 0
    assert (tmp_path / "entities.parquet").exists()
    bad = CliRunner().invoke(main, ["synth", "--out", str(tmp_path / "x"), "--inspectors", "10"])
    assert bad.exit_code == 2
    assert "need at least 2 inspectors per department (60)" in bad.stderr
    assert not (tmp_path / "x").exists()


def test_the_table_shows_at_most_the_limit(tmp_path: Path) -> None:
    from dualrandom.cli._check import TABLE_LIMIT

    bad = BAD.replace("91350100M000100Y43", "X")
    path = roster(tmp_path / "e.csv", GOOD, *[bad] * (TABLE_LIMIT // 4 + 1))
    result = CliRunner().invoke(main, ["check", str(path)], terminal_width=200)
    assert result.exit_code == 2
    assert f"problem(s), first {TABLE_LIMIT} shown (--format lines lists all)" in result.stdout
    lines = CliRunner().invoke(main, ["check", str(path), "--format", "lines"])
    assert len(lines.stdout.splitlines()) > TABLE_LIMIT
