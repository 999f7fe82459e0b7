"""A small campaign on disk, as an operator holds it: rosters, campaign file, and a CLI runner.

`campaign_files` writes a synthetic city (4,000 entities, tiers assigned) and the demo's joint
campaign into a folder; `Operator` runs `dualrandom` commands the way a clerk types them and
fails the test on any Python traceback (an error must always be a message).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
from click.testing import CliRunner, Result

from dualrandom.cli import main
from dualrandom.synth import synth_city

SEED = "73925180462217783145"
OTHER_SEED = "11111222223333344444"


@dataclass(frozen=True)
class CampaignFiles:
    """The paths of one campaign's inputs and outputs."""

    folder: Path

    def __getattr__(self, name: str) -> Path:
        names = {
            "roster": "roster.csv", "inspectors": "inspectors.csv", "conflicts": "conflicts.csv",
            "history": "history.csv", "campaign": "campaign.toml", "ledger": "campaign.ledger",
            "seal": "auditor/sealed.json",
            "commitment": "commitment.json", "sample": "sample.csv", "teams": "teams.csv",
            "results": "results.csv", "bundle": "bundle",
        }  # fmt: skip
        if name not in names:
            raise AttributeError(name)
        return self.folder / names[name]


def campaign_files(folder: Path, entities: int = 4_000) -> CampaignFiles:
    """Write the rosters (tiers A-D in turn) and the demo campaign into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    city = synth_city(entities, seed="campaign-fixture")
    tiers = pd.Series(["A", "B", "B", "C", "D"] * (entities // 5 + 1))[:entities].to_numpy()
    files = CampaignFiles(folder)
    city.entities.assign(tier=tiers).to_csv(files.roster, index=False)
    city.inspectors.to_csv(files.inspectors, index=False)
    city.conflicts.to_csv(files.conflicts, index=False)
    city.history.to_csv(files.history, index=False)
    packaged = resources.files("dualrandom").joinpath("data/demo-campaign.toml")
    with resources.as_file(packaged) as source:
        shutil.copyfile(source, files.campaign)
    return files


@dataclass
class Operator:
    """Runs `dualrandom` commands in-process; a traceback fails the test."""

    files: CampaignFiles

    def run(self, *args: str | Path) -> Result:
        result = CliRunner().invoke(main, [str(a) for a in args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"dualrandom {' '.join(map(str, args))} raised") from result.exception
        assert "Traceback" not in result.output
        return result

    def commit(self) -> Result:
        """Commit the roster, sealing the tickets (the demo campaign's tiers have different ratios)."""
        f = self.files
        return self.run(
            "commit", f.roster, "-o", f.commitment, "--campaign", f.campaign, "--ledger", f.ledger,
            "--seal-out", f.seal, "--history", f.history, "--as-of", "2026-11-02",
        )  # fmt: skip

    def draw(self, *extra: str | Path, seed: str = SEED, roster: Path | None = None) -> Result:
        f = self.files
        return self.run(
            "draw", roster or f.roster, "--campaign", f.campaign, "--seed", seed, "--history", f.history,
            "--as-of", "2026-11-02", "-o", f.sample, "--ledger", f.ledger, "--seal", f.seal, *extra,
        )  # fmt: skip

    def assign(self, *extra: str | Path, sample: Path | None = None) -> Result:
        f = self.files
        return self.run(
            "assign", sample or f.sample, "--inspectors", f.inspectors, "--conflicts", f.conflicts,
            "--campaign", f.campaign, "--history", f.history, "--seed", SEED, "-o", f.teams,
            "--ledger", f.ledger, *extra,
        )  # fmt: skip

    def import_results(self, results: Path | None = None) -> Result:
        f = self.files
        return self.run(
            "results", "import", results or f.results, "--campaign", f.campaign, "--sample", f.sample,
            "--ledger", f.ledger, "--as-of", "2026-11-30",
        )  # fmt: skip

    def publish(self, *extra: str | Path, output: Path | None = None, results: Path | None = None) -> Result:
        f = self.files
        return self.run(
            "publish", "--campaign", f.campaign, "--sample", f.sample, "--results", results or f.results,
            "--roster", f.roster, "--teams", f.teams, "--inspectors", f.inspectors,
            "--published-on", "2026-11-30", "--ledger", f.ledger, "-o", output or f.bundle, *extra,
        )  # fmt: skip


def write_results(files: CampaignFiles) -> None:
    """Simulated results for the drawn sample (every check completed in November 2026)."""
    from datetime import date

    from dualrandom.synth.results import synth_results

    sample = pd.read_csv(files.sample, dtype=str, encoding="utf-8-sig")
    synth_results(sample, seed=SEED, start=date(2026, 11, 3)).to_csv(files.results, index=False)


def ledger_kinds(files: CampaignFiles) -> list[str]:
    """The kinds of the ledger's records, in order."""
    from dualrandom.ledger import Ledger

    with Ledger.open(files.ledger, create=False, read_only=True) as ledger:
        return [r.kind for r in ledger.records()]


EXAMPLE_CAMPAIGN = Path(__file__).parents[1] / "examples" / "campaign.toml"


def annual_plan(folder: Path, batches: dict[str, str], *, disclosure: str | None = None) -> Path:
    """The example joint campaign as an annual plan with ``batches`` (id → drawn_on).

    Its tiers' ratios differ (A 5 %, B 10 %), so it is sealed unless ``disclosure`` says otherwise.
    """
    declared = "".join(f'\n[[plan.batches]]\nid = "{b}"\ndrawn_on = {day}\n' for b, day in batches.items())
    text = EXAMPLE_CAMPAIGN.read_text(encoding="utf-8")
    authority = 'authority = "襄阳市市场监督管理局"\n'
    text = text.replace(authority, authority + declared)
    text = text.replace("A = 0.01\nB = 0.03", "A = 0.05\nB = 0.10")
    if disclosure is not None:
        text = text.replace("[publication]\n", f'[publication]\ndisclosure = "{disclosure}"\n')
    path = folder / "year.toml"
    path.write_text(text, encoding="utf-8")
    return path
