"""The static HTML site of a bundle: index.html (Jinja2, autoescaped) plus site.js and site.css.

The results are embedded in index.html as JSON (no server, no CDN) in a compact, dictionary
encoded form; site.js filters them and renders one page at a time, so 100k rows stay usable.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from ..results import VOCABULARY, columns

if TYPE_CHECKING:
    from .bundle import Publication

__all__ = ["embed_json", "render_site", "site_data"]

_ASSETS = ("site.js", "site.css")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def embed_json(data: Any) -> Markup:
    """JSON safe inside an HTML <script> element: <, >, & and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return Markup(text)  # every character that could end the element is escaped above


def site_data(publication: Publication) -> dict[str, Any]:
    """The rows in the compact form site.js reads (lookup tables plus index arrays)."""
    uscc, name, task, authority, items, completed, results, inspectors = columns(
        publication.rows,
        ["uscc", "name", "task_name", "authority", "items", "completed_on", "results", "inspectors"],
    )
    authorities = sorted(set(authority))
    authority_index = {a: k for k, a in enumerate(authorities)}
    check_index: dict[tuple[str, str, str], int] = {}
    for check in zip(task, authority, items, strict=True):
        check_index.setdefault(check, len(check_index))
    combinations = set(results)
    present = {label for combination in combinations for label in combination.split(";")}
    labels = [t.label for t in VOCABULARY if t.label in present]
    labels += sorted(present - set(labels))
    label_index = {label: k for k, label in enumerate(labels)}
    encoded = {c: [label_index[label] for label in c.split(";")] for c in combinations}
    return {
        "authorities": authorities,
        "results": labels,
        "checks": [[t, authority_index[a], i] for t, a, i in check_index],
        "rows": [
            [u, n, check_index[(t, a, i)], d, encoded[r], p]
            for u, n, t, a, i, d, r, p in zip(
                uscc, name, task, authority, items, completed, results, inspectors, strict=True
            )
        ],
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dualrandom", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_site(publication: Publication, directory: Path) -> None:
    """Write index.html, site.js and site.css into ``directory``."""
    template = _environment().get_template("site.html")
    html = template.render(
        notices=publication.notices,
        manifest=publication.manifest,
        published_on=publication.published_on.isoformat(),
        count=len(publication.rows),
        data=embed_json(site_data(publication)),
    )
    (directory / "index.html").write_text(html, encoding="utf-8")
    assets = resources.files("dualrandom") / "templates"
    for name in _ASSETS:
        (directory / name).write_bytes((assets / name).read_bytes())
