"""Classification snapshots: a frozen, digested result that a later draw can name.

The content digest is SHA-256 over a canonical serialisation that does not depend on the
roster's row order (rows sorted by ``uscc``); see docs/classification.md for the recipe.
Snapshots are stored as Parquet plus a JSON sidecar, byte-identical for identical inputs.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import write_bytes_atomic, write_text_atomic
from ..errors import InputError, PolicyError, Problem, VerificationError
from ..ids import normalize_ids
from ..jsontext import stable_json
from .policy import ClassificationPolicy, parse_policy, policy_digest

__all__ = [
    "FORMAT",
    "ClassificationSnapshot",
    "content_digest",
    "load_snapshot",
    "save_snapshot",
    "sidecar_path",
]

FORMAT = "dualrandom-classification/2"
"""Version 2 differs from version 1 only in the tag's spelling (one tag format: name-thing/N)."""
_FORMAT_1 = "dualrandom.classification/1"
TEXT_COLUMNS = ("uscc", "tier", "score_tier", "override", "reason_1", "reason_2", "reason_3")


@dataclass(frozen=True)
class ClassificationSnapshot:
    """One classification: who is in which tier as of a date, under which policy.

    ``table`` is internal (it holds tiers and scores, which are never published); rows are
    sorted by ``uscc``. ``content_digest`` identifies the snapshot in a draw's commitment.
    """

    version: str
    as_of: date
    policy: ClassificationPolicy
    policy_digest: str
    table: pd.DataFrame
    content_digest: str

    def tier_counts(self) -> dict[str, int]:
        """Entities per tier, every tier of the policy listed (lowest risk first)."""
        counts = self.table["tier"].value_counts()
        return {name: int(counts.get(name, 0)) for name in self.policy.tiers.names}

    def tiers(self) -> pd.DataFrame:
        """The ``uscc`` and ``tier`` columns, as a draw needs them."""
        return self.table[["uscc", "tier"]].copy()

    def tiered_roster(self, roster: pd.DataFrame) -> pd.DataFrame:
        """``roster`` (rows sorted by uscc) with this snapshot's ``tier`` and ``score``: a draw's input."""
        keyed = roster.assign(uscc=normalize_ids(roster["uscc"]).astype(str))
        keyed = keyed.drop(columns=[c for c in ("tier", "score") if c in keyed.columns])
        tiers = self.table[["uscc", "tier", "score"]].assign(tier=lambda f: f["tier"].astype(str))
        return keyed.merge(tiers, on="uscc", how="inner", validate="one_to_one").sort_values(
            "uscc", kind="stable", ignore_index=True
        )

    def metadata(self) -> dict[str, Any]:
        """The JSON sidecar's content (everything but the table)."""
        return {
            "format": FORMAT,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "policy_digest": self.policy_digest,
            "content_digest": self.content_digest,
            "rows": len(self.table),
            "tier_counts": self.tier_counts(),
            "policy": self.policy.model_dump(mode="json"),
        }


def text_parts(series: pd.Series) -> tuple[bytes, bytes]:
    """A text column's UTF-8 byte lengths (uint32 little-endian) and its values' bytes."""
    array = pa.array(series, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return text_chunk(array)


def text_chunk(array: pa.Array) -> tuple[bytes, bytes]:
    """An Arrow text array's UTF-8 byte lengths (uint32 little-endian) and its values' bytes."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    array = array.cast(pa.large_string())
    if len(array) == 0:
        return b"", b""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = array.buffers()[2]
    body = b"" if data is None else data.to_pybytes()[offsets[0] : offsets[-1]]
    return np.diff(offsets).astype("<u4").tobytes(), body


def _text_bytes(series: pd.Series) -> bytes:
    """UTF-8 byte length of each value (uint32 little-endian), then all values' bytes."""
    lengths, body = text_parts(series)
    return lengths + body


def _column_bytes(series: pd.Series) -> tuple[str, bytes | memoryview]:
    if series.name in TEXT_COLUMNS:
        return "text", _text_bytes(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool", series.to_numpy(dtype=np.uint8).tobytes()
    values = series.to_numpy(dtype=np.float64) + 0.0  # a copy in which -0.0 became 0.0
    nan = np.isnan(values)
    if nan.any():
        values[nan] = np.nan  # one NaN bit pattern
    return "float64", np.ascontiguousarray(values.astype("<f8", copy=False)).data.cast("B")


def content_digest(
    table: pd.DataFrame, *, version: str, as_of: date, policy_sha: str, presorted: bool = False
) -> str:
    """SHA-256 over the header line and each column (name, type, length, bytes), rows by uscc.

    ``presorted`` skips the check that rows are already in uscc order.
    """
    if not presorted and not table["uscc"].is_monotonic_increasing:
        table = table.sort_values("uscc", kind="stable", ignore_index=True)
    header = {
        "format": FORMAT,
        "version": version,
        "as_of": as_of.isoformat(),
        "policy_digest": policy_sha,
        "columns": [str(c) for c in table.columns],
        "rows": len(table),
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n")
    for name in table.columns:
        kind, data = _column_bytes(table[name])
        digest.update(
            f"{name}:{kind}:{data.nbytes if isinstance(data, memoryview) else len(data)}\n".encode()
        )
        digest.update(data)
    return digest.hexdigest()


def sidecar_path(path: str | Path) -> Path:
    """The JSON sidecar beside a snapshot's Parquet file (``x.parquet`` -> ``x.json``)."""
    return Path(path).with_suffix(".json")


def _parquet_bytes(snapshot: ClassificationSnapshot) -> bytes:
    table = pa.Table.from_pandas(snapshot.table, preserve_index=False)
    meta = {
        b"dualrandom": json.dumps(snapshot.metadata(), sort_keys=True, ensure_ascii=False).encode("utf-8")
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", write_statistics=False)
    return buffer.getvalue()


def save_snapshot(snapshot: ClassificationSnapshot, path: str | Path) -> Path:
    """Write the snapshot as Parquet (``path``) and its JSON sidecar, both atomically."""
    target = Path(path)
    write_bytes_atomic(target, _parquet_bytes(snapshot))
    sidecar = stable_json(snapshot.metadata())
    write_text_atomic(sidecar_path(target), sidecar)
    return target


def read_sidecar(path: str | Path) -> tuple[dict[str, Any], ClassificationPolicy]:
    """The JSON sidecar of the snapshot at ``path`` and the policy it holds (digests not checked).

    Raises `InputError` when the sidecar is missing and `PolicyError` for another format.
    """
    sidecar = sidecar_path(Path(path))
    try:
        meta: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputError([Problem(str(error.filename), None, None, None, "FILE", "file not found")]) from None
    if meta.get("format") != FORMAT:
        hint = "; classify the roster again to write it" if meta.get("format") == _FORMAT_1 else ""
        raise PolicyError(f"{sidecar}: format {meta.get('format')!r} is not {FORMAT!r}{hint}")
    return meta, parse_policy(meta["policy"], source=f"{sidecar} policy")


def load_snapshot(path: str | Path) -> ClassificationSnapshot:
    """Read a snapshot and check both digests; raises `VerificationError` on any mismatch."""
    target = Path(path)
    meta, policy = read_sidecar(target)
    try:
        table = pq.read_table(target).to_pandas()
    except FileNotFoundError as error:
        raise InputError([Problem(str(error.filename), None, None, None, "FILE", "file not found")]) from None
    table["uscc"] = table["uscc"].astype(str)
    for column, categories in policy.categories().items():
        table[column] = pd.Categorical(table[column].astype(str), categories=categories)
    as_of = date.fromisoformat(meta["as_of"])
    differences = []
    if policy_digest(policy) != meta["policy_digest"]:
        differences.append("the policy in the sidecar does not match its policy_digest")
    found = content_digest(table, version=meta["version"], as_of=as_of, policy_sha=meta["policy_digest"])
    if found != meta["content_digest"]:
        differences.append(f"content digest {found} differs from the recorded {meta['content_digest']}")
    if differences:
        raise VerificationError(differences)
    return ClassificationSnapshot(
        meta["version"], as_of, policy, meta["policy_digest"], table, meta["content_digest"]
    )
