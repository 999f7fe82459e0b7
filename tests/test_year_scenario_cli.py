"""Issue #14, "Done when", on the command line: an operator runs the bureau's year, mistakes included.

The same year as tests/test_year_scenario.py (31 departments, three batches, an early-warning
list in bulk, results fed back, the next classification), typed as commands: every figure is
then checked from the files the commands wrote and the ledger they recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _campaign import ledger_kinds
from dualrandom.cli import main
from dualrandom.results import PROBLEM_CODES, VOCABULARY
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit
from dualrandom.synth.results import synth_results
from test_year_scenario import BATCHES, CAPS, ORDER, year_plan

POLICY_TERMS = {t.label: t.code for t in VOCABULARY}


def toml_text(data: dict[str, Any]) -> str:
    """The plan of `year_plan` as the TOML file a bureau edits (only the shapes it uses)."""

    def value(v: Any) -> str:
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return str(v)  # numbers and dates

    lines: list[str] = []
    for section, body in data.items():
        entries = body if isinstance(body, list) else [body]
        for entry in entries:
            lines.append(f"[[{section}]]" if isinstance(body, list) else f"[{section}]")
            nested = {k: v for k, v in entry.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
            lines += [f"{k} = {value(v)}" for k, v in entry.items() if k not in nested]
            for key, rows in nested.items():
                for row in rows:
                    lines += [f"[[{section}.{key}]]", *(f"{k} = {value(v)}" for k, v in row.items())]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t = tmp_path_factory.mktemp("year-cli")
    city = synth_city(3_000, seed="year-cli", n_departments=31, n_inspectors=500, as_of=date(2027, 1, 1))
    for name in ("entities", "inspectors", "conflicts", "history"):
        getattr(city, name).to_csv(t / f"{name}.csv", index=False)
    synth_credit(city.entities, as_of=date(2027, 1, 1), seed="year-cli").to_csv(t / "credit.csv", index=False)
    plan = year_plan(city.departments["id"].tolist())
    (t / "year.toml").write_text(toml_text(plan), encoding="utf-8")
    low = year_plan(city.departments["id"].tolist(), public=dict.fromkeys(ORDER, 0.02))
    (t / "low.toml").write_text(toml_text(low), encoding="utf-8")
    return t


def run(*args: str | Path) -> str:
    """Run a command that must succeed; return its output."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dualrandom {' '.join(map(str, args))} raised") from result.exception
    assert result.exit_code == 0, f"dualrandom {' '.join(map(str, args))}:\n{result.output}"
    return result.output


def refused(*args: str | Path) -> str:
    """Run a command that must be refused with a message (never a traceback); return its output."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dualrandom {' '.join(map(str, args))} raised") from result.exception
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    return result.output


def batch_steps(t: Path, batch: str, start: date, policy: Path) -> None:
    """Teams, results, publication and feedback of one batch, as the operator types them."""
    plan, ledger = t / "year.toml", t / "year.ledger"
    sample, teams, results = t / f"{batch}.csv", t / f"{batch}-teams.csv", t / f"{batch}-results.csv"
    run(
        "assign",
        sample,
        "--inspectors",
        t / "inspectors.csv",
        "--conflicts",
        t / "conflicts.csv",
        "--campaign",
        plan,
        "--seed",
        f"teams-{batch}",
        "-o",
        teams,
        "--ledger",
        ledger,
        "--batch",
        batch,
    )
    drawn = pd.read_csv(sample, dtype=str, encoding="utf-8-sig")
    synth_results(drawn.assign(tier=drawn.get("tier", "C")), seed=batch, start=start).to_csv(
        results, index=False
    )
    published = (start + timedelta(days=20)).isoformat()
    run(
        "results",
        "import",
        results,
        "--campaign",
        plan,
        "--sample",
        sample,
        "--ledger",
        ledger,
        "--as-of",
        published,
        "--batch",
        batch,
    )
    run(
        "publish",
        "--campaign",
        plan,
        "--sample",
        sample,
        "--results",
        results,
        "--roster",
        t / "tiered.csv",
        "--teams",
        teams,
        "--inspectors",
        t / "inspectors.csv",
        "--published-on",
        published,
        "--ledger",
        ledger,
        "-o",
        t / f"bundle-{batch}",
        "--batch",
        batch,
    )
    run("verify", t / f"bundle-{batch}")
    run("verify", t / f"bundle-{batch}", "--ledger", ledger)
    run(
        "results",
        "feedback",
        results,
        "--campaign",
        plan,
        "--sample",
        sample,
        "--teams",
        teams,
        "--policy",
        policy,
        "--history",
        t / "history.csv",
        "--records",
        t / "credit.csv",
        "--as-of",
        published,
        "--batch",
        batch,
    )


@pytest.fixture(scope="module")
def year(folder: Path) -> Path:
    """The operator's year: classify, commit, B1, the warnings (W1), B2, B3, report, classify again."""
    t, plan, ledger = folder, folder / "year.toml", folder / "year.ledger"
    run("init", t / "policy.toml", "--kind", "policy")
    policy = t / "policy.toml"
    run(
        "classify",
        t / "entities.csv",
        "--policy",
        policy,
        "--as-of",
        "2027-01-01",
        "--records",
        t / "credit.csv",
        "--history",
        t / "history.csv",
        "-o",
        t / "jan.parquet",
        "--roster-out",
        t / "tiered.csv",
    )
    run("commit", t / "tiered.csv", "-o", t / "commitment.json", "--campaign", plan, "--ledger", ledger)
    for batch in ("B1", "B2", "B3"):
        if batch == "B2":  # the early-warning list, between B1 and B2
            b1 = set(pd.read_csv(t / "B1.csv", dtype=str)["uscc"])
            tiered = pd.read_csv(t / "tiered.csv", dtype=str)
            risky = tiered[tiered["tier"].isin(["C", "D"]) & ~tiered["uscc"].isin(b1)].head(60)
            risky[["uscc"]].assign(reason="风险预警", inspected_on="2027-04-10").to_csv(
                t / "warnings.csv", index=False
            )
            run(
                "trigger",
                "--from-file",
                t / "warnings.csv",
                "--task",
                "T1",
                "--batch",
                "W1",
                "--campaign",
                plan,
                "--ledger",
                ledger,
                "-o",
                t / "W1.csv",
            )
            batch_steps(t, "W1", date(2027, 4, 10), policy)
        run(
            "draw",
            t / "tiered.csv",
            "--campaign",
            plan,
            "--seed",
            f"seed-{batch}",
            "--history",
            t / "history.csv",
            "--batch",
            batch,
            "-o",
            t / f"{batch}.csv",
            "--ledger",
            ledger,
        )
        batch_steps(t, batch, BATCHES[batch] + timedelta(days=3), policy)
    run("report", "--ledger", ledger, "--year", "2027", "-o", t / "report")
    run(
        "classify",
        t / "entities.csv",
        "--policy",
        policy,
        "--as-of",
        "2027-12-01",
        "--records",
        t / "credit.csv",
        "--history",
        t / "history.csv",
        "-o",
        t / "dec.parquet",
        "--roster-out",
        t / "dec-tiered.csv",
    )
    return t


def test_the_statutory_minimum_and_the_order_of_batches_are_refused(folder: Path, year: Path) -> None:
    kinds = ledger_kinds_of(year)
    said = refused(
        "draw",
        year / "tiered.csv",
        "--campaign",
        year / "low.toml",
        "--seed",
        "1",
        "--history",
        year / "history.csv",
        "--batch",
        "B1",
        "-o",
        year / "low.csv",
    )
    assert "MIN_RATIO" in said and "Order 101" in said and not (year / "low.csv").exists()
    said = refused(
        "draw",
        year / "tiered.csv",
        "--campaign",
        year / "year.toml",
        "--seed",
        "9",
        "--history",
        year / "history.csv",
        "--batch",
        "B2",
        "-o",
        year / "B2-again.csv",
        "--ledger",
        year / "year.ledger",
    )
    assert "ledger supersede" in said
    assert ledger_kinds_of(year) == kinds


def ledger_kinds_of(folder: Path) -> list[str]:
    class Files:
        ledger = folder / "year.ledger"

    return ledger_kinds(Files)  # type: ignore[arg-type]


def test_no_drawn_entity_over_its_cap(year: Path) -> None:
    tiers = pd.read_csv(year / "tiered.csv", dtype=str).set_index("uscc")["tier"]
    original = pd.read_csv(year / "history.csv", dtype=str, keep_default_na=False)
    past = original[~original["campaign_id"].str.startswith("XY-2027")]  # the history before the plan
    checks = {b: set(pd.read_csv(year / f"{b}.csv", dtype=str)["uscc"]) for b in ("B1", "W1", "B2", "B3")}
    days = {**BATCHES, "W1": date(2027, 4, 10)}
    for batch in ("B1", "B2", "B3"):
        day = BATCHES[batch]
        dates = pd.to_datetime(past["inspected_on"])
        inside = past[(dates >= pd.Timestamp(day - timedelta(days=365))) & (dates < pd.Timestamp(day))]
        visits = Counter(
            u
            for u, _, _ in set(
                zip(inside["uscc"], inside["inspected_on"], inside["campaign_id"], strict=True)
            )
        )
        for earlier, codes in checks.items():
            if days[earlier] < day:
                visits.update(codes)
        over = [c for c in checks[batch] if visits[c] + 1 > CAPS[tiers[c]]]
        assert not over, (batch, over[:3])


def test_one_visit_per_entity_and_the_teams_verify(year: Path) -> None:
    for batch in ("B1", "B2", "B3"):
        sample = pd.read_csv(year / f"{batch}.csv", dtype=str)
        teams = pd.read_csv(year / f"{batch}-teams.csv", dtype=str)
        assert (sample.groupby("uscc")["visit"].nunique() == 1).all()
        assert teams.groupby("uscc")["visit"].nunique().eq(1).all()
        assert set(teams["visit"]) == set(sample["visit"])
        run(
            "verify",
            year / f"{batch}-teams.csv.manifest.json",
            "--teams",
            year / f"{batch}-teams.csv",
            "--sample",
            year / f"{batch}.csv",
            "--inspectors",
            year / "inspectors.csv",
            "--conflicts",
            year / "conflicts.csv",
            "--campaign",
            year / "year.toml",
        )
    # tamper: one officer moved to another entity's visit is caught
    teams = pd.read_csv(year / "B2-teams.csv", dtype=str)
    teams.loc[0, "visit"] = teams["visit"].iloc[-1]
    teams.to_csv(year / "B2-teams-forged.csv", index=False)
    said = refused(
        "verify",
        year / "B2-teams.csv.manifest.json",
        "--teams",
        year / "B2-teams-forged.csv",
        "--sample",
        year / "B2.csv",
        "--inspectors",
        year / "inspectors.csv",
        "--conflicts",
        year / "conflicts.csv",
        "--campaign",
        year / "year.toml",
    )
    assert "published but not recomputed" in said and teams.loc[0, "uscc"] in said


def test_the_triggered_checks_are_published_as_triggered(year: Path) -> None:
    notices = json.loads((year / "bundle-W1" / "notices.json").read_text(encoding="utf-8"))
    assert [t["selection"] for t in notices["tasks"]] == ["触发式检查（非随机抽取）"]
    rows = pd.read_csv(year / "bundle-W1" / "results.csv", dtype=str, encoding="utf-8-sig")
    assert len(rows) and set(rows["check_type"]) == {"触发式检查"}
    manifest = json.loads((year / "bundle-W1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"] == "triggered" and manifest["seed"] is None and len(manifest["drawn"]) == 60


def test_results_fed_back_move_tiers(year: Path) -> None:
    before = pd.read_csv(year / "tiered.csv", dtype=str).set_index("uscc")["tier"].map(ORDER.index)
    after = pd.read_csv(year / "dec-tiered.csv", dtype=str).set_index("uscc")["tier"].map(ORDER.index)
    results = pd.concat([pd.read_csv(year / f"{b}-results.csv", dtype=str) for b in ("B1", "W1", "B2", "B3")])
    refused_codes = set(results.loc[results["result"] == "不配合检查情节严重", "uscc"])
    assert refused_codes and all(after[c] >= ORDER.index("C") for c in refused_codes)
    history = pd.read_csv(year / "history.csv", dtype=str, keep_default_na=False)
    fed = history[history["campaign_id"].str.startswith("XY-2027/")]
    assert set(fed["campaign_id"]) == {"XY-2027/B1", "XY-2027/W1", "XY-2027/B2", "XY-2027/B3"}
    assert fed.groupby(["campaign_id", "uscc"])["visit"].nunique().eq(1).all()
    moved = (after.reindex(before.index) != before).sum()
    assert moved > 0


def test_the_report_equals_a_hand_count_from_the_files(year: Path) -> None:
    report = json.loads((year / "report" / "report.json").read_text(encoding="utf-8"))
    parts = []
    for batch in ("B1", "W1", "B2", "B3"):
        rows = pd.read_csv(year / f"{batch}-results.csv", dtype=str).assign(campaign=batch)
        parts.append(rows.assign(code=rows["result"].map(POLICY_TERMS)))
    rows = pd.concat(parts, ignore_index=True)
    checks = rows.groupby(["campaign", "uscc", "task_id"])["code"].agg(set)
    drawn = [k for k in checks.index if k[0] != "W1"]
    joint = {f"T{n}" for n in range(2, 8)}
    assert report["random_checks"] == len({(c, t) for c, _, t in drawn}) == 9
    assert report["entity_checks"] == len(drawn)
    assert report["triggered_checks"] == len(checks) - len(drawn) == 60
    assert report["joint_entity_checks"] == sum(t in joint for _, _, t in drawn)
    assert report["entities_checked"] == len({u for _, u, _ in checks.index})
    assert report["problems_found"] == sum(bool(codes & PROBLEM_CODES) for codes in checks)
    per_department = rows.drop_duplicates(["campaign", "uscc", "task_id", "department"])
    assert report["publication"]["department_checks"] == len(per_department)
    assert report["publication"]["unpublished"] == 0
    assert {d["department"]: d["checks"] for d in report["departments"]} == dict(
        Counter(per_department["department"])
    )
    assert len(report["departments"]) == 31
