"""Results feed the next cycle: inspection history and credit records from imported results.

After a campaign's results are imported (`dualrandom.results.import_results`), each drawn
check that has results becomes one **history** row (a visit: caps count it once, and its
``officers`` column lists every team member, so the rotation rule sees each of them), and each
result term becomes the **credit records** the classification policy maps it to
(``[results]`` in the policy file, else `DEFAULT_RESULT_RECORDS`). Next month's
``classify --records --history``, ``draw --history`` and ``assign --history`` read them as they are.

A check's date is the last completion date of its departments (the check ends when the last
department has finished); its credit records start on that date, so a visit that found a
problem is never counted as a clean one. Merging into existing files adds only rows whose key
is not there yet: running the feedback twice adds nothing, and rows edited by hand (an
``end_on`` or ``repaired_on`` entered after credit repair) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from .classify.policy import DEFAULT_RESULT_RECORDS, ClassificationPolicy
from .errors import InputError, PolicyError, Problem
from .ids import normalize_ids
from .io import write_table
from .models import Campaign
from .results import import_results

__all__ = [
    "DEFAULT_RESULT_RECORDS",
    "HISTORY_COLUMNS",
    "HISTORY_KEY",
    "RECORD_COLUMNS",
    "RECORD_KEY",
    "Feedback",
    "credit_records",
    "feed_back",
    "history_rows",
    "merge_rows",
    "update_feedback",
]

HISTORY_COLUMNS: tuple[str, ...] = (
    "uscc",
    "inspected_on",
    "campaign_id",
    "task_id",
    "department",
    "kind",
    "inspector_id",
    "officers",
    "visit",
)
"""Columns of a history row written from results (``officers``: team members, ``;``-separated;
``visit``: the visit id, so the plan's record of the same visit is not counted again)."""

RECORD_COLUMNS: tuple[str, ...] = (
    "uscc",
    "kind",
    "start_on",
    "end_on",
    "severity",
    "repaired_on",
    "campaign_id",
    "task_id",
    "department",
    "result_code",
)
"""Columns of a credit record written from results (the last four say where it came from)."""

HISTORY_KEY: tuple[str, ...] = ("uscc", "campaign_id", "task_id")
"""A visit is one drawn check: an entity in one task of one campaign."""

RECORD_KEY: tuple[str, ...] = ("uscc", "kind", "campaign_id", "task_id", "department", "result_code")
"""A credit record from results is one record kind of one department's result term."""


@dataclass(frozen=True)
class Feedback:
    """The updated history and credit records, and how many rows were added or already there."""

    history: pd.DataFrame
    records: pd.DataFrame
    history_added: int
    history_present: int
    records_added: int
    records_present: int


def _check_dates(results: pd.DataFrame) -> pd.DataFrame:
    """``uscc, task_id, inspected_on`` (ISO text): the last completion date of each check."""
    dated = results.assign(
        uscc=normalize_ids(results["uscc"]).astype(str), task_id=results["task_id"].astype(str)
    )
    last = dated.groupby(["uscc", "task_id"], sort=True)["completed_on"].max().reset_index()
    return last.assign(inspected_on=pd.to_datetime(last["completed_on"]).dt.strftime("%Y-%m-%d"))[
        ["uscc", "task_id", "inspected_on"]
    ]


def _team_members(teams: pd.DataFrame, source: str) -> pd.Series:
    """``;``-joined sorted inspector ids per (uscc, task_id); raises `InputError` for missing columns."""
    missing = [c for c in ("uscc", "task_id", "inspector_id") if c not in teams.columns]
    if missing:
        raise InputError(
            [
                Problem(source, None, c, None, "COLUMN_MISSING", f"the teams file needs a {c!r} column")
                for c in missing
            ]
        )
    members = pd.DataFrame(
        {
            "uscc": normalize_ids(teams["uscc"].astype("string").fillna("")).astype(str),
            "task_id": teams["task_id"].astype("string").fillna("").str.strip().astype(str),
            "inspector_id": teams["inspector_id"].astype("string").fillna("").str.strip().astype(str),
        }
    )
    members = members[members["inspector_id"] != ""]
    return members.groupby(["uscc", "task_id"])["inspector_id"].agg(lambda ids: ";".join(sorted(set(ids))))


def history_rows(
    results: pd.DataFrame,
    teams: pd.DataFrame | None,
    campaign: Campaign,
    *,
    teams_source: str = "teams",
    batch: str | None = None,
) -> pd.DataFrame:
    """One history row per drawn check with results: the visit, its departments and officers.

    ``results`` is the output of `import_results`; ``teams`` the assignment (``uscc, task_id,
    inspector_id``), or None when no team was drawn (``officers`` is then empty). ``batch``
    names the batch of a plan in batches (the rows' campaign is then ``PLAN/BATCH``); every
    task of one entity shares its ``visit`` id (`dualrandom.visits.visit_id`). Rows are sorted
    by ``uscc`` and ``task_id``. Raises `InputError` when ``teams`` lacks a column or has no
    team for a check with results (teams of another draw).
    """
    from .visits import visit_ids

    checks = _check_dates(results)
    codes = normalize_ids(results["uscc"]).astype(str)
    departments = (
        results.assign(uscc=codes, task_id=results["task_id"].astype(str))
        .groupby(["uscc", "task_id"])["department"]
        .agg(lambda names: ";".join(sorted(set(map(str, names)))))
    )
    key = pd.MultiIndex.from_frame(checks[["uscc", "task_id"]])
    officers = pd.Series("", index=key, dtype=object)
    if teams is not None:
        members = _team_members(teams, teams_source)
        officers = members.reindex(key)
        absent = officers.isna().to_numpy()
        if absent.any():
            raise InputError(
                [
                    Problem(teams_source, None, "uscc", f"{u} task {t}", "TEAM_MISSING",
                            "this check has results but no team here; give the teams of this draw")
                    for u, t in key[absent]
                ]
            )  # fmt: skip
    rows = checks.assign(
        campaign_id=_campaign_id(campaign, batch),
        department=departments.reindex(key).to_numpy(),
        kind="random",
        inspector_id="",
        officers=officers.fillna("").to_numpy(dtype=object),
        visit=visit_ids(campaign.plan.id, batch, checks["uscc"].tolist()),
    )
    return rows[list(HISTORY_COLUMNS)].reset_index(drop=True)


def _campaign_id(campaign: Campaign, batch: str | None) -> str:
    """The campaign the ledger records a check under: the plan, or ``PLAN/BATCH``."""
    return campaign.plan.id if batch is None else f"{campaign.plan.id}/{batch}"


def credit_records(
    results: pd.DataFrame, policy: ClassificationPolicy, campaign: Campaign, *, batch: str | None = None
) -> pd.DataFrame:
    """The credit records the policy maps each result to, starting on the check's date.

    ``results`` is the output of `import_results`; ``batch`` as in `history_rows`. One row per
    record kind of each (entity, task, department, result term); ``end_on`` and ``repaired_on``
    are empty (the kind's publication period applies). Sorted by ``uscc, task_id, department,
    result_code, kind``.
    """
    mapping = policy.result_records()
    cid = _campaign_id(campaign, batch)
    checks = _check_dates(results).set_index(["uscc", "task_id"])["inspected_on"]
    rows: list[tuple[str, ...]] = []
    codes = normalize_ids(results["uscc"]).astype(str).tolist()
    tasks, departments = results["task_id"].astype(str), results["department"].astype(str)
    for uscc, task, department, code in zip(
        codes, tasks, departments, results["result_code"].astype(str), strict=True
    ):
        rule = mapping[code]
        start = str(checks[(uscc, task)])
        for kind in rule.records:
            rows.append((uscc, kind, start, "", f"{rule.severity:g}", "", cid, task, department, code))
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS), dtype=object)
    return frame.sort_values(["uscc", "task_id", "department", "result_code", "kind"], ignore_index=True)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text: dates as YYYY-MM-DD, missing as ""."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            out[str(name)] = column.dt.strftime("%Y-%m-%d").fillna("")
        else:
            out[str(name)] = column.astype("string").fillna("").astype(object)
    return pd.DataFrame(out, index=frame.index)


def merge_rows(
    existing: pd.DataFrame | None, new: pd.DataFrame, key: tuple[str, ...]
) -> tuple[pd.DataFrame, int, int]:
    """``existing`` followed by the rows of ``new`` whose ``key`` it does not hold yet.

    Returns the merged table (all text; existing columns first, then new ones, missing cells
    ""), the number of rows added and the number already present. Existing rows are never
    changed, so hand edits survive and a second run adds nothing.
    """
    if existing is None or len(existing.columns) == 0:
        return _as_text(new).reset_index(drop=True), len(new), 0
    old = _as_text(existing).reset_index(drop=True)
    fresh = _as_text(new).reset_index(drop=True)
    columns = [*old.columns, *(c for c in fresh.columns if c not in old.columns)]
    old, fresh = old.reindex(columns=columns, fill_value=""), fresh.reindex(columns=columns, fill_value="")
    present_keys = old[list(key)].assign(uscc=normalize_ids(old["uscc"]).astype(str))
    seen = pd.MultiIndex.from_frame(present_keys.apply(lambda c: c.str.strip()))
    there = pd.MultiIndex.from_frame(fresh[list(key)]).isin(seen)
    merged = pd.concat([old, fresh[~there]], ignore_index=True)
    return merged, int((~there).sum()), int(there.sum())


def feed_back(
    results: pd.DataFrame,
    teams: pd.DataFrame | None,
    campaign: Campaign,
    policy: ClassificationPolicy,
    *,
    history: pd.DataFrame | None = None,
    records: pd.DataFrame | None = None,
    teams_source: str = "teams",
    batch: str | None = None,
    as_of: date | None = None,
) -> Feedback:
    """Add a campaign's visits to ``history`` and its credit records to ``records``.

    ``results`` is the output of `import_results`; see `history_rows`, `credit_records` and
    `merge_rows`. Raises `InputError` for a teams file that does not match the results.
    """
    visits = history_rows(results, teams, campaign, teams_source=teams_source, batch=batch)
    entries = credit_records(results, policy, campaign, batch=batch)
    merged_history, history_added, history_present = merge_rows(history, visits, HISTORY_KEY)
    merged_records, records_added, records_present = merge_rows(records, entries, RECORD_KEY)
    return Feedback(
        merged_history, merged_records, history_added, history_present, records_added, records_present
    )


def _existing(path: Path, kind: str) -> pd.DataFrame | None:
    """The file's rows with the schema's column names (a Chinese-headed export keeps every row).

    Raises `InputError` listing every bad row of the file, so a damaged file is not extended.
    """
    from .schema import check_table

    if not path.exists():
        return None
    checked = check_table(path, kind, any_code=True)
    checked.raise_errors()
    return checked.raw


def update_feedback(
    results_source: str | Path | pd.DataFrame,
    campaign: Campaign,
    sample: pd.DataFrame,
    teams: pd.DataFrame | None,
    policy: ClassificationPolicy,
    *,
    history_path: str | Path,
    records_path: str | Path,
    source_name: str | None = None,
    teams_source: str = "teams",
    batch: str | None = None,
    as_of: date | None = None,
) -> Feedback:
    """Validate results against the campaign and sample, then update both files atomically.

    ``batch`` names the batch of a plan in batches (or of triggered checks) the results are
    of; ``as_of`` (default: today) is the day they are read on, so a completion date after it
    is refused. The files are created when missing and otherwise extended (`merge_rows`; a file
    with Chinese headers is written back under the schema's names, every row kept), each written
    atomically; after an interrupted run, running it again completes it. Raises `InputError`
    for bad result rows (every one listed) or a teams file of another draw, and `PolicyError`
    for a plan in batches without ``batch``.
    """
    from .visits import batch_campaign

    if batch is None and campaign.plan.batches:
        listed = ", ".join(b.id for b in campaign.plan.batches)
        raise PolicyError(
            f"plan {campaign.plan.id!r} is drawn in batches ({listed}): name the batch (--batch)"
        )
    checked = campaign if batch is None else batch_campaign(campaign, batch)
    validated = import_results(results_source, checked, sample, source_name=source_name, as_of=as_of)
    history_file, records_file = Path(history_path), Path(records_path)
    result = feed_back(
        validated,
        teams,
        campaign,
        policy,
        history=_existing(history_file, "history"),
        records=_existing(records_file, "records"),
        teams_source=teams_source,
        batch=batch,
    )
    write_table(result.history, history_file)
    write_table(result.records, records_file)
    return result
