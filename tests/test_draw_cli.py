"""The draw commands: commit, tickets, draw and verify, run in-process with CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom.cli import main

RIVEST = "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign.toml"


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    rows = [(f"E{t}{i:04d}", t) for t, n in {"A": 300, "B": 200, "C": 50, "D": 20}.items() for i in range(n)]
    path = tmp_path / "roster.csv"
    pd.DataFrame(rows, columns=["uscc", "tier"]).to_csv(path, index=False)
    return path


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_tickets_reads_ids_on_stdin_and_writes_csv() -> None:
    code, out, _ = run("tickets", "--seed", "01382438112797316654", stdin="\ufeffAB-130\n\n ａｂ-130 \n")
    assert code == 0
    assert out == f"uscc,ticket\nAB-130,{RIVEST}\nAB-130,{RIVEST}\n"


def test_commit_draw_and_verify_round_trip(roster: Path, tmp_path: Path) -> None:
    code, out, _ = run("commit", str(roster), "-o", str(tmp_path / "c.json"))
    assert code == 0
    digest = json.loads((tmp_path / "c.json").read_text())["roster_digest"]
    assert out.strip() == digest
    sample = tmp_path / "sample.csv"
    code, out, _ = run(
        "draw", str(roster), "--ratio", "A=0.01", "--ratio", "B=0.03", "--ratio", "C=0.1", "--ratio", "D=0.3",
        "--seed", "0042", "-o", str(sample),
    )  # fmt: skip
    assert code == 0, out
    assert out == (
        "drew 20 entities in 1 task(s); public manifest: sample.csv.public.json (publish it); "
        "auditor's manifest: sample.csv.manifest.json (internal: names tiers)\n"
    )
    table = pd.read_csv(sample, dtype=str, encoding="utf-8-sig")
    assert {"uscc", "tier", "ticket", "rank"} <= set(table.columns)
    assert table.groupby("tier").size().to_dict() == {"A": 3, "B": 6, "C": 5, "D": 6}
    manifest = json.loads(Path(f"{sample}.manifest.json").read_text())
    assert manifest["roster_digest"] == digest
    assert manifest["seed"] == "0042"
    public = Path(f"{sample}.public.json").read_text()
    assert '"tier"' not in public
    code, out, _ = run("verify", f"{sample}.manifest.json", "--roster", str(roster))
    assert (code, out) == (0, "OK: draw of 20 entities verified\n")


def test_verify_reports_a_tampered_roster(roster: Path, tmp_path: Path) -> None:
    sample = tmp_path / "s.csv"
    halves = [part for tier in "ABCD" for part in ("--ratio", f"{tier}=0.5")]
    assert run("draw", str(roster), *halves, "--seed", "1", "-o", str(sample))[0] == 0
    edited = pd.read_csv(roster, dtype=str)
    edited = edited[edited["uscc"] != "ED0000"]
    edited.to_csv(roster, index=False)
    code, _, err = run("verify", f"{sample}.manifest.json", "--roster", str(roster))
    assert code == 1
    assert err.startswith("Error: verification failed:\n  - roster digest: manifest ")
    assert "task 'draw', tier 'D': eligible is 20 in the manifest, recomputed 19" in err


def test_draw_with_a_campaign_file(tmp_path: Path) -> None:
    n = 400
    roster = tmp_path / "city.csv"
    pd.DataFrame(
        {
            "uscc": [f"U{i:05d}" for i in range(n)],
            "entity_type": ["enterprise", "individual"] * (n // 2),
            "industry": ["F52", "C13", "F52", "I65"] * (n // 4),
            "division": ["420602"] * n,
            "tier": ["A", "B", "C", "D"] * (n // 4),
        }
    ).to_csv(roster, index=False)
    history = tmp_path / "history.csv"
    pd.DataFrame({"uscc": ["U00000"], "inspected_on": ["2026-06-01"], "kind": ["random"]}).to_csv(
        history, index=False
    )
    sample = tmp_path / "out.csv"
    code, _, err = run(
        "draw", str(roster), "--campaign", str(EXAMPLE), "--seed", "12345678901234567890", "-o", str(sample),
        "--history", str(history), "--as-of", "2026-11-01",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(sample, dtype=str, encoding="utf-8-sig")
    assert set(table["task_id"]) == {"T1", "T2"}
    assert "U00000" not in table["uscc"].tolist()
    code, _, err = run(
        "verify", f"{sample}.manifest.json", "--roster", str(roster), "--history", str(history)
    )
    assert code == 0, err


def test_usage_errors_are_exact(roster: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "s.csv")
    code, _, err = run("draw", str(roster), "--seed", "1", "-o", out)
    assert code == 2
    assert "Error: give either --campaign FILE or one or more --ratio TIER=R" in err
    code, _, err = run("draw", str(roster), "--ratio", "A=2", "--seed", "1", "-o", out)
    assert code == 2
    assert "Invalid value for '--ratio': 'A=2' is not TIER=R with 0 <= R <= 1" in err
    code, _, err = run("draw", str(roster), "--ratio", "A=0.1", "--seed", "1", "-o", out)
    assert code == 2  # tiers B, C, D are not in the policy: every bad row is listed
    assert err.startswith("Error: 270 problem(s) found:\n")
    assert (
        f"  - {roster}, row 302, column 'tier': the tier must be one of ['A'] (value 'B') [TIER_UNKNOWN]"
        in err
    )
    code, _, err = run(
        "draw", str(roster), "--campaign", str(EXAMPLE), "--mode", "bernoulli", "--seed", "1", "-o", out
    )
    assert code == 2
    assert "Error: --mode and --reserve go with --ratio; a campaign sets them in [sampling]" in err
    code, _, err = run(
        "draw", str(roster), "--campaign", str(EXAMPLE), "--history", out, "--seed", "1", "-o", out
    )
    assert code == 2
    assert "Error: --history needs --as-of (the draw date the caps count back from)" in err
    code, _, err = run("verify", str(roster))
    assert code == 2
    assert "not a JSON manifest" in err


def test_verify_dispatches_a_directory_to_the_bundle_check(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    code, _, err = run("verify", str(bundle))
    assert code == 2  # an empty folder is not a bundle: nothing to verify
    assert "bundle.json: not a readable bundle index" in err


def test_verify_rejects_an_unknown_manifest_kind(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"kind": "results"}')
    code, _, err = run("verify", str(path))
    assert code == 2
    assert (
        f"{path}, column 'kind': the manifest kind must be 'draw' or 'teams' "
        "(value 'results') [MANIFEST_KIND]" in err
    )
