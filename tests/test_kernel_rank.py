"""The numpy ranking of the sample equals the pandas definition, ties of 16-digit keys included."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.draw.draw import SAMPLE_COLUMNS, rank_sample

TIERS = ["A", "B", "C"]
TASKS = ["T2", "T1"]  # task order is the campaign's, not alphabetical


def pandas_ranking(sample: pd.DataFrame) -> pd.DataFrame:
    """The definition (docs/draw-spec.md §7): rank within task × tier by (key, full ticket)."""
    ordered = sample.sort_values(["task_id", "tier", "_key", "ticket"], kind="stable")
    ordered["rank"] = ordered.groupby(["task_id", "tier"], sort=False).cumcount() + 1
    ordered["_task"] = ordered["task_id"].map({t: i for i, t in enumerate(TASKS)})
    ordered["_tier"] = ordered["tier"].map({t: i for i, t in enumerate(TIERS)})
    ordered = ordered.sort_values(["_task", "_tier", "rank"], kind="stable")
    return ordered[[*SAMPLE_COLUMNS, "stratum"]].reset_index(drop=True)


rows = st.lists(
    st.tuples(
        st.sampled_from(TASKS),
        st.sampled_from(TIERS),
        st.integers(min_value=0, max_value=3),  # few keys: many ties
        st.integers(min_value=0, max_value=10**6),
        st.sampled_from(["", "S1", "S2"]),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_numpy_ranking_equals_the_pandas_definition(data: list[tuple[str, str, int, int, str]]) -> None:
    seen: set[tuple[str, str]] = set()
    records = []
    for i, (task, tier, key, rest, stratum) in enumerate(data):
        ticket = f"0.{key:016d}{rest:07d}{i:03d}"  # unique within a task, like real tickets
        if (task, ticket) in seen:
            continue
        seen.add((task, ticket))
        records.append((f"U{i:04d}", task, tier, ticket, np.uint64(key), stratum, "D1", "420602"))
    columns = ["uscc", "task_id", "tier", "ticket", "_key", "stratum", "departments", "division"]
    sample = pd.DataFrame(records, columns=columns).astype({"_key": np.uint64})
    if sample.empty:
        assert rank_sample(sample, TIERS, TASKS).empty
        return
    sample = sample.sample(frac=1.0, random_state=len(records))  # input order must not matter
    pd.testing.assert_frame_equal(rank_sample(sample, TIERS, TASKS), pandas_ranking(sample))
