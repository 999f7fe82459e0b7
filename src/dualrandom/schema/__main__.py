"""``python -m dualrandom.schema``: print the generated table reference of docs/rosters.md."""

from __future__ import annotations

import sys

from ._docs import tables_markdown

sys.stdout.write(tables_markdown())
