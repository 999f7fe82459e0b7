"""统一社会信用代码 validation: GB 32100-2015 known answers and invariants."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualrandom.ids import ALPHABET, WEIGHTS, check_character, is_valid_uscc, normalize_id, validate_ids

VALID = [
    "91350100M000100Y43",
    "91350200776049653A",
    "913502000728319549",
    "9135021359498494XQ",
    "91350213678251743X",
    "91110000600037341L",
]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", VALID)
def test_known_valid_codes(code: str) -> None:
    assert is_valid_uscc(code)
    assert check_character(code[:17]) == code[17]


def test_known_invalid_check_character_names_the_expected_one() -> None:
    check = validate_ids(["91350203M0001QAY9B"])
    assert check.rule.tolist() == ["ID_CHECK"]
    assert check.message(0) == (
        "the check character (position 18) does not match positions 1-17: expected '9', found 'B'"
    )
    assert not check.ok.iloc[0]


def test_lenient_mode_accepts_only_a_bad_check_character_with_a_warning() -> None:
    check = validate_ids(["91350203M0001QAY9B", "9135021359498494XO"], lenient=True)
    assert check.ok.tolist() == [True, False]
    assert check.is_warning.tolist() == [True, False]
    assert "accepted in lenient mode" in check.message(0)


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "ID_EMPTY"),
        (None, "ID_EMPTY"),
        ("9135021359498494X", "ID_LENGTH"),
        ("12345678901234", "ID_LENGTH"),
        ("12345678901234A", "ID_LENGTH"),
        ("9135021359498494XO", "ID_ALPHABET"),
        ("9135021359498494XÉ", "ID_ALPHABET"),
        ("91AB0213594984941Q", "ID_LAYOUT"),
    ],
)
def test_each_kind_of_failure_has_its_own_rule(code: str | None, rule: str) -> None:
    assert validate_ids(pd.Series([code], dtype=object)).rule.tolist() == [rule]


def test_normalisation_trims_half_widths_and_upper_cases() -> None:
    assert normalize_id(" ９１１１００００６０００３７３４１ｌ\u3000") == "91110000600037341L"
    assert validate_ids([" 91110000600037341l "]).normalized.tolist() == ["91110000600037341L"]


def test_legacy_registration_number_is_accepted() -> None:
    assert validate_ids(["110108012345678"]).ok.tolist() == [True]


code17 = st.text(alphabet=ALPHABET, min_size=2, max_size=2).flatmap(
    lambda head: st.builds(
        lambda division, body: head + division + body,
        st.text(alphabet="0123456789", min_size=6, max_size=6),
        st.text(alphabet=ALPHABET, min_size=9, max_size=9),
    )
)


@given(code17)
def test_vectorised_check_agrees_with_the_scalar_recipe(body: str) -> None:
    good = body + check_character(body)
    wrong = body + next(c for c in ALPHABET if c != good[-1])
    check = validate_ids([good, wrong])
    assert check.rule.isna().tolist() == [True, False]
    assert check.expected.iloc[1] == good[-1]


@given(code17, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_detected(body: str, position: int, replacement: str) -> None:
    good = body + check_character(body)
    changed = good[:position] + replacement + good[position + 1 :]
    if changed != good and changed[2:8].isdigit():
        assert validate_ids([changed]).rule.tolist() == ["ID_CHECK"]
