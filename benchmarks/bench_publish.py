"""Publishing 100k results: import + validation, bundle build, CSV/JSON/site writing.

Run: python benchmarks/bench_publish.py [ROWS]. The baseline is what a user would otherwise
do: plain DataFrame.to_csv + to_json of the same result rows, measured in the same run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dualrandom.ids import check_character
from dualrandom.models import load_campaign
from dualrandom.publish import build_publication, write_bundle
from dualrandom.results import VOCABULARY, import_results
from dualrandom.tickets import tickets

ROOT = Path(__file__).resolve().parents[1]
SEED = "20261103748291035566"


def inputs(rows: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Roster, sample and results: 70% single-department T1 checks, 30% joint T2 (2 rows each)."""
    rng = np.random.default_rng(1)
    joint = int(rows * 0.3) // 2
    single = rows - 2 * joint
    count = single + joint
    kinds = np.where(rng.random(count) < 0.5, "individual", "enterprise")
    bodies = [f"9{'2' if k == 'individual' else '1'}420602{i:09d}" for i, k in enumerate(kinds)]
    codes = [b + check_character(b) for b in bodies]
    people = ["张伟", "李娜", "王芳", "刘洋", "陈静"]
    operator = [people[i % 5] for i in range(count)]
    roster = pd.DataFrame(
        {
            "uscc": codes,
            "name": [
                f"{p}便利店" if k == "individual" else f"襄阳{i}商贸有限公司"
                for i, (p, k) in enumerate(zip(operator, kinds, strict=True))
            ],
            "entity_type": kinds,
            "legal_rep": operator,
        }
    )
    task = np.array(["T1"] * single + ["T2"] * joint)
    sample = pd.DataFrame({"uscc": codes, "task_id": task, "tier": rng.choice(list("ABCD"), count)})
    sample["ticket"] = ""
    for t in ("T1", "T2"):
        mask = sample["task_id"] == t
        sample.loc[mask, "ticket"] = tickets(f"{SEED}/{t}", sample.loc[mask, "uscc"].tolist())
    sample["departments"] = np.where(task == "T1", "SAMR", "FOOD;FIRE")
    labels = [t.label for t in VOCABULARY[:8]]
    results = pd.DataFrame(
        {
            "uscc": codes[:single] + codes[single:] * 2,
            "task_id": ["T1"] * single + ["T2"] * (2 * joint),
            "department": ["SAMR"] * single + ["FOOD"] * joint + ["FIRE"] * joint,
            "completed_on": [f"2026-09-{1 + i % 28:02d}" for i in range(rows)],
            "result": [labels[i % len(labels)] for i in range(rows)],
        }
    )
    return roster, sample, results


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    campaign = load_campaign(ROOT / "examples" / "campaign.toml")
    roster, sample, raw = inputs(rows)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        cpu = time.process_time()
        validated = import_results(raw, campaign, sample)
        imported = time.perf_counter()
        publication = build_publication(
            campaign, sample, validated, roster, published_on=date(2026, 10, 20), seed=SEED
        )
        built = time.perf_counter()
        write_bundle(publication, Path(scratch) / "bundle")
        written = time.perf_counter()
        cpu = time.process_time() - cpu
        size = sum(p.stat().st_size for p in (Path(scratch) / "bundle").iterdir())

        base_cpu = time.process_time()
        base_start = time.perf_counter()
        validated.to_csv(Path(scratch) / "plain.csv", index=False)
        validated.to_json(
            Path(scratch) / "plain.json", orient="records", force_ascii=False, date_format="iso"
        )
        baseline = time.perf_counter() - base_start
        base_cpu = time.process_time() - base_cpu
    total = written - start
    print(f"rows: {rows:,} results -> {len(publication.rows):,} published checks, bundle {size / 1e6:.1f} MB")
    print(f"import + validate: {imported - start:6.2f} s")
    print(f"build publication: {built - imported:6.2f} s")
    print(f"write bundle:      {written - built:6.2f} s  (CSV, JSON, manifest, site, digests; atomic swap)")
    print(
        f"total publish:     {total:6.2f} s wall, {cpu:.2f} s CPU  "
        f"(goal <= 5 s: {'met' if total <= 5 else 'MISSED'})"
    )
    print(
        f"baseline to_csv + to_json of the same rows: {baseline:.2f} s wall, {base_cpu:.2f} s CPU; "
        f"ratio {total / baseline:.1f}x wall, {cpu / base_cpu:.1f}x CPU"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
