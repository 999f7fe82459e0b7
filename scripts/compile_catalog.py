"""Compile the command line's translations: dualrandom.po -> dualrandom.mo, with babel.

Run ``python scripts/compile_catalog.py`` after editing
``src/dualrandom/locale/zh_CN/LC_MESSAGES/dualrandom.po``; ``--check`` exits 1 when the committed
``.mo`` is not what the ``.po`` compiles to (tests/test_locale.py runs the same comparison).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[1] / "src/dualrandom/locale/zh_CN/LC_MESSAGES/dualrandom.po"


def compiled(po_path: Path = CATALOG) -> bytes:
    """The .mo bytes of the catalog at ``po_path`` (fuzzy entries left out, as msgfmt does)."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN", domain="dualrandom")
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    mo_path = CATALOG.with_suffix(".mo")
    data = compiled()
    if "--check" in argv:
        if not mo_path.exists() or mo_path.read_bytes() != data:
            print(f"{mo_path} is stale: run python scripts/compile_catalog.py", file=sys.stderr)
            return 1
        return 0
    mo_path.write_bytes(data)
    print(f"wrote {mo_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
