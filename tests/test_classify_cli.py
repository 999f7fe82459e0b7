"""`dualrandom classify`: files in, snapshot out, tier counts printed, errors named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from dualrandom.classify import load_snapshot
from dualrandom.cli import main
from dualrandom.ids import check_character

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"


def code(number: int) -> str:
    body = f"91420602MA{number:07d}"
    return body + check_character(body)


def write_inputs(folder: Path) -> tuple[Path, Path]:
    roster = pd.DataFrame(
        {
            "uscc": [code(i) for i in range(4)],
            "name": ["甲公司", "乙公司", "丙公司", "丁公司"],
            "entity_type": ["enterprise"] * 4,
            "division": ["420602"] * 4,
            "industry": ["F52", "M74", "M74", "K70"],  # M74: no industry class, so overrides decide
            "registered_on": ["2015-01-01", "2016-01-01", "2017-01-01", "2026-03-01"],
            "address": ["襄阳市"] * 4,
            "legal_rep": ["张三", "李四", "王五", "赵六"],
        }
    )
    records = pd.DataFrame(
        {
            "uscc": [code(1), code(2)],
            "kind": ["serious_violation", "abnormal_list"],
            "start_on": ["2026-01-01", "2025-05-01"],
            "end_on": ["", ""],
            "severity": ["", ""],
            "repaired_on": ["", ""],
        }
    )
    roster.to_csv(folder / "entities.csv", index=False)
    records.to_csv(folder / "records.csv", index=False)
    return folder / "entities.csv", folder / "records.csv"


def test_classify_writes_snapshot_and_prints_tier_counts(tmp_path: Path) -> None:
    roster, records = write_inputs(tmp_path)
    out = tmp_path / "snap.parquet"
    args = [
        "classify",
        str(roster),
        "--policy",
        str(EXAMPLE),
        "--as-of",
        "2026-11-01",
        "--records",
        str(records),
    ]
    result = CliRunner().invoke(main, [*args, "-o", str(out), "--roster-out", str(tmp_path / "tiered.csv")])
    assert result.exit_code == 0, result.output
    snapshot = load_snapshot(out)
    assert snapshot.tier_counts() == {"A": 0, "B": 2, "C": 1, "D": 1}
    assert "4 entities classified as of 2026-11-01 under 'henan-2022-default'" in result.output
    assert "overrides applied: 2; new entities at the default tier: 1" in result.output
    assert f"content digest {snapshot.content_digest}" in result.output
    tiered = pd.read_csv(tmp_path / "tiered.csv", dtype=str)
    assert tiered["tier"].tolist() == ["B", "D", "C", "B"]
    assert tiered["uscc"].tolist() == [code(i) for i in range(4)]
    again = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "again.parquet")])
    assert again.exit_code == 0
    assert (tmp_path / "again.parquet").read_bytes() == out.read_bytes()


def test_classify_reports_a_bad_policy_naming_the_key(tmp_path: Path) -> None:
    roster, _ = write_inputs(tmp_path)
    bad = tmp_path / "policy.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("[200, 500, 750]", "[200, 750, 500]"), "utf-8")
    result = CliRunner().invoke(
        main,
        [
            "classify",
            str(roster),
            "--policy",
            str(bad),
            "--as-of",
            "2026-11-01",
            "-o",
            str(tmp_path / "s.parquet"),
        ],
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {bad}: 1 problem(s):\n"
        "  - tiers.cutoffs: cut-offs must increase strictly, but 500 follows 750\n"
    )
    assert not (tmp_path / "s.parquet").exists()


def test_classify_lists_every_bad_record_and_exits_2(tmp_path: Path) -> None:
    roster, records = write_inputs(tmp_path)
    table = pd.read_csv(records, dtype=str, keep_default_na=False)
    table.loc[0, "kind"] = "fine"
    table.loc[1, "start_on"] = "2025-02-30"
    table.to_csv(records, index=False)
    args = ["classify", str(roster), "--policy", str(EXAMPLE), "--as-of", "2026-11-01", "--records"]
    result = CliRunner().invoke(main, [*args, str(records), "-o", str(tmp_path / "s.parquet")])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: 2 problem(s) in the classification inputs:",
        f"  - {records}, row 2, column 'kind': allowed values: annual_report_late, "
        "annual_report_missing, abnormal_list, serious_violation, dishonest_debtor, penalty_minor, penalty, "
        "complaint, inspection_problem, unreachable_address, refused_inspection (value 'fine') [ENUM]",
        f"  - {records}, row 3, column 'start_on': expected a date such as 2024-03-15 "
        "(value '2025-02-30') [DATE]",
    ]


def test_previous_snapshot_gives_the_early_warning_list(tmp_path: Path) -> None:
    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(2_000, seed="warning")
    roster = tmp_path / "entities.csv"
    city.entities.to_csv(roster, index=False)
    quiet = tmp_path / "quiet.csv"
    pd.DataFrame(columns=["uscc", "kind", "start_on", "end_on", "severity", "repaired_on"]).to_csv(
        quiet, index=False
    )
    noisy = tmp_path / "noisy.csv"
    synth_credit(city.entities, as_of=date(2026, 11, 1), seed=3).to_csv(noisy, index=False)
    runner = CliRunner()
    base = ["classify", str(roster), "--policy", str(EXAMPLE), "--as-of", "2026-11-01"]
    first = runner.invoke(main, [*base, "--records", str(quiet), "-o", str(tmp_path / "old.parquet")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        main,
        [*base, "--records", str(noisy), "-o", str(tmp_path / "new.parquet"),
         "--previous", str(tmp_path / "old.parquet")],
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    warned = pd.read_csv(tmp_path / "new.parquet.warnings.csv", encoding="utf-8-sig")
    assert len(warned) > 0
    assert (warned["rise"] > 0).all()
    assert f"early warning (风险预警): {len(warned)} entities rose" in second.output
