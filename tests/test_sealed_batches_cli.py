"""An operator runs a sealed annual plan on the command line: one plan commitment, a batch seal
before each batch's seed, mistakes included; then the auditor and the public check it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from _campaign import Operator, annual_plan, campaign_files, ledger_kinds
from dualrandom.publish.bundle import file_digests


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Operator, Path]:
    files = campaign_files(tmp_path_factory.mktemp("sealed-year"), entities=3_000)
    return Operator(files), annual_plan(files.folder, {"B1": "2026-03-02", "B2": "2026-06-01"})


def _seal(op: Operator, plan: Path, batch: str, history: Path | None = None) -> object:
    f = op.files
    return op.run("seal", f.roster, "--batch", batch, "--campaign", plan, "--ledger", f.ledger,
                  "--seal", f.seal, "--history", history or f.history,
                  "-o", f.folder / f"{batch}.seal.json")  # fmt: skip


def _draw(op: Operator, plan: Path, batch: str, seed: str) -> object:
    f = op.files
    return op.run("draw", f.roster, "--campaign", plan, "--seed", seed, "--history", f.history,
                  "--batch", batch, "--seal", f.seal, "-o", f.folder / f"{batch}.csv",
                  "--ledger", f.ledger)  # fmt: skip


def test_an_operator_runs_a_sealed_year(year: tuple[Operator, Path]) -> None:
    op, plan = year
    f = op.files
    work = f.folder
    # mistake: a plan in batches is not sealed on one date
    done = op.run("commit", f.roster, "-o", f.commitment, "--campaign", plan, "--ledger", f.ledger,
                  "--seal-out", f.seal, "--history", f.history, "--as-of", "2026-03-02")  # fmt: skip
    assert done.exit_code == 2 and "seal --batch" in done.output, done.output
    done = op.run("commit", f.roster, "-o", f.commitment, "--campaign", plan, "--ledger", f.ledger,
                  "--seal-out", f.seal, "--history", f.history)  # fmt: skip
    assert done.exit_code == 0, done.output
    material = json.loads(f.seal.read_text(encoding="utf-8"))
    assert material["commitment"]["kind"] == "sealed_plan_commitment"
    assert [b["batch"] for b in material["commitment"]["batches"]] == ["B1", "B2"]

    # mistake: the seed of B1 before its batch seal
    done = _draw(op, plan, "B1", "11111")
    assert done.exit_code != 0 and "has no batch seal" in done.output and "dualrandom seal" in done.output
    assert ledger_kinds(op.files) == ["roster_commitment"]

    done = _seal(op, plan, "B1")
    assert done.exit_code == 0, done.output
    announced_b1 = done.output.splitlines()[0]
    done = _draw(op, plan, "B1", "11111")
    assert done.exit_code == 0, done.output
    b1 = json.loads((work / "B1.csv.manifest.json").read_text(encoding="utf-8"))
    assert b1["disclosure"] == "sealed" and b1["sealed"]["commitment_digest"] == announced_b1
    assert b1["sealed"]["commitment"]["batch"] == "B1"

    # a triggered check before B2's seal counts in B2; mistake: B2 drawn before its seal
    roster = pd.read_csv(f.roster, dtype=str, encoding="utf-8-sig")
    warned = roster.loc[roster["tier"] == "A", "uscc"].iloc[:30].tolist()
    pd.DataFrame({"uscc": warned, "reason": "风险预警", "inspected_on": "2026-04-10"}).to_csv(
        work / "warnings.csv", index=False
    )
    done = op.run("trigger", "--from-file", work / "warnings.csv", "--campaign", plan, "--task", "T1",
                  "--batch", "W1", "--ledger", f.ledger, "-o", work / "W1.csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    done = _draw(op, plan, "B2", "22222")
    assert done.exit_code != 0 and "'B2'" in done.output and "dualrandom seal" in done.output
    done = _seal(op, plan, "B2")
    assert done.exit_code == 0, done.output
    announced_b2 = done.output.splitlines()[0]

    # mistake: B2 sealed again with another history file; the same seal again is a no-op
    other = work / "history-other.csv"
    pd.read_csv(f.history, dtype=str).iloc[:-5].to_csv(other, index=False)
    kinds = ledger_kinds(op.files)
    done = _seal(op, plan, "B2", other)
    assert done.exit_code != 0 and "not the file the plan commitment committed" in done.output
    assert ledger_kinds(op.files) == kinds

    # a triggered check recorded after the seal does not change the sealed batch
    drawn_b1 = set(pd.read_csv(work / "B1.csv", dtype=str, encoding="utf-8-sig")["uscc"])
    late = roster.loc[(roster["tier"] == "B") & ~roster["uscc"].isin(drawn_b1), "uscc"].iloc[:10].tolist()
    pd.DataFrame({"uscc": late, "reason": "投诉举报", "inspected_on": "2026-05-20"}).to_csv(
        work / "late.csv", index=False
    )
    done = op.run("trigger", "--from-file", work / "late.csv", "--campaign", plan, "--task", "T1",
                  "--batch", "W2", "--ledger", f.ledger, "-o", work / "W2.csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    done = _seal(op, plan, "B2")
    assert done.exit_code == 0 and "already recorded" in done.output, done.output
    assert done.output.splitlines()[0] == announced_b2

    done = _draw(op, plan, "B2", "22222")
    assert done.exit_code == 0, done.output
    assert "frequency caps left out" in done.output and "counted in each" in done.output
    b2 = pd.read_csv(work / "B2.csv", dtype=str, encoding="utf-8-sig")
    low = set(b2.loc[b2["tier"].isin(["A", "B"]), "uscc"])
    assert not low & (set(warned) | drawn_b1)  # caps of 1: B1's draws and the warnings count
    history = pd.read_csv(work / "B2.csv.history.csv", dtype=str, encoding="utf-8-sig")
    assert set(warned) <= set(history["uscc"]) and not set(late) & set(history["uscc"]) - set(
        pd.read_csv(f.history, dtype=str)["uscc"]
    )
    manifest = json.loads((work / "B2.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["sealed"]["commitment_digest"] == announced_b2

    # the same seal again after the seed is still the recorded one
    kinds = ledger_kinds(op.files)
    done = _seal(op, plan, "B2")
    assert done.exit_code == 0 and "already recorded" in done.output, done.output

    # the auditor: the draw bit for bit, and every batch seal recomputed from the ledger
    done = op.run("verify", work / "B2.csv.manifest.json", "--roster", f.roster,
                  "--history", work / "B2.csv.history.csv", "--seal", f.seal)  # fmt: skip
    assert done.exit_code == 0, done.output
    done = op.run("verify", f.ledger, "--campaign", plan, "--roster", f.roster)  # mistake: no --seal
    assert done.exit_code == 2 and "--campaign, --roster and --seal together" in done.output, done.output
    done = op.run("verify", f.ledger, "--campaign", plan, "--roster", f.roster, "--seal", f.seal,
                  "--history", f.history)  # fmt: skip
    assert done.exit_code == 0 and "batch seals" in done.output, done.output
    assert ledger_kinds(op.files) == kinds


def _publish_b2(op: Operator, plan: Path) -> Path:
    from datetime import date

    from dualrandom.synth.results import synth_results

    f = op.files
    work = f.folder
    sample = pd.read_csv(work / "B2.csv", dtype=str, encoding="utf-8-sig")
    synth_results(sample, seed="22222", start=date(2026, 6, 3)).to_csv(work / "B2-results.csv", index=False)
    done = op.run("results", "import", work / "B2-results.csv", "--campaign", plan,
                  "--sample", work / "B2.csv", "--ledger", f.ledger, "--as-of", "2026-06-30",
                  "--batch", "B2")  # fmt: skip
    assert done.exit_code == 0, done.output
    bundle = work / "bundle-B2"
    done = op.run("publish", "--campaign", plan, "--sample", work / "B2.csv",
                  "--results", work / "B2-results.csv", "--roster", f.roster, "--published-on", "2026-06-30",
                  "--ledger", f.ledger, "-o", bundle,
                  "--batch", "B2", "--draw-manifest", work / "B2.csv.manifest.json")  # fmt: skip
    assert done.exit_code == 0, done.output
    return bundle


def _forge(bundle: Path, folder: Path, edit: object) -> Path:
    """A copy of the bundle with manifest.json edited and bundle.json re-hashed (a careful forger)."""
    forged = folder / f"forged-{len(list(folder.glob('forged-*')))}"
    shutil.copytree(bundle, forged)
    manifest = json.loads((forged / "manifest.json").read_text(encoding="utf-8"))
    edit(manifest)  # type: ignore[operator]
    (forged / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    index = json.loads((forged / "bundle.json").read_text(encoding="utf-8"))
    index["files"] = file_digests(forged)
    (forged / "bundle.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return forged


def test_the_public_checks_the_batch_against_its_seal(year: tuple[Operator, Path]) -> None:
    op, plan = year
    f = op.files
    bundle = _publish_b2(op, plan)
    announced = json.loads((f.folder / "B2.seal.json").read_text(encoding="utf-8"))["sealed"][
        "commitment_digest"
    ]
    done = op.run("verify", bundle, "--ledger", f.ledger, "--commitment-digest", announced)
    assert done.exit_code == 0, done.output

    # forge a receipt: an entity outside B2's sealed frame put in a drawn entity's place
    roster = pd.read_csv(f.roster, dtype=str, encoding="utf-8-sig")
    b1 = set(pd.read_csv(f.folder / "B1.csv", dtype=str, encoding="utf-8-sig")["uscc"])
    capped_out = next(c for c in roster.loc[roster["tier"] == "A", "uscc"] if c in b1)

    def swap(manifest: dict[str, object]) -> None:
        entry = manifest["drawn"][0]  # type: ignore[index]
        entry["uscc"] = capped_out

    done = op.run("verify", _forge(bundle, f.folder, swap), "--json")
    kinds = {d["kind"] for d in json.loads(done.output)["differences"]}
    assert done.exit_code == 1 and "receipt.path" in kinds

    # reuse B1's seal for B2: the public sees it is not the batch seal B2 recorded before its seed
    b1_seal = json.loads((f.folder / "B1.csv.manifest.json").read_text(encoding="utf-8"))["sealed"]

    def reuse(manifest: dict[str, object]) -> None:
        manifest["sealed"] = b1_seal

    done = op.run("verify", _forge(bundle, f.folder, reuse), "--ledger", f.ledger, "--json")
    kinds = {d["kind"] for d in json.loads(done.output)["differences"]}
    assert done.exit_code == 1 and "ledger.sealed_commitment" in kinds, kinds
