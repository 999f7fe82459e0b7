"""Helpers of the page tests: a small bundle with hostile names, a local server, Debian's chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import _publish_data as data
from dualrandom.publish import build_publication, write_bundle
from dualrandom.results import import_results

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>'
BIDI = "\u202e反转\u2066名称\u2069商贸有限公司"  # right-to-left override and isolates
LONG_NAME = "襄阳市樊城区" + "长" * 40 + "商贸有限责任公司"

browser_only = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed"
    ),
]


def publication(campaign: Any = None, **changes: Any) -> Any:
    """The test campaign's publication; three drawn enterprises get a hostile, a bidi and a long name."""
    campaign = campaign or data.campaign()
    roster = data.roster()
    sample = data.draw(roster, campaign)
    drawn = set(sample["uscc"])
    chosen = roster.index[(roster["entity_type"] == "enterprise") & roster["uscc"].isin(drawn)][:3]
    roster.loc[chosen, "name"] = [HOSTILE, BIDI, LONG_NAME]
    results = import_results(data.results(sample, campaign), campaign, sample)
    return build_publication(
        campaign,
        sample,
        results,
        roster,
        published_on=date(2026, 10, 20),
        seed=data.SEED,
        teams=data.teams(sample),
        inspectors=data.inspectors(),
        **changes,
    )


def write(publication: Any, directory: Path) -> Path:
    write_bundle(publication, directory)
    return directory


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """The bundle on http://127.0.0.1 (a secure context, as file:// is): yields index.html's URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium(*extra: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, *extra])
        try:
            yield browser
        finally:
            browser.close()


def watch(page: Any) -> list[str]:
    """Console errors and warnings and uncaught exceptions of ``page``, collected as they come."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
