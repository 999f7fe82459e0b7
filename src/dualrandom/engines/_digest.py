"""The roster commitment digest over a partitioned roster, and duplicate codes found on the way.

`dualrandom.draw.roster_digest` hashes the sorted canonical lines of the whole roster. Here
a sample sort does the same across a cluster: each partition makes and sorts its lines
(`sorted_lines`), a few evenly spaced lines per partition choose the bucket bounds
(`sample`, `splitters`), each partition is cut at those bounds (`cut`), each bucket merges
its pieces (`bucket`), and the client hashes the buckets in order (`StreamDigest`), so no
process holds more than a bucket's lines. Lines begin with the (escaped) code and a TAB,
which sorts below every other character, so rows with one code are adjacent in the sorted
stream: repeated codes are found on the way.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..draw.commitment import COMMITMENT_VERSION
from ..errors import Problem
from ..ids import normalize_ids

__all__ = ["Bucket", "StreamDigest", "bucket", "cut", "sample", "sorted_lines", "splitters"]

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n"))
_UNESCAPE = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_PART_SHIFT = 32
Member = tuple[str, int]  # (escaped code, row tag)


def _cells(series: pd.Series) -> pa.Array:
    text = pa.array(series.astype("string[pyarrow]").fillna(""))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.string())
    if pc.any(pc.match_substring_regex(text, r"[\\\t\r\n]")).as_py():
        for raw, escaped in _ESCAPES:
            text = pc.replace_substring(text, raw, escaped)
    return text


def sorted_lines(part: pd.DataFrame, columns: Sequence[str], partition: int) -> pa.Table:
    """One partition's canonical lines (codes normalised, tiers trimmed), sorted, with row tags."""
    frame = part.reset_index(drop=True)
    table = frame[list(columns)].copy()
    if "uscc" in table.columns:
        table["uscc"] = normalize_ids(table["uscc"])
    if "tier" in table.columns:
        table["tier"] = table["tier"].astype("string").fillna("").str.strip()
    arrays = [_cells(table[c]) for c in columns]
    text = arrays[0] if len(arrays) == 1 else pc.binary_join_element_wise(*arrays, "\t")
    rows = (np.int64(partition) << np.int64(_PART_SHIFT)) | np.arange(len(frame), dtype=np.int64)
    result = pa.table({"line": text, "row": pa.array(rows)})
    return result.take(pc.sort_indices(result, [("line", "ascending")]))


def sample(lines: pa.Table, count: int) -> list[str]:
    """``count`` evenly spaced lines of a sorted partition (candidate bucket bounds)."""
    if lines.num_rows == 0:
        return []
    positions = np.unique(np.linspace(0, lines.num_rows - 1, num=count).astype(np.int64))
    return [str(v) for v in lines.column("line").take(pa.array(positions)).to_pylist()]


def splitters(samples: Sequence[Sequence[str]], buckets: int) -> list[str]:
    """``buckets - 1`` increasing bounds that split the sampled lines evenly."""
    merged = sorted(line for part in samples for line in part)
    if not merged or buckets <= 1:
        return []
    picks = np.linspace(0, len(merged), num=buckets + 1)[1:-1].astype(np.int64)
    return sorted({merged[min(int(p), len(merged) - 1)] for p in picks})


def cut(lines: pa.Table, bounds: Sequence[str]) -> list[pa.Table]:
    """A sorted partition cut at ``bounds``: piece j holds bounds[j-1] <= line < bounds[j]."""
    column = lines.column("line")
    stops = [int(pc.sum(pc.less(column, bound)).as_py() or 0) for bound in bounds]
    edges = [0, *stops, lines.num_rows]
    return [lines.slice(a, b - a) for a, b in itertools.pairwise(edges)]


@dataclass(frozen=True)
class Bucket:
    """A sorted bucket: its lines joined by LF (each ending in LF), its ends and its repeats."""

    data: bytes
    first: Member | None
    last: Member | None
    repeated: tuple[Member, ...]


def bucket(pieces: Sequence[pa.Table]) -> Bucket:
    """Merge one bucket's pieces: sort, join, and list rows whose code repeats inside it."""
    table = pa.concat_tables(pieces) if pieces else pa.table({"line": pa.array([], pa.string()), "row": []})
    if table.num_rows == 0:
        return Bucket(b"", None, None, ())
    table = table.take(pc.sort_indices(table, [("line", "ascending")]))
    text = table.column("line").combine_chunks().cast(pa.large_string())
    empty, newline = pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
    joined = pc.binary_join_element_wise(text, empty, newline)
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = joined.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
    codes = pc.list_element(pc.split_pattern(text, "\t", max_splits=1), 0).to_numpy(zero_copy_only=False)
    rows = table.column("row").to_numpy()
    same = codes[1:] == codes[:-1]
    members = np.zeros(len(codes), dtype=bool)
    members[1:] |= same
    members[:-1] |= same
    repeated = tuple((str(codes[i]), int(rows[i])) for i in np.flatnonzero(members & (codes != "")))
    return Bucket(data, (str(codes[0]), int(rows[0])), (str(codes[-1]), int(rows[-1])), repeated)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), text)


class StreamDigest:
    """Feed the buckets in order; read `hexdigest` and the repeated codes at the end."""

    def __init__(self, columns: Sequence[str]) -> None:
        header = "\t".join(columns)
        self._hash = hashlib.sha256(f"{COMMITMENT_VERSION}\n{header}\n".encode())
        self._last: Member | None = None
        self._repeated: set[Member] = set()

    def update(self, part: Bucket) -> None:
        """Hash the next bucket."""
        if part.first is None:
            return
        self._hash.update(part.data)
        if self._last is not None and part.first[0] == self._last[0]:
            self._repeated.update((self._last, part.first))
        self._repeated.update(part.repeated)
        self._last = part.last

    def hexdigest(self) -> str:
        """The roster digest, equal to `dualrandom.draw.roster_digest` of the whole roster."""
        return self._hash.hexdigest()

    def duplicates(self, offsets: Sequence[int], source: str) -> list[Problem]:
        """``DUPLICATE`` problems for every repeat of a code after its first row (as `dualrandom.schema`).

        ``offsets`` gives each partition's first global position.
        """
        by_code: dict[str, list[int]] = {}
        for code, tag in self._repeated:
            if code == "":
                continue
            row = offsets[tag >> _PART_SHIFT] + (tag & ((1 << _PART_SHIFT) - 1)) + 2
            by_code.setdefault(code, []).append(row)
        problems = []
        for code, rows in by_code.items():
            first, *later = sorted(set(rows))
            message = f"duplicates row {first}"
            problems += [Problem(source, row, "uscc", _unescape(code), "DUPLICATE", message) for row in later]
        return problems
