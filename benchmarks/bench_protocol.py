"""What the campaign protocol costs on top of the steps it guards, measured in the same run.

Run: ``python benchmarks/bench_protocol.py [--entities 150000] [--repeat 3]``.

For a synthetic city with the demo campaign (sealed: its tiers have different ratios), it times:

* **draw**: `CampaignProtocol.draw` with a ledger (check the commitment and the seal, draw,
  write the three files, verify the chain, record seed and draw) against the bare step a user
  would otherwise run (`draw_sealed` and the same three files written, no ledger);
* **rerun**: the same `draw` again ("already recorded": rewrite the files, append nothing);
* **assign**: `CampaignProtocol.assign` (the sample checked against the recorded draw) against
  `assign_teams` and `write_teams`;
* **verify**: `Ledger.verify()` of the campaign's ledger (hashes every payload once).

Medians of ``--repeat`` runs; the ratio is protocol / bare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dualrandom.assign import assign_teams
from dualrandom.demo import demo_campaign
from dualrandom.draw.sealed import draw_sealed, seal_campaign
from dualrandom.ledger import Ledger
from dualrandom.protocol import CampaignProtocol, write_draw, write_teams
from dualrandom.synth import synth_city

SEED = "73925180462217783145"
DAY = date(2026, 11, 2)


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(entities: int, repeat: int) -> None:
    city = synth_city(entities, seed="bench-protocol")
    tiers = ["A", "B", "B", "C", "D"] * (entities // 5 + 1)
    roster = city.entities.assign(tier=tiers[:entities])
    campaign = demo_campaign()
    seal = seal_campaign(roster, campaign, key=b"k" * 32, history=city.history, as_of=DAY)
    options = {"history": city.history, "as_of": DAY}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        bare_draw = median_seconds(
            lambda: write_draw(draw_sealed(roster, campaign, SEED, seal, **options), out / "bare.csv"), repeat
        )
        with Ledger.open(out / "campaign.ledger") as ledger:
            protocol = CampaignProtocol(campaign, ledger)
            protocol.commit(roster, seal=seal)
            started = time.perf_counter()
            draw = protocol.draw(roster, SEED, output=out / "sample.csv", seal=seal, **options).value
            first = time.perf_counter() - started
            rerun = median_seconds(
                lambda: protocol.draw(roster, SEED, output=out / "sample.csv", seal=seal, **options), repeat
            )
            sample = draw.sample
            bare_assign = median_seconds(
                lambda: write_teams(
                    assign_teams(
                        sample, city.inspectors, city.conflicts, campaign, SEED, history=city.history
                    ),
                    out / "bare-teams.csv",
                ),
                repeat,
            )
            started = time.perf_counter()
            protocol.assign(sample, city.inspectors, city.conflicts, SEED, output=out / "teams.csv",
                            history=city.history)  # fmt: skip
            assigned = time.perf_counter() - started
            verify = median_seconds(ledger.verify, repeat)
    print(f"cores: {os.cpu_count()}, entities: {entities:,}, drawn: {len(sample):,}")
    print(f"draw    bare {bare_draw:7.2f} s   protocol {first:7.2f} s   ratio {first / bare_draw:5.2f}")
    print(f"rerun   (already recorded)     {rerun:7.2f} s   ratio {rerun / bare_draw:5.2f}")
    ratio = assigned / bare_assign
    print(f"assign  bare {bare_assign:7.2f} s   protocol {assigned:7.2f} s   ratio {ratio:5.2f}")
    print(f"ledger verify (4 records, with the draw manifest) {verify:6.3f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.entities, arguments.repeat)
