"""An operator runs two monthly cycles with the commands, feeding the results back in between."""

from __future__ import annotations

import hashlib
import tomllib
from importlib.resources import files
from pathlib import Path

import pandas as pd
from click.testing import CliRunner, Result

from dualrandom.cli import main
from dualrandom.draw.frame import recent_checks
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

POLICY = Path(str(files("dualrandom") / "data" / "policy.toml"))
CAPS = {"A": 1, "B": 1, "C": 1, "D": 2}


def run(*args: str | Path) -> Result:
    """Run `dualrandom` as typed; an error must be a message, never a traceback."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dualrandom {' '.join(map(str, args))} raised") from result.exception
    assert "Traceback" not in result.output
    return result


CAMPAIGN = """
[plan]
id = "{plan_id}"
name = "信用风险分类抽查"
year = 2026
initiating_department = "SAMR"
authority = "某市市场监督管理局"

[[departments]]
id = "SAMR"
name = "市场监督管理局"

[[items]]
id = "PUB-INFO"
name = "企业公示信息情况检查"
department = "SAMR"

[[tasks]]
id = "T1"
name = "企业公示信息抽查"
departments = ["SAMR"]
items = ["PUB-INFO"]

[sampling]
tiers = ["A", "B", "C", "D"]
mode = "fixed"
reserve = 0
ratios = {{ A = 0.02, B = 0.04, C = 0.3, D = 0.9 }}
frequency_caps = {{ A = 1, B = 1, C = 1, D = 2 }}

[teams]
min_officers = 2
local_recusal = false
rotation_campaigns = 1
mode = "fast"
"""


def write_campaign(path: Path, plan_id: str) -> Path:
    path.write_text(CAMPAIGN.format(plan_id=plan_id), encoding="utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["sampling"]["frequency_caps"] == CAPS
    return path


def results_file(sample: Path, path: Path, *, result_column: str = "result") -> Path:
    """The results a clerk enters: a problem for about a third of the checks."""
    drawn = pd.read_csv(sample, dtype=str)
    terms = ["发现问题经责令已改正", "不配合检查情节严重"] + ["未发现问题"] * 5
    pick = [int(hashlib.sha256(u.encode()).hexdigest(), 16) % len(terms) for u in drawn["uscc"]]
    frame = pd.DataFrame(
        {
            "uscc": drawn["uscc"],
            "task_id": drawn["task_id"],
            "department": "SAMR",
            "completed_on": [f"2026-11-{5 + p:02d}" for p in pick],
            result_column: [terms[p] for p in pick],
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_two_cycles_with_the_commands(tmp_path: Path) -> None:
    city = synth_city(3000, seed="feedback-cli", n_inspectors=120)
    city.entities.to_csv(tmp_path / "entities.csv", index=False)
    city.inspectors[city.inspectors["department"] == "SAMR"].to_csv(tmp_path / "inspectors.csv", index=False)
    synth_credit(city.entities, as_of=pd.Timestamp("2026-11-01").date(), seed=3).to_csv(
        tmp_path / "credit.csv", index=False
    )
    november = write_campaign(tmp_path / "november.toml", "CITY-2026-11")
    december = write_campaign(tmp_path / "december.toml", "CITY-2026-12")
    t = tmp_path

    ok = run("classify", t / "entities.csv", "--policy", POLICY, "--as-of", "2026-11-01", "--records",
             t / "credit.csv", "-o", t / "nov.parquet", "--roster-out", t / "nov-tiered.csv")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    ok = run(
        "draw", t / "nov-tiered.csv", "--campaign", november, "--seed", "11111", "-o", t / "nov-sample.csv",
        "--without-history",  # the first cycle: no history yet, the caps waived on purpose
    )
    assert ok.exit_code == 0, ok.output
    ok = run("assign", t / "nov-sample.csv", "--inspectors", t / "inspectors.csv", "--campaign", november,
             "--seed", "22222", "-o", t / "nov-teams.csv")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    feedback = ("results", "feedback", "--campaign", november, "--sample", t / "nov-sample.csv",
                "--teams", t / "nov-teams.csv", "--policy", POLICY, "--history", t / "history.csv",
                "--records", t / "credit.csv")  # fmt: skip

    # mistake 1: the results file calls its result column 检查结论 instead of `result`
    wrong = results_file(t / "nov-sample.csv", t / "nov-results.csv", result_column="检查结论")
    credit_before = (t / "credit.csv").read_bytes()
    failed = run(*feedback[:2], wrong, *feedback[2:])
    assert failed.exit_code == 2
    assert "'result': the results table needs this column" in failed.output
    assert "[COLUMN_MISSING]" in failed.output
    assert not (t / "history.csv").exists() and (t / "credit.csv").read_bytes() == credit_before

    results = results_file(t / "nov-sample.csv", t / "nov-results.csv")
    done = run(*feedback[:2], results, *feedback[2:])
    assert done.exit_code == 0, done.output
    drawn = len(pd.read_csv(t / "nov-sample.csv"))
    assert f"history.csv: {drawn} visit(s) added, 0 already there" in done.output
    assert "next: `dualrandom classify" in done.output
    snapshot = {name: (t / name).read_bytes() for name in ("history.csv", "credit.csv")}

    # mistake 2: the clerk runs the feedback a second time
    again = run(*feedback[:2], results, *feedback[2:])
    assert again.exit_code == 0, again.output
    assert f"history.csv: 0 visit(s) added, {drawn} already there" in again.output
    assert "0 credit record(s) added" in again.output
    assert {name: (t / name).read_bytes() for name in snapshot} == snapshot

    # December: classify with the fed-back records and history, draw under caps, assign under rotation
    ok = run("classify", t / "entities.csv", "--policy", POLICY, "--as-of", "2026-12-01", "--records",
             t / "credit.csv", "--history", t / "history.csv", "-o", t / "dec.parquet", "--roster-out",
             t / "dec-tiered.csv")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    ok = run("draw", t / "dec-tiered.csv", "--campaign", december, "--seed", "33333",
             "-o", t / "dec-sample.csv", "--history", t / "history.csv", "--as-of", "2026-12-01")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    ok = run("assign", t / "dec-sample.csv", "--inspectors", t / "inspectors.csv", "--campaign", december,
             "--seed", "44444", "-o", t / "dec-teams.csv", "--history", t / "history.csv")  # fmt: skip
    assert ok.exit_code == 0, ok.output

    history = pd.read_csv(t / "history.csv", dtype=str, keep_default_na=False)
    checks = recent_checks(history, pd.Timestamp("2026-12-01").date())
    tiers = pd.read_csv(t / "dec-tiered.csv", dtype=str).set_index("uscc")["tier"]
    sample = pd.read_csv(t / "dec-sample.csv", dtype=str)
    assert (checks.reindex(sample["uscc"]).fillna(0).to_numpy() < sample["uscc"].map(tiers).map(CAPS)).all()
    problems = pd.read_csv(results, dtype=str)
    found = problems.loc[problems["result"] != "未发现问题", "uscc"]
    before = pd.read_csv(t / "nov-tiered.csv", dtype=str).set_index("uscc")["tier"]
    order = ["A", "B", "C", "D"]
    assert (found.map(tiers).map(order.index) >= found.map(before).map(order.index)).all()
    refused = problems.loc[problems["result"] == "不配合检查情节严重", "uscc"]
    assert len(refused) and (refused.map(tiers).map(order.index) >= order.index("C")).all()  # the override
    nov = pd.read_csv(t / "nov-teams.csv", dtype=str)
    dec = pd.read_csv(t / "dec-teams.csv", dtype=str)
    pairs = set(zip(nov["inspector_id"], nov["uscc"], strict=True))
    assert set(dec["uscc"]) & set(nov["uscc"])  # some D entities come back
    assert not pairs & set(zip(dec["inspector_id"], dec["uscc"], strict=True))
