"""Importing dualrandom into a bureau system: a walk-through of the Python API.

A bureau's IT system holds the rosters in its own database. This script plays that system:
it stores a synthetic city in SQLite (stand-in for the bureau's database), then runs one
campaign through the library, printing what a developer would look at. Run it:

    python examples/library_walkthrough.py [--entities 20000] [--out walkthrough-out]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
from datetime import date
from pathlib import Path

import dualrandom as dr
from dualrandom.draw.sealed import entity_opening, opening_ticket, seal_campaign, verify_receipt
from dualrandom.synth.credit import synth_credit
from dualrandom.synth.results import synth_results
from dualrandom.visits import verify_visit_teams

SEED = "73925180462217783145"  # read from 20 ten-sided dice in the public ceremony


def bureau_database(path: Path, entities: int) -> None:
    """The bureau's own database: rosters as SQL tables (any SQLAlchemy URL works the same)."""
    city = dr.synth_city(entities, seed="walkthrough")
    with sqlite3.connect(path) as db:
        for name, table in city.tables().items():
            table.to_sql(name, db, index=False, if_exists="replace")
        synth_credit(city.entities, as_of=date(2026, 11, 1), seed="walkthrough").to_sql(
            "credit_records", db, index=False, if_exists="replace"
        )


def main(entities: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "campaign.ledger").unlink(missing_ok=True)  # a fresh campaign on every run of this script
    database = out / "bureau.sqlite"
    bureau_database(database, entities)
    url = f"sqlite:///{database}"

    # 1. Rosters come in validated: a bad row raises dr.InputError listing every problem.
    roster = dr.read_roster(url, "entities", table="entities")
    inspectors = dr.read_roster(url, "inspectors", table="inspectors")
    conflicts = dr.read_roster(url, "conflicts", table="conflicts")
    history = dr.read_roster(url, "history", table="history")
    records = dr.read_table(url, table="credit_records")
    print(f"roster: {len(roster):,} entities, {len(inspectors)} officers, {len(conflicts)} conflicts")

    # 2. Classification as of a date; every tier decision is explained.
    policy = dr.load_policy(Path(dr.__file__).parent / "data" / "policy.toml")
    snapshot = dr.classify(roster, records, policy, as_of=date(2026, 11, 1), history=history)
    print("tiers:", snapshot.table["tier"].value_counts().sort_index().to_dict())
    riskiest = snapshot.table.sort_values("score", ascending=False)["uscc"].iloc[0]
    print(dr.explain(snapshot, riskiest))

    # 3. Commit to the roster, then draw with the public seed.
    classified = roster.merge(snapshot.table[["uscc", "tier"]], on="uscc")
    campaign = dr.load_campaign(Path(dr.__file__).parent / "data" / "demo-campaign.toml")
    with dr.Ledger.open(out / "campaign.ledger") as ledger:
        # The protocol checks each step against the ledger, writes outputs, then records.
        run = dr.CampaignProtocol(campaign, ledger)
        # Tiers have different ratios, so tickets are sealed: a secret key, committed before the
        # seed, keys every ticket; the key goes to the auditors only (纪检监察, courts).
        seal = seal_campaign(classified, campaign, history=history, as_of=date(2026, 11, 2))
        committed = run.commit(classified, snapshot_digest=snapshot.content_digest, seal=seal,
                               seal_output=out / "auditor" / "sealed.json").value  # fmt: skip
        draw = run.draw(classified, SEED, seed_source="20 ten-sided dice", history=history,
                        as_of=date(2026, 11, 2), seal=seal).value  # fmt: skip
        print(f"drew {len(draw.sample)} targets; roster digest {committed['roster_digest'][:16]}…")

        # An entity given its opening (code and sealed id) checks its own receipt and ticket:
        first = draw.sample.iloc[0]
        opening = entity_opening(seal, first["uscc"])
        [receipt] = [r for r in draw.manifest["receipts"]
                     if (r["uscc"], r["task_id"]) == (first["uscc"], first["task_id"])]  # fmt: skip
        task_seed = f"{SEED}/{first['task_id']}"
        assert verify_receipt(receipt, seal.commitment["frames_root"], opening=opening).ok
        assert opening_ticket(opening, task_seed) == first["ticket"]
        # ... and the ticket is the published recipe over the sealed id (docs/draw-spec.md):
        inner = hashlib.sha256(task_seed.encode()).hexdigest()
        number = int(hashlib.sha256((inner + opening["sealed_id"]).encode()).hexdigest(), 16)
        assert "0." + f"{number:064d}"[::-1] == first["ticket"]

        # 4. Teams: exact under every recusal rule, a pure function of the seed.
        assignment = run.assign(draw.sample, inspectors, conflicts, SEED, history=history).value
        # the independent checker re-derives every rule and, given the seed, the teams themselves;
        # an entity two tasks drew has one joint team (one visit), checked per visit then per task
        verify_visit_teams(assignment.teams, draw.sample, inspectors, conflicts, campaign, batch=None,
                           history=history, seed=SEED).raise_if_failed()  # fmt: skip
        model = assignment.manifest["model"]
        print(
            f"teams: {len(assignment.teams)} seats; "
            f"{assignment.manifest['status']} min-cost flow, {model['arcs']:,} arcs"
        )

        # 5. Results from the departments, then the publication bundle and its public check.
        results = run.import_results(
            synth_results(draw.sample, seed=SEED, start=date(2026, 11, 3)), draw.sample
        ).value
        bundle = out / "bundle"
        run.publish(
            draw.sample, results, classified, bundle, published_on=date(2026, 11, 30),
            draw_manifest=draw.manifest, teams=assignment.teams, inspectors=inspectors,
        )  # fmt: skip
        dr.ensure_bundle(bundle)
        dr.ensure_against_ledger(bundle, ledger)  # the bundle names the ledger head
        print(f"published {bundle / 'index.html'}; ledger holds {len(ledger.records())} records")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("walkthrough-out"))
    arguments = parser.parse_args()
    main(arguments.entities, arguments.out)
