"""Tables where they live: SQL URLs (``--table``, ``--query``, ``URL#table``), fsspec URLs and
Parquet folders, through the one reader (`read_table`) and every command's ``table_source``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.errors import InputError, MissingDependencyError
from dualrandom.io import read_table
from dualrandom.io.sources import SourceText, locate, shown_url

fsspec = pytest.importorskip("fsspec")

ROSTER = pd.DataFrame(
    {
        "uscc": ["91420600MA49ABCD1X", "92420606MA4A00000E"],
        "name": ["襄阳甲公司", "乙商店"],
        "division": ["010101", "420606"],
    }
)


def sqlite_bureau(tmp_path: Path) -> str:
    path = tmp_path / "bureau.db"
    with sqlite3.connect(path) as connection:
        ROSTER.to_sql("roster", connection, index=False)
    return f"sqlite:///{path}"


def test_locations_tell_sql_fsspec_and_paths_apart(tmp_path: Path) -> None:
    named = locate("postgresql://u:pw@h/bureau", table="inspectors")
    assert locate("postgresql://u:pw@h/bureau#inspectors") == named
    assert locate("postgresql://u:pw@h/bureau#inspectors").url == "postgresql://u:pw@h/bureau"
    assert locate("postgresql+psycopg://h/db", query="SELECT 1").kind == "sql"
    assert locate("s3://bucket/roster/").kind == "fsspec"
    assert locate("memory://x/roster.csv").kind == "fsspec"
    assert locate(str(tmp_path)).kind == "path"
    assert locate(SourceText("sqlite:///b.db", table="roster")).table == "roster"
    assert shown_url("postgresql://clerk:s3cret@db/bureau") == "postgresql://clerk:***@db/bureau"
    with pytest.raises(InputError, match="names the table 'roster': give no other"):
        locate("sqlite:///b.db#roster", query="SELECT 1")
    with pytest.raises(InputError, match="go with a SQL URL"):
        locate("memory://x/roster.csv", table="roster")


def test_sql_table_query_and_fragment_read_the_same_rows(tmp_path: Path) -> None:
    url = sqlite_bureau(tmp_path)
    by_table = read_table(url, table="roster")
    pd.testing.assert_frame_equal(by_table, ROSTER)
    pd.testing.assert_frame_equal(read_table(f"{url}#roster"), ROSTER)
    pd.testing.assert_frame_equal(read_table(url, query="SELECT * FROM roster ORDER BY uscc"), ROSTER)
    with pytest.raises(InputError, match="no table 'rostre' in the database; tables: roster"):
        read_table(url, table="rostre")
    with pytest.raises(InputError, match=r"cannot read: .*syntax error"):
        read_table(url, query="SELEC * FROM roster")


def test_memory_and_file_urls_read_every_format(tmp_path: Path) -> None:
    memory = fsspec.filesystem("memory")
    try:
        with memory.open("/bureau/roster.csv", "wb") as handle:
            handle.write(ROSTER.to_csv(index=False).encode("gb18030"))  # an old export, in GBK
        with memory.open("/bureau/roster.parquet", "wb") as handle:
            ROSTER.to_parquet(handle, index=False)
        csv = read_table("memory://bureau/roster.csv")
        assert list(csv["name"]) == list(ROSTER["name"])
        assert list(csv["division"]) == ["010101", "420606"]  # text stays text
        pd.testing.assert_frame_equal(read_table("memory://bureau/roster.parquet"), ROSTER)
        with pytest.raises(InputError, match="FILE_NOT_FOUND"):
            read_table("memory://bureau/missing.csv")
    finally:
        memory.rm("/bureau", recursive=True)
    path = tmp_path / "roster.parquet"
    ROSTER.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_table(f"file://{path}"), ROSTER)


def test_a_hive_partitioned_folder_is_one_table_with_text_partitions(tmp_path: Path) -> None:
    ROSTER.to_parquet(tmp_path / "roster", partition_cols=["division"])
    got = read_table(str(tmp_path / "roster")).sort_values("uscc", ignore_index=True)
    pd.testing.assert_frame_equal(got[ROSTER.columns.tolist()], ROSTER, check_dtype=False)
    assert got["division"].tolist() == ["010101", "420606"]  # not 10101
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no Parquet file"):
        read_table(str(tmp_path / "empty"))


def test_an_object_store_without_its_backend_names_the_extra() -> None:
    pytest.importorskip("fsspec")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed")
    with pytest.raises(MissingDependencyError, match=r"needs s3fs.*pip install 'dualrandom\[s3\]'"):
        read_table("s3://bureau/roster.csv")
    result = CliRunner().invoke(main, ["check", "s3://bureau/roster.csv"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: reading s3://bureau/roster.csv needs s3fs, which is not installed; "
        "install it with: pip install 'dualrandom[s3]'\n"
    )


def test_check_reads_a_sql_table_and_refuses_table_options_without_sql(tmp_path: Path) -> None:
    url = sqlite_bureau(tmp_path)
    runner = CliRunner()
    wrong = runner.invoke(main, ["check", url, "--table", "rostre"])
    assert wrong.exit_code == 2
    assert wrong.output == (
        f"Error: 1 problem(s) found:\n  - {url} (table rostre): no table 'rostre' in the database; "
        "tables: roster [SQL]\n"
    )
    unnamed = runner.invoke(main, ["check", url])
    assert unnamed.exit_code == 2
    assert "name what to read with --table NAME or --query SQL" in unnamed.output
    both = runner.invoke(main, ["check", url, "--table", "roster", "--query", "SELECT 1"])
    assert both.exit_code == 2
    assert "give --table or --query, not both" in both.output
    local = tmp_path / "roster.csv"
    ROSTER.to_csv(local, index=False)
    misplaced = runner.invoke(main, ["check", str(local), "--table", "roster"])
    assert misplaced.exit_code == 2
    assert "--table and --query go with a SQL URL as ROSTER" in misplaced.output
