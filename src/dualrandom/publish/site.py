"""The static HTML site of a bundle: index.html (Jinja2, autoescaped) plus site.js and site.css.

The results are embedded in index.html as JSON (no server, no CDN) in a compact, dictionary
encoded form, one record per visit (entity × task, with one entry per inspecting department, so
a joint check is one card); site.js filters them and renders one page at a time, so 100k rows
stay usable. A second embedded document, built from the public draw manifest, lets a visitor
compute an entity's ticket in the page and read what it means. The downloads for people
(results-zh.csv, results.xlsx) are written alongside (`dualrandom.publish.downloads`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from ..results import VOCABULARY, columns
from .downloads import write_downloads

if TYPE_CHECKING:
    from .bundle import Bundle

__all__ = ["check_data", "embed_json", "notice_view", "render_site", "site_data"]

_ASSETS = ("site.js", "site.css")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_OBJECTION_LABELS = {
    "authority": "受理机关",
    "contact": "受理机关",
    "department": "受理机关",
    "phone": "电话",
    "email": "电子邮箱",
    "address": "地址",
    "deadline": "提出期限",
    "deadline_days": "提出期限",
    "note": "说明",
}


def embed_json(data: Any) -> Markup:
    """JSON safe inside an HTML <script> element: <, >, & and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return Markup(text)  # every character that could end the element is escaped above


def _labels(combinations: set[str]) -> list[str]:
    present = {label for combination in combinations for label in combination.split(";")}
    labels = [t.label for t in VOCABULARY if t.label in present]
    return labels + sorted(present - set(labels))


def site_data(publication: Bundle) -> dict[str, Any]:
    """The results in the compact form site.js reads: lookup tables plus one record per visit.

    A visit is ``[uscc, name, task, [[authority, completed_on, items, [results], inspectors], ...]]``
    with one entry per inspecting department (several for a joint check), indexes into the
    lookup tables ``tasks`` ``[id, name]``, ``authorities``, ``items`` and ``results``;
    ``check`` is what the own-draw check needs (`check_data`).
    """
    wanted = ["uscc", "name", "task_id", "task_name", "authority", "items", "completed_on", "results"]
    uscc, name, task_id, task_name, authority, items, completed, results, inspectors = columns(
        publication.rows, [*wanted, "inspectors"]
    )
    tasks = sorted(set(zip(task_id, task_name, strict=True)))
    task_index = {t: k for k, t in enumerate(tasks)}
    authorities = sorted(set(authority))
    authority_index = {a: k for k, a in enumerate(authorities)}
    item_texts = sorted(set(items))
    item_index = {i: k for k, i in enumerate(item_texts)}
    labels = _labels(set(results))
    label_index = {label: k for k, label in enumerate(labels)}
    visits: dict[tuple[str, str], list[Any]] = {}
    for u, n, t, tn, a, i, d, r, p in zip(
        uscc, name, task_id, task_name, authority, items, completed, results, inspectors, strict=True
    ):
        visit = visits.setdefault((u, t), [u, n, task_index[(t, tn)], []])
        visit[3].append([authority_index[a], d, item_index[i], [label_index[x] for x in r.split(";")], p])
    return {
        "tasks": [list(t) for t in tasks],
        "authorities": authorities,
        "items": item_texts,
        "results": labels,
        "visits": list(visits.values()),
        "check": check_data(publication),
    }


def _thresholds(task: Mapping[str, Any]) -> list[str] | None:
    values = [s.get("threshold") for s in task.get("strata") or []]
    shown = [str(v) for v in values if v not in (None, "")]
    return shown if shown and len(shown) == len(values) else None


def check_data(publication: Bundle) -> dict[str, Any]:
    """What the page's own-draw check needs from the public manifest, per task.

    ``seed`` is the task's ticket seed; ``thresholds`` is None when the manifest publishes
    none (coordinated or tier-private draws); ``drawn`` lists the drawn codes, or is None when
    the manifest does not list them.
    """
    manifest = publication.manifest
    names = {t["id"]: t["name"] for t in publication.notices.get("tasks", [])}
    listed = "drawn" in manifest
    drawn: dict[str, list[str]] = {}
    for entry in manifest.get("drawn") or []:
        drawn.setdefault(str(entry["task_id"]), []).append(str(entry["uscc"]))
    return {
        "recipe": manifest.get("ticket_recipe"),
        "tasks": [
            {
                "id": str(task["task_id"]),
                "name": names.get(str(task["task_id"]), ""),
                "seed": task.get("task_seed"),
                "rule": task.get("rule", ""),
                "thresholds": _thresholds(task),
                "drawn": sorted(drawn.get(str(task["task_id"]), [])) if listed else None,
            }
            for task in manifest.get("tasks", [])
        ],
    }


def _period(value: Any) -> str:
    if isinstance(value, Mapping):
        start, end = value.get("start"), value.get("end")
        return f"{start} 至 {end}" if start and end else str(start or end or "")
    return str(value) if value else ""


def _objection(value: Any, authority: str) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        shown = []
        for key, text in value.items():
            if text:
                label = _OBJECTION_LABELS.get(str(key), str(key))
                shown.append((label, f"{text} 个工作日内" if key == "deadline_days" else str(text)))
        return shown
    if value:
        return [("异议受理", str(value))]
    return [("异议受理", f"对公示的检查结果有异议的，可向抽查机关（{authority}）提出。")]


def _observed(dates: list[str]) -> str:
    """The span of completion dates of published results, said to be that (no period given)."""
    shown = sorted(d for d in dates if d)
    return f"{shown[0]} 至 {shown[-1]}（据已公示结果的完成日期）" if shown else "未公布"


def notice_view(publication: Bundle) -> dict[str, Any]:
    """抽查时间, 对象范围 and the objection (异议) contact as the page shows them.

    Read from the notices when they carry ``plan.period`` (text or ``{start, end}``),
    ``plan.scope``, ``plan.objection`` (text or a mapping of authority or contact, phone, email,
    address, deadline or deadline_days) and per task ``period``, ``scope`` or ``completion_due``
    (the campaign file's fields, `dualrandom.models.Plan.notice` and `Task.notice`). When a
    field is absent the page says what it can: a task takes the plan's period, else the span of
    completion dates of the published results; "未公布" for a scope; the 抽查机关 as the place to
    object.
    """
    plan = publication.notices["plan"]
    task_ids, completed = columns(publication.rows, ["task_id", "completed_on"])
    dates_by_task: dict[str, list[str]] = {}
    for task_id, day in zip(task_ids, completed, strict=True):
        dates_by_task.setdefault(str(task_id), []).append(str(day))
    authority = str(plan.get("authority") or plan.get("initiating_department") or "")
    objection = plan.get("objection") or publication.notices.get("objection")
    planned = _period(plan.get("period"))
    tasks = {}
    for task in publication.notices.get("tasks", []):
        scope = task.get("scope")
        due = task.get("completion_due")
        tasks[task["id"]] = {
            "scope": "、".join(scope) if isinstance(scope, list | tuple) else str(scope or "未公布"),
            "period": _period(task.get("period"))
            or (f"{due} 前完成" if due else planned or _observed(dates_by_task.get(task["id"], []))),
        }
    return {
        "period": planned or _observed([str(d) for d in completed]),
        "scope": _period(plan.get("scope")),
        "objection": _objection(objection, authority),
        "tasks": tasks,
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dualrandom", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_site(publication: Bundle, directory: Path) -> None:
    """Write index.html, site.js, site.css and the downloads for people into ``directory``."""
    template = _environment().get_template("site.html")
    html = template.render(
        notices=publication.notices,
        view=notice_view(publication),
        manifest=publication.manifest,
        published_on=publication.published_on.isoformat(),
        count=len(publication.rows),
        data=embed_json(site_data(publication)),
    )
    (directory / "index.html").write_text(html, encoding="utf-8")
    assets = resources.files("dualrandom") / "templates"
    for name in _ASSETS:
        (directory / name).write_bytes((assets / name).read_bytes())
    write_downloads(publication, directory)
