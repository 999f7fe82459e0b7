"""The draw's outputs are pinned: the SAMPLE file and the drawn part of the manifest, byte for byte.

The digests below were made by the draw before the ticket kernel and the numpy ranking
existed (hashlib tickets, pandas ranking); both ticket paths must still give them. The fixed-mode
digests were re-pinned once for dualrandom-draw/2 (random rounding of r·N, docs/draw-spec.md §4);
the Bernoulli ones did not change. The
manifest is pinned through the fields the draw decides (sample, reserve, strata), so a change
of JSON layout or of the commitment's digest format (docs/draw-spec.md §3) does not read as a
change of the draw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom import kernel
from dualrandom.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign.toml"
GOLDEN = {
    "ratio": "67e89bee512eed492650a5db6bbeaa01fea1c2220291cfba69a7d189290e1ebe",
    "ratio manifest": "eff313e5297588227fa04bfb274010926b230b96a4576a1254b5041af266d381",
    "bernoulli": "427bf9c7b3fdfd82a38bc9f7424653114c01d183d9ee4525ad4a86cbb4f03aee",
    "bernoulli manifest": "e92b216ea0646acebe0a23d687190835ebe341cad1d2141889bb72ba28e1b0a3",
    "campaign": "765e2f79ef8ab966c79ff902c9498b7d23b81ac6be0a0790f6a8e805e9d45472",
    "campaign manifest": "e3766f8a1b2aa20416b8b3236137a9604122dbef0995ee36c2625862e22f81c0",
}


FIELDS = ("roster_rows", "sample", "reserve", "strata")
CASES = {
    "ratio": ["--ratio", "A=0.01", "--ratio", "B=0.03", "--ratio", "C=0.1", "--ratio", "D=0.3"],
    "bernoulli": [
        "--ratio",
        "A=0.01",
        "--ratio",
        "B=0.03",
        "--ratio",
        "C=0.1",
        "--ratio",
        "D=0.3",
        "--mode",
        "bernoulli",
    ],
    "campaign": ["--campaign", "CAMPAIGN", "--without-history"],
}


def roster(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "uscc": [f"91420600{i:010d}" for i in range(n - 3)] + ["ＡＢ-130", "统一社会信用代码", "x" * 70],
            "tier": rng.choice(list("ABCD"), size=n, p=[0.4, 0.3, 0.2, 0.1]),
            "entity_type": rng.choice(["enterprise", "individual", "cooperative"], size=n),
            "industry": rng.choice(["C13", "F52", "F51", "I65"], size=n),
            "division": rng.choice(["420602", "420606", "420607"], size=n),
        }
    )


def outputs(directory: Path, campaign: Path) -> dict[str, str]:
    roster(20_000).to_csv(directory / "roster.csv", index=False)
    found: dict[str, str] = {}
    for name, extra in CASES.items():
        target = directory / f"{name}.csv"
        args = [a.replace("CAMPAIGN", str(campaign)) for a in extra]
        seed = ["--seed", "63454660390103169462", "-o", str(target)]
        result = CliRunner().invoke(main, ["draw", str(directory / "roster.csv"), *args, *seed])
        assert result.exit_code == 0, result.output
        manifest = json.loads(Path(f"{target}.manifest.json").read_text(encoding="utf-8"))
        drawn = json.dumps({k: manifest[k] for k in FIELDS}, sort_keys=True, ensure_ascii=False)
        found[name] = hashlib.sha256(target.read_bytes()).hexdigest()
        found[f"{name} manifest"] = hashlib.sha256(drawn.encode()).hexdigest()
    return found


@pytest.fixture(params=["kernel", "hashlib"])
def ticket_path(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "kernel" and kernel._MODULE is None:
        pytest.skip("the C ticket kernel was not built here")
    previous = kernel.set_enabled(request.param == "kernel")
    yield request.param
    kernel.set_enabled(previous)


def test_draw_outputs_are_byte_identical_to_the_pinned_ones(ticket_path: str, tmp_path: Path) -> None:
    assert (kernel.backend() == "hashlib") == (ticket_path == "hashlib")
    assert outputs(tmp_path, EXAMPLE) == GOLDEN
