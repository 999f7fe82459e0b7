"""Choosing the kernel or hashlib never changes a result: the same tickets, keys and draws."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dualrandom import kernel
from dualrandom import tickets as T
from dualrandom.draw import NO_HISTORY, draw_campaign, draw_sample
from dualrandom.models import load_campaign

pytestmark = pytest.mark.skipif(kernel._MODULE is None, reason="the C ticket kernel was not built here")

SEED = "63454660390103169462"
Paths = Callable[[Callable[[], Any]], tuple[Any, Any]]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign.toml"


@pytest.fixture
def both_paths() -> Iterator[Callable[[Callable[[], Any]], tuple[Any, Any]]]:
    previous = kernel.set_enabled(True)

    def run(step: Callable[[], Any]) -> tuple[Any, Any]:
        kernel.set_enabled(True)
        assert kernel.backend() != "hashlib"
        fast = step()
        kernel.set_enabled(False)
        assert kernel.backend() == "hashlib"
        slow = step()
        return fast, slow

    yield run
    kernel.set_enabled(previous)


def roster(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    tiers = rng.choice(np.array(["A", "B", "C", "D"], dtype=object), size=n, p=[0.4, 0.3, 0.2, 0.1])
    codes = ["ＡＢ-130", "统一社会信用代码", *(f"91420600{i:010d}" for i in range(n - 2))]
    return pd.DataFrame(
        {
            "uscc": codes,
            "tier": tiers,
            "entity_type": rng.choice(np.array(["enterprise", "individual", "cooperative"], dtype=object), n),
            "industry": rng.choice(np.array(["C13", "F52", "F51", "I65"], dtype=object), size=n),
            "division": rng.choice(np.array(["420602", "420606"], dtype=object), size=n),
        }
    )


def test_tickets_and_keys_are_identical(both_paths: Paths) -> None:
    codes = [f"91420600{i:010d}" for i in range(50_000)] + ["AB-130", "统一", "x" * 300, ""]
    fast, slow = both_paths(lambda: T.digests(SEED, codes))
    assert fast == slow
    fast, slow = both_paths(lambda: T.ticket_keys(SEED, codes))
    assert fast.tolist() == slow.tolist()
    fast, slow = both_paths(lambda: T.tickets(SEED, codes[-2000:]))
    assert fast.tolist() == slow.tolist()


@pytest.mark.parametrize("mode", ["fixed", "bernoulli"])
def test_draw_sample_is_identical(both_paths: Paths, mode: str) -> None:
    frame = roster(60_000)
    ratios = {"A": 0.01, "B": 0.03, "C": 0.10, "D": 0.30}
    fast, slow = both_paths(lambda: draw_sample(frame, ratios, SEED, mode=mode))
    assert len(fast.sample) > 0
    pd.testing.assert_frame_equal(fast.sample, slow.sample)
    pd.testing.assert_frame_equal(fast.reserve, slow.reserve)
    pd.testing.assert_frame_equal(fast.counts, slow.counts)
    assert fast.manifest == slow.manifest


def test_draw_campaign_is_identical(both_paths: Paths) -> None:
    campaign = load_campaign(EXAMPLE)
    frame = roster(40_000)
    fast, slow = both_paths(lambda: draw_campaign(frame, campaign, SEED, history=NO_HISTORY))
    assert len(set(fast.sample["task_id"])) >= 2
    pd.testing.assert_frame_equal(fast.sample, slow.sample)
    pd.testing.assert_frame_equal(fast.reserve, slow.reserve)
    assert fast.manifest == slow.manifest
