"""Coordinated draws with permanent random numbers (PRN): tickets shifted by a start point.

With a permanent seed every entity keeps the same ticket u from cycle to cycle; a draw
ranks entities by u' = (u - a) mod 1 for a published start a. Equal starts give the same
ranking (positive coordination: departments' tasks hit the same entities, one visit);
moving a past the previous cycle's selected run gives disjoint samples (negative
coordination: the burden is spread). Because the seed is permanent, anyone can predict the
next sample once the next start is known: `next_start` therefore draws it from the cycle's
fresh public seed, inside the window that keeps consecutive samples disjoint.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from ..errors import PolicyError
from ..tickets import KEY_DIGITS, ticket
from .quotas import exact_ratio, ratio_key

__all__ = ["START_DECIMALS", "next_start", "shift_keys"]

START_DECIMALS = 12
"""Decimal places of a start drawn by `next_start` (a published start may have up to 16)."""

_MODULUS = np.uint64(10**KEY_DIGITS)


def shift_keys(keys: npt.NDArray[np.uint64], start: float) -> npt.NDArray[np.uint64]:
    """Keys of u' = (u - start) mod 1; the digits after the 16th are unchanged by the shift."""
    offset = np.uint64(ratio_key(start, "coordination start"))
    return np.where(keys >= offset, keys - offset, keys + (_MODULUS - offset))


def next_start(previous_start: float, previous_ratio: float, ratio: float, seed: str) -> float:
    """The start of the next cycle, drawn from its public ``seed`` for negative coordination.

    The start is uniform on the window [a + r_prev, a + 1 - r] (mod 1), where Bernoulli
    intervals of consecutive cycles cannot overlap; it is rounded down to `START_DECIMALS`
    places. U = the ticket of the id ``"coordination-start"`` under ``seed``.
    """
    width = 1 - exact_ratio(previous_ratio) - exact_ratio(ratio)
    if width < 0:
        raise PolicyError(
            f"ratios {previous_ratio} and {ratio} sum to more than 1: consecutive samples must overlap"
        )
    uniform = Fraction(int(ticket(seed, "coordination-start")[2 : 2 + KEY_DIGITS]), 10**KEY_DIGITS)
    value = (exact_ratio(previous_start) + exact_ratio(previous_ratio) + width * uniform) % 1
    scale = 10**START_DECIMALS
    return float(math.floor(value * scale) / scale)
