"""Triggered checks: an early-warning list of 3,000 entities in one call vs one call per entity.

Run ``python benchmarks/bench_triggered.py [N_SINGLE]``: times ``dualrandom trigger --from-file``
on 3,000 codes, and N_SINGLE (default 30) separate ``dualrandom trigger CODE`` processes on a
second ledger, extrapolated to 3,000 (each call starts Python, reads the campaign, verifies the
whole ledger and appends one record, so the real figure only grows with the ledger).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from dualrandom.ledger import Ledger
from dualrandom.synth import synth_city

EXAMPLE = Path(__file__).parents[1] / "examples" / "campaign.toml"


def main(singles: int = 30) -> None:
    folder = Path(tempfile.mkdtemp())
    codes = synth_city(3_000, seed="bench-triggered").entities["uscc"].tolist()
    pd.DataFrame({"uscc": codes, "reason": "风险预警", "inspected_on": "2026-04-10"}).to_csv(
        folder / "warnings.csv", index=False
    )
    for name in ("bulk.ledger", "single.ledger"):
        Ledger.open(folder / name).close()  # the campaign's ledger exists before any trigger
    cli = [sys.executable, "-m", "dualrandom", "trigger"]
    common = ["--campaign", str(EXAMPLE)]
    started = time.perf_counter()
    subprocess.run([*cli, "--from-file", str(folder / "warnings.csv"), "--task", "T1", *common,
                    "--ledger", str(folder / "bulk.ledger")], check=True, capture_output=True)  # fmt: skip
    bulk = time.perf_counter() - started
    started = time.perf_counter()
    for code in codes[:singles]:
        one = [*cli, code, *common, "--department", "SAMR", "--reason", "风险预警", "--on", "2026-04-10"]
        subprocess.run([*one, "--ledger", str(folder / "single.ledger")], check=True, capture_output=True)
    each = (time.perf_counter() - started) / singles
    print(f"3,000 triggered checks in one call: {bulk:.2f} s")
    print(
        f"one call per check: {each:.2f} s per call -> {each * 3_000 / 60:.0f} min for 3,000 (extrapolated)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
