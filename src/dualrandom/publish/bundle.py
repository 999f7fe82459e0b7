"""The publication bundle (一公开): public tables, CSV/JSON writers and the atomic directory swap.

`build_publication` turns the campaign, sample, validated results, entity roster and teams
into public tables that never carry a tier, a score, a legal representative or an officer's
data beyond name and certificate number; `write_bundle` writes them, the public manifest and
the static site into a directory that replaces the previous bundle atomically.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import atomic_directory
from ..errors import InputError, Problem
from ..ids import normalize_ids
from ..models import Campaign
from ..results import columns
from .attack import measure_publication
from .calendar import campaign_calendar
from .deadlines import due_dates
from .manifest import results_manifest, triggered_manifest
from .privacy import canonical_entity_headers, clean_column, mask_entity_names

__all__ = [
    "PUBLIC_COLUMNS",
    "Bundle",
    "build_publication",
    "csv_safe",
    "file_digests",
    "publication_payload",
    "read_bundle_index",
    "refuse_foreign_files",
    "write_bundle",
]

PUBLIC_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "plan_id",
    "task_id",
    "task_name",
    "check_type",
    "department",
    "authority",
    "completed_on",
    "items",
    "results",
    "result_codes",
    "inspectors",
)
"""Columns of results.csv: one row per entity, task and inspecting department."""

CHECK_TYPE = "双随机抽查"
TRIGGERED_CHECK_TYPE = "触发式检查"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BUNDLE_INDEX = "bundle.json"


@dataclass(frozen=True)
class Bundle:
    """Everything a bundle holds, in memory: public rows, notices, manifest, internal status.

    ``rows`` is public. ``status`` is internal (due dates and overdue flags per row, for the
    ledger and the annual report) and is never written into the bundle.
    """

    rows: pd.DataFrame
    notices: dict[str, Any]
    manifest: dict[str, Any]
    status: pd.DataFrame
    published_on: date
    draw_manifest: dict[str, Any] | None = None
    privacy: dict[str, Any] | None = None
    """Internal: the tier-inference attack on this bundle (`dualrandom.publish.attack`), for the ledger."""


SELECTION_TRIGGERED = "触发式检查（非随机抽取）"
"""How the notices name triggered checks: checked on a complaint, an early warning or a case lead."""


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix cells starting with = + - @ tab or CR by ' (spreadsheet formula injection)."""
    safe = {}
    for column in frame.columns:
        text = frame[column].astype("string[pyarrow]").fillna("")
        risky = text.str.startswith(_FORMULA_START).to_numpy(dtype=bool)  # vectorised in Arrow
        values = text.to_numpy(dtype=object)
        values[risky] = ["'" + v for v in values[risky].tolist()]
        safe[column] = values
    return pd.DataFrame(safe, index=frame.index, dtype=object)


def _objects(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` with these string columns as plain Python objects (Arrow strings iterate slowly)."""
    present = [n for n in names if n in frame.columns]
    return frame.assign(**{n: frame[n].to_numpy(dtype=object) for n in present})


def joined_groups(frame: pd.DataFrame, key: list[str], columns: list[str]) -> pd.DataFrame:
    """One row per ``key`` (frame sorted by it): each column's values joined by ';', first date kept.

    A linear pass over slices: much faster than ``groupby().agg(";".join)`` on 100k groups.
    """
    keys = frame[key].to_numpy(dtype=object)
    change = np.ones(len(frame), dtype=bool)
    if len(frame) > 1:
        change[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(frame)) if len(frame) else starts
    out = frame.iloc[starts][key].reset_index(drop=True)
    for column in columns:
        values = [str(v) for v in frame[column].to_numpy(dtype=object).tolist()]
        out[column] = [";".join(values[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return out


def _teams_by_check(teams: pd.DataFrame | None, inspectors: pd.DataFrame | None) -> pd.Series:
    """'name（certificate）' of each officer, joined per (uscc, task_id, department)."""
    if teams is None or inspectors is None or teams.empty:
        return pd.Series(dtype=object)
    people = (
        inspectors.astype({"inspector_id": str}).drop_duplicates("inspector_id").set_index("inspector_id")
    )
    officers = teams[teams.get("role", pd.Series("officer", index=teams.index)).astype(str) != "expert"]
    officers = officers.assign(
        uscc=normalize_ids(officers["uscc"]), inspector_id=officers["inspector_id"].astype(str)
    )
    names = people["name"].reindex(officers["inspector_id"]).fillna("").astype(str).to_numpy()
    certificates = (
        people["certificate_no"].reindex(officers["inspector_id"]).fillna("").astype(str).to_numpy()
        if "certificate_no" in people.columns
        else [""] * len(officers)
    )
    shown = [f"{n}（{c}）" if c else n for n, c in zip(names, certificates, strict=True)]
    key = ["uscc", "task_id", "department"]
    labelled = officers.assign(shown=shown).sort_values([*key, "shown"], kind="stable")
    return joined_groups(labelled, key, ["shown"]).set_index(key)["shown"]


def build_publication(
    campaign: Campaign,
    sample: pd.DataFrame,
    results: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    published_on: date,
    seed: str | None,
    teams: pd.DataFrame | None = None,
    inspectors: pd.DataFrame | None = None,
    roster_digest: str | None = None,
    task_seeds: dict[str, str] | None = None,
    draw_manifest: dict[str, Any] | None = None,
) -> Bundle:
    """Assemble the public tables of a campaign's results (see `PUBLIC_COLUMNS`).

    ``results`` is the output of `dualrandom.results.import_results`; ``roster`` needs
    ``uscc, name, entity_type`` (or the Chinese headers of a bureau export; ``legal_rep`` is
    used for masking only). A sealed draw (``draw_manifest`` is its public variant) publishes
    receipts instead of tickets. Without ``seed`` the targets are triggered checks, not drawn
    (`triggered_manifest`): the notices say so and no attack is run (no ticket is published).
    The tier-inference attack is run on the result and kept in ``privacy`` (internal). Raises
    `InputError` when a result's entity is missing from the roster.
    """
    roster = canonical_entity_headers(roster)
    public_names = _public_names(campaign, roster)
    checks = _checks(results, public_names.index)
    check_type = TRIGGERED_CHECK_TYPE if seed is None else CHECK_TYPE
    rows = _public_rows(campaign, checks, public_names, _teams_by_check(teams, inspectors), check_type)
    drawn = sample.assign(uscc=normalize_ids(sample["uscc"]), task_id=sample["task_id"].astype(str))
    notices = _notices(campaign, drawn, rows, triggered=seed is None)
    if seed is None:
        manifest = triggered_manifest(campaign, drawn)
        privacy: dict[str, Any] = {"measured": False, "reason": "triggered checks: no ticket is published"}
    else:
        manifest = results_manifest(
            campaign, drawn, seed=seed, roster_digest=roster_digest, task_seeds=task_seeds,
            draw_public=draw_manifest,
        )  # fmt: skip
        privacy = measure_publication(manifest, campaign, roster, draw_public=draw_manifest)
    status = _status(campaign, checks, published_on)
    return Bundle(rows, notices, manifest, status, published_on, draw_manifest, privacy)


def _public_names(campaign: Campaign, roster: pd.DataFrame) -> pd.Series:
    """Each entity's name as published (individuals masked unless the campaign says not), by code."""
    entities = _objects(roster.assign(uscc=normalize_ids(roster["uscc"])), ["uscc", "name", "entity_type"])
    entities = entities.drop_duplicates("uscc").set_index("uscc")
    if not campaign.publication.mask_individual_names:
        return clean_column(entities["name"])
    operators = entities["legal_rep"] if "legal_rep" in entities.columns else None
    codes = pd.Series(entities.index, index=entities.index)
    return mask_entity_names(entities["name"], entities["entity_type"], operators, codes)


def _checks(results: pd.DataFrame, known_codes: pd.Index) -> pd.DataFrame:
    """One row per (entity, task, department) with its joined results and completion date.

    Raises `InputError` naming every result whose entity the roster does not contain.
    """
    results = _objects(results, ["uscc", "task_id", "department", "result", "result_code"])
    key = ["uscc", "task_id", "department"]
    ordered = results.sort_values([*key, "result_code"], kind="stable")
    checks = joined_groups(ordered, key, ["result", "result_code"]).rename(
        columns={"result": "results", "result_code": "result_codes"}
    )
    checks["completed_on"] = ordered.drop_duplicates(key)["completed_on"].to_numpy()
    known = set(known_codes.tolist())
    unknown = sorted({u for u in checks["uscc"].tolist() if u not in known})
    if unknown:
        message = "a published result names an entity the roster does not contain"
        rule = "ENTITY_NOT_IN_ROSTER"
        raise InputError([Problem("roster", None, "uscc", str(u), rule, message) for u in unknown])
    return checks


def _public_rows(
    campaign: Campaign,
    checks: pd.DataFrame,
    names: pd.Series,
    officers: pd.Series,
    check_type: str = CHECK_TYPE,
) -> pd.DataFrame:
    """The public table (`PUBLIC_COLUMNS`): one row per check, officers as published."""
    key = ["uscc", "task_id", "department"]
    tasks = {t.id: t for t in campaign.tasks}
    items = {i.id: i for i in campaign.items}
    departments = {d.id: d.name for d in campaign.departments}
    task_items = {
        (t.id, d): ";".join(items[i].name for i in t.items if items[i].department == d)
        for t in campaign.tasks
        for d in t.departments
    }
    pairs = list(zip(*columns(checks, ["task_id", "department"]), strict=True))
    shown_teams = (
        officers.reindex(pd.MultiIndex.from_frame(checks[key])).fillna("").to_numpy() if len(officers) else ""
    )
    rows = pd.DataFrame(
        {
            "uscc": checks["uscc"],
            "name": names.reindex(checks["uscc"]).to_numpy(),
            "plan_id": campaign.plan.id,
            "task_id": checks["task_id"],
            "task_name": [tasks[t].name for t, _ in pairs],
            "check_type": check_type,
            "department": checks["department"],
            "authority": [departments[d] for _, d in pairs],
            "completed_on": pd.to_datetime(checks["completed_on"]).dt.strftime("%Y-%m-%d"),
            "items": [task_items[p] for p in pairs],
            "results": checks["results"],
            "result_codes": checks["result_codes"],
            "inspectors": shown_teams,
        },
        dtype=object,
    )
    return rows.assign(**{c: clean_column(rows[c]) for c in PUBLIC_COLUMNS if c not in ("uscc", "name")})


def _status(campaign: Campaign, checks: pd.DataFrame, published_on: date) -> pd.DataFrame:
    """Internal: each check's completion, 20-working-day due date and whether it is on time."""
    completed = pd.to_datetime(checks["completed_on"])
    due = due_dates(completed, campaign.publication.working_days, campaign_calendar(campaign))
    return checks[["uscc", "task_id", "department"]].assign(
        completed_on=completed,
        due_on=due.to_numpy(),
        on_time=(due >= pd.Timestamp(published_on)).to_numpy(),
        due_known=due.notna().to_numpy(),
    )


def _notices(
    campaign: Campaign, drawn: pd.DataFrame, rows: pd.DataFrame, *, triggered: bool
) -> dict[str, Any]:
    """The plan, its tasks (drawn and published counts) and its items, as the notices show them.

    The tasks of triggered checks (complaint, early warning, case lead) say that their targets
    were not drawn at random (``selection``: `SELECTION_TRIGGERED`); only the tasks checked are listed.
    """
    marked = {"selection": SELECTION_TRIGGERED} if triggered else {}
    items = {i.id: i for i in campaign.items}
    departments = {d.id: d.name for d in campaign.departments}
    counts = drawn.groupby("task_id").size()
    checked = rows.drop_duplicates(["uscc", "task_id"]).groupby("task_id").size()
    plan = campaign.plan
    return {
        "plan": {
            "id": plan.id,
            "name": plan.name,
            "year": plan.year,
            "authority": plan.authority,
            "initiating_department": departments[plan.initiating_department],
            "participating_departments": [departments[d] for d in plan.participating_departments],
            **plan.notice(),
        },
        "tasks": [
            {
                "id": t.id,
                "name": t.name,
                "departments": [departments[d] for d in t.departments],
                "joint": len(t.departments) > 1,
                "items": [items[i].name for i in t.items],
                "drawn": int(counts.get(t.id, 0)),
                "published": int(checked.get(t.id, 0)),
                **marked,
                **t.notice(),
            }
            for t in campaign.tasks
            if not triggered or counts.get(t.id, 0)
        ],
        "items": [
            {
                "id": i.id,
                "name": i.name,
                "department": departments[i.department],
                "kind": "重点检查事项" if i.kind == "key" else "一般检查事项",
            }
            for i in campaign.items
        ],
    }


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def file_digests(directory: Path) -> dict[str, str]:
    """SHA-256 of every file in the bundle except the index itself, by relative path."""
    digests = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and relative != BUNDLE_INDEX:
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _write_files(publication: Bundle, directory: Path, anchor: dict[str, Any] | None) -> dict[str, Any]:
    from .site import render_site  # jinja2 is needed only when a site is written

    rows = publication.rows
    with open(directory / "results.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")  # a BOM, so that Excel reads UTF-8
        writer = csv.writer(handle)
        writer.writerow(PUBLIC_COLUMNS)
        writer.writerows(
            zip(*columns(csv_safe(rows[list(PUBLIC_COLUMNS)]), list(PUBLIC_COLUMNS)), strict=True)
        )
    meta = {
        "plan_id": publication.notices["plan"]["id"],
        "published_on": publication.published_on.isoformat(),
    }
    # pandas' C JSON writer: 100k records in a fraction of the time of json.dumps
    records = rows[list(PUBLIC_COLUMNS)].to_json(orient="records", force_ascii=False)
    head = _json_bytes({**meta, "count": len(rows)})[:-1]
    (directory / "results.json").write_bytes(head + b',"results":' + records.encode("utf-8") + b"}")
    (directory / "notices.json").write_bytes(_json_bytes({**meta, **publication.notices}))
    (directory / "manifest.json").write_bytes(_json_bytes(publication.manifest))
    if publication.draw_manifest is not None:
        (directory / "draw-manifest.json").write_bytes(_json_bytes(publication.draw_manifest))
    render_site(publication, directory)
    digests = file_digests(directory)
    index = {"kind": "publication_bundle", "version": 1, **meta, "rows": len(rows), "files": digests}
    if anchor is not None:
        index["ledger"] = {"seq": int(anchor["seq"]), "hash": str(anchor["hash"])}
    (directory / BUNDLE_INDEX).write_bytes(_json_bytes(index))
    index["digest"] = hashlib.sha256((directory / BUNDLE_INDEX).read_bytes()).hexdigest()
    return index


def read_bundle_index(directory: str | Path) -> tuple[dict[str, Any], str]:
    """A bundle's index (``bundle.json``) and its SHA-256; `InputError` when it is not a bundle."""
    path = Path(directory) / BUNDLE_INDEX
    try:
        data = path.read_bytes()
        index = json.loads(data)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(
            [Problem(str(path), None, None, None, "BUNDLE_INDEX", f"not a readable bundle index: {reason}")]
        ) from None
    if not isinstance(index, dict) or index.get("kind") != "publication_bundle":
        raise InputError(
            [Problem(str(path), None, "kind", None, "BUNDLE_INDEX", "not a dualrandom publication bundle")]
        )
    return index, hashlib.sha256(data).hexdigest()


def refuse_foreign_files(directory: Path) -> None:
    """Raise `InputError` unless ``directory`` is empty or holds only a bundle published before.

    Bundle replaces the whole folder, so it never goes where other files live (a ledger,
    a web root's other pages).
    """
    present = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if not p.is_dir())
    if not present:
        return
    listed: set[str] = set()
    if (directory / BUNDLE_INDEX).is_file():
        try:
            files = read_bundle_index(directory)[0].get("files")
            listed = set(files) if isinstance(files, dict) else set()
        except InputError:
            listed = set()
    foreign = [name for name in present if name != BUNDLE_INDEX and name not in listed]
    if foreign or not listed:
        shown = ", ".join((foreign or present)[:5])
        raise InputError(
            [
                Problem(
                    str(directory), None, None, shown, "OUTPUT_NOT_A_BUNDLE",
                    "the folder holds files that are not a publication bundle, and publishing would "
                    "replace them: publish into a new or empty folder (for example a subfolder)",
                )
            ]
        )  # fmt: skip


def write_bundle(
    publication: Bundle,
    directory: str | Path,
    *,
    anchor: dict[str, Any] | None = None,
    before_swap: Callable[[Path], None] | None = None,
) -> dict[str, Any]:
    """Write the bundle into a temporary directory and swap it in place of ``directory``.

    A run killed at any point leaves the previous bundle intact. ``directory`` must be new,
    empty or a previous bundle (`refuse_foreign_files` raises `InputError` otherwise).
    ``anchor`` (the ledger head, ``{"seq", "hash"}``) goes into the index as ``ledger``.
    Returns the bundle index (file digests) with the SHA-256 of ``bundle.json`` as ``digest``.
    ``before_swap`` is a hook called with the finished temporary directory (tests kill there).
    """
    with atomic_directory(directory, may_replace=refuse_foreign_files) as temporary:
        temporary.chmod(0o755)  # a published site is world-readable (mkdtemp makes it private)
        index = _write_files(publication, temporary, anchor)
        if before_swap is not None:
            before_swap(temporary)
    return index


def publication_payload(publication: Bundle, index: dict[str, Any]) -> dict[str, Any]:
    """The ledger payload of a publication: bundle digest, counts and per-check due dates."""
    status = publication.status
    published = [
        [str(u), str(t), str(d), str(c), None if pd.isna(due) else str(due)]
        for u, t, d, c, due in zip(
            *columns(
                status.assign(
                    completed_on=status["completed_on"].dt.strftime("%Y-%m-%d"),
                    due_on=status["due_on"].dt.strftime("%Y-%m-%d"),
                ),
                ["uscc", "task_id", "department", "completed_on", "due_on"],
            ),
            strict=True,
        )
    ]
    return {
        "published_on": publication.published_on.isoformat(),
        "bundle_digest": index["digest"],
        "manifest_digest": index["files"]["manifest.json"],
        "rows": len(publication.rows),
        "on_time": int((status["on_time"] & status["due_known"]).sum()),
        "overdue": int((~status["on_time"] & status["due_known"]).sum()),
        "columns": ["uscc", "task_id", "department", "completed_on", "due_on"],
        "published": published,
    }
