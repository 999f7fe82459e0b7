"""The draw's outputs are pinned: the SAMPLE file and the drawn part of the manifest, byte for byte.

The digests below were made by the draw before the ticket kernel and the numpy ranking
existed (hashlib tickets, pandas ranking); both ticket paths must still give them. The
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
    "ratio": "dc2b44ff99ba7004267794fd1e483d8fd2143aff6ec59cda8feb7d5e555f8956",
    "ratio manifest": "3d44cdb39dcea34fd72a1f3bf45acc5457be5038bc40b310d5ba2559d01729a3",
    "bernoulli": "427bf9c7b3fdfd82a38bc9f7424653114c01d183d9ee4525ad4a86cbb4f03aee",
    "bernoulli manifest": "e92b216ea0646acebe0a23d687190835ebe341cad1d2141889bb72ba28e1b0a3",
    "campaign": "51e7de8a09b8e52655a48cc508382d4d17671e60f58bca31009d76870f95e152",
    "campaign manifest": "3493af77ac51b48f2f47938a00f3d029a7b28b02ab68edfc7623b7548b06e1c1",
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
    "campaign": ["--campaign", "CAMPAIGN"],
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
