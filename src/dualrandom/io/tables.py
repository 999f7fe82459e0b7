"""Read and write raw tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX, Parquet, SQL, DataFrame.

Tables are read where they live (`dualrandom.io.sources`): local paths, Parquet folders
(hive-partitioned too), SQL databases and object stores (fsspec URLs).

`read_table` gives the table as stored: text formats (CSV, XLSX) come back as strings with
empty cells as ``""``; typed formats (Parquet, SQL, DataFrame) keep their column types.
`write_table` writes a frame atomically, choosing the format from the destination.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..atomic import atomic_file
from ..errors import InputError, Problem
from .sources import filesystem, locate, read_dataset, read_sql, shown_url

__all__ = ["TableSource", "check_output", "describe_source", "read_table", "write_table"]

TableSource = str | Path | pd.DataFrame
"""A path (.csv, .xlsx, .parquet, a Parquet folder), a SQL or fsspec URL (see `dualrandom.io.sources`)
or a DataFrame."""

_CSV = (".csv", ".txt", ".tsv")
_XLSX = (".xlsx", ".xlsm")
_PARQUET = (".parquet", ".pq")


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and "://" in source and not Path(source).exists()


def describe_source(source: TableSource, *, table: str | None = None, query: str | None = None) -> str:
    """The name problems use for a source (a URL is shown without its password).

    A SQL source names its table or says ``(query)``; raises `InputError` as `locate` does.
    """
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    location = locate(source, table=table, query=query)
    if location.kind == "sql":
        what = f"table {location.table}" if location.table else "query"
        return f"{shown_url(location.url)} ({what})"
    return shown_url(location.url) if location.kind == "fsspec" else str(source)


def _fail(source: str, rule: str, message: str) -> InputError:
    return InputError([Problem(source, None, None, None, rule, message)])


def read_table(
    source: TableSource,
    *,
    sheet: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Read a table as stored (see the module docstring); raises `InputError` if it cannot be read.

    ``source`` is a DataFrame, a path (a file, or a folder of Parquet files), a SQL URL (with
    ``table=``, ``query=`` or ``URL#table``) or an fsspec URL (`dualrandom.io.sources`); a
    missing fsspec backend or database driver raises `MissingDependencyError`.
    """
    name = describe_source(source, table=table, query=query)
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        location = locate(source, table=table, query=query)
        if location.kind == "sql":
            frame = read_sql(location, name)
        elif location.kind == "fsspec":
            frame = _read_remote(location.url, name, sheet)
        else:
            frame = _read_local(Path(source), name, sheet)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if repeated:
        raise InputError(
            [
                Problem(name, 1, c, c, "COLUMN_REPEATED", "the header names this column twice")
                for c in repeated
            ]
        )
    return frame.reset_index(drop=True)


def _read_local(path: Path, name: str, sheet: str | int | None) -> pd.DataFrame:
    if path.is_dir():
        return read_dataset(str(path), None, name)
    if not path.is_file():
        raise _fail(name, "FILE_NOT_FOUND", "no such file")
    suffix = path.suffix.lower()
    if suffix in _CSV + _XLSX + _PARQUET:
        return _read_bytes(path.read_bytes() if suffix in _CSV else path, suffix, name, sheet)
    raise _unknown_type(name, suffix)


def _read_remote(url: str, name: str, sheet: str | int | None) -> pd.DataFrame:
    """A file or a Parquet folder at an fsspec URL."""
    fs, path = filesystem(url, name)
    try:
        if fs.isdir(path):
            return read_dataset(path, fs, name)
        if not fs.isfile(path):
            raise _fail(name, "FILE_NOT_FOUND", "no such file or folder")
        suffix = Path(path).suffix.lower()
        if suffix not in _CSV + _XLSX + _PARQUET:
            raise _unknown_type(name, suffix)
        with fs.open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise _fail(name, "URL", f"cannot read: {error}") from None
    return _read_bytes(data if suffix in _CSV else io.BytesIO(data), suffix, name, sheet)


def _read_bytes(
    data: bytes | Path | io.BytesIO, suffix: str, name: str, sheet: str | int | None
) -> pd.DataFrame:
    """A CSV (bytes), XLSX or Parquet (path or buffer) table by its suffix."""
    if isinstance(data, bytes):
        return _read_csv(data, name, tsv=suffix == ".tsv")
    if suffix in _XLSX:
        return _read_xlsx(data, name, sheet)
    try:
        return pd.read_parquet(data)
    except (OSError, pa.ArrowInvalid) as error:
        raise _fail(name, "PARQUET", f"not a readable Parquet file: {error}") from None


def _utf8(data: bytes, name: str) -> pa.Buffer:
    """The file as UTF-8: as is when it is valid UTF-8 (BOM skipped), else decoded.

    UTF-16 (Excel's 'Unicode text', with its BOM) is decoded. Otherwise strict UTF-8 is tried
    first, because GBK text is almost never valid UTF-8, then GB18030 (a superset of GBK). Big5
    (Traditional Chinese) also decodes as GB18030, into nonsense: it is detected and refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return pa.py_buffer(data.decode("utf-16").encode("utf-8"))
        except UnicodeDecodeError as error:
            raise _fail(
                name, "ENCODING", f"the file starts as UTF-16 but breaks at byte {error.start}"
            ) from None
    buffer = pa.py_buffer(data)
    if data.startswith(b"\xef\xbb\xbf"):
        buffer = buffer.slice(3)
    offsets = pa.py_buffer(np.array([0, buffer.size], dtype=np.int64).tobytes())
    try:  # validates in C without copying the text
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer]).cast(pa.large_string())
        return buffer
    except pa.ArrowInvalid:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise _fail(
            name,
            "ENCODING",
            f"the file is neither UTF-8 nor GBK/GB18030 text (byte {error.start}); {_SAVE_AS}",
        ) from None
    if _looks_like_big5(data, text):
        raise _fail(name, "ENCODING", f"the file is Big5 (Traditional Chinese), not GBK; {_SAVE_AS}")
    return pa.py_buffer(text.encode("utf-8"))


_SAVE_AS = "in Excel: Save As → 'CSV UTF-8 (Comma delimited)'"


def _looks_like_big5(data: bytes, text: str) -> bool:
    """True when most Chinese characters of the GB18030 reading are outside GB2312 and Big5 reads it.

    Names and addresses in GBK files are nearly all GB2312 characters; Big5 bytes read as
    GB18030 give mostly rare ones (its second bytes 0x40-0x7E are outside GB2312).
    """
    hanzi = [c for c in text[:20000] if "\u4e00" <= c <= "\u9fff"]
    if len(hanzi) < 4:
        return False
    common = sum(1 for c in hanzi if _in_gb2312(c))
    if common >= 0.8 * len(hanzi):
        return False
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return False
    return True


def _in_gb2312(character: str) -> bool:
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _read_csv(raw: bytes, name: str, *, tsv: bool = False) -> pd.DataFrame:
    if b"\r" in raw and b"\n" not in raw:
        raw = raw.replace(b"\r", b"\n")  # classic Mac line endings: CR alone ends each line
    data = _utf8(raw, name)
    head = data.slice(0, min(data.size, 1 << 16)).to_pybytes()
    first_line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    if not first_line.strip():
        raise _fail(name, "EMPTY", "the file is empty (a header row is needed)")
    delimiter = "\t" if tsv else ","
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(first_line), delimiter=delimiter))]
    except csv.Error as error:
        raise _fail(name, "CSV", f"the header row is not readable CSV: {error}") from None
    invalid: list[tuple[int | None, str, int]] = []

    def parse(threads: bool) -> pa.Table:
        def on_invalid(row: Any) -> str:
            invalid.append((row.number, row.text, row.actual_columns))
            return "skip"

        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=threads, skip_rows=1, column_names=header),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )

    try:
        arrow = parse(threads=True)
        if invalid:  # parse again in one thread: only then does pyarrow know the line numbers
            invalid.clear()
            parse(threads=False)
    except pa.ArrowInvalid as error:
        raise _fail(name, "CSV", f"not a readable CSV file: {error}") from None
    if invalid:
        raise InputError(
            Problem(
                name,
                number,
                None,
                text[:80],
                "CSV_FIELDS",
                f"row has {count} fields, the header has {len(header)}",
            )
            for number, text, count in invalid
        )
    frame = arrow.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    return _drop_trailing_blank_rows(frame)


def _drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    filled = np.zeros(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        filled |= (frame.iloc[:, position].astype("str").fillna("").str.strip() != "").to_numpy(dtype=bool)
    last = np.flatnonzero(filled)
    return frame.iloc[: (last[-1] + 1 if len(last) else 0)]


def _cell_text(value: object) -> str:
    """How a spreadsheet cell reads as text: dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path | io.BytesIO, name: str, sheet: str | int | None) -> pd.DataFrame:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise _fail(name, "XLSX", f"not a readable XLSX workbook: {error}") from None
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif isinstance(sheet, int):
            worksheet = book.worksheets[sheet]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise _fail(name, "SHEET", f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
        rows = worksheet.iter_rows(values_only=True)
        header = [_cell_text(c).strip() for c in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise _fail(name, "EMPTY", "the sheet is empty (a header row is needed)")
        width = len(header)
        body = [[_cell_text(c) for c in row[:width]] + [""] * (width - len(row)) for row in rows]
    finally:
        book.close()
    frame = (
        pd.DataFrame(body, columns=header, dtype="str") if body else pd.DataFrame(columns=header, dtype="str")
    )
    return _drop_trailing_blank_rows(frame)


# --- writing ---------------------------------------------------------------------------------


def _as_text_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date-only datetime columns as ISO strings, so CSV shows 2024-03-15 and not a timestamp."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if (
            pd.api.types.is_datetime64_any_dtype(values)
            and (values.dropna() == values.dropna().dt.normalize()).all()
        ):
            out[column] = values.dt.strftime("%Y-%m-%d").astype("str").fillna("")
    return out


def check_output(destination: str | Path) -> Path:
    """The path of a table to write, if its suffix names a format dualrandom writes.

    Raises `InputError` (rule FORMAT) naming the allowed suffixes otherwise, so that a step
    can refuse before it computes or records anything.
    """
    path = Path(destination)
    if path.suffix.lower() not in _CSV + _XLSX + _PARQUET:
        raise _unknown_type(str(path), path.suffix.lower())
    return path


def _unknown_type(name: str, suffix: str) -> InputError:
    allowed = ", ".join(_CSV + _XLSX + _PARQUET)
    return _fail(name, "FORMAT", f"unknown file type {suffix!r}; allowed: {allowed} or a SQL URL")


def write_table(
    frame: pd.DataFrame,
    destination: str | Path,
    *,
    table: str | None = None,
    encoding: str = "utf-8-sig",
) -> None:
    """Write ``frame`` atomically to a .csv, .xlsx or .parquet path, or to ``table`` of a SQL URL.

    CSV is written as UTF-8 with a BOM (Excel then shows Chinese correctly; pass
    ``encoding="gb18030"`` for old tools). A SQL table is replaced inside one transaction.
    """
    if _is_url(destination):
        if not table:
            raise ValueError("writing to a SQL URL needs table=")
        from sqlalchemy import create_engine

        engine = create_engine(str(destination))
        try:
            with engine.begin() as connection:
                frame.to_sql(table, connection, if_exists="replace", index=False)
        finally:
            engine.dispose()
        return
    path = Path(destination)
    suffix = path.suffix.lower()
    if suffix in _CSV:
        with atomic_file(path, suffix) as temporary:
            sep = "\t" if suffix == ".tsv" else ","
            _as_text_dates(frame).to_csv(
                temporary, index=False, encoding=encoding, sep=sep, lineterminator="\n"
            )
    elif suffix in _XLSX:
        with atomic_file(path, ".xlsx") as temporary:
            _as_text_dates(frame).to_excel(temporary, index=False, engine="openpyxl")
    elif suffix in _PARQUET:
        with atomic_file(path, suffix) as temporary:
            frame.to_parquet(temporary, index=False)
    else:
        check_output(path)
