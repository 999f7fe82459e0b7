"""The faster draw writes the same bytes: every file of a draw and the roster digest are pinned.

The digests below were made before the draw's columnar path, the shared sort of the codes and
the manifest changes of issue 18 (the fields the draw decides are pinned since the first kernel
in test_kernel_golden.py). Each case runs the way an operator does, through the CLI, and the
three files it writes (SAMPLE, SAMPLE.manifest.json, SAMPLE.public.json) are hashed whole.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.draw import draw_sample, roster_digest
from dualrandom.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign.toml"
SEED = "63454660390103169462"
RATIOS = ["--ratio", "A=0.01", "--ratio", "B=0.03", "--ratio", "C=0.1", "--ratio", "D=0.3"]
CASES = {
    "ratio": RATIOS,
    "bernoulli": [*RATIOS, "--mode", "bernoulli"],
    "campaign": ["--campaign", str(EXAMPLE), "--without-history"],
}
PINNED = {
    "ratio sample": "f35fb6bccb541e8e08602ef7a25f7db051f8019f42cd874c6db000465fc79fa0",
    "ratio manifest": "8d7e36abb3ba63b7e9a15e9a852873d986001079c2a7ea3cedcb90bd89dffd14",
    "ratio public": "83334442ee9f9eec9f987de359343ab2c2250bbe9d3307404b7fa733105d99aa",
    "bernoulli sample": "aed1ba41cc3277a45f25afd9a0819b3ce725867a2b54f0cf7317987e06bd53a9",
    "bernoulli manifest": "c3114bdc934bd8f8ce9daa427cd670689dca34682193dc5c3196fc17e2bd58de",
    "bernoulli public": "5c807be6fe16033b2fd9cd79e45a8d42dbadba5d8d4975420b79f92290440e14",
    "campaign sample": "20af2451a2e1527e792f134765535482917e3168f297f9f45577a392afeb8abe",
    # the campaign manifest changed when tasks gained scope and period (notices)
    "campaign manifest": "8dc773d6ddb6dd56af2aba697c819d8d9332496fb4b050dab6b0bbc014ea77f9",
    "campaign public": "a645d39cfed889d1c6196fd28bf22e3bca6daba50a96572cb45dcf19fb2bb53b",
}
ROSTER_DIGEST = "7577803379cd65a67b58e35a73c688d944cf0297ae4ac5b7ad49f2a289d90717"


def roster(n: int) -> pd.DataFrame:
    """A roster with odd codes (full-width, Chinese, 70 characters, a backslash) and blank cells."""
    rng = np.random.default_rng(18)
    codes = [f"91420600{i:010d}" for i in range(n - 4)] + ["ＡＢ-130", "统一社会信用代码", "x" * 70, "a\\b"]
    industry = rng.choice(np.array(["C13", "F52", "F51", "I65", ""], dtype=object), size=n)
    return pd.DataFrame(
        {
            "uscc": codes,
            "tier": rng.choice(list("ABCD"), size=n, p=[0.4, 0.3, 0.2, 0.1]),
            "entity_type": rng.choice(["enterprise", "individual", "cooperative"], size=n),
            "industry": industry,
            "division": rng.choice(["420602", "420606", "420607"], size=n),
        }
    )


def draw_files(directory: Path, name: str, frame: pd.DataFrame) -> dict[str, str]:
    """SHA-256 of each file ``dualrandom draw`` writes for case ``name``."""
    source = directory / "roster.csv"
    frame.to_csv(source, index=False)
    target = directory / f"{name}.csv"
    args = [str(source), *CASES[name], "--seed", SEED, "-o", str(target)]
    result = CliRunner().invoke(main, ["draw", *args])
    assert result.exit_code == 0, result.output
    files = {"sample": target, "manifest": Path(f"{target}.manifest.json")}
    files["public"] = Path(f"{target}.public.json")
    return {f"{name} {kind}": hashlib.sha256(path.read_bytes()).hexdigest() for kind, path in files.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_every_file_of_a_draw_is_byte_identical(name: str, tmp_path: Path) -> None:
    found = draw_files(tmp_path, name, roster(20_000))
    assert found == {k: v for k, v in PINNED.items() if k.startswith(f"{name} ")}


def test_the_roster_digest_is_pinned() -> None:
    assert roster_digest(roster(20_000)) == ROSTER_DIGEST


def test_repeated_codes_are_reported_as_before() -> None:
    """Every repeat at its later row, naming the first row; empty codes are not repeats."""
    codes = ["A1", "B2", "A1", "", "C3", "B2", "A1", " c3 ", "C3"]
    frame = pd.DataFrame({"uscc": codes, "tier": ["A"] * len(codes)})
    with pytest.raises(InputError) as caught:
        draw_sample(frame, {"A": 0.5}, "1")
    assert str(caught.value).splitlines()[1:] == [
        "  - roster, row 4, column 'uscc': duplicates row 2 (value 'A1') [DUPLICATE]",
        "  - roster, row 5, column 'uscc': the code is empty (value '') [ID_EMPTY]",
        "  - roster, row 7, column 'uscc': duplicates row 3 (value 'B2') [DUPLICATE]",
        "  - roster, row 8, column 'uscc': duplicates row 2 (value 'A1') [DUPLICATE]",
        "  - roster, row 9, column 'uscc': duplicates row 6 (value 'C3') [DUPLICATE]",
        "  - roster, row 10, column 'uscc': duplicates row 6 (value 'C3') [DUPLICATE]",
    ]


def test_manifests_grow_with_the_sample_not_with_the_roster(tmp_path: Path) -> None:
    """Ten times the roster, the same number drawn: both manifests list the drawn and reserve only."""
    sizes = {}
    for n, ratio in ((2_000, "0.05"), (20_000, "0.005")):
        frame = pd.DataFrame({"uscc": [f"C{i:07d}" for i in range(n)], "tier": "A"})
        source, target = tmp_path / f"r{n}.csv", tmp_path / f"s{n}.csv"
        frame.to_csv(source, index=False)
        args = ["draw", str(source), "--ratio", f"A={ratio}", "--seed", SEED, "-o", str(target)]
        assert CliRunner().invoke(main, args).exit_code == 0
        manifest = json.loads(Path(f"{target}.manifest.json").read_text(encoding="utf-8"))
        assert len(manifest["sample"]) == 100 and len(manifest["reserve"]) == 5
        public = Path(f"{target}.public.json").read_text(encoding="utf-8")
        listed = {r["uscc"] for r in json.loads(public)["sample"]}
        assert listed == {r["uscc"] for r in manifest["sample"]}
        sizes[n] = (Path(f"{target}.manifest.json").stat().st_size, len(public.encode()))
    assert all(abs(big - small) < 200 for small, big in zip(sizes[2_000], sizes[20_000], strict=True))
