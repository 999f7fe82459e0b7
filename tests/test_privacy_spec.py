"""Spec sentences a re-implementer needed (docs/draw-spec.md §13), each pinned by a test."""

from __future__ import annotations

import hashlib

import pandas as pd

from dualrandom.draw import draw_sample, substitute
from dualrandom.draw.manifest import stratum_label
from dualrandom.tickets import seed_digest, ticket


def test_known_answer_through_the_draw_is_upper_cased() -> None:
    assert sorted("abcd", key=lambda i: ticket("31", i)) == ["b", "a", "d", "c"]
    draw = draw_sample(pd.DataFrame({"uscc": list("abcd"), "tier": "A"}), {"A": 1.0}, "31", reserve=0)
    assert draw.sample["uscc"].tolist() == ["B", "A", "C", "D"]


def test_label_separator_is_the_unit_separator() -> None:
    text = "\x1f".join((seed_digest("s"), "T1", "", "D"))
    assert stratum_label("s", "T1", "", "D") == "S-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    printed = "\u241f".join((seed_digest("s"), "T1", "", "D"))
    assert stratum_label("s", "T1", "", "D") != "S-" + hashlib.sha256(printed.encode()).hexdigest()[:12]


def test_bernoulli_threshold_is_a_position_when_min_total_adjusts() -> None:
    frame = pd.DataFrame({"uscc": [f"E{i:03d}" for i in range(200)], "tier": "A"})
    plain = draw_sample(frame, {"A": 0.01}, "7", mode="bernoulli", reserve=0)
    assert plain.counts["threshold"].tolist() == ["0.01"]
    adjusted = draw_sample(frame, {"A": 0.01}, "7", mode="bernoulli", reserve=0, min_total=10)
    assert len(adjusted.sample) == 10
    assert adjusted.counts["threshold"].iloc[0] == adjusted.sample["ticket"].max()


def test_substitutes_rank_after_their_task_and_tier() -> None:
    frame = pd.DataFrame({"uscc": [f"E{i:03d}" for i in range(100)], "tier": ["A", "B"] * 50})
    draw = draw_sample(frame, {"A": 0.1, "B": 0.1}, "9", reserve=2)
    gone = draw.sample[draw.sample["tier"] == "A"].iloc[0]
    after = substitute(draw, gone["uscc"], "moved out")
    ranks = after.sample[after.sample["tier"] == "A"]["rank"].tolist()
    assert ranks == [2, 3, 4, 5, 6]
    assert after.sample[after.sample["tier"] == "B"]["rank"].tolist() == [1, 2, 3, 4, 5]
