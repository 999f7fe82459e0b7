"""The compiled ticket kernel gives hashlib's bytes: known answers, block boundaries, any code.

Every test here compares against `hashlib` (the reference of docs/draw-spec.md), on both
compressions the kernel has (SHA-NI and the portable one) and on several thread counts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualrandom import kernel
from dualrandom import tickets as T
from dualrandom.errors import DrawError

RIVEST_SEED = "01382438112797316654"
RIVEST_TICKET = "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
BUILT = kernel._MODULE is not None
needs_kernel = pytest.mark.skipif(not BUILT, reason="the C ticket kernel was not built here")
COMPRESSIONS = [pytest.param(False, id="best"), pytest.param(True, id="portable")]


def reference(seed: str, codes: list[str]) -> bytes:
    prefix = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return b"".join(hashlib.sha256((prefix + code).encode("utf-8")).digest() for code in codes)


@pytest.fixture
def with_kernel() -> Iterator[None]:
    previous = kernel.set_enabled(True)
    yield
    kernel.set_enabled(previous)


@needs_kernel
@pytest.mark.parametrize("portable", COMPRESSIONS)
def test_known_answer_of_consistent_sampler(portable: bool) -> None:
    raw = kernel.digests(T.seed_digest(RIVEST_SEED), ["AB-130"], portable=portable)
    assert T.ticket_from_digest(raw) == RIVEST_TICKET


@needs_kernel
def test_known_answers_through_the_public_functions(with_kernel: None) -> None:
    assert kernel.backend().startswith("C")
    assert T.tickets(RIVEST_SEED, ["AB-130"]).tolist() == [RIVEST_TICKET]
    assert T.ticket_keys(RIVEST_SEED, ["AB-130"]).tolist() == [2629971412283800]
    ids = ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"]
    order = np.argsort(T.tickets("314159", ids).astype(str))
    assert [ids[i] for i in order[:4]] == ["B-2", "B-3", "A-3", "A-2"]


@needs_kernel
@pytest.mark.parametrize("portable", COMPRESSIONS)
def test_every_length_across_the_padding_and_block_boundaries(portable: bool) -> None:
    # 55 bytes is the last that fits one block with the padding; 56..119 take two, and so on.
    codes = ["x" * n for n in range(260)]
    codes += ["统" * n for n in range(70)]  # 3 UTF-8 bytes each: crosses 55/56 and 119/120
    codes += ["é" * n + "😀" for n in range(70)]
    for threads in (1, 2, 3, 8):
        assert kernel.digests("f" * 64, codes, threads=threads, portable=portable) == reference_prefix(codes)


def reference_prefix(codes: list[str]) -> bytes:
    return b"".join(hashlib.sha256(("f" * 64 + c).encode("utf-8")).digest() for c in codes)


@needs_kernel
@settings(max_examples=150, deadline=None)
@given(
    seed=st.text(max_size=40),
    codes=st.lists(st.text(max_size=150), max_size=60),
    threads=st.integers(min_value=1, max_value=6),
    portable=st.booleans(),
)
def test_any_codes_any_threads_match_hashlib(
    seed: str, codes: list[str], threads: int, portable: bool
) -> None:
    raw = kernel.digests(T.seed_digest(seed), codes, threads=threads, portable=portable)
    assert raw == reference(seed, codes)


@needs_kernel
@settings(max_examples=100, deadline=None)
@given(
    seed=st.text(max_size=20),
    codes=st.lists(st.text(max_size=80), max_size=40),
    threads=st.integers(min_value=1, max_value=4),
    portable=st.booleans(),
)
def test_keys_in_c_equal_the_numpy_keys_of_the_reference_digests(
    seed: str, codes: list[str], threads: int, portable: bool
) -> None:
    raw = kernel.keys(T.seed_digest(seed), codes, threads=threads, portable=portable)
    expected = T.keys_from_digests(reference(seed, codes))
    assert np.frombuffer(raw, dtype=np.uint64).tolist() == expected.tolist()
    tickets = [T.ticket_from_digest(reference(seed, [code])) for code in codes]
    assert np.frombuffer(raw, dtype=np.uint64).tolist() == [int(t[2:18]) for t in tickets]


@needs_kernel
@settings(max_examples=100, deadline=None)
@given(
    seed=st.text(max_size=20),
    codes=st.lists(st.text(max_size=80), max_size=40),
    threads=st.integers(min_value=1, max_value=4),
    portable=st.booleans(),
)
def test_full_tickets_in_c_equal_the_recipe(
    seed: str, codes: list[str], threads: int, portable: bool
) -> None:
    made = kernel.tickets(T.seed_digest(seed), codes, threads=threads, portable=portable)
    assert made == [T.ticket_from_digest(reference(seed, [code])) for code in codes]


EXTREMES = [
    0,
    1,
    9,
    10**16 - 1,
    10**16,
    10**63,
    10**64 - 1,  # 64 digits: no padding
    10**64,  # 65 digits
    10**77,
    2**256 - 1,  # 78 digits
    2**128 + 12345,
    int("9" * 40),
]


@needs_kernel
@pytest.mark.parametrize("value", EXTREMES)
def test_conversions_of_extreme_digests(value: int) -> None:
    digest = value.to_bytes(32, "big")
    module = kernel._MODULE
    assert module is not None
    (text,) = module.convert(digest, 2)
    assert text == T.ticket_from_digest(digest) == "0." + str(value).zfill(64)[::-1]
    (key,) = np.frombuffer(module.convert(digest, 1), dtype=np.uint64).tolist()
    assert key == int(text[2:18]) == T.keys_from_digests(digest).tolist()[0]


@needs_kernel
@given(st.lists(st.binary(min_size=32, max_size=32), max_size=30))
def test_conversions_of_any_digest(blobs: list[bytes]) -> None:
    module = kernel._MODULE
    assert module is not None
    joined = b"".join(blobs)
    assert module.convert(joined, 2) == [T.ticket_from_digest(b) for b in blobs]
    keys = np.frombuffer(module.convert(joined, 1), dtype=np.uint64)
    assert keys.tolist() == T.keys_from_digests(joined).tolist()


@needs_kernel
def test_keys_through_the_public_function(with_kernel: None) -> None:
    codes = [f"{i}" for i in range(20_000)]
    keys = T.ticket_keys("31", codes)
    assert keys.flags.writeable and keys.dtype == np.uint64
    assert keys.tolist() == T.keys_from_digests(reference("31", codes)).tolist()
    assert int(keys.max()) < 10**16 and int(keys.min()) >= 0


@needs_kernel
def test_empty_batch_and_one_code(with_kernel: None) -> None:
    assert kernel.digests("0" * 64, []) == b""
    assert T.digests("s", []) == b""
    assert T.ticket_keys("s", []).tolist() == []
    assert T.tickets("s", []).tolist() == []
    assert T.digests("s", ["only"], threads=4) == reference("s", ["only"])


@needs_kernel
def test_threads_and_batch_splits_never_change_the_bytes(with_kernel: None) -> None:
    codes = [f"91420600{i:010d}" for i in range(70_001)]
    whole = T.digests("63454660390103169462", codes, threads=1)
    assert whole == reference("63454660390103169462", codes)
    for threads in (2, 3, 7, None):
        assert T.digests("63454660390103169462", codes, threads=threads) == whole
    halves = T.digests("63454660390103169462", codes[:12_345]) + T.digests(
        "63454660390103169462", codes[12_345:]
    )
    assert halves == whole


@needs_kernel
def test_accepts_arrays_tuples_and_generators(with_kernel: None) -> None:
    codes = ["A", "统一", "91420600MA4900001X"]
    expected = reference("7", codes)
    assert T.digests("7", np.array(codes, dtype=object)) == expected
    assert T.digests("7", tuple(codes)) == expected
    assert T.digests("7", (c for c in codes)) == expected
    assert T.digests("7", np.array(codes)) == expected  # numpy str_ is a str


@pytest.mark.parametrize("use_kernel", [True, False], ids=["kernel", "hashlib"])
@pytest.mark.parametrize("bad", [b"bytes", 42, None, "lone \ud800 surrogate"])
def test_codes_that_are_not_text_raise_draw_error_on_both_paths(use_kernel: bool, bad: object) -> None:
    previous = kernel.set_enabled(use_kernel)
    try:
        with pytest.raises(DrawError, match="UTF-8"):
            T.ticket_keys("s", ["ok", bad])  # type: ignore[list-item]
    finally:
        kernel.set_enabled(previous)


def test_a_missing_or_broken_kernel_falls_back_to_hashlib() -> None:
    code = (
        "import sys; sys.modules['dualrandom.kernel._sha256'] = None\n"
        "from dualrandom import kernel, tickets\n"
        f"print(kernel.backend(), tickets.tickets({RIVEST_SEED!r}, ['AB-130'])[0])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["hashlib", RIVEST_TICKET]


def test_the_environment_can_switch_the_kernel_off() -> None:
    code = "from dualrandom import kernel; print(kernel.backend(), kernel.available())"
    env = {**os.environ, "DUALRANDOM_TICKET_KERNEL": "off"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == ["hashlib", "False"]


def test_the_kernel_is_built_wherever_a_compiler_and_headers_are() -> None:
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers.exists():
        pytest.skip("no C compiler or no Python headers: the hashlib path is the expected one")
    assert BUILT, "pip install should have built dualrandom.kernel._sha256 (see setup.py)"


def test_kernel_threads_use_every_core_only_for_large_batches() -> None:
    assert T.kernel_threads(10) == 1
    assert T.kernel_threads(1_000_000) == kernel.usable_cores()
    assert T.kernel_threads(10, threads=3) == 3
    assert T.kernel_threads(10, threads=0) == 1


@needs_kernel
@pytest.mark.parametrize("output", [0, 1, 2])
def test_no_reference_is_leaked_on_success_or_on_a_bad_code(output: int) -> None:
    module = kernel._MODULE
    assert module is not None
    codes = [f"code-{i}" for i in range(1000)]
    bad = [*codes[:500], None, *codes[500:]]
    before = [sys.getrefcount(code) for code in codes]
    module.digests(b"0" * 64, codes, 3, False, output)
    with pytest.raises(TypeError, match="code 500 is NoneType"):
        module.digests(b"0" * 64, bad, 3, False, output)
    assert [sys.getrefcount(code) for code in codes] == before
