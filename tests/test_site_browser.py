"""The static site in headless Chromium: search, filters, the shown count, escaping, 100k rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import _publish_data as data
import _site as site
from dualrandom.publish import build_publication, write_bundle
from dualrandom.results import import_results

pytestmark = site.browser_only


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    publication = site.publication()
    return site.write(publication, tmp_path_factory.mktemp("site") / "bundle"), publication


def visits(rows: Any) -> Any:
    """One row per visit (entity × task): what the page counts and shows as one card."""
    return rows.drop_duplicates(["uscc", "task_id"])


def test_search_filters_and_count(bundle: tuple[Path, Any]) -> None:
    from playwright.sync_api import expect

    rows = bundle[1].rows
    every = len(visits(rows))
    with site.serve(bundle[0]) as url, site.chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = site.watch(page)
        page.goto(url)
        count = page.locator("#count")
        expect(count).to_have_text(f"共 {every} 条检查结果")
        assert page.locator("#results-table tbody").count() == min(50, every)

        query = "便利店"
        page.fill("#q", query)
        expected = len(visits(rows[rows["name"].str.contains(query) | rows["uscc"].str.contains(query)]))
        assert 0 < expected < every
        expect(count).to_have_text(f"共 {expected} 条检查结果")
        for name in page.locator("#results-table td.name").all_inner_texts():
            assert query in name and "*" in name  # individual businesses: the operator is masked

        page.fill("#q", "")
        page.select_option("#result", label="发现问题经责令已改正")
        page.fill("#to", "2026-09-24")
        page.dispatch_event("#to", "change")
        chosen = rows["results"].str.split(";").map(lambda r: "发现问题经责令已改正" in r) & (
            rows["completed_on"] <= "2026-09-24"
        )
        expect(count).to_have_text(f"共 {len(visits(rows[chosen]))} 条检查结果")
        page.select_option("#dept", label="消防救援支队")
        chosen &= rows["authority"] == "消防救援支队"
        expect(count).to_have_text(f"共 {len(visits(rows[chosen]))} 条检查结果")
        page.click("#reset")
        expect(count).to_have_text(f"共 {every} 条检查结果")
        assert page.evaluate("location.search") == ""
        browser.close()
    assert errors == []


def test_hostile_and_bidi_names_are_text(bundle: tuple[Path, Any]) -> None:
    """Names are written as text: markup never runs, bidi controls stay inside their own cell."""
    from playwright.sync_api import expect

    from dualrandom.publish.privacy import clean_text

    rows = bundle[1].rows
    with site.serve(bundle[0]) as url, site.chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        errors = site.watch(page)
        page.goto(url)
        page.fill("#q", "onerror")
        hostile = len(visits(rows[rows["name"] == site.HOSTILE]))
        assert hostile >= 1
        expect(page.locator("td.name")).to_have_text([site.HOSTILE] * hostile)
        expect(page.locator("#count")).to_have_text(f"共 {hostile} 条检查结果")
        assert page.evaluate("window.pwned === undefined && document.images.length === 0")
        page.fill("#q", "反转")
        shown = clean_text(site.BIDI)  # publication strips bidi controls from every column
        assert shown != site.BIDI
        bidi = len(visits(rows[rows["name"] == shown]))
        assert bidi >= 1
        expect(page.locator("td.name")).to_have_text([shown] * bidi)
        # the override is isolated: the cell's own box holds it, the code cell reads left to right
        isolated = page.evaluate(
            "[...document.querySelectorAll('td.name')]"
            ".every(td => getComputedStyle(td).unicodeBidi === 'isolate')"
        )
        assert isolated
        codes = page.locator("td.code").all_text_contents()
        assert codes and all(c == c.strip() and c.isascii() for c in codes)
    assert errors == []


@pytest.mark.slow
def test_hundred_thousand_rows_stay_usable(tmp_path: Path) -> None:
    """100k published checks: the page loads, renders one page of 50 and searches quickly."""
    import importlib.util

    from playwright.sync_api import expect

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
    every = len(visits(rows))
    query = str(rows["uscc"].iloc[12_345])[-9:]
    found = rows["uscc"].str.contains(query, regex=False) | rows["name"].str.contains(query, regex=False)
    with site.chromium() as browser:
        page = browser.new_page()
        errors = site.watch(page)
        page.goto((tmp_path / "bundle" / "index.html").as_uri())  # file:// works too: no server needed
        count = page.locator("#count")
        expect(count).to_have_text(f"共 {every} 条检查结果", timeout=30_000)
        assert page.locator("#results-table tbody").count() == 50
        page.fill("#q", query)
        expect(count).to_have_text(f"共 {len(visits(rows[found]))} 条检查结果", timeout=10_000)
        page.select_option("#result", label="未发现问题")
        page.fill("#q", "")
        clear = rows["results"].str.split(";").map(lambda r: "未发现问题" in r)
        expect(count).to_have_text(f"共 {len(visits(rows[clear]))} 条检查结果", timeout=10_000)
    assert errors == []
