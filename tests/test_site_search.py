"""Search and filters kept in the URL: shared links, full-width codes, back button, joint visits."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import _site as site

pytestmark = site.browser_only


def full_width(text: str) -> str:
    """The code as typed with a Chinese input method: full-width forms (９１４２…)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    publication = site.publication()
    return site.write(publication, tmp_path_factory.mktemp("search") / "bundle"), publication


@pytest.fixture(scope="module")
def browser(bundle: tuple[Path, Any]) -> Any:
    with site.serve(bundle[0]) as url, site.chromium() as chromium:
        chromium.dualrandom_url = url
        yield chromium


def _visits(rows: Any) -> Any:
    return rows.drop_duplicates(["uscc", "task_id"])


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.mark.parametrize("width", [390, 1280])
def test_full_width_lower_case_code_from_the_url(browser: Any, bundle: tuple[Path, Any], width: int) -> None:
    from playwright.sync_api import expect

    rows = bundle[1].rows
    code = next(u for u in sorted(rows["uscc"]) if not u[-1].isdigit())  # a code ending in a letter
    typed = "\u3000" + full_width(code.lower()) + " "
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = site.watch(page)
    page.goto(browser.dualrandom_url + "?q=" + quote(typed))
    expected = _visits(rows[rows["uscc"] == code])
    expect(page.locator("#count")).to_have_text(f"共 {len(expected)} 条检查结果")
    assert page.locator("#q").input_value() == typed
    assert page.locator("td.code").all_inner_texts() == [code] * len(expected)
    tasks = zip(expected["task_name"], expected["task_id"], strict=True)
    assert sorted(page.locator("td.task").all_inner_texts()) == sorted(
        n + ("（联合检查）" if t == "T2" else "") for n, t in tasks
    )
    page.goto(browser.dualrandom_url + "?q=" + quote(full_width(code[-8:].lower())))  # a part of it
    part = _visits(rows[rows["uscc"].str.contains(code[-8:], regex=False)])
    expect(page.locator("#count")).to_have_text(f"共 {len(part)} 条检查结果")
    page.close()
    assert errors == []


def test_a_shared_link_reproduces_the_search(browser: Any, bundle: tuple[Path, Any]) -> None:
    from playwright.sync_api import expect

    rows = bundle[1].rows
    page = browser.new_page(viewport={"width": 390, "height": 900})
    errors = site.watch(page)
    page.goto(browser.dualrandom_url)
    page.locator("#more summary").click()
    page.select_option("#dept", label="食品安全监管科")
    page.select_option("#result", label="未发现问题")
    page.fill("#from", "2026-09-22")
    page.dispatch_event("#from", "change")
    chosen = (
        (rows["authority"] == "食品安全监管科")
        & rows["results"].str.split(";").map(lambda r: "未发现问题" in r)
        & (rows["completed_on"] >= "2026-09-22")
    )
    expected = f"共 {len(_visits(rows[chosen]))} 条检查结果"
    expect(page.locator("#count")).to_have_text(expected)
    assert _query(page) == {"dept": ["食品安全监管科"], "result": ["未发现问题"], "from": ["2026-09-22"]}
    link = page.url
    shown = page.locator("td.code").all_inner_texts()

    other = browser.new_page(viewport={"width": 1280, "height": 900})  # someone opens the link
    other.goto(link)
    expect(other.locator("#count")).to_have_text(expected)
    assert other.locator("td.code").all_inner_texts() == shown
    assert other.locator("#dept").input_value() == "食品安全监管科"
    assert other.locator("#from").input_value() == "2026-09-22"
    assert other.evaluate("document.getElementById('more').open")
    other.close()
    page.close()
    assert errors == []


def test_pages_and_the_back_button(browser: Any, bundle: tuple[Path, Any]) -> None:
    from playwright.sync_api import expect

    rows = bundle[1].rows
    every = len(_visits(rows))
    assert every > 50
    page = browser.new_page(viewport={"width": 390, "height": 900})
    errors = site.watch(page)
    page.goto(browser.dualrandom_url)
    count = page.locator("#count")
    start = page.evaluate("history.length")
    page.locator("#q").press_sequentially("便利店", delay=250)  # typing makes one history entry
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '便利店'")
    found = len(_visits(rows[rows["name"].str.contains("便利店")]))
    expect(count).to_have_text(f"共 {found} 条检查结果")
    assert _query(page) == {"q": ["便利店"]}
    assert page.evaluate("history.length") == start + 1
    page.locator("#more summary").click()
    page.select_option("#task", "T2")
    t2 = len(_visits(rows[rows["name"].str.contains("便利店") & (rows["task_id"] == "T2")]))
    expect(count).to_have_text(f"共 {t2} 条检查结果")
    page.go_back()
    expect(count).to_have_text(f"共 {found} 条检查结果")
    assert page.locator("#task").input_value() == "" and page.locator("#q").input_value() == "便利店"
    page.go_back()
    expect(count).to_have_text(f"共 {every} 条检查结果")
    assert page.locator("#q").input_value() == ""
    page.click("#next")
    expect(page.locator("#page")).to_have_text(f"第 2 / {-(-every // 50)} 页")
    assert _query(page) == {"p": ["2"]}
    page.reload()
    expect(page.locator("#page")).to_have_text(f"第 2 / {-(-every // 50)} 页")
    page.go_back()
    expect(page.locator("#page")).to_have_text(f"第 1 / {-(-every // 50)} 页")
    page.close()
    assert errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_a_joint_visit_is_one_card_with_department_names(
    browser: Any, bundle: tuple[Path, Any], width: int
) -> None:
    from playwright.sync_api import expect

    rows = bundle[1].rows
    joint = rows[rows["task_id"] == "T2"]
    code = sorted(joint["uscc"])[0]
    assert sorted(joint.loc[joint["uscc"] == code, "department"]) == ["FIRE", "FOOD"]
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = site.watch(page)
    page.goto(f"{browser.dualrandom_url}?q={code}&task=T2")
    expect(page.locator("#count")).to_have_text("共 1 条检查结果")
    cards = page.locator("#results-table tbody")
    assert cards.count() == 1 and page.locator("td.code").all_inner_texts() == [code]
    assert sorted(cards.locator("td.dept").all_inner_texts()) == ["消防救援支队", "食品安全监管科"]
    card = cards.first.bounding_box()
    assert card is not None
    for cell in cards.locator("td.dept").all():  # both departments inside the one card
        box = cell.bounding_box()
        assert box is not None
        assert card["y"] <= box["y"] and box["y"] + box["height"] <= card["y"] + card["height"]
    text = page.locator("#results-table").inner_text()
    assert not any(department in text.split() for department in ("FOOD", "FIRE", "SAMR"))
    page.close()
    assert errors == []


def test_opened_from_disk_the_url_state_and_the_check_work(browser: Any, bundle: tuple[Path, Any]) -> None:
    """file://, no server and no network: the query string, history and WebCrypto all work."""
    from playwright.sync_api import expect

    rows = bundle[1].rows
    context = browser.new_context(offline=True)
    page = context.new_page()
    errors = site.watch(page)
    page.goto((bundle[0] / "index.html").as_uri() + "?q=" + quote("便利店"))
    found = len(_visits(rows[rows["name"].str.contains("便利店")]))
    expect(page.locator("#count")).to_have_text(f"共 {found} 条检查结果")
    page.fill("#q", "有限公司")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '有限公司'")
    page.go_back()
    expect(page.locator("#count")).to_have_text(f"共 {found} 条检查结果")
    page.fill("#code", rows["uscc"].iloc[0])
    page.click("#check-form button")
    expect(page.locator("#check-out .ticket")).to_have_count(2)
    assert page.url.startswith("file://")
    context.close()
    assert errors == []
