"""docs/rosters.md lists every table as the specs define it (regenerate: python -m dualrandom.schema)."""

from __future__ import annotations

from pathlib import Path

from dualrandom.schema import TABLE_KINDS, table_spec, tables_markdown
from dualrandom.schema._docs import BEGIN, END

DOC = Path(__file__).parent.parent / "docs" / "rosters.md"


def test_the_rosters_page_carries_the_generated_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == tables_markdown(), "docs/rosters.md drifted: python -m dualrandom.schema"


def test_every_column_and_header_is_documented() -> None:
    text = tables_markdown()
    for kind in TABLE_KINDS:
        assert f"### {kind}\n" in text
        for column in table_spec(kind).columns:
            assert f"| `{column.name}` |" in text
            for header in column.headers:
                assert header in text
