"""The synthetic city: reproducible from the seed, valid codes, calibrated shares."""

from __future__ import annotations

import hashlib
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dualrandom.ids import validate_ids
from dualrandom.io import validate_roster
from dualrandom.synth import DEPARTMENTS, DIVISIONS, TYPE_SHARES, City, seed_sequence, synth_city

AS_OF = date(2026, 11, 1)


def within_binomial(count: int, n: int, p: float, sigmas: float = 4.0) -> bool:
    """|count - n p| <= 4 standard deviations of Binomial(n, p): fails by chance < 1e-4."""
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


@pytest.fixture(scope="module")
def city() -> City:
    return synth_city(60_000, seed="test-city", n_inspectors=2_000, conflict_rate=0.1)


def test_seed_is_hashed_with_sha256() -> None:
    digest = "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea"  # sha256(b"demo")
    assert hashlib.sha256(b"demo").hexdigest() == digest
    assert seed_sequence("demo").entropy == int(digest, 16)


def test_known_answer_for_the_demo_seed() -> None:
    """Pins the generator: a change here changes every demo, test fixture and benchmark."""
    first = synth_city(1_000, seed="demo").entities.iloc[0]
    assert first["uscc"] == "92420625MA311L3M5G"
    assert first["name"] == "谷城县金信家电维修部"
    assert first["registered_on"] == pd.Timestamp("2023-03-15")


def test_same_seed_gives_identical_tables() -> None:
    one, two = synth_city(5_000, seed="x"), synth_city(5_000, seed="x")
    for name, frame in one.tables().items():
        pd.testing.assert_frame_equal(frame, two.tables()[name])


def test_different_seed_gives_different_tables() -> None:
    one, two = synth_city(5_000, seed="x"), synth_city(5_000, seed="y")
    assert not set(one.entities["uscc"]) & set(two.entities["uscc"])
    assert not one.inspectors.equals(two.inspectors)
    assert not one.history.equals(two.history)


def test_entities_do_not_depend_on_the_inspector_count() -> None:
    one = synth_city(3_000, seed="x", n_inspectors=100)
    two = synth_city(3_000, seed="x", n_inspectors=900)
    pd.testing.assert_frame_equal(one.entities, two.entities)


def test_entity_type_shares_are_binomially_consistent(city: City) -> None:
    n = len(city.entities)
    counts = city.entities["entity_type"].value_counts()
    assert set(counts.index) == set(TYPE_SHARES)
    for kind, share in TYPE_SHARES.items():
        assert within_binomial(int(counts[kind]), n, share), (kind, counts[kind], n * share)


def test_codes_are_valid_unique_and_match_type_and_division(city: City) -> None:
    entities = city.entities
    assert validate_ids(entities["uscc"]).rule.isna().all()
    assert entities["uscc"].is_unique
    assert (entities["uscc"].str[0] == "9").all()
    digit = entities["entity_type"].map({"enterprise": "1", "individual": "2", "cooperative": "3"})
    assert (entities["uscc"].str[1] == digit).all()
    assert (entities["uscc"].str[2:8] == entities["division"]).all()
    assert set(entities["division"]) <= {d[0] for d in DIVISIONS}


def test_division_shares_follow_residents(city: City) -> None:
    residents = {code: people for code, _, people in DIVISIONS}
    total = sum(residents.values())
    counts = city.entities["division"].value_counts()
    n = len(city.entities)
    for code, people in residents.items():
        assert within_binomial(int(counts.get(code, 0)), n, people / total), code


def test_every_table_passes_roster_validation(city: City) -> None:
    for kind in ("entities", "inspectors", "conflicts", "history"):
        report = validate_roster(getattr(city, kind), kind)  # type: ignore[arg-type]
        assert report.problems == (), kind
        pd.testing.assert_frame_equal(report.frame, getattr(city, kind))


def test_industries_look_like_gb4754_codes(city: City) -> None:
    assert city.entities["industry"].str.fullmatch(r"[A-T][0-9]{2}").all()
    coops = city.entities[city.entities["entity_type"] == "cooperative"]
    assert coops["industry"].str.startswith("A").all()
    assert coops["name"].str.endswith("合作社").all()
    enterprises = city.entities[city.entities["entity_type"] == "enterprise"]
    assert enterprises["name"].str.endswith("公司").all()


def test_registration_dates_lie_before_as_of(city: City) -> None:
    registered = city.entities["registered_on"]
    assert registered.max() < pd.Timestamp(AS_OF)
    assert registered.min() >= pd.Timestamp(AS_OF) - pd.Timedelta(days=35 * 366)


def test_departments_and_officer_shares(city: City) -> None:
    assert city.departments["id"].tolist() == [d[0] for d in DEPARTMENTS]
    counts = city.inspectors["department"].value_counts()
    assert counts["SAMR"] == round(0.4 * len(city.inspectors))
    assert counts.min() >= 2 and set(counts.index) == set(city.departments["id"])
    assert city.inspectors["inspector_id"].is_unique and city.inspectors["certificate_no"].is_unique


def test_more_departments_get_generated_ids() -> None:
    city = synth_city(100, n_departments=33, n_inspectors=200)
    assert city.departments["id"].tolist()[-3:] == ["DEPT31", "DEPT32", "DEPT33"]
    assert (city.inspectors["department"].value_counts() >= 2).all()


def test_inspector_attributes(city: City) -> None:
    inspectors = city.inspectors
    n = len(inspectors)
    assert within_binomial(int((~inspectors["active"]).sum()), n, 0.03)
    assert within_binomial(int(inspectors["expert"].sum()), n, 0.05)
    held = inspectors["qualifications"].str.split(";")
    assert held.map(len).between(1, 3).all()
    own = {d[0]: d[2] for d in DEPARTMENTS}
    assert all(own[d] in q for d, q in zip(inspectors["department"], held, strict=True))
    homes = inspectors["home_division"]
    assert (homes.eq("") | homes.isin([d[0] for d in DIVISIONS])).all()


def test_conflicts_refer_to_existing_people_and_entities(city: City) -> None:
    conflicts = city.conflicts
    assert conflicts["inspector_id"].isin(city.inspectors["inspector_id"]).all()
    assert conflicts["uscc"].isin(city.entities["uscc"]).all()
    assert not conflicts.duplicated(["inspector_id", "uscc"]).any()
    declaring = conflicts["inspector_id"].nunique()
    assert within_binomial(declaring, len(city.inspectors), 0.1)
    assert set(conflicts["reason"]) <= {
        "近亲属",
        "利害关系",
        "曾参与该案件",
        "曾在该单位任职",
        "其他可能影响公正执法的情形",
    }


def test_history_covers_about_five_percent_of_last_year(city: City) -> None:
    history = city.history
    n = len(city.entities)
    assert within_binomial(history["uscc"].nunique(), n, 0.05)
    assert history["inspected_on"].min() >= pd.Timestamp(AS_OF) - pd.Timedelta(days=365)
    assert history["inspected_on"].max() < pd.Timestamp(AS_OF)
    triggered = (history["kind"] == "triggered").to_numpy()
    assert within_binomial(int(triggered.sum()), len(history), 0.2)
    assert (history["campaign_id"][triggered] == "").all()
    assert history["campaign_id"][~triggered].str.fullmatch(r"XY-20\d\d-Q[1-4]").all()
    officers = city.inspectors.set_index("inspector_id")
    assert (
        officers.loc[history["inspector_id"], "department"].to_numpy() == history["department"].to_numpy()
    ).all()
    assert officers.loc[history["inspector_id"], "active"].all()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="n_inspectors >= 2 \\* n_departments"):
        synth_city(10, n_inspectors=10)
    with pytest.raises(ValueError, match="conflict_rate"):
        synth_city(10, conflict_rate=1.5)


def test_no_global_random_state_is_used() -> None:
    np.random.seed(1)
    before = np.random.random()
    np.random.seed(1)
    synth_city(500)
    assert np.random.random() == before


def test_rows_satisfy_the_pydantic_row_models(city: City) -> None:
    """The column-wise validation and the row models in models.py agree on synthetic rows."""
    from dualrandom.models import Conflict, Entity, HistoryRecord, Inspector

    for row in city.entities.head(200).to_dict("records"):
        Entity.model_validate({**row, "registered_on": row["registered_on"].date()})
    for row in city.inspectors.head(200).to_dict("records"):
        Inspector.model_validate(
            {
                **row,
                "qualifications": tuple(row["qualifications"].split(";")),
                "home_division": row["home_division"] or None,
                "max_targets": None if pd.isna(row["max_targets"]) else int(row["max_targets"]),
                "unavailable": tuple(date.fromisoformat(d) for d in row["unavailable"].split(";") if d),
            }
        )
    for row in city.conflicts.to_dict("records"):
        Conflict.model_validate(row)
    for row in city.history.head(200).to_dict("records"):
        HistoryRecord.model_validate({**row, "inspected_on": row["inspected_on"].date()})
