"""One sort of the codes serves the uniqueness check and the roster digest, with unchanged results."""

from __future__ import annotations

import hashlib
import itertools
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import dualrandom.draw.commitment  # noqa: F401  (the module, shadowed by the function of that name)
from dualrandom.draw.commitment import COMMITMENT_VERSION, table_digest
from dualrandom.kernel import order as order_module
from dualrandom.kernel.order import text_order

# Characters that stress the packed comparison: NUL and bytes below TAB, TAB itself (escaped in
# the digest), multi-byte UTF-8, and values that share their first 24 bytes.
ALPHABET = st.sampled_from(["\x00", "\x01", "\x08", "\t", "\\", "0", "9", "A", "a", "é", "码", "\U0001f600"])
TEXT = st.one_of(
    st.text(ALPHABET, max_size=6),
    st.builds(lambda tail: "X" * 24 + tail, st.text(ALPHABET, max_size=4)),
    st.builds(lambda n: "91420600" + f"{n:010d}", st.integers(0, 50)),
)


def reference_order(values: list[str]) -> list[int]:
    """Stable positions in UTF-8 byte order, by Python's sort."""
    return sorted(range(len(values)), key=lambda i: values[i].encode("utf-8"))


def reference_digest(table: pd.DataFrame, columns: list[str]) -> str:
    """The spec's §3 recipe written plainly: escape, join by TAB, sort the lines, hash."""

    def cell(value: str) -> str:
        text = value.strip()
        for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n")):
            text = text.replace(raw, escaped)
        return text

    lines = sorted(
        ("\t".join(cell(str(table[c].iloc[i])) for c in columns) for i in range(len(table))),
        key=lambda line: line.encode("utf-8"),
    )
    text = f"{COMMITMENT_VERSION}\n" + "\t".join(columns) + "\n" + "".join(f"{line}\n" for line in lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=40))
def test_text_order_is_the_stable_byte_order(values: list[str]) -> None:
    found = text_order(pa.array(values, pa.string()))
    expected = reference_order(values)
    assert found.order.tolist() == expected
    ranked = [values[i] for i in expected]
    assert found.equal_next.tolist() == [a == b for a, b in itertools.pairwise(ranked)]
    assert found.unique == (len(set(values)) == len(values))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(TEXT, st.sampled_from(["A", "B", "", "\x01", "C\tD"])), max_size=30),
    st.randoms(use_true_random=False),
)
def test_the_digest_follows_the_spec_whatever_the_row_order(rows: list[tuple[str, str]], rng: object) -> None:
    table = pd.DataFrame(rows, columns=["uscc", "tier"], dtype=object)
    expected = reference_digest(table, ["uscc", "tier"])
    assert table_digest(table, ["uscc", "tier"]) == expected
    shuffled = table.sample(frac=1.0, random_state=np.random.default_rng(len(rows))).reset_index(drop=True)
    assert table_digest(shuffled, ["uscc", "tier"]) == expected
    assert table_digest(shuffled.astype("string"), ["uscc", "tier"]) == expected


def test_the_digest_reuses_the_order_the_uniqueness_check_made(monkeypatch: object) -> None:
    """After the draw's frame check, the digest sorts nothing: the codes' order is remembered."""
    from dualrandom.draw.frame import prepare_frame

    codes = [f"91420600{i:010d}" for i in np.random.default_rng(3).permutation(5_000)]
    frame = prepare_frame(pd.DataFrame({"uscc": codes, "tier": "A"}), ["A"])
    commitment = sys.modules["dualrandom.draw.commitment"]
    sorted_now: list[int] = []
    original = order_module._sorted_positions

    def counting(values: pa.LargeStringArray) -> object:
        sorted_now.append(len(values))
        return original(values)

    monkeypatch.setattr(order_module, "_sorted_positions", counting)  # type: ignore[attr-defined]
    monkeypatch.setattr(commitment.pc, "sort_indices", None)  # type: ignore[attr-defined]
    digest = commitment.roster_digest(frame, ["uscc", "tier"], normalized=True)
    assert sorted_now == []
    assert digest == reference_digest(frame, ["uscc", "tier"])


def test_a_changed_column_is_sorted_again() -> None:
    first = text_order(pa.array(["b", "a", "c"]))
    second = text_order(pa.array(["b", "a", "a"]))
    assert first.order.tolist() == [1, 0, 2] and first.unique
    assert second.order.tolist() == [1, 2, 0] and not second.unique
