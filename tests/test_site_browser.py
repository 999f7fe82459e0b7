"""The static site in headless Chromium: search, filters and the shown count, no console errors."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import _publish_data as data
from dualrandom.publish import build_publication, write_bundle
from dualrandom.results import import_results

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed"
    ),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    campaign = data.campaign()
    roster = data.roster()
    roster.loc[0, "name"] = HOSTILE
    sample = data.draw(roster, campaign)
    results = import_results(data.results(sample, campaign), campaign, sample)
    publication = build_publication(
        campaign,
        sample,
        results,
        roster,
        published_on=date(2026, 10, 20),
        seed=data.SEED,
        teams=data.teams(sample),
        inspectors=data.inspectors(),
    )
    directory = tmp_path_factory.mktemp("site") / "bundle"
    write_bundle(publication, directory)
    return directory, publication


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(bundle: tuple[Path, object]) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(bundle[0]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()
    thread.join(timeout=10)


def test_search_filters_and_count(bundle: tuple[Path, object], server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    rows = bundle[1].rows  # type: ignore[attr-defined]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server)
        count = page.locator("#count")
        assert count.inner_text() == f"共 {len(rows)} 条结果"
        assert page.locator("#rows tr").count() == min(50, len(rows))

        query = "便利店"
        page.fill("#q", query)
        expected = int((rows["name"].str.contains(query) | rows["uscc"].str.contains(query)).sum())
        assert 0 < expected < len(rows)
        expect(count).to_have_text(f"共 {expected} 条结果")
        for name in page.locator("#rows tr td:nth-child(2)").all_inner_texts():
            assert query in name and "*" in name  # individual businesses: the operator is masked

        page.fill("#q", "")
        page.select_option("#result", label="发现问题经责令已改正")
        page.fill("#to", "2026-09-24")
        page.dispatch_event("#to", "change")
        chosen = rows["results"].str.split(";").map(lambda r: "发现问题经责令已改正" in r) & (
            rows["completed_on"] <= "2026-09-24"
        )
        expect(count).to_have_text(f"共 {int(chosen.sum())} 条结果")
        page.click("#reset")
        expect(count).to_have_text(f"共 {len(rows)} 条结果")
        page.fill("#q", "onerror")  # the hostile name is shown as text, never run
        hostile = int(rows["name"].str.contains("onerror", regex=False).sum())
        assert hostile >= 1
        expect(count).to_have_text(f"共 {hostile} 条结果")
        assert page.locator("#rows tr td:nth-child(2)").all_inner_texts() == [HOSTILE] * hostile
        assert page.evaluate("window.pwned === undefined")
        page.fill("#q", "")
        expect(count).to_have_text(f"共 {len(rows)} 条结果")
        page.screenshot(path="/tmp/dualrandom-site.png", full_page=False)
        browser.close()
    assert errors == []


@pytest.mark.slow
def test_hundred_thousand_rows_stay_usable(tmp_path: Path) -> None:
    """100k published checks: the page loads, renders one page of 50 and searches quickly."""
    import importlib.util

    from playwright.sync_api import expect, sync_playwright

    spec = importlib.util.spec_from_file_location(
        "bench_publish", data.ROOT / "benchmarks" / "bench_publish.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    campaign = data.campaign()
    roster, sample, raw = bench.inputs(100_000)
    results = import_results(raw, campaign, sample)
    publication = build_publication(
        campaign, sample, results, roster, published_on=date(2026, 10, 20), seed=bench.SEED
    )
    write_bundle(publication, tmp_path / "bundle")
    rows = publication.rows
    query = str(rows["uscc"].iloc[12_345])[-9:]
    found = rows["uscc"].str.contains(query, regex=False) | rows["name"].str.contains(query, regex=False)
    expected = int(found.sum())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((tmp_path / "bundle" / "index.html").as_uri())  # file:// works too: no server needed
        count = page.locator("#count")
        expect(count).to_have_text("共 100000 条结果", timeout=30_000)
        assert page.locator("#rows tr").count() == 50
        page.fill("#q", query)
        expect(count).to_have_text(f"共 {expected} 条结果", timeout=10_000)
        page.select_option("#result", label="未发现问题")
        page.fill("#q", "")
        clear = int(rows["results"].str.split(";").map(lambda r: "未发现问题" in r).sum())
        expect(count).to_have_text(f"共 {clear} 条结果", timeout=10_000)
        browser.close()
    assert errors == []
