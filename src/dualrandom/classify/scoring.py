"""Score, band and override: the vectorised classifier.

``score = clip(base_score + sum(weight * transform(value)), 0, max_score)``, rounded to
``score_decimals``; the score tier is the band the score falls in (a score equal to a
cut-off belongs to the higher band); an entity whose first annual report is not yet due
takes the policy's ``new_entity`` tier; finally every override whose indicator reaches its
``min_value`` raises the tier to at least its ``at_least`` tier.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..errors import PolicyError
from .indicators import civil_date, column_values, day_of, indicator_values
from .inputs import NO_DATE, day_number, prepare_inputs
from .policy import ClassificationPolicy, IndicatorSpec, policy_digest, reason_code
from .snapshot import ClassificationSnapshot, content_digest

__all__ = ["REASON_SLOTS", "classify", "contributions", "transform"]

REASON_SLOTS = 3
"""How many top contributing indicators each entity's reason columns name."""


def transform(values: np.ndarray, spec: IndicatorSpec) -> np.ndarray:
    """Map raw indicator values as the spec says: to [0, 1], or uncapped for ``log1p`` and ``value``."""
    if spec.transform == "flag":
        return (values > 0).astype(np.float64)
    if spec.transform == "value":
        return np.asarray(values, dtype=np.float64)
    if spec.transform == "log1p":
        return np.asarray(np.log1p(np.maximum(values, 0.0)), dtype=np.float64)
    capped = np.clip(values, 0.0, spec.cap)
    if spec.transform == "linear":
        result = capped / spec.cap
    elif spec.transform == "log":
        result = np.log1p(capped) / np.log1p(spec.cap)
    else:  # decay
        result = 1.0 - capped / spec.cap
    return np.asarray(result, dtype=np.float64)


def contributions(values: np.ndarray, policy: ClassificationPolicy) -> tuple[list[str], np.ndarray]:
    """The weighted indicators (in scoring order) and their points: (indicators x entities).

    ``values`` has one row per `ClassificationPolicy.indicator_names`.
    """
    every = policy.indicator_names()
    names = [name for name in every if name in policy.indicators]
    points = np.empty((len(names), values.shape[1]), dtype=np.float64)
    for column, name in enumerate(names):
        spec = policy.indicators[name]
        points[column] = spec.weight * transform(values[every.index(name)], spec)
    return names, points


def _first_report_due(registered: np.ndarray, policy: ClassificationPolicy) -> np.ndarray:
    """Day number of each entity's first annual-report deadline (in the year after registration)."""
    month, day = policy.annual_report_due
    year = civil_date(registered)[0] + 1
    return day_of(year, np.full(len(year), month), np.full(len(year), day))


def _score_and_reasons(
    values: np.ndarray, policy: ClassificationPolicy
) -> tuple[np.ndarray, list[pd.Series]]:
    """Raw scores (base + points, summed in scoring order) and the top-contribution codes.

    Reasons are the `REASON_SLOTS` largest positive contributions (ties: scoring order),
    "" when there are fewer; one pass over the indicators, without a points matrix.
    """
    every = policy.indicator_names()
    names = [name for name in every if name in policy.indicators]
    count = values.shape[1]
    total = np.full(count, policy.base_score, dtype=np.float64)
    top_points = [np.zeros(count) for _ in range(REASON_SLOTS)]  # only positive points are reasons
    top_rows = [np.full(count, len(names), dtype=np.int64) for _ in range(REASON_SLOTS)]  # len = none
    for row, name in enumerate(names):
        spec = policy.indicators[name]
        points = spec.weight * transform(values[every.index(name)], spec)
        total += points
        entering = np.flatnonzero(points > top_points[-1])  # strict: ties keep the earlier indicator
        if len(entering) == 0:
            continue
        new = points[entering]
        kept = [top[entering] for top in top_points]
        rows = [top[entering] for top in top_rows]
        larger = [new > top for top in kept]
        for slot in range(REASON_SLOTS):  # kept/rows are copies, so the order of updates is free
            value = np.where(larger[slot], new, kept[slot])
            code = np.where(larger[slot], row, rows[slot])
            if slot:  # the new points went into a higher slot: this one takes the old one above
                value = np.where(larger[slot - 1], kept[slot - 1], value)
                code = np.where(larger[slot - 1], rows[slot - 1], code)
            top_points[slot][entering] = value
            top_rows[slot][entering] = code
    kinds = pd.CategoricalDtype([reason_code(n) for n in names] + [""])
    return total, [pd.Series(pd.Categorical.from_codes(rows, dtype=kinds)) for rows in top_rows]


def _labels(index: np.ndarray, labels: list[str]) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(index, dtype=pd.CategoricalDtype(labels)))


def classify(
    roster: pd.DataFrame,
    records: pd.DataFrame | None,
    policy: ClassificationPolicy,
    *,
    as_of: date,
    history: pd.DataFrame | None = None,
    version: str | None = None,
    sources: tuple[str, str, str] = ("roster", "records", "history"),
) -> ClassificationSnapshot:
    """Classify every entity of ``roster`` into a tier as of ``as_of``; see the module docstring.

    ``records`` are credit records (``uscc, kind, start_on, end_on, severity, repaired_on``),
    ``history`` past inspections (``uscc, inspected_on``); records of entities that are not
    on the roster are ignored. ``version`` labels the snapshot (default: the as-of date).
    Record kinds the policy declares are accepted; column indicators read ``roster``.
    Raises `InputError` for bad input rows and `PolicyError` when ``as_of`` is not a date.
    """
    if not isinstance(as_of, date):
        raise PolicyError(
            f"as_of must be a date such as date(2026, 11, 1), not {type(as_of).__name__} {as_of!r}"
        )
    need_industry = "industry_risk" in policy.indicators or any(
        o.indicator == "industry_risk" for o in policy.overrides
    )
    checked, credit, past = prepare_inputs(
        roster, records, history, need_industry=need_industry, sources=sources, kinds=policy.kinds()
    )
    today = day_number(as_of)
    values = indicator_values(
        checked, credit, past, policy, today, column_values(roster, checked, policy, source=sources[0])
    )
    total, reasons = _score_and_reasons(values, policy)
    raw = np.clip(total, 0.0, policy.max_score)
    score = np.round(raw, policy.score_decimals) + 0.0
    cutoffs = np.asarray(policy.tiers.cutoffs, dtype=np.float64)
    score_tier = np.searchsorted(cutoffs, score, side="right").astype(np.int64)
    registered = np.where(checked.registered == NO_DATE, today, checked.registered)
    new_entity = today <= _first_report_due(registered, policy)
    tier = np.where(new_entity, policy.tier_index(policy.tiers.new_entity), score_tier)
    override = np.zeros(len(tier), dtype=np.int64)  # 0 = none, else 1 + rule position
    for position, rule in enumerate(policy.overrides):
        fires = values[policy.indicator_names().index(rule.indicator)] >= rule.min_value
        raises = fires & (policy.tier_index(rule.at_least) > tier)
        tier = np.where(raises, policy.tier_index(rule.at_least), tier)
        override = np.where(raises, position + 1, override)
    tiers = list(policy.tiers.names)
    columns: dict[str, pd.Series | np.ndarray] = {
        "uscc": checked.uscc.astype(str),
        "tier": _labels(tier, tiers),
        "score": score,
        "score_tier": _labels(score_tier, tiers),
        "new_entity": new_entity,
        "override": _labels(override, ["", *(o.code for o in policy.overrides)]),
    }
    for slot, series in enumerate(reasons, start=1):
        columns[f"reason_{slot}"] = series
    table = pd.concat(
        [
            pd.DataFrame(columns),
            pd.DataFrame(values.T, columns=[f"v_{name}" for name in policy.indicator_names()], copy=False),
        ],
        axis=1,
    )
    label = version or as_of.isoformat()
    policy_sha = policy_digest(policy)
    digest = content_digest(table, version=label, as_of=as_of, policy_sha=policy_sha, presorted=True)
    return ClassificationSnapshot(label, as_of, policy, policy_sha, table, digest)
