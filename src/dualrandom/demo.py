"""The demo campaign: all of 双随机、一公开 on a synthetic city, on the embedded SQLite ledger.

`run_demo` generates a city, classifies it, commits the roster, records the seed, draws,
assigns teams, simulates results, publishes the bundle, verifies it and writes the annual
report. Everything is built in a temporary directory that replaces ``out`` at the end, so a
rerun is idempotent and a failed run leaves the previous demo in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .assign import assign_teams
from .atomic import atomic_directory
from .classify import classify, load_policy, save_snapshot
from .draw import commitment, draw_campaign, manifest_json
from .draw.sealed import Seal, disclosure_of, draw_sealed, seal_campaign, seal_json
from .errors import VerificationError
from .io import write_table
from .ledger import Ledger
from .models import Campaign, load_campaign
from .publish import publish_campaign, verify_bundle
from .report import annual_report, write_report
from .results import import_results, record_results
from .synth import synth_city
from .synth.credit import synth_credit
from .synth.results import synth_results
from .workflow import record_assignment, record_commitment, record_draw, record_seed

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


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def run_demo(
    out: str | Path, *, entities: int = 150_000, seed: str = DEMO_SEED, step: Step | None = None
) -> DemoSummary:
    """Run the whole demo campaign into ``out`` (replaced atomically); ``step`` reports progress."""
    say: Step = step or (lambda _: None)
    final = Path(out)
    summary = DemoSummary(out=final)
    campaign = demo_campaign()
    campaign_id = campaign.plan.id

    with atomic_directory(final) as work:
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
            say("committing the roster (and sealing the tickets)")
            committed = commitment(roster, snapshot_digest=snapshot.content_digest)
            seal = _seal(roster, campaign, city.history, outputs / "auditor")
            if seal is not None:  # the sealed commitment precedes the seed, in the same record
                committed["sealed"] = {"commitment": seal.commitment, "commitment_digest": seal.digest}
            record_commitment(ledger, campaign_id, committed)
            _write_json(outputs / "commitment.json", committed)
            record_seed(ledger, campaign_id, seed, source="20 ten-sided dice (demo)")

            say("drawing (first random)")
            options: dict[str, Any] = {
                "history": city.history,
                "as_of": DRAWN_ON,
                "snapshot_digest": snapshot.content_digest,
            }
            if seal is not None:
                draw = draw_sealed(roster, campaign, seed, seal, **options)
            else:
                draw = draw_campaign(roster, campaign, seed, **options)
            record_draw(ledger, campaign_id, draw.manifest)
            write_table(draw.sample, outputs / "sample.csv")
            (outputs / "sample.manifest.json").write_text(manifest_json(draw.manifest), encoding="utf-8")

            say("assigning teams (second random)")
            sample = draw.sample.merge(city.entities[["uscc", "name"]], on="uscc", how="left")
            assignment = assign_teams(
                sample, city.inspectors, city.conflicts, campaign, seed, history=city.history
            )
            record_assignment(ledger, campaign_id, assignment.manifest)
            write_table(assignment.teams, outputs / "teams.csv")
            _write_json(outputs / "teams.manifest.json", assignment.manifest)

            say("recording results")
            results = synth_results(draw.sample, seed=seed, start=date(2026, 11, 3))
            write_table(results, outputs / "results.csv")
            imported = import_results(outputs / "results.csv", campaign, draw.sample)
            record_results(ledger, campaign, imported, source="results.csv")

            say("publishing (one public)")
            bundle = outputs / "bundle"
            publish_campaign(
                campaign,
                draw.sample,
                imported,
                roster,
                bundle,
                published_on=PUBLISHED_ON,
                seed=seed,
                draw_manifest=draw.manifest,
                teams=assignment.teams,
                inspectors=city.inspectors,
                ledger=ledger,
            )

            say("verifying the bundle")
            differences = verify_bundle(
                bundle,
                roster,
                draw_manifest=draw.manifest,
                history=city.history,
                seal=seal,
                commitment_digest=seal.digest if seal is not None else None,
            )
            if differences:
                raise VerificationError(differences)
            ledger.verify()
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
        "draw manifest": final / "output" / "sample.manifest.json",
        "auditor's frozen roster (tiers; internal)": final / "output" / "auditor" / "roster.frozen.csv",
        "inputs": final / "input",
    }
    if (final / "output" / "auditor" / "sealed.json").exists():
        summary.paths["auditor's sealed material (secret)"] = final / "output" / "auditor" / "sealed.json"
    return summary


def _seal(roster: pd.DataFrame, campaign: Campaign, history: pd.DataFrame, auditor: Path) -> Seal | None:
    """Seal a campaign whose tiers have different ratios, before the seed; write the auditor's files.

    ``auditor`` receives the frozen tiered roster and, for a sealed campaign, the sealed material
    (the key): both are for auditors (纪检监察, courts) only and never enter the public bundle.
    """
    auditor.mkdir()
    write_table(roster[[c for c in roster.columns if c != "score"]], auditor / "roster.frozen.csv")
    if disclosure_of(campaign) != "sealed":
        return None
    seal = seal_campaign(roster, campaign, key=DEMO_KEY, history=history, as_of=DRAWN_ON)
    (auditor / "sealed.json").write_text(seal_json(seal), encoding="utf-8")
    (auditor / "sealed.json").chmod(0o600)
    return seal


def tier_table(summary: DemoSummary) -> pd.DataFrame:
    """Tier counts of the demo city (internal: tiers are never published)."""
    return pd.DataFrame({"tier": list(summary.tiers), "entities": list(summary.tiers.values())})
