"""A bureau that keeps its rosters in PostgreSQL: classify → commit → draw → assign read from it.

The operator never exports a CSV: the roster, the inspectors, the history and the credit
records are tables of the bureau database, named with ``--table`` or ``URL#table``. Mistakes
(a wrong table, a query that does not parse, a missing column) are clear errors naming the
database source, exit 2. The Dask engine reads the same table and draws the same sample.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _campaign import SEED, Operator

pytest_plugins = ["pg"]
pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)


@pytest.fixture
def bureau(postgres_url: str, tmp_path: Path) -> tuple[str, Any]:
    """The bureau database (roster without tiers, inspectors, conflicts, history, credit records)."""
    from sqlalchemy import create_engine

    from dualrandom.synth import synth_city
    from dualrandom.synth.credit import synth_credit

    city = synth_city(1200, seed="bureau-db")
    records = synth_credit(city.entities, as_of=AS_OF, seed=3)
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        city.entities.drop(columns=["tier"], errors="ignore").to_sql("roster", connection, index=False)
        city.inspectors.to_sql("inspectors", connection, index=False)
        city.conflicts.to_sql("conflicts", connection, index=False)
        city.history.to_sql("history", connection, index=False)
        records.to_sql("credit_records", connection, index=False)
    engine.dispose()
    packaged = resources.files("dualrandom").joinpath("data/demo-campaign.toml").read_text(encoding="utf-8")
    # open tickets: sealing is not what this test is about, and it keeps the Dask comparison direct
    opened = packaged.replace("[publication]\n", '[publication]\ndisclosure = "open"\n')
    (tmp_path / "campaign.toml").write_text(opened, encoding="utf-8")
    return postgres_url, city


def test_operator_runs_a_campaign_from_the_bureau_database(bureau: tuple[str, Any], tmp_path: Path) -> None:
    url, city = bureau
    operator = Operator(None)  # type: ignore[arg-type]
    work = tmp_path
    snapshot, campaign, ledger = work / "snapshot.parquet", work / "campaign.toml", work / "campaign.ledger"

    classified = operator.run(
        "classify", url, "--table", "roster", "--policy", ROOT / "examples" / "policy.toml",
        "--as-of", "2026-11-01", "--records", f"{url}#credit_records", "--history", f"{url}#history",
        "-o", snapshot,
    )  # fmt: skip
    assert classified.exit_code == 0, classified.output
    assert f"{len(city.entities)} entities classified" in classified.output

    committed = operator.run(
        "commit", url, "--table", "roster", "--snapshot", snapshot, "-o", work / "commitment.json",
        "--campaign", campaign, "--ledger", ledger,
    )  # fmt: skip
    assert committed.exit_code == 0, committed.output

    drawn = operator.run(
        "draw", url, "--table", "roster", "--snapshot", snapshot, "--campaign", campaign, "--seed", SEED,
        "--history", f"{url}#history", "--as-of", "2026-11-02", "-o", work / "sample.csv", "--ledger", ledger,
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    manifest = pd.read_json(work / "sample.csv.manifest.json", typ="series")
    from dualrandom.classify import load_snapshot

    assert manifest["snapshot_digest"] == load_snapshot(snapshot).content_digest

    assigned = operator.run(
        "assign", work / "sample.csv", "--inspectors", url, "--table", "inspectors",
        "--conflicts", f"{url}#conflicts", "--campaign", campaign, "--history", f"{url}#history",
        "--seed", SEED, "-o", work / "teams.csv", "--ledger", ledger,
    )  # fmt: skip
    assert assigned.exit_code == 0, assigned.output
    teams = pd.read_csv(work / "teams.csv", dtype=str)
    sample = pd.read_csv(work / "sample.csv", dtype=str)
    assert set(teams["uscc"]) <= set(sample["uscc"])

    pytest.importorskip("distributed")
    on_dask = operator.run(
        "draw", url, "--table", "roster", "--snapshot", snapshot, "--campaign", campaign, "--seed", SEED,
        "--history", f"{url}#history", "--as-of", "2026-11-02", "-o", work / "dask.csv",
        "--engine", "dask", "--scheduler", "threads",
    )  # fmt: skip
    assert on_dask.exit_code == 0, on_dask.output
    pd.testing.assert_frame_equal(pd.read_csv(work / "dask.csv", dtype=str), sample)
    ours = pd.read_json(work / "dask.csv.manifest.json", typ="series")
    assert ours["roster_digest"] == manifest["roster_digest"]


def test_database_mistakes_are_clear_errors_naming_the_source(
    bureau: tuple[str, Any], tmp_path: Path
) -> None:
    url, _ = bureau
    operator = Operator(None)  # type: ignore[arg-type]
    shown = url  # no password in the test server's URL; a password would show as ***
    policy = ROOT / "examples" / "policy.toml"
    common = ["--policy", policy, "--as-of", "2026-11-01", "-o", tmp_path / "s.parquet"]

    wrong = operator.run("classify", url, "--table", "rostre", *common)
    assert wrong.exit_code == 2
    assert f"{shown} (table rostre)" in wrong.output
    tables = "conflicts, credit_records, history, inspectors, roster"
    assert f"no table 'rostre' in the database; tables: {tables}" in wrong.output

    syntax = operator.run("classify", url, "--query", "SELEC uscc FROM roster", *common)
    assert syntax.exit_code == 2
    assert f"{shown} (query)" in syntax.output
    assert 'syntax error at or near "SELEC"' in syntax.output

    narrow = operator.run("classify", url, "--query", "SELECT uscc, name FROM roster", *common)
    assert narrow.exit_code == 2
    assert f"{shown} (query)" in narrow.output
    needed = "column 'entity_type': the entities table needs this column; found: uscc, name [COLUMN_MISSING]"
    assert needed in narrow.output

    unnamed = operator.run("classify", url, *common)
    assert unnamed.exit_code == 2
    assert "name what to read with --table NAME or --query SQL" in unnamed.output

    not_sql = operator.run("classify", tmp_path / "roster.csv", "--table", "roster", *common)
    assert not_sql.exit_code == 2
    assert "--table and --query go with a SQL URL" in not_sql.output

    for path in (tmp_path / "s.parquet", tmp_path / "s.json"):
        assert not path.exists()
