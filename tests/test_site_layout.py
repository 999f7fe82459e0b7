"""The page on phones and desktops, measured in headless Chromium at 360–414 and 1280 px.

Every property is measured in the browser: horizontal overflow, text sizes, how names wrap,
contrast of every text against its background, labels, keyboard use. The 390 px screenshot in
docs/img/site-390.png is written by ``DUALRANDOM_SCREENSHOTS=docs/img pytest tests/test_site_layout.py``.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import _site as site

pytestmark = site.browser_only

WIDTHS = [360, 390, 414, 1280]
MIN_TEXT_PX = 14.0
MIN_CONTRAST = 4.5

# Every visible element with its own text (or a ::before label): its font size and the contrast
# of its colour against the first opaque background behind it.
_TEXTS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || box.width <= 1 || box.height <= 1) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT"].includes(el.tagName)) continue;
    if (el.closest(".visually-hidden, .skip")) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const label = getComputedStyle(el, "::before").content;
    const before = label && label !== "none" ? getComputedStyle(el, "::before") : null;
    for (const [kind, s] of [["text", own ? style : null], ["label", before]]) {
      if (!s) continue;
      const fg = lum(rgb(s.color)), bg = lum(background(el));
      out.push({tag: el.tagName + (el.id ? "#" + el.id : "") + "." + el.className, kind,
                size: parseFloat(s.fontSize),
                contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)});
    }
  }
  return out;
}"""

# Per name cell: characters, rendered line boxes and width of the text, and the font size.
_NAMES = """() => [...document.querySelectorAll("#results-table td.name")].map(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return {text: td.textContent, chars: [...td.textContent].length, lines: lines.size,
          width: range.getBoundingClientRect().width, size: parseFloat(getComputedStyle(td).fontSize),
          right: td.getBoundingClientRect().right};
})"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    publication = site.publication()
    return site.write(publication, tmp_path_factory.mktemp("layout") / "bundle"), publication


@pytest.fixture(scope="module")
def browser(bundle: tuple[Path, Any]) -> Any:
    with site.serve(bundle[0]) as url, site.chromium() as chromium:
        chromium.dualrandom_url = url
        yield chromium


def _open(browser: Any, width: int, query: str = "") -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = site.watch(page)
    page.goto(browser.dualrandom_url + query)
    page.wait_for_selector("#results-table tbody")
    return page, errors


def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", data[16:20])[0])


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_scroll(browser: Any, width: int) -> None:
    page, errors = _open(browser, width)
    page.fill("#code", "91420602000000001X")
    page.click("#check-form button")
    page.wait_for_selector("#check-out .ticket")  # the long ticket numbers are on the page too
    scroll, client = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert client == width and scroll <= client
    widest = page.evaluate(
        "Math.max(...[...document.body.querySelectorAll('*')].map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= width + 0.5
    shot = page.screenshot(full_page=True)  # the screenshot is as wide as the window: nothing sticks out
    assert _png_width(shot) == width
    page.close()
    assert errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_text_sizes_and_contrast(browser: Any, width: int) -> None:
    page, errors = _open(browser, width)
    texts = page.evaluate(_TEXTS)
    assert len(texts) > 100
    small = [t for t in texts if t["size"] < MIN_TEXT_PX]
    assert small == []
    faint = [t for t in texts if t["contrast"] < MIN_CONTRAST]
    assert faint == []
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.close()
    assert errors == []


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_names_are_never_one_character_per_line(browser: Any, width: int) -> None:
    page, errors = _open(browser, width, "?q=" + quote("长长长"))  # the long name
    page.wait_for_function("() => document.querySelectorAll('#results-table td.name').length === 1")
    names = page.evaluate(_NAMES)
    page.goto(browser.dualrandom_url)
    page.wait_for_selector("#results-table tbody")
    names += page.evaluate(_NAMES)
    assert site.LONG_NAME in {n["text"] for n in names} and len(names) > 20
    for name in names:
        assert name["right"] <= width
        if name["chars"] >= 4:
            assert name["width"] > 4 * name["size"], name  # a cell wider than one character
            assert name["chars"] / name["lines"] >= 4, name  # at least four characters per line
    page.close()
    assert errors == []


def test_inputs_have_labels_and_the_page_works_from_the_keyboard(browser: Any) -> None:
    from playwright.sync_api import expect

    page, errors = _open(browser, 390)
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select')].filter(e => !e.labels.length).map(e => e.id)"
    )
    assert unlabelled == []
    assert page.evaluate("[...document.querySelectorAll('button')].every(b => b.textContent.trim())")
    # shown as cards, the results keep their table semantics in Chromium's accessibility tree
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    roles = [n.get("role", {}).get("value") for n in tree if not n.get("ignored")]
    names = [str(n.get("name", {}).get("value", "")) for n in tree if not n.get("ignored")]
    display = page.evaluate("getComputedStyle(document.querySelector('#results-table td')).display")
    assert display != "table-cell"
    assert roles.count("table") >= 1 and roles.count("cell") >= page.locator("#results-table td").count()
    assert "搜索名称或统一社会信用代码" in names  # the search box is named by its label
    every = page.locator("#count").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到抽查结果"
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
        if order[-1] == "q":
            break
    assert order[-1] == "q"
    page.keyboard.type("便利店")
    expect(page.locator("#count")).not_to_have_text(every)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reset"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert not page.evaluate("document.getElementById('more').open")  # on a phone the filters fold away
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "task"
    page.keyboard.press("ArrowDown")  # a keyboard choice of the first task filters the results
    expect(page).to_have_url(re.compile(r"[?&]task=T1"))
    page.focus("#code")
    page.keyboard.type("91420602000000001X")
    page.keyboard.press("Enter")
    page.wait_for_selector("#check-out .ticket")
    assert page.locator("#check-out .verdict").count() == 2
    assert page.evaluate("getComputedStyle(document.querySelector('#code')).outlineStyle") != "none"
    page.close()
    assert errors == []


def test_screenshot_at_390(browser: Any, bundle: tuple[Path, Any], tmp_path: Path) -> None:
    """The first screen on a phone, showing a joint check found by its code (the docs' picture)."""
    rows = bundle[1].rows
    visits = rows.drop_duplicates(["uscc", "task_id"])
    only_t2 = visits.groupby("uscc")["task_id"].agg(lambda t: list(t) == ["T2"])
    joint = sorted(only_t2[only_t2].index)[0]  # an individual business: a joint check, name masked
    page, errors = _open(browser, 390, f"?q={joint}")
    page.wait_for_function("() => document.querySelectorAll('#results-table tbody').length === 1")
    page.locator("#results").scroll_into_view_if_needed()
    directory = Path(os.environ.get("DUALRANDOM_SCREENSHOTS", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(directory / "site-390.png"), full_page=False)
    assert _png_width(shot) == 390
    page.close()
    assert errors == []
