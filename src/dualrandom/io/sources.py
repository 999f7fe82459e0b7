"""Where a table lives: a local path, a SQL database (URL) or an object store (fsspec URL).

`locate` tells them apart and `dualrandom.io.read_table` reads every kind; the Dask engine
reads the same locations partition by partition (`dualrandom.engines.dask.read_roster`).

* A **SQL URL** is a SQLAlchemy URL whose scheme names a database (``sqlite:///bureau.db``,
  ``postgresql://user@host/bureau``). The table is given with ``table=`` (``--table``), a
  query with ``query=`` (``--query``), or the table after ``#`` in the URL itself
  (``postgresql://host/bureau#inspectors``), which lets every input of a command name its own.
* Any other ``scheme://`` is an **fsspec URL** (``file://``, ``memory://``, ``s3://``,
  ``gs://``, ...): a CSV, XLSX or Parquet file, or a folder of Parquet files (a dataset,
  hive-partitioned ``column=value/`` folders included). A backend that is not installed is a
  `MissingDependencyError` naming the extra to install.

fsspec and SQLAlchemy are imported only when a URL needs them.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InputError, MissingDependencyError, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SQL_SCHEMES",
    "Location",
    "SourceText",
    "filesystem",
    "hive_partitioning",
    "locate",
    "read_dataset",
    "read_sql",
    "shown_url",
    "sql_url",
]

SQL_SCHEMES = frozenset({"sqlite", "postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "duckdb"})
"""URL schemes (before any ``+driver``) read as SQL databases; every other scheme is fsspec's."""

_BACKENDS = {
    "s3": ("s3fs", "s3"),
    "s3a": ("s3fs", "s3"),
    "gs": ("gcsfs", "gcs"),
    "gcs": ("gcsfs", "gcs"),
    "az": ("adlfs", "azure"),
    "abfs": ("adlfs", "azure"),
    "abfss": ("adlfs", "azure"),
}
"""fsspec protocol -> (the package that implements it, the dualrandom extra that installs it)."""

_TABLE_NAME = re.compile(r"^[\w$.\-]+$")


class SourceText(str):
    """A source as typed on the command line, with what was given beside it.

    ``table`` / ``query``: ``--table`` / ``--query`` for a SQL URL; ``snapshot``: the
    classification snapshot whose tiers the roster takes (``--snapshot``).
    """

    table: str | None
    query: str | None
    snapshot: str | None

    def __new__(
        cls, text: str, *, table: str | None = None, query: str | None = None, snapshot: str | None = None
    ) -> SourceText:
        made = super().__new__(cls, text)
        made.table, made.query, made.snapshot = table, query, snapshot
        return made


@dataclass(frozen=True)
class Location:
    """Where a table is: ``kind`` path, sql or fsspec; ``url`` without its ``#table``."""

    kind: Literal["path", "sql", "fsspec"]
    url: str
    table: str | None = None
    query: str | None = None


def _fail(source: str, rule: str, message: str) -> InputError:
    return InputError([Problem(source, None, None, None, rule, message)])


def _scheme(text: str) -> str | None:
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*)://", text)
    return match.group(1).lower() if match else None


def locate(source: str | Path, *, table: str | None = None, query: str | None = None) -> Location:
    """The `Location` of a source; a `SourceText`'s table and query apply unless given here.

    A string naming an existing local file is a path even when it looks like a URL.
    Raises `InputError` (rule SQL) when a table is named twice or with a query, or for a
    file location.
    """
    table = table or getattr(source, "table", None)
    query = query or getattr(source, "query", None)
    text = str(source)
    scheme = _scheme(text) if isinstance(source, str) else None
    if scheme is None or Path(text).exists():
        kind: Literal["path", "sql", "fsspec"] = "path"
    else:
        kind = "sql" if scheme.split("+")[0] in SQL_SCHEMES else "fsspec"
    if kind == "sql":
        url, sep, fragment = text.rpartition("#")
        if sep and _TABLE_NAME.match(fragment):
            if (table is not None and table != fragment) or query is not None:
                raise _fail(shown_url(url), "SQL", f"the URL names the table {fragment!r}: give no other")
            text, table = url, fragment
    elif table is not None or query is not None:
        raise _fail(text, "SQL", "--table and --query go with a SQL URL (sqlite:///…, postgresql://…)")
    return Location(kind, text, table, query)


def shown_url(url: str) -> str:
    """A URL as problems show it: without the password."""
    return re.sub(r"://([^@/:]*):[^@/]*@", r"://\1:***@", url)


def sql_url(url: str, name: str) -> str:
    """The SQLAlchemy URL to connect with: PostgreSQL through psycopg 3 unless psycopg2 is there.

    Raises `MissingDependencyError` naming the ``postgres`` extra when neither driver is installed.
    """
    scheme = _scheme(url) or ""
    if scheme == "postgres":  # libpq's short form, which SQLAlchemy 2 refuses
        url, scheme = "postgresql" + url[len("postgres") :], "postgresql"
    if scheme != "postgresql":
        return url
    for module, driver in (("psycopg2", None), ("psycopg", "postgresql+psycopg")):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        return url if driver is None else driver + url[len("postgresql") :]
    raise MissingDependencyError(
        f"reading {name} needs psycopg, which is not installed; "
        "install it with: pip install 'dualrandom[postgres]'"
    )


def read_sql(location: Location, name: str) -> pd.DataFrame:
    """The table or query result of a SQL location, column types kept.

    Raises `InputError` (rule SQL, naming the source) when the database cannot be reached,
    the table does not exist or the query fails; FILE_NOT_FOUND for a missing SQLite file.
    """
    import pandas as pd
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    if (location.table is None) == (location.query is None):
        raise _fail(name, "SQL", "give exactly one of table= or query= with a SQL URL")
    url = sql_url(location.url, name)
    try:
        parsed = make_url(url)
        database = parsed.database or ""
        local = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
        if local and not Path(database).is_file():
            raise _fail(name, "FILE_NOT_FOUND", f"no SQLite database at {database}")  # never create one
        engine = create_engine(url)
        connection = engine.connect()
    except SQLAlchemyError as error:
        raise _fail(name, "SQL", f"cannot connect: {_first_line(error)}") from None
    try:
        with connection:
            if location.table is not None:
                schema, _, table = location.table.rpartition(".")
                names = inspect(connection).get_table_names(schema=schema or None)
                if table not in names:
                    listed = ", ".join(sorted(names)) or "none"
                    raise _fail(name, "SQL", f"no table {location.table!r} in the database; tables: {listed}")
                return pd.read_sql_table(table, connection, schema=schema or None)
            return pd.read_sql_query(text(location.query or ""), connection)
    except (SQLAlchemyError, ValueError, pd.errors.DatabaseError) as error:
        if isinstance(error, InputError):
            raise
        cause = error.__cause__ if isinstance(error, pd.errors.DatabaseError) and error.__cause__ else error
        raise _fail(name, "SQL", f"cannot read: {_first_line(cause)}") from None
    finally:
        engine.dispose()


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def filesystem(url: str, name: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path inside it.

    Raises `MissingDependencyError` naming the extra (``s3``, ``gcs``, ``azure``, ``fsspec``)
    when fsspec or the protocol's backend is not installed, `InputError` (rule URL) for a
    protocol fsspec does not know.
    """
    protocol = (_scheme(url) or "file").split("::")[0]
    try:
        fsspec = importlib.import_module("fsspec")
    except ImportError:
        raise MissingDependencyError(
            f"reading {name} needs fsspec, which is not installed; install it with: pip install "
            f"'dualrandom[{_BACKENDS.get(protocol, ('', 'fsspec'))[1]}]'"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError:
        package, extra = _BACKENDS.get(protocol, (f"the fsspec backend for {protocol}://", "fsspec"))
        raise MissingDependencyError(
            f"reading {name} needs {package}, which is not installed; install it with: "
            f"pip install 'dualrandom[{extra}]'"
        ) from None
    except ValueError as error:
        raise _fail(name, "URL", f"fsspec does not know the protocol {protocol}://: {error}") from None
    return fs, str(path)


def hive_partitioning(path: str, fs: Any = None) -> Any:
    """The hive partitioning of a Parquet folder with every partition value as text, or None.

    Values such as division ``010101`` stay text: pyarrow would otherwise read them as numbers.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    base = path.rstrip("/")
    names: dict[str, None] = {}
    for file in ds.dataset(path, filesystem=fs, format="parquet").files:
        folders = file[len(base) :].strip("/").split("/")[:-1] if file.startswith(base) else []
        names.update((f.split("=", 1)[0], None) for f in folders if "=" in f)
    if not names:
        return None
    return ds.partitioning(pa.schema([(n, pa.string()) for n in names]), flavor="hive")


def read_dataset(path: str, fs: Any, name: str) -> pd.DataFrame:
    """A folder of Parquet files (hive partitions as text columns) as one table, files in path order.

    Raises `InputError` (rule PARQUET) when a file is not Parquet or the files disagree on types.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset(
            path, filesystem=fs, format="parquet", partitioning=hive_partitioning(path, fs),
            exclude_invalid_files=False,
        )  # fmt: skip
        table = dataset.to_table()
    except (OSError, pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise _fail(name, "PARQUET", f"not a readable Parquet dataset: {_first_line(error)}") from None
    if not dataset.files:
        raise _fail(name, "EMPTY", "the folder holds no Parquet file")
    frame: pd.DataFrame = table.to_pandas()
    return frame
