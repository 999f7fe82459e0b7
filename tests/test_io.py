"""Roster I/O: every format round-trips, every problem of a broken roster is listed at once."""

from __future__ import annotations

import string
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualrandom.errors import InputError, Problem
from dualrandom.ids import ALPHABET, check_character
from dualrandom.io import check_roster, read_roster, read_table, validate_roster, write_table
from dualrandom.synth import City, synth_city

HEADER = "uscc,name,entity_type,division,industry,registered_on,address,legal_rep"
BROKEN_ROWS = [
    "91350100M000100Y43,襄阳鑫盛商贸有限公司,enterprise,420606,F52,2020-05-01,湖北省襄阳市樊城区人民路1号,张伟",
    "91350203M0001QAY9B,樊城区张记小吃店,individual,420606,H62,2021-03-02,,张三",
    "91350100M000100Y43,重复的公司,enterprise,420606,F52,2020-05-01,,",
    "91350200776049653A,,company,420602,F51,2019-01-01,,",
    "913502000728319549,襄阳某某建设工程有限公司,enterprise,42060,retail,2024-13-01,,",
    "9135021359498494XO,谷城县某某合作社,合作社,420625,A01,2018年3月5日,,",
]
CHECK = "the check character (position 18) does not match positions 1-17: expected '9', found 'B'"


def broken_problems(source: str, *, lenient: bool = False) -> list[Problem]:
    """Exactly what the broken roster must report, row by row and column by column."""
    check = Problem(source, 3, "uscc", "91350203M0001QAY9B", "ID_CHECK", CHECK)
    if lenient:
        check = Problem(
            source,
            3,
            "uscc",
            "91350203M0001QAY9B",
            "ID_CHECK",
            CHECK + " (accepted in lenient mode)",
            "warning",
        )
    return [
        check,
        Problem(source, 4, "uscc", "91350100M000100Y43", "DUPLICATE", "duplicates row 2"),
        Problem(source, 5, "name", "", "REQUIRED", "a value is required"),
        Problem(
            source, 5, "entity_type", "company", "ENUM", "allowed values: enterprise, individual, cooperative"
        ),
        Problem(
            source,
            6,
            "division",
            "42060",
            "DIVISION",
            "expected a 6-digit GB/T 2260 division code such as 420606",
        ),
        Problem(
            source,
            6,
            "industry",
            "retail",
            "INDUSTRY",
            "expected a GB/T 4754 code: section letter A-T and 2-4 digits",
        ),
        Problem(source, 6, "registered_on", "2024-13-01", "DATE", "expected a date such as 2024-03-15"),
        Problem(
            source,
            7,
            "uscc",
            "9135021359498494XO",
            "ID_ALPHABET",
            "a USCC uses only 0-9 and A-Y without I, O, S, V, Z; position 18 holds 'O'",
        ),
    ]


def write_broken(path: Path, encoding: str) -> Path:
    path.write_bytes(("\n".join([HEADER, *BROKEN_ROWS]) + "\n").encode(encoding))
    return path


@pytest.fixture(scope="module")
def city() -> City:
    return synth_city(3_000, seed="io-tests")


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_round_trip_in_every_encoding(tmp_path: Path, city: City, encoding: str) -> None:
    path = tmp_path / "entities.csv"
    write_table(city.entities, path, encoding=encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    pd.testing.assert_frame_equal(read_roster(path, "entities"), city.entities)


@pytest.mark.parametrize("kind", ["entities", "inspectors", "conflicts", "history"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_every_roster_round_trips_through_every_file_format(
    tmp_path: Path, city: City, kind: str, suffix: str
) -> None:
    frame = getattr(city, kind).head(300)
    path = tmp_path / f"{kind}{suffix}"
    write_table(frame, path)
    pd.testing.assert_frame_equal(read_roster(path, kind), frame)  # type: ignore[arg-type]


def test_sqlite_table_and_query_round_trip(tmp_path: Path, city: City) -> None:
    url = f"sqlite:///{tmp_path / 'rosters.db'}"
    write_table(city.inspectors, url, table="inspectors")
    pd.testing.assert_frame_equal(read_roster(url, "inspectors", table="inspectors"), city.inspectors)
    samr = read_roster(url, "inspectors", query="SELECT * FROM inspectors WHERE department = 'SAMR'")
    expected = city.inspectors[city.inspectors["department"] == "SAMR"].reset_index(drop=True)
    pd.testing.assert_frame_equal(samr, expected)


def test_sql_source_names_no_password_and_needs_table_or_query(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_table("postgresql://user:secret@localhost/db")
    assert caught.value.problems == (
        Problem(
            "postgresql://user:***@localhost/db (query)",
            None,
            None,
            None,
            "SQL",
            "give exactly one of table= or query= with a SQL URL",
        ),
    )


def test_dataframe_source_with_typed_columns(city: City) -> None:
    raw = city.entities.head(50).copy()
    raw["division"] = raw["division"].astype(float)  # as a spreadsheet tool may store it
    raw["registered_on"] = [d.date() for d in raw["registered_on"]]
    pd.testing.assert_frame_equal(read_roster(raw, "entities"), city.entities.head(50))


def test_xlsx_with_native_cell_types(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名录"
    sheet.append(
        ["inspector_id", "name", "department", "home_division", "active", "max_targets", "unavailable"]
    )
    sheet.append(["A1", "王芳", "SAMR", 420606, True, 12, "2026-11-03；2026-11-02"])
    sheet.append(["A2", "李强", "FOOD", None, "否", None, None])
    sheet.append([None] * 7)  # trailing blank rows are not data
    path = tmp_path / "officers.xlsx"
    book.save(path)
    frame = read_roster(path, "inspectors", sheet="名录")
    assert frame["home_division"].tolist() == ["420606", ""]
    assert frame["active"].tolist() == [True, False]
    assert frame["max_targets"].tolist() == [12, pd.NA]
    assert frame["unavailable"].tolist() == ["2026-11-02;2026-11-03", ""]
    assert frame["expert"].tolist() == [False, False]
    assert frame["qualifications"].tolist() == ["", ""]


def test_xlsx_date_cells_become_dates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["uscc", "inspected_on", "kind"])
    book.active.append(["91350100M000100Y43", datetime(2026, 3, 5), "双随机"])
    book.active.append(["91350100M000100Y43", date(2026, 4, 1), "triggered"])
    path = tmp_path / "history.xlsx"
    book.save(path)
    frame = read_roster(path, "history")
    assert frame["inspected_on"].tolist() == [pd.Timestamp("2026-03-05"), pd.Timestamp("2026-04-01")]
    assert frame["kind"].tolist() == ["random", "triggered"]


def test_values_are_normalised() -> None:
    raw = pd.DataFrame(
        {
            "uscc": [" ９１３５０１００Ｍ０００１００Ｙ４３ ", "91350200776049653a"],
            "name": [" 甲 ", "乙"],
            "entity_type": ["企业", "Individual"],
            "division": ["420606", "420602"],
            "industry": ["f52", "H6211"],
            "registered_on": ["2024/3/5", "20240305"],
        }
    )
    frame = read_roster(raw, "entities")
    assert frame["uscc"].tolist() == ["91350100M000100Y43", "91350200776049653A"]
    assert frame["name"].tolist() == ["甲", "乙"]
    assert frame["entity_type"].tolist() == ["enterprise", "individual"]
    assert frame["industry"].tolist() == ["F52", "H6211"]
    assert frame["registered_on"].tolist() == [pd.Timestamp("2024-03-05")] * 2
    assert frame["address"].tolist() == ["", ""] and frame["legal_rep"].tolist() == ["", ""]


def test_extra_columns_are_kept_after_the_contract_columns(city: City) -> None:
    raw = city.entities.head(5).assign(note="x")
    assert read_roster(raw, "entities").columns.tolist()[-1] == "note"


# --- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_broken_roster_lists_every_problem_at_once(tmp_path: Path, encoding: str) -> None:
    path = write_broken(tmp_path / "broken.csv", encoding)
    with pytest.raises(InputError) as caught:
        read_roster(path, "entities")
    assert list(caught.value.problems) == broken_problems(str(path))
    assert str(caught.value).startswith(f"{path}: 8 problem(s) in the entities roster:\n  - {path}, row 3,")


def test_broken_roster_in_xlsx_reports_the_same_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for line in [HEADER, *BROKEN_ROWS]:
        book.active.append(line.split(","))
    path = tmp_path / "broken.xlsx"
    book.save(path)
    assert list(check_roster(path, "entities").problems) == broken_problems(str(path))


def test_lenient_mode_turns_only_the_check_character_into_a_warning(tmp_path: Path) -> None:
    path = write_broken(tmp_path / "broken.csv", "utf-8")
    report = check_roster(path, "entities", lenient=True)
    assert list(report.problems) == broken_problems(str(path), lenient=True)
    assert len(report.errors) == 7 and len(report.warnings) == 1


def test_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    path = tmp_path / "pilot.csv"
    path.write_text(HEADER + "\n" + BROKEN_ROWS[1] + "\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_roster(path, "entities")
    frame = read_roster(path, "entities", lenient=True)
    assert frame["uscc"].tolist() == ["91350203M0001QAY9B"]


def test_a_missing_column_is_reported_once_per_column() -> None:
    raw = pd.DataFrame({"uscc": ["91350100M000100Y43"], "name": ["甲"]})
    report = validate_roster(raw, "entities", source="e.csv")
    found = "found: uscc, name"
    assert list(report.problems) == [
        Problem("e.csv", 1, c, None, "COLUMN_MISSING", f"the entities table needs this column; {found}")
        for c in ("entity_type", "division", "industry", "registered_on")
    ]


def test_inspector_problems(tmp_path: Path) -> None:
    path = tmp_path / "inspectors.csv"
    path.write_text(
        "inspector_id,name,department,home_division,active,max_targets,unavailable,expert\n"
        "A 1,王芳,SAMR,4206,maybe,-3,2026-11-31,是\n"
        "A2,李强,FOOD,,否,5,2026-11-03,否\n"
        "A2,张伟,,420606,1,,,\n",
        encoding="utf-8",
    )
    source = str(path)
    assert list(check_roster(path, "inspectors").problems) == [
        Problem(
            source,
            2,
            "inspector_id",
            "A 1",
            "IDENTIFIER",
            "expected 1-64 characters without spaces, ';' or ','",
        ),
        Problem(
            source,
            2,
            "home_division",
            "4206",
            "DIVISION",
            "expected a division code of 6 digits (GB/T 2260), 9 (township) or 12 (village)",
        ),
        Problem(source, 2, "active", "maybe", "BOOL", "expected 是/否, true/false, yes/no or 1/0"),
        Problem(source, 2, "max_targets", "-3", "INT", "expected a whole number >= 0"),
        Problem(
            source,
            2,
            "unavailable",
            "2026-11-31",
            "DATE_LIST",
            "expected ';'-separated dates such as 2026-11-03;2026-11-04",
        ),
        Problem(source, 4, "inspector_id", "A2", "DUPLICATE", "duplicates row 3"),
        Problem(source, 4, "department", "", "REQUIRED", "a value is required"),
    ]


def test_a_row_with_too_many_fields_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "conflicts.csv"
    path.write_text("inspector_id,uscc,reason\nA1,91350100M000100Y43,近亲属\nA2,x,y,z\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert caught.value.problems == (
        Problem(str(path), 3, None, "A2,x,y,z", "CSV_FIELDS", "row has 4 fields, the header has 3"),
    )


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "conflicts.csv"
    path.write_text("inspector_id,uscc,reason\n\nA1,91350100M000100Y43,\n\n\n", encoding="utf-8")
    problems = check_roster(path, "conflicts").problems
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (2, "inspector_id", "REQUIRED"),
        (2, "uscc", "REQUIRED"),
        (2, "reason", "REQUIRED"),
        (3, "reason", "REQUIRED"),
    ]


def test_unreadable_sources(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.csv": ("FILE_NOT_FOUND", "no such file"),
        tmp_path / "binary.csv": (
            "ENCODING",
            "the file is neither UTF-8 nor GBK/GB18030 text (byte 1); "
            "in Excel: Save As → 'CSV UTF-8 (Comma delimited)'",
        ),
        tmp_path / "empty.csv": ("EMPTY", "the file is empty (a header row is needed)"),
        tmp_path / "roster.json": (
            "FORMAT",
            "unknown file type '.json'; allowed: .csv, .txt, .tsv, .xlsx, .xlsm, .parquet, .pq or a SQL URL",
        ),
    }
    (tmp_path / "binary.csv").write_bytes(b"a\xff\xfe,b\n")
    (tmp_path / "empty.csv").write_bytes(b"\n")
    (tmp_path / "roster.json").write_text("{}")
    for path, (rule, message) in cases.items():
        with pytest.raises(InputError) as caught:
            read_table(path)
        assert caught.value.problems == (Problem(str(path), None, None, None, rule, message),)


def test_a_repeated_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("uscc,name,uscc\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="COLUMN_REPEATED"):
        read_table(path)


def test_write_table_refuses_unknown_suffix_and_writes_nothing(tmp_path: Path, city: City) -> None:
    with pytest.raises(InputError, match=r"unknown file type '\.json'"):
        write_table(city.departments, tmp_path / "x.json")
    assert list(tmp_path.iterdir()) == []


# --- property: write -> read is the identity -----------------------------------------------


def _uscc(body: str) -> str:
    return body + check_character(body)


uscc_bodies = st.builds(
    lambda head, division, subject: head + division + subject,
    st.sampled_from(["91", "92", "93"]),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
)
texts = st.text(
    st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\x85"), min_size=1, max_size=12
).filter(lambda s: s == s.strip() and s != "")
entity_rows = st.lists(
    st.fixed_dictionaries(
        {
            "uscc": uscc_bodies.map(_uscc),
            "name": texts,
            "entity_type": st.sampled_from(["enterprise", "individual", "cooperative"]),
            "division": st.text("0123456789", min_size=6, max_size=6),
            "industry": st.builds(
                lambda s, d: s + d,
                st.sampled_from(string.ascii_uppercase[:20]),
                st.text("0123456789", min_size=2, max_size=4),
            ),
            "registered_on": st.dates(date(1950, 1, 1), date(2030, 12, 31)).map(pd.Timestamp),
            "address": st.one_of(st.just(""), texts),
            "legal_rep": st.one_of(st.just(""), texts),
        }
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda row: row["uscc"],
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=entity_rows, suffix=st.sampled_from([".csv", ".parquet", ".xlsx"]))
def test_write_then_read_is_the_identity(tmp_path: Path, rows: list[dict[str, object]], suffix: str) -> None:
    frame = validate_roster(pd.DataFrame(rows), "entities").frame
    path = tmp_path / f"property{suffix}"
    write_table(frame, path)
    pd.testing.assert_frame_equal(read_roster(path, "entities"), frame)


def test_acceptance_150k_gbk_entities_and_xlsx_inspectors(tmp_path: Path) -> None:
    """The issue's 'done when': a 150k-row GBK CSV and an XLSX inspector roster load cleanly."""
    city = synth_city(150_000, seed="acceptance")
    entities, inspectors = tmp_path / "entities.csv", tmp_path / "inspectors.xlsx"
    write_table(city.entities, entities, encoding="gbk")
    write_table(city.inspectors, inspectors)
    pd.testing.assert_frame_equal(read_roster(entities, "entities"), city.entities)
    pd.testing.assert_frame_equal(read_roster(inspectors, "inspectors"), city.inspectors)


def test_classified_rosters_keep_tier_and_score_typed(tmp_path: Path, city: City) -> None:
    classified = city.entities.head(3).assign(tier=["A", "B", "D"], score=[10.5, 300.0, 999.0])
    path = tmp_path / "classified.csv"
    write_table(classified, path)
    frame = read_roster(path, "entities")
    assert frame["tier"].tolist() == ["A", "B", "D"]
    assert frame["score"].tolist() == [10.5, 300.0, 999.0]
    assert "tier" not in read_roster(city.entities.head(3), "entities").columns
    broken = classified.assign(score=["1001", "x", ""])
    assert [(p.row, p.value, p.rule) for p in check_roster(broken, "entities").problems] == [
        (2, "1001", "SCORE"),
        (3, "x", "SCORE"),
    ]


def test_a_missing_sqlite_database_is_reported_not_created(tmp_path: Path) -> None:
    database = tmp_path / "none.db"
    with pytest.raises(InputError) as caught:
        read_table(f"sqlite:///{database}", table="entities")
    assert caught.value.problems == (
        Problem(
            f"sqlite:///{database} (table entities)",
            None,
            None,
            None,
            "FILE_NOT_FOUND",
            f"no SQLite database at {database}",
        ),
    )
    assert not database.exists()


def test_chinese_headers_of_bureau_exports_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    path.write_text(
        "统一社会信用代码,企业名称,市场主体类型,行政区划代码,行业代码,成立日期\n"
        "91350100M000100Y43,甲公司,企业,350100,F52,2020-01-02\n"
        "91350200776049653B,乙商店,个体工商户,350200,F52,2021-02-03\n",
        encoding="gbk",
    )
    report = check_roster(path, "entities")
    assert list(report.frame.columns[:6]) == [
        "uscc",
        "name",
        "entity_type",
        "division",
        "industry",
        "registered_on",
    ]
    assert report.frame["entity_type"].tolist() == ["enterprise", "individual"]
    [problem] = report.errors
    assert (problem.row, problem.column, problem.rule) == (3, "统一社会信用代码 (uscc)", "ID_CHECK")
