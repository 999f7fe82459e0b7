"""The fast draw path: codes checked from Arrow bytes, one code-system decision, sorted-order reuse, ties.

Each fast step is compared with a plain recipe (a regex and the scalar check per code, Python's
sort, the (key, ticket, code) order); the CLI scenario draws one roster given in two row orders
and two dtypes, with an operator's mistake first.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom.cli import main
from dualrandom.draw.draw import _ordered
from dualrandom.draw.frame import CODES, prepare_frame
from dualrandom.ids import ALPHABET, UNIT_ID_PATTERN, _grid, check_character, normalize_id, validate_ids
from dualrandom.kernel.order import text_order
from dualrandom.schema import validate
from dualrandom.tickets import ticket_keys, tickets


def plain_rule(code: str, lenient: bool) -> str | None:
    """The rule one normalised code breaks, by the readable recipe (None: fine)."""
    if re.fullmatch(UNIT_ID_PATTERN, code, flags=re.ASCII) or re.fullmatch(
        r"[0-9]{15}", code, flags=re.ASCII
    ):
        return None
    if not code:
        return "ID_EMPTY"
    if len(code) != 18:
        return "ID_LENGTH"
    if not code.isascii() or any(c not in ALPHABET for c in code):
        return "ID_ALPHABET"
    if not re.fullmatch(r"[0-9]{6}", code[2:8], flags=re.ASCII):
        return "ID_LAYOUT"
    return None if check_character(code[:17]) == code[17] else "ID_CHECK"


def uscc(body: str, right: bool) -> str:
    return body + (check_character(body) if right else "0" if check_character(body) != "0" else "1")


BODIES = st.builds(
    lambda a, b, c: a + b + c,
    st.text(ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(ALPHABET, min_size=9, max_size=9),
)
CODES_ = st.one_of(
    st.builds(uscc, BODIES, st.booleans()),
    st.builds(
        lambda d, s: f"U{d}-{s}",
        st.text("0123456789", min_size=6, max_size=6),
        st.text("09AZ-a", max_size=22),
    ),
    st.text("0123456789", min_size=14, max_size=16),
    st.text(ALPHABET + "abIOSVZ é９ａ\u3000-\x1c", max_size=20),
    st.text(ALPHABET + "ab \x1c\x1f\t\n\x0b-", max_size=20),  # ASCII only, with Unicode-only spaces
    st.just(""),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(CODES_, max_size=30), st.booleans(), st.sampled_from(["object", "str", "chunked", "sliced"]))
def test_the_byte_check_agrees_with_the_plain_recipe(codes: list[str], lenient: bool, form: str) -> None:
    if form == "object":
        column = pd.Series(codes, dtype=object)
    elif form == "chunked":  # two Arrow chunks
        half = len(codes) // 2
        column = pd.concat([pd.Series(codes[:half], dtype="str"), pd.Series(codes[half:], dtype="str")])
    elif form == "sliced":  # an Arrow array with an offset into its buffers
        column = pd.Series(["x", *codes], dtype="str").iloc[1:]
    else:
        column = pd.Series(codes, dtype="str")
    check = validate_ids(column, lenient=lenient)
    normalised = [normalize_id(c) for c in codes]
    assert check.normalized.tolist() == normalised
    expected = [plain_rule(c, lenient) for c in normalised]
    assert [None if pd.isna(r) else r for r in check.rule.tolist()] == expected
    assert check.is_warning.tolist() == [lenient and r == "ID_CHECK" for r in expected]
    assert check.expected.tolist() == [
        check_character(c[:17]) if r == "ID_CHECK" else None
        for c, r in zip(normalised, expected, strict=True)
    ]


def test_adjacent_and_scattered_codes_give_the_same_byte_matrix() -> None:
    data = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
    adjacent = _grid(np.array([0, 3, 6], dtype=np.int64), data, 3)
    assert adjacent.base is not None  # a view of the buffer
    scattered = _grid(np.array([0, 4, 6], dtype=np.int64), data, 3)
    assert adjacent.tobytes() == b"ABCDEFGHI"
    assert scattered.tobytes() == b"ABCEFGGHI"


TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\x00", "é", "9"]), max_size=30)


@given(st.lists(TEXT, max_size=40), st.lists(st.text(max_size=3), max_size=5))
def test_a_column_already_in_order_keeps_its_rows(values: list[str], long_prefixes: list[str]) -> None:
    long = ["p" * 25 + suffix for suffix in long_prefixes]  # share their first 24 bytes
    column = sorted(values + long, key=lambda v: v.encode("utf-8"))
    order = text_order(pa.array(column, pa.large_string()))
    assert [column[i] for i in order.order] == column
    assert order.order.tolist() == sorted(range(len(column)), key=lambda i: (column[i].encode(), i))
    assert order.equal_next.tolist() == [a == b for a, b in itertools.pairwise(column)]


def test_one_swapped_pair_is_sorted_not_kept() -> None:
    column = [f"9142060000000000{i:02d}" for i in range(50)]
    column[20], column[21] = column[21], column[20]
    order = text_order(pa.array(column, pa.large_string())).order
    assert [column[i] for i in order] == sorted(column)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.text("AB", max_size=3)),
        min_size=1,
        max_size=25,
        unique_by=lambda r: r[1],
    ),
    st.integers(0, 30),
    st.randoms(use_true_random=False),
)
def test_ties_are_ordered_by_full_ticket_then_code(
    rows: list[tuple[int, str]], count: int, rng: object
) -> None:
    ids = np.array([code for _, code in rows] + ["spare"], dtype=object)
    where = np.array(range(len(rows)), dtype=np.intp)
    rng.shuffle(where)  # type: ignore[attr-defined]
    keys = np.array([rows[i][0] for i in where], dtype=np.uint64)  # few keys: many ties
    full = tickets("seed", ids[where])
    expected = sorted(range(len(where)), key=lambda k: (int(keys[k]), full[k], ids[where[k]]))[:count]
    assert _ordered(keys, count, "seed", ids, where).tolist() == expected


def test_the_schema_decides_the_code_system_once() -> None:
    good = [uscc("91420600" + f"{i:09d}", True) for i in range(12)]
    pilot = [*good[:-1], uscc("91420600000000999", False)]  # a bad check character only
    needs = ("uscc", "tier")
    assert validate(pd.DataFrame({"uscc": good, "tier": "A"}), "entities", needs=needs).codes == "checked"
    assert (
        validate(pd.DataFrame({"uscc": pilot, "tier": "A"}), "entities", needs=needs, lenient=True).codes
        == "checked"
    )
    assert validate(pd.DataFrame({"uscc": pilot, "tier": "A"}), "entities", needs=needs).codes == "checked"
    stray = pd.DataFrame({"uscc": [*good, "E-1"], "tier": "A"})
    assert validate(stray, "entities", needs=needs, any_code=True).codes == "any"
    assert validate(pd.DataFrame({"name": ["张三"]}), "inspectors", needs=("name",)).codes is None


def test_one_stray_identifier_makes_the_frame_a_frame_of_identifiers() -> None:
    """A roster of credit codes with one identifier slipped in is not taken for GB 32100 codes."""
    good = [uscc("91420600" + f"{i:09d}", True) for i in range(12)]
    assert prepare_frame(pd.DataFrame({"uscc": good, "tier": "A"}), ["A"]).attrs[CODES] == "checked"
    slipped = pd.DataFrame({"uscc": [*good, "STALL-7"], "tier": "A"})
    assert prepare_frame(slipped, ["A"]).attrs[CODES] == "any"


def test_the_frame_keeps_text_columns_and_the_same_keys_whatever_the_dtype() -> None:
    codes = [f"91420600{i:010d}" for i in range(200)]
    as_objects = prepare_frame(pd.DataFrame({"uscc": codes, "tier": "A"}, dtype=object), ["A"])
    as_text = prepare_frame(pd.DataFrame({"uscc": codes, "tier": "A"}, dtype="str"), ["A"])
    assert as_objects["uscc"].tolist() == as_text["uscc"].tolist() == codes
    assert (
        ticket_keys("s", as_objects["uscc"].to_numpy(dtype=object))
        == ticket_keys("s", as_text["uscc"].to_numpy(dtype=object))
    ).all()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_an_operator_draws_one_roster_given_in_two_orders(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    codes = [uscc(f"91420600{i:09d}", True) for i in range(3000)]
    tiers = rng.choice(list("ABCD"), size=len(codes), p=[0.4, 0.3, 0.2, 0.1])
    ordered = pd.DataFrame({"统一社会信用代码": codes, "tier": tiers})
    ratios = ["--ratio", "A=0.01", "--ratio", "B=0.03", "--ratio", "C=0.1", "--ratio", "D=0.3"]
    broken = pd.concat([ordered, ordered.iloc[[5]]], ignore_index=True)  # one row exported twice
    broken.to_csv(tmp_path / "broken.csv", index=False)
    code, out = run(
        "draw", str(tmp_path / "broken.csv"), *ratios, "--seed", "0042", "-o", str(tmp_path / "x.csv")
    )
    assert code != 0 and "DUPLICATE" in out and "duplicates row 7" in out and "Traceback" not in out
    assert not (tmp_path / "x.csv").exists()
    ordered.to_csv(tmp_path / "ordered.csv", index=False)
    ordered.sample(frac=1, random_state=3).to_csv(tmp_path / "shuffled.csv", index=False)
    outputs = []
    for name in ("ordered", "shuffled"):
        sample = tmp_path / f"{name}-sample.csv"
        code, out = run("draw", str(tmp_path / f"{name}.csv"), *ratios, "--seed", "0042", "-o", str(sample))
        assert code == 0, out
        outputs.append(
            [
                sample.read_bytes(),
                Path(f"{sample}.manifest.json").read_bytes(),
                Path(f"{sample}.public.json").read_bytes(),
            ]
        )
    assert outputs[0] == outputs[1]
    manifest = json.loads(outputs[0][1])
    assert manifest["roster_rows"] == 3000
    assert (
        outputs[0][1].decode("utf-8")
        == json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )


@pytest.mark.parametrize("stray", ["", " "])
def test_an_empty_or_blank_code_is_reported_once_with_its_row(stray: str, tmp_path: Path) -> None:
    codes = [uscc(f"91420600{i:09d}", True) for i in range(30)]
    codes[4] = stray
    pd.DataFrame({"uscc": codes, "tier": "A"}).to_csv(tmp_path / "r.csv", index=False)
    code, out = run(
        "draw", str(tmp_path / "r.csv"), "--ratio", "A=0.1", "--seed", "1", "-o", str(tmp_path / "s.csv")
    )
    assert code != 0 and "Traceback" not in out
    assert out.startswith("Error: 1 problem(s) found:")
    assert "r.csv, row 6, column 'uscc': the code is empty (value '') [ID_EMPTY]" in out
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize(
    "code", ["\x1c91350100M000100Y43\x1f", "\t91350100m000100y43\x0b", " 110108012345678 "]
)
def test_an_ascii_column_is_trimmed_as_unicode_trims_it(code: str) -> None:
    check = validate_ids(pd.Series([code, "91350200776049653A"], dtype="str"))
    assert check.normalized.tolist()[0] == normalize_id(code) == code.strip().upper()
    assert check.ok.all()


@given(st.lists(st.text("0129AZ", max_size=30), max_size=60), st.randoms(use_true_random=False))
def test_the_radix_key_orders_codes_as_their_bytes(values: list[str], rng: object) -> None:
    rng.shuffle(values)  # type: ignore[attr-defined]
    order = text_order(pa.array(values, pa.large_string()))
    expected = sorted(range(len(values)), key=lambda i: (values[i].encode(), i))
    assert order.order.tolist() == expected
    assert order.equal_next.tolist() == [values[a] == values[b] for a, b in itertools.pairwise(expected)]


def test_the_radix_key_is_taken_only_when_it_fits_64_bits() -> None:
    from dualrandom.kernel.order import _padded, _radix_key

    codes = pa.array([f"91420600{i:010d}" for i in range(1000, 0, -1)], pa.large_string())
    assert _radix_key(*_padded(codes)) is not None  # ten digit positions: 10**10 values
    wide = pa.array([bytes(range(i, i + 24)).decode("latin-1") for i in (0, 100)] * 2, pa.large_string())
    assert _radix_key(*_padded(wide)) is None  # 24 positions of up to 100+ values each
    assert text_order(wide).order.tolist() == [0, 2, 1, 3]
