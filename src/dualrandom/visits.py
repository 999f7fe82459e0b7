"""One visit, many items (进一次门、查多项事), and what counts as one check toward a cap.

An entity drawn by several tasks of a plan in one batch is visited once, by one joint team that
holds every department and item concerned. The visit has an id anyone can recompute:

    visit = "V" + upper(hex(SHA-256("dualrandom-visit/1" ␟ plan ␟ batch ␟ code)))[:16]

(␟ is U+001F; ``batch`` is empty for a plan drawn once). A visit counts once toward the
entity's frequency cap, however many tasks, departments or officers took part: past checks are
counted as distinct (code, date, visit) — the ``visit`` column when the history has one, else
its ``campaign_id`` — so the one history row per officer that many bureaus export counts once.

A batch is recorded in the ledger as the campaign ``PLAN/BATCH`` (`batch_campaign`): each batch
has its own seed, draw, teams, results and publication, while the roster commitment and the
triggered checks belong to the plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import PolicyError
from .ids import normalize_ids
from .models import Campaign, Task, TaskTeam

if TYPE_CHECKING:
    from .ledger import Ledger
    from .verification import Verification

__all__ = [
    "HISTORY_COLUMNS",
    "VISIT_VERSION",
    "batch_campaign",
    "checks_per_entity",
    "expand_teams",
    "plan_history",
    "solver_teams",
    "triggered_rows",
    "verify_visit_teams",
    "visit_id",
    "visit_ids",
    "visit_targets",
]

VISIT_VERSION = "dualrandom-visit/1"
HISTORY_COLUMNS = ["uscc", "inspected_on", "campaign_id", "department", "kind", "inspector_id", "visit"]
_SEP = "\x1f"


def visit_id(plan_id: str, batch: str | None, code: str) -> str:
    """The id of the visit of entity ``code`` in ``batch`` of plan ``plan_id`` (see the module)."""
    text = _SEP.join((VISIT_VERSION, plan_id, batch or "", code))
    return "V" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16].upper()


def visit_ids(plan_id: str, batch: str | None, codes: Sequence[str]) -> list[str]:
    """`visit_id` of each code, in order."""
    return [visit_id(plan_id, batch, code) for code in codes]


def checks_per_entity(table: pd.DataFrame, codes: pd.Series, dates: pd.Series, inside: Any) -> pd.Series:
    """Distinct visits per entity among the rows ``inside`` the cap window.

    A row with a visit id is that visit, whatever its date: the plan's record of a batch (dated
    on the draw) and the row fed back from its results (dated on completion) are one check. A
    row without one is the visit (code, day, campaign id). Several rows of one visit (one per
    officer, department or task) count once. ``codes`` are normalised, ``dates`` parsed, both
    aligned with ``table``'s rows.
    """
    day = pd.Series(dates.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object), index=table.index)
    key = pd.Series("", index=table.index, dtype=object)
    if "campaign_id" in table.columns:
        key = table["campaign_id"].astype("string").fillna("").str.strip().astype(object)
    key = day + "\x1f" + key
    if "visit" in table.columns:  # the visit id, when given, is the key
        given = table["visit"].astype("string").fillna("").str.strip()
        key = ("visit\x1f" + given).where(given != "", key).astype(object)
    visits = pd.DataFrame({"uscc": codes.to_numpy(), "visit": key.to_numpy()})[inside]
    counted: pd.Series = visits.drop_duplicates()["uscc"].value_counts()
    return counted


def batch_campaign(campaign: Campaign, batch: str) -> Campaign:
    """The campaign of one batch: recorded as ``PLAN/BATCH``, holding the tasks drawn in it.

    A batch the plan declares keeps its own tasks and those without a batch; any other id (a
    batch of triggered checks) keeps every task. Raises `PolicyError` for a declared batch that
    no task is drawn in, or a plan without batches.
    """
    plan = campaign.plan
    if not plan.batches:
        raise PolicyError(f"plan {plan.id!r} declares no [[plan.batches]]: it is drawn once, without --batch")
    declared = {b.id for b in plan.batches}
    tasks = campaign.tasks
    if batch in declared:
        tasks = tuple(t for t in tasks if t.batch in (None, batch))
        if not tasks:
            raise PolicyError(f"no task of plan {plan.id!r} is drawn in batch {batch!r}")
    kept = {t.id for t in tasks}
    teams = campaign.teams.model_copy(
        update={"tasks": {k: v for k, v in campaign.teams.tasks.items() if k in kept}}
    )
    view = plan.model_copy(update={"id": f"{plan.id}/{batch}"})
    return campaign.model_copy(update={"plan": view, "tasks": tasks, "teams": teams})


def triggered_rows(payload: Mapping[str, Any], campaign_id: str) -> list[dict[str, str]]:
    """History rows of one ``triggered_check`` record (one check, or ``checks`` in bulk)."""
    checks = payload.get("checks")
    listed = checks if isinstance(checks, list) else [payload]
    return [
        {"uscc": str(c.get("uscc", "")), "inspected_on": str(c.get("inspected_on", "")),
         "campaign_id": campaign_id, "department": str(c.get("department", "")), "kind": "triggered",
         "inspector_id": "", "visit": str(c.get("visit", ""))}
        for c in listed
        if isinstance(c, Mapping) and "uscc" in c
    ]  # fmt: skip


def plan_history(ledger: Ledger, campaign: Campaign, batch: str) -> pd.DataFrame:
    """Checks the ledger holds for the plan before ``batch``: earlier batches' visits, triggered checks.

    Each earlier batch (drawn on or before this one's date, this one excluded) contributes one
    row per visit, dated on its draw date; every current triggered check of the plan one row.
    """
    from .protocol.recorded import applied, drawn_pairs

    plan = campaign.plan
    this = plan.batch(batch)
    rows: list[dict[str, str]] = []
    for earlier in plan.batches:
        if earlier.id == batch or earlier.drawn_on > this.drawn_on:
            continue
        cid = f"{plan.id}/{earlier.id}"
        draws = ledger.current(cid, "draw")
        if not draws:
            continue
        substitutions = [r.payload for r in ledger.current(cid, "substitution")]
        codes = sorted({code for _, code in applied(drawn_pairs(draws[-1].payload), substitutions)})
        rows += [
            {"uscc": code, "inspected_on": earlier.drawn_on.isoformat(), "campaign_id": cid,
             "department": "", "kind": "random", "inspector_id": "", "visit": visit}
            for code, visit in zip(codes, visit_ids(plan.id, earlier.id, codes), strict=True)
        ]  # fmt: skip
    owners = {r.campaign_id for r in ledger.records(kind="triggered_check")}
    for cid in sorted(o for o in owners if o == plan.id or o.startswith(f"{plan.id}/")):
        for record in ledger.current(cid, "triggered_check"):
            rows += triggered_rows(record.payload, cid)
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _joint_task(campaign: Campaign, tasks: Sequence[Task]) -> tuple[Task, TaskTeam]:
    """One task for a visit of several tasks: every department and item, the strictest team rules."""
    departments = tuple(dict.fromkeys(d for t in tasks for d in t.departments))
    items = tuple(dict.fromkeys(i for t in tasks for i in t.items))
    rules = campaign.teams
    overrides = [rules.tasks.get(t.id, TaskTeam()) for t in tasks]
    team = TaskTeam(
        min_officers=max(o.min_officers or rules.min_officers for o in overrides),
        officers_per_department=max(
            o.officers_per_department or campaign.officers_per_department(t)
            for o, t in zip(overrides, tasks, strict=True)
        ),
        experts=max(rules.experts if o.experts is None else o.experts for o in overrides),
        expert_qualifications=tuple(dict.fromkeys(q for o in overrides for q in o.expert_qualifications)),
    )
    joint = tasks[0].model_copy(
        update={"id": "+".join(t.id for t in tasks), "name": "；".join(t.name for t in tasks),
                "departments": departments, "items": items}
    )  # fmt: skip
    return joint, team


def visit_targets(
    sample: pd.DataFrame, campaign: Campaign, plan_id: str, batch: str | None
) -> tuple[Campaign, pd.DataFrame, dict[str, tuple[str, ...]]]:
    """The visits of a sample: one target per entity, staffed for every task that drew it.

    Returns the campaign the team solver reads (a joint task ``T1+T2`` for each combination of
    tasks that share entities, with the union of departments and items and the strictest
    quorum), the targets (``uscc, task_id, departments, division, visit``) and, per target
    task id, the tasks it stands for. Raises `PolicyError` for a task the campaign lacks.
    """
    order = {t.id: n for n, t in enumerate(campaign.tasks)}
    codes = normalize_ids(sample["uscc"].astype("string").fillna("")).tolist()
    tasks = sample["task_id"].astype("string").fillna("").str.strip().tolist()
    unknown = sorted(set(tasks) - set(order))
    if unknown:
        raise PolicyError(f"the sample names task(s) {unknown} that campaign {plan_id!r} lacks")
    divisions = sample["division"].astype("string").fillna("").tolist() if "division" in sample else None
    by_entity: dict[str, list[str]] = {}
    division_of: dict[str, str] = {}
    for position, (code, task) in enumerate(zip(codes, tasks, strict=True)):
        by_entity.setdefault(code, []).append(task)
        division_of.setdefault(code, divisions[position] if divisions else "")
    joint: dict[str, tuple[str, ...]] = {t.id: (t.id,) for t in campaign.tasks}
    known: dict[str, Task] = {t.id: t for t in campaign.tasks}
    overrides = dict(campaign.teams.tasks)
    rows = []
    for code in sorted(by_entity):
        members = tuple(sorted(set(by_entity[code]), key=order.__getitem__))
        target = "+".join(members)
        if target not in known:
            known[target], overrides[target] = _joint_task(campaign, [known[t] for t in members])
            joint[target] = members
        departments = ";".join(known[target].departments)
        rows.append((code, target, departments, division_of[code], visit_id(plan_id, batch, code)))
    view = campaign.model_copy(
        update={"tasks": tuple(known.values()),
                "teams": campaign.teams.model_copy(update={"tasks": overrides})}
    )  # fmt: skip
    targets = pd.DataFrame(rows, columns=["uscc", "task_id", "departments", "division", "visit"])
    return view, targets, joint


def expand_teams(
    teams: pd.DataFrame, targets: pd.DataFrame, joint: Mapping[str, tuple[str, ...]], campaign: Campaign
) -> pd.DataFrame:
    """Teams per (entity, task) again, each row naming its visit: a joint team serves every task.

    An officer serves the tasks of the visit that involve the officer's department; an expert
    serves all of them. The rows are text, sorted by entity, task, role and officer.
    """
    visits = dict(zip(targets["uscc"], targets["visit"], strict=True))
    departments = {t.id: set(t.departments) for t in campaign.tasks}
    rows = []
    for row in teams.astype("string").fillna("").to_dict(orient="records"):
        expert = row.get("role", "") == "expert"
        for task in joint.get(row["task_id"], (row["task_id"],)):
            if expert or row["department"] in departments.get(task, set()):
                rows.append({**row, "task_id": task, "visit": visits.get(row["uscc"], "")})
    columns = [*teams.columns, "visit"]
    expanded = pd.DataFrame(rows, columns=columns).astype("string")
    keys = [c for c in ("uscc", "task_id", "role", "department", "inspector_id") if c in columns]
    return expanded.sort_values(keys, kind="stable", ignore_index=True)


def solver_teams(teams: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The team table `expand_teams` started from: one row per officer of each visit target.

    Every expanded row goes back to its visit's target task (``T1+T2``) without its ``visit``;
    the rows an officer had for each task of the visit then coincide and count once.
    """
    target_of = dict(zip(targets["uscc"], targets["task_id"], strict=True))
    rows = teams.astype("string").fillna("")
    codes = normalize_ids(rows["uscc"]).astype(str)
    solved = rows.drop(columns=[c for c in ("visit",) if c in rows.columns]).assign(
        uscc=codes.to_numpy(),
        task_id=[target_of.get(c, t) for c, t in zip(codes, rows["task_id"], strict=True)],
    )
    return solved.drop_duplicates(ignore_index=True)


def verify_visit_teams(
    teams: pd.DataFrame,
    sample: pd.DataFrame,
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame | None,
    campaign: Campaign,
    *,
    batch: str | None,
    **options: Any,
) -> Verification:
    """Check the teams of visits end to end: the solver's teams, then their expansion per task.

    The expanded ``teams`` (the table `assign` wrote) go back to one row per officer of each
    visit (`solver_teams`), which `dualrandom.assign.verify_teams` checks against the visit
    targets of ``sample`` (every rule; with ``seed`` in ``options``, recomputed row by row).
    Then the table must be exactly that team expanded again, each row naming its entity's
    visit (`visit_id`): a row the expansion does not give is ``team.not_recomputed``, one it
    lacks ``team.not_published``. ``campaign`` is the plan (with its batches); ``batch`` the
    manifest's (None for a plan drawn once). Raises `InputError` for bad input rows and
    `PolicyError` for a sample naming a task the plan lacks.
    """
    from .assign import verify_teams
    from .verification import Difference, Verification

    scope = batch_campaign(campaign, batch) if batch is not None else campaign
    view, targets, joint = visit_targets(sample, scope, campaign.plan.id, batch)
    solved = solver_teams(teams, targets)
    checked = verify_teams(solved, targets.drop(columns="visit"), inspectors, conflicts, view, **options)
    found = list(checked.differences)
    expected = expand_teams(solved, targets, joint, scope)
    published = {tuple(r) for r in teams.astype("string").fillna("").itertuples(index=False)}
    rebuilt = {
        tuple(r) for r in expected[list(teams.columns)].astype("string").fillna("").itertuples(index=False)
    }
    found += [
        Difference("team.not_recomputed", found=", ".join(map(str, r))) for r in sorted(published - rebuilt)
    ]
    found += [
        Difference("team.not_published", expected=", ".join(map(str, r))) for r in sorted(rebuilt - published)
    ]
    return Verification(f"teams of {len(targets)} visit(s)", tuple(found))
