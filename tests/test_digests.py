"""Table digests escape every separator: different tables never share a digest."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.assign.manifest import frame_digest
from dualrandom.draw.commitment import table_digest

SEPARATOR_TEXT = st.text(alphabet="ab\n\t\r\\;\x1f", max_size=4)
Row = tuple[str, str]


def test_a_cell_holding_a_newline_is_not_two_rows() -> None:
    assert frame_digest(pd.DataFrame({"a": ["a\nb"]})) != frame_digest(pd.DataFrame({"a": ["a", "b"]}))
    assert frame_digest(pd.DataFrame({"a": ["a\tb"], "b": [""]})) != frame_digest(
        pd.DataFrame({"a": ["a"], "b": ["b"]})
    )


def test_a_list_item_holding_a_semicolon_is_not_two_items() -> None:
    one = pd.DataFrame({"officers": [["S01;S02"]]})
    two = pd.DataFrame({"officers": [["S01", "S02"]]})
    assert frame_digest(one) != frame_digest(two)


def test_row_order_and_list_order_do_not_matter() -> None:
    frame = pd.DataFrame({"uscc": ["x", "y"], "officers": [["S02", "S01"], ["S03"]]})
    turned = pd.DataFrame({"uscc": ["y", "x"], "officers": [["S03"], ["S01", "S02"]]})
    assert frame_digest(frame) == frame_digest(turned)
    assert frame_digest(frame).startswith("sha256:")


@given(st.lists(st.tuples(SEPARATOR_TEXT, SEPARATOR_TEXT), max_size=4),
       st.lists(st.tuples(SEPARATOR_TEXT, SEPARATOR_TEXT), max_size=4))  # fmt: skip
def test_different_tables_have_different_digests(rows: list[Row], other: list[Row]) -> None:
    first = pd.DataFrame(rows, columns=["a", "b"], dtype=object)
    second = pd.DataFrame(other, columns=["a", "b"], dtype=object)
    def canonical(table: list[Row]) -> list[tuple[str, ...]]:  # surrounding spaces go
        return sorted(tuple(cell.strip() for cell in row) for row in table)

    same = canonical(rows) == canonical(other)
    assert (table_digest(first, ["a", "b"]) == table_digest(second, ["a", "b"])) == same
    assert (frame_digest(first) == frame_digest(second)) == same
