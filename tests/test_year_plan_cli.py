"""An operator runs a three-batch annual plan on the command line, mistakes included."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from _campaign import Operator, annual_plan, campaign_files, ledger_kinds

DATES = {"B1": "2026-03-02", "B2": "2026-06-01", "B3": "2026-09-01"}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Operator, Path]:
    files = campaign_files(tmp_path_factory.mktemp("year"), entities=3_000)
    return Operator(files), annual_plan(files.folder, DATES, disclosure="open")


def test_an_operator_runs_the_year(year: tuple[Operator, Path]) -> None:
    op, plan = year
    f = op.files
    ledger, work = f.ledger, f.folder

    def draw(batch: str, seed: str) -> object:
        return op.run("draw", f.roster, "--campaign", plan, "--seed", seed, "--history", f.history,
                      "--batch", batch, "-o", work / f"{batch}.csv", "--ledger", ledger)  # fmt: skip

    done = op.run("commit", f.roster, "-o", f.commitment, "--campaign", plan, "--ledger", ledger)
    assert done.exit_code == 0, done.output
    done = draw("B1", "11111")
    assert done.exit_code == 0, done.output
    assert (work / "B1.csv.history.csv").exists()

    # mistake 1: batch 3 before batch 2
    done = draw("B3", "33333")
    assert done.exit_code != 0 and "draw 'B2' first" in done.output
    assert not (work / "B3.csv").exists()

    # mistake 2: a warnings list with bad codes: every bad row named, nothing recorded
    kinds = ledger_kinds(f)
    roster = pd.read_csv(f.roster, dtype=str, encoding="utf-8-sig")
    good = roster["uscc"].iloc[:40].tolist()
    bad = pd.DataFrame({"uscc": [*good[:3], "12345", "9.24206E+17"], "reason": "风险预警",
                        "inspected_on": "2026-04-10"})  # fmt: skip
    bad.to_csv(work / "warnings-bad.csv", index=False)
    trigger = ("trigger", "--from-file", work / "warnings-bad.csv", "--campaign", plan, "--task", "T1",
               "--batch", "W1", "--ledger", ledger, "-o", work / "W1.csv")  # fmt: skip
    done = op.run(*trigger)
    assert done.exit_code == 2, done.output
    assert "row 5" in done.output and "row 6" in done.output and "nothing was recorded" in done.output
    assert ledger_kinds(f) == kinds

    pd.DataFrame({"uscc": good, "reason": "风险预警", "inspected_on": "2026-04-10"}).to_csv(
        work / "warnings.csv", index=False
    )
    done = op.run("trigger", "--from-file", work / "warnings.csv", *trigger[3:])
    assert done.exit_code == 0, done.output
    assert "40 triggered check(s)" in done.output

    done = draw("B2", "22222")
    assert done.exit_code == 0, done.output
    b2 = pd.read_csv(work / "B2.csv", dtype=str, encoding="utf-8-sig")
    assert not set(b2["uscc"]) & set(good[:40]) - set(b2["uscc"][b2["tier"].isin(["C", "D"])])

    # mistake 3: batch 2 drawn again under another seed
    done = draw("B2", "99999")
    assert done.exit_code != 0 and "ledger supersede" in done.output
    done = draw("B2", "22222")
    assert done.exit_code == 0 and "already recorded" in done.output

    # the auditor recomputes batch 2 from the history it was drawn against
    done = op.run("verify", work / "B2.csv.manifest.json", "--roster", f.roster,
                  "--history", work / "B2.csv.history.csv")  # fmt: skip
    assert done.exit_code == 0, done.output

    teams = work / "B2-teams.csv"
    done = op.run("assign", work / "B2.csv", "--inspectors", f.inspectors, "--conflicts", f.conflicts,
                  "--campaign", plan, "--seed", "22222", "-o", teams, "--ledger", ledger,
                  "--batch", "B2")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "visit" in pd.read_csv(teams, dtype=str, encoding="utf-8-sig").columns

    from dualrandom.synth.results import synth_results

    synth_results(b2, seed="22222", start=date(2026, 6, 3)).to_csv(work / "B2-results.csv", index=False)
    done = op.run("results", "import", work / "B2-results.csv", "--campaign", plan,
                  "--sample", work / "B2.csv", "--ledger", ledger, "--as-of", "2026-06-30",
                  "--batch", "B2")  # fmt: skip
    assert done.exit_code == 0, done.output
    bundle = work / "bundle-B2"
    done = op.run("publish", "--campaign", plan, "--sample", work / "B2.csv",
                  "--results", work / "B2-results.csv", "--roster", f.roster, "--teams", teams,
                  "--inspectors", f.inspectors, "--published-on", "2026-06-30", "--ledger", ledger,
                  "-o", bundle, "--batch", "B2")  # fmt: skip
    assert done.exit_code == 0, done.output
    done = op.run("verify", bundle, "--ledger", ledger)
    assert done.exit_code == 0, done.output

    # the triggered checks get their teams like a batch
    done = op.run("assign", work / "W1.csv", "--inspectors", f.inspectors, "--campaign", plan, "--seed", "w1",
                  "-o", work / "W1-teams.csv", "--ledger", ledger, "--batch", "W1")  # fmt: skip
    assert done.exit_code == 0, done.output
    done = op.run("ledger", "verify", ledger)
    assert done.exit_code == 0, done.output

    # tamper: a batch's sample edited in the published bundle is caught against the ledger
    forged = work / "bundle-forged"
    shutil.copytree(bundle, forged)
    manifest = json.loads((forged / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest.get("drawn", manifest.get("sample"))
    outsider = next(c for c in roster["uscc"] if c not in set(b2["uscc"]))
    entries[0]["uscc"] = outsider
    (forged / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    done = op.run("verify", forged, "--ledger", ledger)
    assert done.exit_code != 0
    assert outsider in done.output or "not the recorded draw" in done.output or "differ" in done.output
