"""The own-draw check in the page: WebCrypto tickets equal `dualrandom.tickets.ticket`, and the
page says what a ticket means against the task's published thresholds, or without them."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import _publish_data as data
import _site as site
from dualrandom.ids import normalize_id
from dualrandom.tickets import ticket

pytestmark = site.browser_only


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.fixture(scope="module")
def publication() -> Any:
    return site.publication()


@pytest.fixture(scope="module")
def pages(publication: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two bundles: as published today, and one whose manifest has no thresholds and no drawn list
    (a tier-private disclosure, where entities get receipts instead)."""
    private = copy.deepcopy(publication.manifest)
    for task in private["tasks"]:
        for stratum in task["strata"]:
            stratum["threshold"] = None
    del private["drawn"]
    root = tmp_path_factory.mktemp("check")
    full = site.write(publication, root / "full")
    hidden = site.write(dataclasses.replace(publication, manifest=private), root / "private")
    with (
        site.serve(full) as full_url,
        site.serve(hidden) as private_url,
        site.chromium("--host-resolver-rules=MAP bureau.example 127.0.0.1") as browser,
    ):
        page = browser.new_page(viewport={"width": 390, "height": 900})
        errors = site.watch(page)
        yield {"browser": browser, "page": page, "full": full_url, "private": private_url}
        assert errors == []


def _check(page: Any, url: str, typed: str) -> dict[str, dict[str, str]]:
    """Type a code into the check form; per task id, the shown ticket and what it means."""
    if page.url != url:
        page.goto(url)
    page.fill("#code", typed)
    page.click("#check-form button")
    page.wait_for_selector("#check-out .verdict")
    return {
        box.get_attribute("data-task"): {
            "ticket": box.locator(".ticket").inner_text(),
            "meaning": box.locator(".meaning").inner_text(),
        }
        for box in page.locator("#check-out .verdict").all()
    }


def test_the_page_ticket_equals_the_library(pages: dict[str, Any], publication: Any) -> None:
    page = pages["page"]
    page.goto(pages["full"])
    seeds = [t["task_seed"] for t in publication.manifest["tasks"]]
    cases = [
        ("01382438112797316654", "AB-130"),  # the known answer of docs/draw-spec.md
        (seeds[0], "91420602000000001X"),
        (seeds[1], "９１４２０６０２ＭＡ４ｋ１２３４５ｘ"),  # full-width, lower case: normalised first
        (seeds[1], "\u3000420602000012345 "),  # a 15-digit registration number with spaces
        ("种子/T1", "91420602MA4K12345X"),  # a seed outside ASCII
        (data.SEED, "ÄÖ-ß"),
    ]
    computed = page.evaluate(
        """async cases => {
          const out = [];
          for (const [seed, typed] of cases) {
            const code = window.dualrandom.normalizeCode(typed);
            out.push([code, await window.dualrandom.ticket(seed, code)]);
          }
          return out;
        }""",
        cases,
    )
    expected = [[normalize_id(c), ticket(s, normalize_id(c))] for s, c in cases]
    assert computed == expected
    assert computed[0][1] == (
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    )


def _thresholds(publication: Any, task_id: str) -> list[str]:
    task = next(t for t in publication.manifest["tasks"] if t["task_id"] == task_id)
    assert task["rule"] == "ticket <= threshold"
    return [s["threshold"] for s in task["strata"]]


def test_a_drawn_entity_typed_full_width(pages: dict[str, Any], publication: Any) -> None:
    drawn = [d for d in publication.manifest["drawn"] if d["task_id"] == "T1"]
    entry = drawn[len(drawn) // 2]
    shown = _check(pages["page"], pages["full"], " " + full_width(entry["uscc"].lower()) + " ")
    assert shown["T1"]["ticket"] == entry["ticket"] == ticket(f"{data.SEED}/T1", entry["uscc"])
    assert shown["T1"]["meaning"].startswith("该主体在本任务中被抽中")
    assert "符合公示的抽取规则" in shown["T1"]["meaning"]
    assert "已按规则转换为 " + entry["uscc"] in pages["page"].locator("#check-out").inner_text()


def test_the_command_line_the_page_suggests_gives_the_same_ticket(pages: dict[str, Any]) -> None:
    """The page prints the `dualrandom tickets` command with the task seed (not the plan seed)."""
    import shlex
    import subprocess
    import sys

    shown = _check(pages["page"], pages["full"], "91420602000000001X")
    for box in pages["page"].locator("#check-out .verdict").all():
        command = box.locator(".seed").first.inner_text().split("命令行核对：")[1]
        echo, tickets = command.split(" | ")
        argv = shlex.split(tickets)
        task_id = box.get_attribute("data-task")
        assert argv[:3] == ["dualrandom", "tickets", "--seed"] and argv[3] == f"{data.SEED}/{task_id}"
        run = subprocess.run(
            [sys.executable, "-m", "dualrandom", *argv[1:]],
            input=echo.removeprefix("echo ") + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        assert run.stdout.splitlines()[1].split(",") == [
            "91420602000000001X",
            shown[task_id]["ticket"],
        ]


def test_entities_not_drawn_get_a_plain_explanation(pages: dict[str, Any], publication: Any) -> None:
    roster = data.roster()
    thresholds = _thresholds(publication, "T1")
    drawn = {d["uscc"] for d in publication.manifest["drawn"] if d["task_id"] == "T1"}
    seed = f"{data.SEED}/T1"
    tickets = {u: ticket(seed, u) for u in roster["uscc"] if u not in drawn}
    codes = (data.uscc("enterprise", n) for n in range(10_000, 100_000))  # any code can be checked
    above = next(u for u in codes if all(ticket(seed, u) > x for x in thresholds))
    tickets[above] = ticket(seed, above)
    below = next(u for u, t in sorted(tickets.items()) if all(t <= x for x in thresholds))
    assert roster.loc[roster["uscc"] == below, "entity_type"].item() == "individual"  # outside T1's scope

    shown = _check(pages["page"], pages["full"], above)
    assert shown["T1"]["ticket"] == tickets[above]
    assert shown["T1"]["meaning"].startswith("该主体在本任务中未被抽中。其抽取号大于本任务所有层的阈值")
    assert "符合抽取规则" in shown["T1"]["meaning"]
    shown = _check(pages["page"], pages["full"], below)
    assert shown["T1"]["ticket"] == tickets[below]
    assert "不超过本任务所有层的阈值" in shown["T1"]["meaning"] and "对象范围" in shown["T1"]["meaning"]
    assert "异议" in shown["T1"]["meaning"]


def test_without_public_thresholds_the_ticket_is_compared_with_the_receipt(
    pages: dict[str, Any], publication: Any
) -> None:
    entry = publication.manifest["drawn"][0]
    shown = _check(pages["page"], pages["private"], entry["uscc"])
    for task_id, box in shown.items():
        assert box["ticket"] == ticket(f"{data.SEED}/{task_id}", entry["uscc"])
        assert box["meaning"].startswith("本公示未列出抽中名单。本公示未公开各层阈值")
        assert "回执" in box["meaning"]
    strata = pages["page"].locator("#verify table.strata").first.inner_text()
    assert "未公开" in strata


def test_a_short_code_is_flagged_and_an_empty_one_clears(pages: dict[str, Any]) -> None:
    page = pages["page"]
    _check(page, pages["full"], "9142")
    assert "18 位" in page.locator("#check-out .warning").inner_text()
    page.fill("#code", "  ")
    page.click("#check-form button")
    assert page.locator("#check-out").inner_text() == ""


def test_on_plain_http_the_page_points_to_the_command_line(pages: dict[str, Any]) -> None:
    """WebCrypto exists only in secure contexts: a bureau serving the page over http gets a clear note."""
    page = pages["browser"].new_page()
    errors = site.watch(page)
    page.goto(pages["full"].replace("127.0.0.1", "bureau.example"))  # not localhost: not secure
    assert page.evaluate("window.isSecureContext") is False
    page.fill("#code", "91420602000000001X")
    page.click("#check-form button")
    note = page.locator("#check-out .warning").inner_text()
    assert "dualrandom tickets --seed" in note and "https" in note
    assert page.locator("#results-table tbody").count() > 0  # the rest of the page works
    page.close()
    assert errors == []


def test_bernoulli_thresholds_are_ratios_compared_exactly(pages: dict[str, Any], tmp_path: Path) -> None:
    """Bernoulli draws publish the ratios (``ticket < ratio``), one of them written as 1e-05."""
    campaign = data.campaign()
    ratios = {"A": 0.00001, "B": 0.03, "C": 0.1, "D": 0.3}
    bernoulli = campaign.model_copy(
        update={"sampling": campaign.sampling.model_copy(update={"mode": "bernoulli", "ratios": ratios})}
    )
    publication = site.publication(campaign=bernoulli)
    task = next(t for t in publication.manifest["tasks"] if t["task_id"] == "T1")
    assert task["rule"] == "ticket < threshold"
    assert sorted(s["threshold"] for s in task["strata"]) == ["0.03", "0.1", "0.3", "1e-05"]
    directory = site.write(publication, tmp_path / "bundle")
    drawn = {d["uscc"] for d in publication.manifest["drawn"] if d["task_id"] == "T1"}
    seed = f"{data.SEED}/T1"
    codes = [data.uscc("enterprise", n) for n in range(10_000, 10_400)]
    above = next(u for u in codes if u not in drawn and ticket(seed, u) > "0.3")
    between = next(u for u in codes if u not in drawn and "0.1" < ticket(seed, u) < "0.3")
    with site.serve(directory) as url:
        page = pages["browser"].new_page()
        errors = site.watch(page)
        shown = _check(page, url, above)
        assert "大于本任务所有层的阈值" in shown["T1"]["meaning"]
        shown = _check(page, url, between)
        assert "介于各层阈值之间" in shown["T1"]["meaning"]
        page.close()
    assert errors == []
