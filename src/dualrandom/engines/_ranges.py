"""A classification snapshot joined onto a roster range by range: memory follows the partition.

The snapshot is a Parquet dataset sorted by code (``part.<i>.parquet``, or one file); its row
groups (`Unit`) are ranges of codes. The client checks the sidecar and streams the content
digest once (`open_ranges`), noting every unit's first code and a fingerprint of its codes
and tiers. Then, on the cluster (`join_ranges`):

1. **route**: every roster partition sorts its (normalised) codes and cuts them at the units'
   first codes, one piece per unit;
2. **look up**: every unit is read once (its fingerprint checked: a file changed since the
   digest is refused) and finds the tiers of the pieces sent to it by binary search;
3. **place**: every partition gathers its pieces' tiers back into row order: one byte per row,
   kept on the cluster for the later passes.

Each later pass reads its partition again and takes the tiers by position when the codes come
back in the same order (checked by a hash of the code sequence); otherwise (a source whose
row order varies between reads) it joins that partition again alone, one unit at a time.
No task holds more than a partition and one unit; nothing the size of the nation is broadcast.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, Problem, VerificationError
from ..ids import normalize_ids
from ._runtime import Progress, delayed, require_dask
from ._snapdigest import Unit, dataset_digest, fingerprint, units_of
from .tiers import with_tiers

__all__ = [
    "MISSING",
    "Placed",
    "SnapshotRanges",
    "Tampered",
    "attach_ranges",
    "code_bytes",
    "join_ranges",
    "look_up",
    "open_ranges",
    "route",
]

MISSING = np.uint8(255)
"""The tier byte of a code the snapshot does not classify."""

Codes = npt.NDArray[np.bytes_]
Tiers = npt.NDArray[np.uint8]


class Tampered(Exception):
    """A snapshot unit read by a worker is not the one the client digested."""


@dataclass(frozen=True)
class SnapshotRanges:
    """A digest-checked snapshot dataset: its units in code order, tier names, source and digest."""

    units: tuple[Unit, ...]
    labels: tuple[str, ...]
    source: str
    content_digest: str

    def bounds(self) -> Codes:
        """The first code of every unit but the first: where the roster's sorted codes are cut."""
        return _encode(pa.array([u.first for u in self.units[1:]], pa.string()))


def _files(target: Path) -> list[Path]:
    if not target.is_dir():
        return [target]
    files = sorted(target.glob("part.*.parquet"), key=lambda p: int(p.name.split(".")[1]))
    if not files:
        raise InputError([Problem(str(target), None, None, None, "FILE", "no part.<i>.parquet files")])
    return files


def _sidecar(target: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The sidecar (`read_sidecar`) and its policy's tier names; `VerificationError` for a policy
    that is not the one its digest names."""
    from ..classify import policy_digest
    from ..classify.snapshot import read_sidecar

    meta, policy = read_sidecar(target)
    if policy_digest(policy) != meta["policy_digest"]:
        raise VerificationError(["the policy in the sidecar does not match its policy_digest"])
    return meta, tuple(policy.tiers.names)


class _Watch:
    """Notes each unit's first code and fingerprint, and checks the codes ascend, while digesting."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.firsts = [""] * len(units)
        self.prints: dict[str, list[str]] = {"uscc": [""] * len(units), "tier": [""] * len(units)}
        self.last: str | None = None
        self.unsorted = False

    def __call__(self, column: str, i: int, chunk: pa.Array) -> None:
        if column in self.prints:
            self.prints[column][i] = fingerprint(chunk)
        if column == "uscc":
            values = chunk.cast(pa.string())
            first, last = values[0].as_py() or "", values[-1].as_py() or ""
            codes = _encode(values)
            if (self.last is not None and first <= self.last) or bool(np.any(codes[1:] <= codes[:-1])):
                self.unsorted = True
            self.firsts[i], self.last = first, last

    def fingerprints(self) -> list[str]:
        """Each unit's fingerprint: its codes' and its tiers'."""
        return [f"{a}:{b}" for a, b in zip(self.prints["uscc"], self.prints["tier"], strict=True)]


def open_ranges(path: str | Path) -> SnapshotRanges:
    """Check a snapshot file or dataset against its sidecar, streaming its digest; its units.

    Raises `VerificationError` when the digest, the policy digest or the code order is not
    the recorded one, `PolicyError` for another format, and `InputError` when files are missing.
    """
    target = Path(path)
    files = _files(target)
    meta, labels = _sidecar(target)
    try:
        schemas = [pq.read_schema(f) for f in files]
    except FileNotFoundError as error:
        raise InputError([Problem(str(error.filename), None, None, None, "FILE", "file not found")]) from None
    columns = [c for c in schemas[0].names if c != "__index_level_0__"]
    if any([c for c in s.names if c != "__index_level_0__"] != columns for s in schemas):
        raise VerificationError([f"the files of {target} do not have the same columns"])
    units = units_of(files)
    header = {
        "format": meta["format"], "version": meta["version"], "as_of": meta["as_of"],
        "policy_digest": meta["policy_digest"], "columns": columns, "rows": sum(u.rows for u in units),
    }  # fmt: skip
    watch = _Watch(units)
    types = {c: schemas[0].field(c).type for c in columns}
    found = dataset_digest(units, header, types, watch)
    if found != meta["content_digest"]:
        recorded = meta["content_digest"]
        raise VerificationError([f"content digest {found} differs from the recorded {recorded}"])
    if watch.unsorted:
        raise VerificationError([f"the codes of {target} are not in ascending order"])
    checked = tuple(
        Unit(u.path, u.group, u.rows, first, printed)
        for u, first, printed in zip(units, watch.firsts, watch.fingerprints(), strict=True)
    )
    return SnapshotRanges(checked, labels, str(path), str(meta["content_digest"]))


def _encode(values: pa.Array) -> Codes:
    """Text as a fixed-width bytes array (UTF-8), zero-copy when every value has the same length."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    binary = array.fill_null("").cast(pa.large_binary())
    if len(binary) == 0:
        return np.empty(0, dtype="S1")
    start = binary.offset
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[start : start + len(binary) + 1]
    widths = np.diff(offsets)
    width = int(widths.max())
    if width > 0 and int(widths.min()) == width:
        data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        return data.view(f"S{width}")
    return np.asarray(binary.to_numpy(zero_copy_only=False), dtype=f"S{max(width, 1)}")


def code_bytes(codes: pd.Series) -> Codes:
    """Normalised codes (`normalize_ids`) as fixed-width UTF-8 bytes."""
    return _encode(pa.array(normalize_ids(codes), pa.string()))


def _sequence(codes: Codes) -> str:
    return hashlib.blake2b(codes.dtype.str.encode() + codes.tobytes(), digest_size=16).hexdigest()


Routed = tuple[npt.NDArray[np.intp], list[Codes], str]
"""A partition's sort order, its sorted codes cut per unit, and the hash of its code sequence."""


def route(part: pd.DataFrame, bounds: Codes) -> Routed:
    """Sort one partition's codes and cut them at ``bounds`` (one piece per unit)."""
    codes = code_bytes(part["uscc"])
    order = np.argsort(codes, kind="stable")
    ranked = codes[order]
    edges = np.searchsorted(ranked, bounds, side="left") if len(bounds) else np.empty(0, dtype=np.intp)
    return order, np.split(ranked, edges), _sequence(codes)


def _piece(routed: Routed, unit: int) -> Codes:
    return routed[1][unit]


def _load(unit: Unit, labels: Sequence[str]) -> tuple[Codes, Tiers]:
    """A unit's codes and tier bytes, after checking its fingerprint (raises `Tampered`)."""
    table = pq.ParquetFile(unit.path).read_row_group(unit.group, columns=["uscc", "tier"])
    codes, tiers = (table.column(c).combine_chunks() for c in ("uscc", "tier"))
    if f"{fingerprint(codes)}:{fingerprint(tiers)}" != unit.fingerprint:
        raise Tampered(f"{unit.path} (row group {unit.group}) changed since its digest was checked")
    names = tiers.dictionary_decode() if pa.types.is_dictionary(tiers.type) else tiers
    text = pd.Series(names.to_pandas(), dtype=object).astype(str)
    positions = pd.Categorical(text, categories=list(labels)).codes
    if (positions < 0).any():
        raise Tampered(f"{unit.path}: tier {text[positions < 0].iloc[0]!r} is not one of {list(labels)}")
    keys = code_bytes(codes.to_pandas())
    order = np.argsort(keys, kind="stable")
    return keys[order], positions.astype(np.uint8)[order]


def look_up(unit: Unit, labels: Sequence[str], pieces: Sequence[Codes]) -> list[Tiers]:
    """The tier byte of every code of every piece (`MISSING` where the unit lacks the code)."""
    keys, tiers = _load(unit, labels)
    out = []
    for piece in pieces:
        at = np.minimum(np.searchsorted(keys, piece), len(keys) - 1)
        hit = keys[at] == piece
        out.append(np.where(hit, tiers[at], MISSING).astype(np.uint8))
    return out


@dataclass(frozen=True)
class Placed:
    """A partition's tier bytes in row order and the hash of the code sequence they belong to."""

    tiers: Tiers
    sequence: str


def place(routed: Routed, found: Sequence[Tiers]) -> Placed:
    """Put the tiers found per piece (in code order) back into the partition's row order."""
    order = routed[0]
    out = np.full(len(order), MISSING, dtype=np.uint8)
    if len(found):
        out[order] = np.concatenate(found)
    return Placed(out, routed[2])


def _alone(part: pd.DataFrame, ranges: SnapshotRanges) -> Tiers:
    """Join one partition by itself, one unit at a time (its rows came back in another order)."""
    routed = route(part, ranges.bounds())
    found = []
    for unit, piece in zip(ranges.units, routed[1], strict=False):
        found.append(look_up(unit, ranges.labels, [piece])[0] if len(piece) else piece.astype(np.uint8))
    return place(routed, found).tiers


def attach_ranges(part: pd.DataFrame, placed: Placed, ranges: SnapshotRanges) -> pd.DataFrame:
    """``part`` with the snapshot's ``tier`` (None where unclassified) in place of its tier and score."""
    tiers = placed.tiers
    if _sequence(code_bytes(part["uscc"])) != placed.sequence:
        tiers = _alone(part, ranges)
    names = np.asarray([*ranges.labels, None], dtype=object)
    index = np.where(tiers == MISSING, len(ranges.labels), tiers)
    return with_tiers(part, names[index])


def join_ranges(
    client: Any, parts: Sequence[Any], ranges: SnapshotRanges, progress: Progress | None
) -> list[Any]:
    """Route, look up and place on the cluster; one `Placed` future per roster partition."""
    _, distributed = require_dask()
    routed = client.compute([delayed(route)(p, ranges.bounds()) for p in parts])
    found = []
    for j, unit in enumerate(ranges.units):  # every unit once, with the pieces of every partition
        pieces = [client.submit(_piece, r, j, pure=False) for r in routed]
        found.append(client.submit(look_up, unit, ranges.labels, pieces, pure=False))
    placed = []
    for i, r in enumerate(routed):  # every partition's tiers back in row order
        mine = [client.submit(operator.getitem, f, i, pure=False) for f in found]
        placed.append(client.submit(place, r, mine, pure=False))
    del routed, found
    if progress is not None:
        progress("join", 0, len(placed))
        for done, _ in enumerate(distributed.as_completed(placed), start=1):
            progress("join", done, len(placed))
    distributed.wait(placed)
    for future in placed:
        if future.status == "error":
            future.result()  # raises the task's error (`Tampered`: a unit changed since its digest)
    return placed
