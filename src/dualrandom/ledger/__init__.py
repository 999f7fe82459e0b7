"""The campaign ledger: an append-only, SHA-256 hash-chained record of every campaign step.

Embedded in a SQLite file by default, or in PostgreSQL through a ``postgresql://`` URL::

    with Ledger.open("campaign.ledger") as ledger:
        ledger.append("XY-2026-Q4", "seed", {"seed": "314159", "source": "dice"})
        ledger.ensure_intact()

docs/ledger.md describes the record, the hash recipe and the supersede rules.
"""

from __future__ import annotations

from .core import Ledger, open_backend
from .records import (
    GENESIS_HASH,
    KINDS,
    SINGULAR_KINDS,
    LedgerHead,
    LedgerRecord,
    StoredRow,
    canonical_json,
    record_hash,
)
from .verify import ensure_rows, verify_rows

__all__ = [
    "GENESIS_HASH",
    "KINDS",
    "SINGULAR_KINDS",
    "Ledger",
    "LedgerHead",
    "LedgerRecord",
    "StoredRow",
    "canonical_json",
    "ensure_rows",
    "open_backend",
    "record_hash",
    "verify_rows",
]
