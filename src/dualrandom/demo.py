"""The demo campaign: all of 双随机、一公开 on a synthetic city, on the embedded SQLite ledger.

`run_demo` generates a city, classifies it, commits the roster, records the seed, draws,
assigns teams, simulates results, publishes the bundle, verifies it and writes the annual
report. Everything is built in a temporary directory that replaces ``out`` at the end, so a
rerun is idempotent and a failed run leaves the previous demo in place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd

from .atomic import atomic_directory
from .classify import classify, load_policy, save_snapshot
from .draw.sealed import Seal, disclosure_of, seal_campaign
from .errors import InputError, Problem
from .io import write_table
from .ledger import Ledger
from .models import Campaign, load_campaign
from .protocol import CampaignProtocol, verify_against_ledger
from .publish import verify_bundle
from .report import annual_report, write_report
from .synth import synth_city
from .synth.credit import synth_credit
from .synth.results import synth_results

__all__ = ["DEMO_SEED", "DemoSummary", "demo_campaign", "run_demo"]

DEMO_SEED = "73925180462217783145"
"""The demo's seed, as if read from 20 ten-sided dice in a public ceremony."""

DEMO_KEY = hashlib.sha256(b"dualrandom demo: a fixed sealing key, so that reruns are identical").digest()
"""The demo's sealing key. A real campaign lets `seal_campaign` draw a secret one (``secrets``)."""

AS_OF = date(2026, 11, 1)
DRAWN_ON = date(2026, 11, 2)
PUBLISHED_ON = date(2026, 11, 30)

Step = Callable[[str], None]


@dataclass
class DemoSummary:
    """What the demo produced: counts to show and paths to open."""

    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    verified: bool = False


def _packaged(name: str) -> Path:
    return Path(str(resources.files("dualrandom").joinpath(f"data/{name}")))


def demo_campaign() -> Campaign:
    """The demo's joint campaign (package data ``data/demo-campaign.toml``)."""
    return load_campaign(_packaged("demo-campaign.toml"))


def _previous_demo(folder: Path) -> None:
    """Raise `InputError` unless ``folder`` is empty or a previous demo (input/ and output/ only)."""
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in ("input", "output"))
    if foreign:
        raise InputError(
            [Problem(str(folder), None, None, ", ".join(foreign[:5]), "OUTPUT_NOT_A_DEMO",
                     "the folder holds files the demo did not write, and a rerun replaces the folder: "
                     "choose a new or empty folder")]
        )  # fmt: skip


def run_demo(
    out: str | Path, *, entities: int = 150_000, seed: str = DEMO_SEED, step: Step | None = None
) -> DemoSummary:
    """Run the whole demo campaign into ``out`` (replaced atomically); ``step`` reports progress."""
    say: Step = step or (lambda _: None)
    final = Path(out)
    summary = DemoSummary(out=final)
    campaign = demo_campaign()

    with atomic_directory(final, may_replace=_previous_demo) as work:
        inputs, outputs = work / "input", work / "output"
        inputs.mkdir()
        outputs.mkdir()

        say("generating the city")
        city = synth_city(entities, seed="demo-city", as_of=AS_OF)
        records = synth_credit(city.entities, as_of=AS_OF, seed="demo-city")
        for name, table in city.tables().items():
            write_table(table, inputs / f"{name}.csv")
        write_table(records, inputs / "credit_records.csv")
        (inputs / "campaign.toml").write_bytes(_packaged("demo-campaign.toml").read_bytes())
        (inputs / "policy.toml").write_bytes(_packaged("policy.toml").read_bytes())

        say("classifying")
        policy = load_policy(_packaged("policy.toml"))
        snapshot = classify(city.entities, records, policy, as_of=AS_OF, history=city.history)
        save_snapshot(snapshot, outputs / "snapshot.parquet")
        roster = city.entities.merge(snapshot.table[["uscc", "tier", "score"]], on="uscc", how="left")
        summary.tiers = {str(k): int(v) for k, v in roster["tier"].value_counts().sort_index().items()}

        ledger_path = outputs / "ledger.sqlite"
        with Ledger.open(ledger_path) as ledger:
            protocol = CampaignProtocol(campaign, ledger)
            say("committing the roster (and sealing the tickets)")
            seal = _seal(roster, campaign, city.history, outputs / "auditor")
            protocol.commit(
                roster, output=outputs / "commitment.json", snapshot_digest=snapshot.content_digest,
                seal=seal, seal_output=outputs / "auditor" / "sealed.json",
            )  # fmt: skip

            say("drawing (first random)")
            draw = protocol.draw(
                roster, seed, output=outputs / "sample.csv", seed_source="20 ten-sided dice (demo)",
                history=city.history, as_of=DRAWN_ON, snapshot_digest=snapshot.content_digest, seal=seal,
            ).value  # fmt: skip

            say("assigning teams (second random)")
            sample = draw.sample.merge(city.entities[["uscc", "name"]], on="uscc", how="left")
            assignment = protocol.assign(
                sample,
                city.inspectors,
                city.conflicts,
                seed,
                output=outputs / "teams.csv",
                history=city.history,
            ).value

            say("recording results")
            results = synth_results(draw.sample, seed=seed, start=date(2026, 11, 3))
            write_table(results, outputs / "results.csv")
            imported = protocol.import_results(
                outputs / "results.csv", draw.sample, source_name="results.csv"
            ).value

            say("publishing (one public)")
            bundle = outputs / "bundle"
            protocol.publish(
                draw.sample, imported, roster, bundle, published_on=PUBLISHED_ON, seed=seed,
                draw_manifest=draw.manifest, teams=assignment.teams, inspectors=city.inspectors,
            )  # fmt: skip

            say("verifying the bundle")
            verified = verify_bundle(
                bundle, roster, draw_manifest=draw.manifest, history=city.history, seal=seal,
                commitment_digest=seal.digest if seal is not None else None,
            )  # fmt: skip
            (verified + verify_against_ledger(bundle, ledger)).raise_if_failed()
            ledger.ensure_intact()
            summary.verified = True

            say("writing the annual report")
            write_report(annual_report(ledger, year=campaign.plan.year), outputs / "report")

        summary.counts = {
            "entities": len(city.entities),
            "inspectors": len(city.inspectors),
            "departments": int(city.inspectors["department"].nunique()),
            "declared conflicts": len(city.conflicts),
            "targets drawn": int(draw.sample[["uscc", "task_id"]].drop_duplicates().shape[0]),
            "team seats": len(assignment.teams),
            "results": len(imported),
        }
    summary.paths = {
        "publication site": final / "output" / "bundle" / "index.html",
        "bundle": final / "output" / "bundle",
        "annual report": final / "output" / "report",
        "ledger": final / "output" / "ledger.sqlite",
        "draw manifest": final / "output" / "sample.csv.manifest.json",
        "auditor's frozen roster (tiers; internal)": final / "output" / "auditor" / "roster.frozen.csv",
        "inputs": final / "input",
    }
    if (final / "output" / "auditor" / "sealed.json").exists():
        summary.paths["auditor's sealed material (secret)"] = final / "output" / "auditor" / "sealed.json"
    return summary


def _seal(roster: pd.DataFrame, campaign: Campaign, history: pd.DataFrame, auditor: Path) -> Seal | None:
    """Seal a campaign whose tiers have different ratios, before the seed; freeze the tiered roster.

    ``auditor`` receives the frozen tiered roster (and, from the commitment, the sealed
    material): both are for auditors (纪检监察, courts) only and never enter the public bundle.
    """
    auditor.mkdir()
    write_table(roster[[c for c in roster.columns if c != "score"]], auditor / "roster.frozen.csv")
    if disclosure_of(campaign) != "sealed":
        return None
    return seal_campaign(roster, campaign, key=DEMO_KEY, history=history, as_of=DRAWN_ON)


def tier_table(summary: DemoSummary) -> pd.DataFrame:
    """Tier counts of the demo city (internal: tiers are never published)."""
    return pd.DataFrame({"tier": list(summary.tiers), "entities": list(summary.tiers.values())})
