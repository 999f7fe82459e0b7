"""The annual statistics report (internal), computed from the campaign ledger.

Figures in the bureaus' own units: random checks (抽查次数) count tasks, one per task carried
out however many entities it visited; entity checks (户次) count entity × task. The joint share
and the share combined with credit tiers are shares of tasks, as Xiangyang reports them
(1,632 joint checks = 93.68 % of all random checks); a task is combined with credit tiers when
its ratios depend on the tier (read from the draw the ledger records). Then problems found per
tier, results by term and the on-time publication rate. The report is internal: it may show
tiers. Written as report.json and report.html.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import jinja2

from .atomic import write_text_atomic
from .results import PROBLEM_CODES, VOCABULARY

__all__ = ["LedgerReader", "annual_report", "write_report"]

_LABELS = {t.code: t.label for t in VOCABULARY}


class LedgerReader(Protocol):
    """The part of `dualrandom.ledger.Ledger` the report reads."""

    def records(self, campaign_id: str | None = None, kind: str | None = None) -> list[Any]: ...


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _latest_results(ledger: LedgerReader) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """Per (campaign, uscc, task, department): the rows of the latest results record naming it."""
    checks: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for record in sorted(ledger.records(kind="results"), key=lambda r: r.seq):
        fresh: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        columns = record.payload["columns"]
        for values in record.payload["rows"]:
            row = dict(zip(columns, values, strict=True))
            key = (record.campaign_id, row["uscc"], row["task_id"], row["department"])
            entry = fresh.setdefault(key, {**row, "codes": []})
            entry["codes"].append(row["result_code"])
        checks.update(fresh)
    return checks


def _first_publications(ledger: LedgerReader) -> dict[tuple[str, str, str, str], tuple[str, str | None]]:
    """Per check: (first publication date, due date)."""
    first: dict[tuple[str, str, str, str], tuple[str, str | None]] = {}
    for record in sorted(ledger.records(kind="publication"), key=lambda r: r.seq):
        published_on = record.payload["published_on"]
        columns = record.payload["columns"]
        for values in record.payload["published"]:
            row = dict(zip(columns, values, strict=True))
            key = (record.campaign_id, row["uscc"], row["task_id"], row["department"])
            if key not in first or published_on < first[key][0]:
                first[key] = (published_on, row["due_on"])
    return first


def _tiered_tasks(ledger: LedgerReader) -> dict[tuple[str, str], bool]:
    """Per (campaign, task) of the latest draw record: whether its ratios differ between tiers."""
    out: dict[tuple[str, str], bool] = {}
    for record in sorted(ledger.records(kind="draw"), key=lambda r: r.seq):
        policy = record.payload.get("policy") or {}
        ratios = (policy.get("sampling") or {}).get("ratios") or {}
        for task in policy.get("tasks") or []:
            own = (task.get("filters") or {}).get("ratios") or {}
            values = {float(own.get(tier, ratio)) for tier, ratio in ratios.items()}
            out[(record.campaign_id, str(task["id"]))] = len(values) > 1
    return out


def _triggered_campaigns(ledger: LedgerReader) -> set[str]:
    """Campaigns whose targets are triggered checks (a batch such as ``PLAN/W1``): no draw, not random."""
    drawn = {r.campaign_id for r in ledger.records(kind="draw")}
    listed = {r.campaign_id for r in ledger.records(kind="triggered_check") if "task_id" in r.payload}
    return listed - drawn


def _entity_checks(
    department_checks: dict[tuple[str, str, str, str], dict[str, Any]],
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Per (campaign, uscc, task): tier, joint flag and the union of every department's terms."""
    checks: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (campaign, uscc, task, _department), row in department_checks.items():
        entry = checks.setdefault(
            (campaign, uscc, task), {"tier": row["tier"], "joint": row["joint"], "codes": set()}
        )
        entry["codes"].update(row["codes"])
    return checks


def _task_counts(
    checks: dict[tuple[str, str, str], dict[str, Any]], tiered: dict[tuple[str, str], bool]
) -> dict[str, Any]:
    """抽查次数 by task: tasks carried out, joint ones, and those whose ratios depend on the tier."""
    tasks: dict[tuple[str, str], bool] = {}
    for (campaign, _uscc, task), entry in checks.items():
        tasks[(campaign, task)] = tasks.get((campaign, task), False) or bool(entry["joint"])
    total = len(tasks)
    joint = sum(tasks.values())
    combined = sum(1 for key in tasks if tiered.get(key))
    return {
        "random_checks": total,
        "joint_checks": joint,
        "joint_share": _share(joint, total),
        "tier_combined_checks": combined,
        "tier_combined_share": _share(combined, total),
        "tier_combined_unknown": sum(1 for key in tasks if key not in tiered),
    }


def _publication(
    department_checks: dict[tuple[str, str, str, str], dict[str, Any]], ledger: LedgerReader
) -> dict[str, Any]:
    """On-time publication of every department's check (first publication against its due date)."""
    published = _first_publications(ledger)
    on_time = overdue = unknown = unpublished = 0
    for key in department_checks:
        if key not in published:
            unpublished += 1
            continue
        published_on, due_on = published[key]
        if due_on is None:
            unknown += 1
        elif published_on <= due_on:
            on_time += 1
        else:
            overdue += 1
    return {
        "department_checks": len(department_checks),
        "published": on_time + overdue + unknown,
        "on_time": on_time,
        "overdue": overdue,
        "due_unknown": unknown,
        "unpublished": unpublished,
        "on_time_rate": _share(on_time, on_time + overdue),
    }


def annual_report(ledger: LedgerReader, year: int | None = None) -> dict[str, Any]:
    """Statistics of every check completed in ``year`` (all years when None) found in the ledger.

    ``random_checks`` (抽查次数) counts tasks carried out; ``entity_checks`` (户次) counts entity ×
    task (a joint check counts once); both leave out triggered checks (a batch of them, such as
    ``PLAN/W1``: not random), which ``triggered_checks`` counts as entity × task.
    ``joint_share`` and ``tier_combined_share`` are shares of tasks; a task is combined with
    credit tiers when its drawn ratios differ between tiers (a task without a draw record
    counts as not combined and in ``tier_combined_unknown``). Entities checked, problems,
    tiers, results and publication count every check, triggered ones included; a problem is
    found when any department's results contain a term of kind "problem"
    (`dualrandom.results.PROBLEM_CODES`). Never raises for a well-formed ledger.
    """
    department_checks = {
        key: row
        for key, row in _latest_results(ledger).items()
        if year is None or date.fromisoformat(row["completed_on"]).year == year
    }
    everything = _entity_checks(department_checks)
    triggered = _triggered_campaigns(ledger)
    checks = {key: entry for key, entry in everything.items() if key[0] not in triggered}
    tiers: dict[str, Counter[str]] = defaultdict(Counter)
    terms: Counter[str] = Counter()
    for entry in everything.values():
        tier = entry["tier"] or "(none)"
        tiers[tier]["checks"] += 1
        tiers[tier]["problems"] += bool(entry["codes"] & PROBLEM_CODES)
        terms.update(entry["codes"])
    by_department = Counter(key[3] for key in department_checks)
    entity_checks = len(checks)
    joint_entities = sum(1 for entry in checks.values() if entry["joint"])
    problems = sum(c["problems"] for c in tiers.values())
    return {
        "year": year,
        "campaigns": sorted({key[0] for key in everything}),
        **_task_counts(checks, _tiered_tasks(ledger)),
        "entity_checks": entity_checks,
        "triggered_checks": len(everything) - entity_checks,
        "entities_checked": len({key[1] for key in everything}),
        "joint_entity_checks": joint_entities,
        "joint_entity_share": _share(joint_entities, entity_checks),
        "problems_found": problems,
        "problem_rate": _share(problems, len(everything)),
        "tiers": [
            {
                "tier": tier,
                "checks": c["checks"],
                "problems": c["problems"],
                "problem_rate": _share(c["problems"], c["checks"]),
            }
            for tier, c in sorted(tiers.items())
        ],
        "departments": [{"department": d, "checks": n} for d, n in sorted(by_department.items())],
        "results": [
            {"code": code, "label": _LABELS.get(code, code), "checks": n} for code, n in sorted(terms.items())
        ],
        "publication": _publication(department_checks, ledger),
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def write_report(report: dict[str, Any], directory: str | Path) -> list[Path]:
    """Write report.json and report.html into ``directory`` (each atomically)."""
    target = Path(directory)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("dualrandom", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["pct"] = _percent
    html = environment.get_template("report.html").render(report=report)
    paths = [target / "report.json", target / "report.html"]
    write_text_atomic(paths[0], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    write_text_atomic(paths[1], html)
    return paths
