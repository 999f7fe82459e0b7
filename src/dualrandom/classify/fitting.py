"""Fit indicator weights to past inspection outcomes (L2 logistic regression, scipy).

The bureau learns whether its indicators predict problems: the model is fitted on a
seeded, row-order-independent split of entities and its discrimination (AUC) is reported
on the held-out part. Suggested weights are the coefficients turned into score points.
The fit keeps each indicator's sign as the policy fixes it (bounds in L-BFGS-B): an entry on
the serious-violation list can get a weight of 0, never a negative one.
scipy comes with the ``dualrandom[fit]`` extra and is imported only when a fit runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .._optional import require
from ..errors import InputError, Problem
from .indicators import column_values, indicator_values
from .inputs import day_number, prepare_inputs
from .policy import ClassificationPolicy, IndicatorSpec, Sign
from .scoring import transform

__all__ = [
    "NO_PROBLEM_RESULTS",
    "FitReport",
    "auc",
    "features",
    "fit_weights",
    "outcomes_from_results",
    "split_test",
]

NO_PROBLEM_RESULTS = frozenset(
    {"未发现问题", "正常（符合信息公示相关规定）", "发现问题经责令已改正", "未发现开展本次抽查涉及的经营活动"}
)
"""Official results meaning that the check found no (open) problem."""
_NOT_AN_OUTCOME = frozenset(
    {"注销", "被吊销", "被撤销", "迁出", "已关闭停业或正在组织清算", "已办理营业执照注销"}
)


@dataclass(frozen=True)
class FitReport:
    """The fitted model and what it suggests."""

    indicators: tuple[str, ...]
    coefficients: dict[str, float]
    intercept: float
    auc: float
    train_auc: float
    n_train: int
    n_test: int
    suggested_weights: dict[str, float]
    signs: dict[str, Sign]

    def apply(self, policy: ClassificationPolicy) -> ClassificationPolicy:
        """A copy of ``policy`` with the suggested weights (transforms, caps and signs kept).

        Each changed indicator's sign is written out, so a weight fitted to 0 keeps its sign.
        """
        changed = {
            name: spec.model_copy(
                update={"weight": self.suggested_weights[name], "sign": spec.effective_sign()}
            )
            for name, spec in policy.indicators.items()
            if name in self.suggested_weights
        }
        return policy.model_copy(update={"indicators": {**policy.indicators, **changed}})


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count one half).

    Raises `MissingDependencyError` when scipy (``dualrandom[fit]``) is not installed.
    """
    rankdata = require("scipy.stats", "fit", "the AUC of fitted weights").rankdata
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def split_test(uscc: pd.Series, share: float, seed: int) -> np.ndarray:
    """True for the held-out entities: SHA-256 of ``"{seed}:{uscc}"`` below ``share`` (order-free)."""
    draws = [
        int.from_bytes(hashlib.sha256(f"{seed}:{code}".encode()).digest()[:8], "big") / 2.0**64
        for code in uscc.astype(str)
    ]
    return np.asarray(draws, dtype=np.float64) < share


def features(
    roster: pd.DataFrame,
    records: pd.DataFrame | None,
    policy: ClassificationPolicy,
    *,
    as_of: date,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``uscc`` and each weighted indicator after its transform (in scoring order).

    The frame's ``attrs["signs"]`` holds the policy's signs, which `fit_weights` keeps.
    Raises `InputError` for bad input rows.
    """
    checked, credit, past = prepare_inputs(
        roster, records, history, need_industry="industry_risk" in policy.indicators, kinds=policy.kinds()
    )
    values = indicator_values(
        checked, credit, past, policy, day_number(as_of), column_values(roster, checked, policy)
    )
    names = policy.indicator_names()
    columns: dict[str, pd.Series | np.ndarray] = {"uscc": checked.uscc.astype(str)}
    for name in names:
        spec: IndicatorSpec | None = policy.indicators.get(name)
        if spec is not None:
            columns[name] = transform(values[names.index(name)], spec)
    frame = pd.DataFrame(columns)
    frame.attrs["signs"] = policy.signs()
    return frame


def outcomes_from_results(results: pd.DataFrame) -> pd.Series:
    """Per ``uscc``: True if any result found a problem; entities only deregistered etc. are left out."""
    text = results["result"].astype(str).str.strip()
    usable = results[~text.isin(_NOT_AN_OUTCOME)]
    problem = ~text[usable.index].isin(NO_PROBLEM_RESULTS)
    return problem.groupby(usable["uscc"].astype(str)).any().sort_index().rename("problem")


_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "raises": (0.0, None),
    "lowers": (None, 0.0),
    "free": (None, None),
}


def _fit(x: np.ndarray, y: np.ndarray, l2: float, signs: list[Sign]) -> np.ndarray:
    """Coefficients (intercept first) of the penalised logistic loss, each within its sign's bounds."""
    minimize = require("scipy.optimize", "fit", "fitting indicator weights").minimize
    design = np.column_stack([np.ones(len(x)), x])
    sign = np.where(y, 1.0, -1.0)
    penalty = np.r_[0.0, np.full(x.shape[1], l2)]

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (design @ beta)
        value = float(np.logaddexp(0.0, -margin).sum() + 0.5 * (penalty * beta * beta).sum())
        weight = -sign * np.exp(-np.logaddexp(0.0, margin))  # -y * sigmoid(-margin)
        return value, design.T @ weight + penalty * beta

    bounds = [(None, None), *(_BOUNDS[sign] for sign in signs)]
    result = minimize(
        loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 1000}
    )
    beta = np.asarray(result.x, dtype=np.float64)
    low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
    high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
    return np.clip(beta, low, high) + 0.0  # exactly within the bounds, and no -0.0


def fit_weights(
    features_frame: pd.DataFrame,
    outcomes: pd.Series,
    *,
    l2: float = 1.0,
    test_share: float = 0.3,
    seed: int = 0,
    points: float = 1000.0,
    signs: Mapping[str, Sign] | None = None,
) -> FitReport:
    """Fit problem-found ~ indicators; report held-out AUC and weights in score points.

    ``outcomes`` is a boolean Series indexed by ``uscc`` (see `outcomes_from_results`);
    entities without an outcome are left out. Suggested weights scale the coefficients so
    that the positive ones add up to ``points`` (e.g. ``max_score - base_score``).
    ``signs`` (default: ``features_frame.attrs["signs"]``, as `features` sets them) keeps each
    coefficient ``raises`` (>= 0), ``lowers`` (<= 0) or ``free``; an indicator not named is free.
    Raises `InputError` when there are too few outcomes or only one class, and
    `MissingDependencyError` when scipy (``dualrandom[fit]``) is not installed.
    """
    fixed: Mapping[str, Sign] = signs if signs is not None else features_frame.attrs.get("signs", {})
    known = features_frame[features_frame["uscc"].isin(outcomes.index)].reset_index(drop=True)
    names = tuple(c for c in known.columns if c != "uscc")
    chosen: list[Sign] = [fixed.get(name, "free") for name in names]
    y = outcomes.reindex(known["uscc"]).to_numpy(dtype=bool)
    test = split_test(known["uscc"], test_share, seed)
    problems = []
    if len(known) < 10:
        problems.append(Problem("outcomes", None, "uscc", str(len(known)), "TOO_FEW", "need >= 10 entities"))
    elif y[~test].all() or not y[~test].any():
        problems.append(
            Problem("outcomes", None, "problem", None, "ONE_CLASS", "need entities with and without problems")
        )
    if problems:
        raise InputError(problems)
    x = known[list(names)].to_numpy(dtype=np.float64)
    beta = _fit(x[~test], y[~test], l2, chosen)
    linear = beta[0] + x @ beta[1:]
    positive = float(np.clip(beta[1:], 0.0, None).sum())
    scale = points / positive if positive > 0 else 0.0
    return FitReport(
        indicators=names,
        coefficients={n: float(b) for n, b in zip(names, beta[1:], strict=True)},
        intercept=float(beta[0]),
        auc=auc(linear[test], y[test]),
        train_auc=auc(linear[~test], y[~test]),
        n_train=int((~test).sum()),
        n_test=int(test.sum()),
        suggested_weights={n: round(float(b) * scale, 1) + 0.0 for n, b in zip(names, beta[1:], strict=True)},
        signs=dict(zip(names, chosen, strict=True)),
    )
