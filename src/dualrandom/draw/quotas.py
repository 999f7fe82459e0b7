"""How many entities each stratum gets: per-tier rounding, allocation over strata, totals.

All arithmetic is exact: a ratio is read as the decimal it is written as (``0.03`` is 3/100,
never the binary float slightly above it), so ``ceil(0.03 * 100)`` is 3, not 4.

A cell's ``r * N`` is rounded by a public coin (``rounding = "random"``, the default): up with
probability equal to its fraction, decided by a SHA-256 ticket of the published seed, so the
expected quota is exactly ``r * N`` and each entity keeps its tier's design probability ``r``
however small the cells (docs/draw-spec.md §4). ``rounding = "ceil"`` always rounds up.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from ..errors import PolicyError
from ..models import Sampling

__all__ = [
    "RATIO_DECIMALS",
    "ROUNDING_VERSION",
    "allocate",
    "ceil_quota",
    "cell_quotas",
    "exact_ratio",
    "per_capita_total",
    "quotas",
    "ratio_key",
    "round_up",
    "rounded_quota",
    "tier_quotas",
    "within_totals",
]

RATIO_DECIMALS = 16
"""Ratios and coordination starts may have at most this many decimal places."""

ROUNDING_VERSION = "dualrandom-round/1"
"""The label hashed into every rounding ticket (docs/draw-spec.md §4)."""

Cell = tuple[str, str]  # (stratum, tier)


def exact_ratio(value: float) -> Fraction:
    """The ratio as the exact decimal of its shortest representation (``repr``)."""
    return Fraction(Decimal(repr(float(value))))


def ratio_key(value: float, what: str = "ratio") -> int:
    """``value * 10**16`` as an exact integer: the ticket-key threshold of a ratio or start."""
    scaled = exact_ratio(value) * 10**RATIO_DECIMALS
    if scaled.denominator != 1:
        raise PolicyError(f"{what} {value!r} has more than {RATIO_DECIMALS} decimal places")
    return int(scaled)


def ceil_quota(ratio: float, size: int) -> int:
    """``ceil(ratio * size)``, exact; never 0 while ``ratio > 0`` and ``size > 0``."""
    return min(size, math.ceil(exact_ratio(ratio) * size))


def round_up(seed: str, task_id: str, stratum: str, tier: str, fraction: Fraction) -> bool:
    """The public coin of one cell: True with probability ``fraction`` (in [0, 1)).

    ``h = SHA-256(ROUNDING_VERSION␟seed␟task␟stratum␟tier)`` read as a 256-bit integer; the
    coin is up when ``h / 2**256 < fraction``, compared exactly as ``h * q < p * 2**256``.
    """
    if fraction <= 0:
        return False
    text = "\x1f".join((ROUNDING_VERSION, seed, task_id, stratum, tier))
    value = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)
    return value * fraction.denominator < fraction.numerator * 2**256


def rounded_quota(ratio: float, size: int, seed: str, task_id: str, cell: Cell) -> int:
    """``floor(r * N)``, plus one when the cell's public coin (`round_up`) says so."""
    exact = exact_ratio(ratio) * size
    whole = math.floor(exact)
    return whole + int(round_up(seed, task_id, cell[0], cell[1], exact - whole))


def tier_quotas(
    sizes: Mapping[Cell, int],
    ratios: Mapping[str, float],
    *,
    rounding: str = "ceil",
    seed: str | None = None,
    task_id: str = "",
) -> dict[Cell, int]:
    """Proportional allocation: every (stratum, tier) cell gets ``r_tier * N_cell`` rounded.

    ``rounding = "ceil"`` rounds up; ``"random"`` uses `rounded_quota` under ``seed`` (the
    published seed of the draw). Raises `PolicyError` for random rounding without a seed.
    """
    if rounding == "ceil":
        return {cell: ceil_quota(ratios[cell[1]], size) for cell, size in sizes.items()}
    if seed is None:
        raise PolicyError("random rounding needs the published seed of the draw")
    return {cell: rounded_quota(ratios[cell[1]], size, seed, task_id, cell) for cell, size in sizes.items()}


def allocate(total: int, weights: Mapping[Cell, Fraction], caps: Mapping[Cell, int]) -> dict[Cell, int]:
    """Split ``total`` over cells in proportion to ``weights``, each capped (largest remainder).

    Cells whose exact share reaches their cap get the cap and the rest is shared again among
    the others; the floors of the shares are then topped up by largest remainder (ties: the
    cell that sorts first). Finally every cell of positive weight gets at least one, taken
    from the largest allocation, while the total allows it; else the heaviest cells get one.
    """
    live = sorted(cell for cell in weights if weights[cell] > 0 and caps[cell] > 0)
    out = dict.fromkeys(weights, 0)
    rest = min(total, sum(caps[cell] for cell in live))
    if rest <= 0:
        return out
    if rest < len(live):  # too few for one each: the heaviest cells get one
        for cell in sorted(live, key=lambda c: (-weights[c], c))[:rest]:
            out[cell] = 1
        return out
    free = list(live)
    share: dict[Cell, Fraction] = {}
    while free:
        weight = sum((weights[cell] for cell in free), Fraction(0))
        share = {cell: weights[cell] * rest / weight for cell in free}
        full = [cell for cell in free if share[cell] >= caps[cell]]
        if not full:
            break
        for cell in full:
            out[cell] = caps[cell]
            rest -= caps[cell]
            free.remove(cell)
    if free:
        for cell in free:
            out[cell] = math.floor(share[cell])
        left = rest - sum(out[cell] for cell in free)
        for cell in sorted(free, key=lambda c: (-(share[c] - out[c]), c))[:left]:
            out[cell] += 1
    for cell in [c for c in live if out[c] == 0]:
        donor = min((c for c in live if out[c] > 1), key=lambda c: (-out[c], c))
        out[donor] -= 1
        out[cell] = 1
    return out


def within_totals(
    quotas: Mapping[Cell, int],
    weights: Mapping[Cell, Fraction],
    sizes: Mapping[Cell, int],
    *,
    min_total: int | None,
    max_total: int | None,
) -> dict[Cell, int]:
    """Raise or lower the cell quotas so that their sum lies in ``[min_total, max_total]``.

    A shortfall is shared out over the cells with `allocate` (weights ``r_tier * N_cell``, room
    ``N_cell - quota``); an excess re-allocates ``max_total`` within the quotas, and a cell that
    had a quota keeps at least one, so no tier becomes exempt.
    """
    total = sum(quotas.values())
    if min_total is not None and total < min_total:  # keep every quota, share out the shortfall
        room = {cell: sizes[cell] - quotas[cell] for cell in quotas}
        extra = allocate(min_total - total, weights, room)
        return {cell: quotas[cell] + extra[cell] for cell in quotas}
    if max_total is not None and total > max_total:
        nonempty = sum(1 for q in quotas.values() if q > 0)
        if max_total < nonempty:
            raise PolicyError(
                f"max_total {max_total} is below the {nonempty} non-empty strata; "
                "every tier must keep at least one draw (no tier is exempt)"
            )
        return allocate(
            max_total, {c: w if quotas[c] > 0 else Fraction(0) for c, w in weights.items()}, quotas
        )
    return dict(quotas)


def per_capita_total(per_thousand: float, residents: int, *, minimum: int = 0, per_entity: int = 1) -> int:
    """Entities for a stratum of ``residents`` at ``per_thousand`` targets per 1,000 residents.

    Targets are ``max(minimum, ceil(per_thousand * residents / 1000))``; when each drawn entity
    yields ``per_entity`` sampling batches (抽检批次), the entities are ``ceil(targets / per_entity)``.
    """
    targets = max(minimum, math.ceil(exact_ratio(per_thousand) * residents / 1000))
    return -(-targets // per_entity)


def cell_quotas(
    sizes: Mapping[Cell, int],
    sampling: Sampling,
    residents: Mapping[str, int] | None = None,
    *,
    task_id: str = "",
    seed: str | None = None,
) -> dict[Cell, int]:
    """Fixed-mode quotas of every (stratum, tier) cell under ``sampling``.

    Proportional: ``r * N`` per cell, rounded as ``sampling.rounding`` says (`tier_quotas`;
    random rounding needs ``seed``, the draw's published seed). Per capita (`per_capita_total`:
    entities or sampling batches, with a least number per stratum) / fixed: each stratum's total
    (``ceil(per_capita * residents / 1000)`` or ``fixed_quotas``) split over its tiers by
    `allocate` with weights ``r * N``. Then the task total is brought within min/max.
    """
    weights = {cell: exact_ratio(sampling.ratios[cell[1]]) * size for cell, size in sizes.items()}
    if sampling.allocation == "proportional":
        quotas = tier_quotas(sizes, sampling.ratios, rounding=sampling.rounding, seed=seed, task_id=task_id)
    else:
        quotas = dict.fromkeys(sizes, 0)
        for stratum in sorted({cell[0] for cell in sizes}):
            if sampling.allocation == "fixed":
                if stratum not in sampling.fixed_quotas:
                    raise PolicyError(f"task {task_id!r}: fixed_quotas has no entry for stratum {stratum!r}")
                total = sampling.fixed_quotas[stratum]
            else:
                if residents is None or stratum not in residents:
                    raise PolicyError(f"task {task_id!r}: no resident count for stratum {stratum!r}")
                total = per_capita_total(
                    float(sampling.per_capita or 0), residents[stratum],
                    minimum=sampling.per_capita_min, per_entity=sampling.batches_per_entity,
                )  # fmt: skip
            mine = {cell: weights[cell] for cell in sizes if cell[0] == stratum}
            quotas.update(allocate(total, mine, {cell: sizes[cell] for cell in mine}))
    return within_totals(quotas, weights, sizes, min_total=sampling.min_total, max_total=sampling.max_total)


def quotas(
    sizes: Mapping[str, int],
    ratios: Mapping[str, float],
    *,
    min_total: int | None = None,
    max_total: int | None = None,
) -> dict[str, int]:
    """Per-tier quotas ``ceil(r_h * N_h)`` (exact decimals), then within ``[min_total, max_total]``."""
    cells = {("", tier): size for tier, size in sizes.items()}
    weights = {cell: exact_ratio(ratios[cell[1]]) * size for cell, size in cells.items()}
    fitted = within_totals(
        tier_quotas(cells, ratios), weights, cells, min_total=min_total, max_total=max_total
    )
    return {tier: count for (_, tier), count in fitted.items()}
