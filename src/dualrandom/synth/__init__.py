"""Synthetic rosters for demos, tests and benchmarks, reproducible from a seed string."""

from __future__ import annotations

from .city import (
    DEPARTMENTS,
    DIVISIONS,
    INDUSTRIES,
    QUALIFICATIONS,
    TYPE_SHARES,
    City,
    seed_sequence,
    synth_city,
)

__all__ = [
    "DEPARTMENTS",
    "DIVISIONS",
    "INDUSTRIES",
    "QUALIFICATIONS",
    "TYPE_SHARES",
    "City",
    "seed_sequence",
    "synth_city",
]
