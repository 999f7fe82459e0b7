"""Weight fitting (logistic regression, held-out AUC) and synthetic credit records."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.classify import auc, classify, features, fit_weights, outcomes_from_results, parse_policy
from dualrandom.classify.fitting import split_test
from dualrandom.errors import InputError
from dualrandom.ids import check_character
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

AS_OF = date(2026, 11, 1)


def code(number: int) -> str:
    body = f"91420602MA{number:07d}"
    return body + check_character(body)


def test_auc_known_answers() -> None:
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert auc(np.array([1.0, 1.0, 2.0]), np.array([0, 1, 1])) == 0.75  # a tie counts one half
    assert auc(np.array([3.0, 2.0, 1.0]), np.array([1, 0, 0])) == 1.0
    assert np.isnan(auc(np.array([1.0, 2.0]), np.array([1, 1])))


def test_split_is_seeded_and_independent_of_row_order() -> None:
    codes = pd.Series([code(i) for i in range(2000)])
    held = split_test(codes, 0.3, seed=7)
    assert (split_test(codes[::-1].reset_index(drop=True), 0.3, seed=7) == held[::-1]).all()
    assert (split_test(codes, 0.3, seed=8) != held).any()
    # share of 2000 Bernoulli(0.3) draws: sd = sqrt(2000 * 0.3 * 0.7) = 20.5; 5 sd = 102
    assert abs(int(held.sum()) - 600) <= 102


def test_fitting_recovers_sign_and_order_of_known_weights() -> None:
    rng = np.random.Generator(np.random.PCG64(20261101))
    n = 20_000
    truth = {"penalty": 3.0, "complaint": 1.5, "age": 0.0, "clean_inspections": -1.0}
    x = rng.random((n, len(truth)))
    logit = -1.0 + x @ np.array(list(truth.values()))
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    frame = pd.DataFrame(x, columns=list(truth)).assign(uscc=[code(i) for i in range(n)])
    outcomes = pd.Series(y, index=frame["uscc"])
    report = fit_weights(frame, outcomes, l2=1.0, test_share=0.3, seed=1, points=900)
    fitted = report.coefficients
    # standard error of each coefficient ~ 1 / sqrt(n_train * var(x) * p(1-p)) ~ 0.06, so the
    # true gaps (>= 1.0) are > 15 standard errors and the zero weight stays within 5 (0.3)
    assert fitted["penalty"] > fitted["complaint"] > fitted["age"] > fitted["clean_inspections"]
    assert fitted["penalty"] > 0 and fitted["complaint"] > 0 and fitted["clean_inspections"] < 0
    assert abs(fitted["age"]) < 0.3
    assert report.n_train + report.n_test == n
    # the fitted model cannot rank much worse than the true one on the same held-out entities
    held = split_test(frame["uscc"], 0.3, seed=1)
    assert report.auc >= auc(logit[held], y[held]) - 0.01
    positive = sum(w for w in report.suggested_weights.values() if w > 0)
    assert positive == pytest.approx(900, abs=0.2)
    assert report.suggested_weights["penalty"] > report.suggested_weights["complaint"] > 0


def test_fit_on_synthetic_city_and_apply_weights() -> None:
    city = synth_city(4000, seed="fit")
    credit = synth_credit(city.entities, as_of=AS_OF, seed=2)
    policy = parse_policy(
        {
            "name": "fit",
            "tiers": {"names": ["A", "B", "C", "D"], "cutoffs": [200, 500, 750], "new_entity": "B"},
            "indicators": {
                "penalty": {"weight": 1, "transform": "log", "cap": 5},
                "complaint": {"weight": 1, "transform": "log", "cap": 5},
                "abnormal_list": {"weight": 1},
            },
        }
    )
    table = features(city.entities, credit, policy, as_of=AS_OF)
    assert list(table.columns) == ["uscc", "abnormal_list", "penalty", "complaint"]
    assert table[["abnormal_list", "penalty", "complaint"]].to_numpy().min() >= 0
    assert table[["abnormal_list", "penalty", "complaint"]].to_numpy().max() <= 1
    # outcomes that follow the penalty indicator only
    rng = np.random.Generator(np.random.PCG64(3))
    y = rng.random(len(table)) < 0.1 + 0.8 * table["penalty"].to_numpy()
    report = fit_weights(table, pd.Series(y, index=table["uscc"]), seed=4)
    assert max(report.coefficients, key=lambda k: report.coefficients[k]) == "penalty"
    assert report.auc > 0.5
    adjusted = report.apply(policy)
    assert adjusted.indicators["penalty"].weight == report.suggested_weights["penalty"]
    assert adjusted.indicators["penalty"].transform == "log"
    classify(city.entities, credit, adjusted, as_of=AS_OF)  # the suggested policy is usable


def test_outcomes_from_results_use_the_official_vocabulary() -> None:
    results = pd.DataFrame(
        {
            "uscc": ["X1", "X1", "X2", "X3", "X4"],
            "result": ["未发现问题", "违反其他部门相关规定", "未发现问题", "注销", "不配合检查情节严重"],
        }
    )
    outcomes = outcomes_from_results(results)
    assert outcomes.to_dict() == {"X1": True, "X2": False, "X4": True}


def test_synthetic_credit_is_reproducible_and_valid() -> None:
    city = synth_city(3000, seed="credit")
    first = synth_credit(city.entities, as_of=AS_OF, seed=5)
    shuffled = synth_credit(city.entities.sample(frac=1.0, random_state=1), as_of=AS_OF, seed=5)
    pd.testing.assert_frame_equal(first, shuffled)
    assert not first.equals(synth_credit(city.entities, as_of=AS_OF, seed=6))
    registered = city.entities.set_index("uscc")["registered_on"]
    assert (first["start_on"].to_numpy() >= registered.reindex(first["uscc"]).to_numpy()).all()
    assert (first["start_on"] <= pd.Timestamp(AS_OF)).all()
    repaired = first["repaired_on"].notna()
    assert (first.loc[repaired, "repaired_on"] > first.loc[repaired, "start_on"]).all()
    # complaints per entity: Poisson(0.08 * 4 * p) with p log-normal(-0.5, 1), so E[p] = 1 and
    # Var[p] = e - 1; count variance per entity = m + m^2 (e - 1) with m = 0.32; allow 5 sd
    m = 0.08 * 4
    complaints = int((first["kind"] == "complaint").sum())
    sd = np.sqrt(3000 * (m + m * m * (np.e - 1)))
    assert abs(complaints - 3000 * m) < 5 * sd


def test_fit_keeps_the_sign_the_policy_fixes() -> None:
    """A blacklist that happens to go with fewer problems gets weight 0, never a negative one."""
    rng = np.random.Generator(np.random.PCG64(20261102))
    n = 8000
    x = rng.random((n, 3))
    logit = -1.0 + 2.5 * x[:, 0] - 2.0 * x[:, 1] - 1.0 * x[:, 2]  # the data say: blacklist lowers risk
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    frame = pd.DataFrame(x, columns=["penalty", "serious_violation", "clean_inspections"])
    frame = frame.assign(uscc=[code(i) for i in range(n)])
    outcomes = pd.Series(y, index=frame["uscc"])
    free = fit_weights(frame, outcomes, seed=1)
    assert free.coefficients["serious_violation"] < -1.0  # unconstrained, the fit would lower it
    signs = {"penalty": "raises", "serious_violation": "raises", "clean_inspections": "lowers"}
    fixed = fit_weights(frame, outcomes, seed=1, signs=signs)  # type: ignore[arg-type]
    assert fixed.coefficients["serious_violation"] == 0.0
    assert fixed.suggested_weights["serious_violation"] == 0.0
    assert fixed.coefficients["penalty"] > 1.0 and fixed.coefficients["clean_inspections"] < 0.0
    assert fixed.signs == signs
    # features() carries the policy's signs, so fit_weights keeps them without being told
    policy = parse_policy(
        {
            "name": "signs",
            "tiers": {"names": ["A", "B"], "cutoffs": [500], "new_entity": "A"},
            "indicators": {
                "penalty": {"weight": 300},
                "serious_violation": {"weight": 600},
                "clean_inspections": {"weight": -60},
            },
        }
    )
    frame.attrs["signs"] = policy.signs()
    again = fit_weights(frame, outcomes, seed=1)
    assert again.coefficients == fixed.coefficients
    adjusted = again.apply(policy)
    assert adjusted.indicators["serious_violation"].weight == 0.0
    assert adjusted.indicators["serious_violation"].effective_sign() == "raises"  # pinned for the next fit


def test_features_of_a_policy_carry_its_signs() -> None:
    city = synth_city(500, seed="signs")
    policy = parse_policy(
        {
            "name": "signs",
            "tiers": {"names": ["A", "B"], "cutoffs": [500], "new_entity": "A"},
            "indicators": {
                "age": {"weight": 80, "transform": "decay", "cap": 5},
                "clean_inspections": {"weight": -60},
            },
        }
    )
    table = features(city.entities, None, policy, as_of=AS_OF, history=city.history)
    assert table.attrs["signs"] == {"age": "raises", "clean_inspections": "lowers"}


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.sampled_from(["raises", "lowers", "free"]), min_size=3, max_size=3),
)
def test_fitted_coefficients_never_leave_their_signs(seed: int, signs: list[str]) -> None:
    rng = np.random.Generator(np.random.PCG64(seed))
    x = rng.random((300, 3))
    y = rng.random(300) < 1.0 / (1.0 + np.exp(-(x @ rng.normal(0.0, 3.0, 3))))
    if y.all() or not y.any():
        return
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(uscc=[code(i) for i in range(300)])
    named = dict(zip("abc", signs, strict=True))
    try:
        report = fit_weights(frame, pd.Series(y, index=frame["uscc"]), seed=seed, signs=named)  # type: ignore[arg-type]
    except InputError:  # a training part with one class only
        return
    for name, sign in named.items():
        assert report.coefficients[name] >= 0.0 if sign == "raises" else True
        assert report.coefficients[name] <= 0.0 if sign == "lowers" else True
