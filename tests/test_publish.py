"""The publication bundle: content, privacy, escaping, determinism, atomicity and verification."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import _publish_data as data
from dualrandom.publish import (
    PUBLIC_COLUMNS,
    build_publication,
    csv_safe,
    mask_entity_names,
    mask_person,
    verify_bundle,
    write_bundle,
)
from dualrandom.publish.site import embed_json, site_data
from dualrandom.results import import_results

CAMPAIGN = data.campaign()
ROSTER = data.roster()
SAMPLE = data.draw(ROSTER, CAMPAIGN)
RESULTS = import_results(data.results(SAMPLE, CAMPAIGN), CAMPAIGN, SAMPLE)
PUBLISHED_ON = date(2026, 10, 20)
TESTS = Path(__file__).resolve().parent


def build(
    roster: pd.DataFrame = ROSTER, sample: pd.DataFrame = SAMPLE, results: pd.DataFrame = RESULTS
) -> Any:
    return build_publication(
        CAMPAIGN,
        sample,
        results,
        roster,
        published_on=PUBLISHED_ON,
        seed=data.SEED,
        teams=data.teams(sample),
        inspectors=data.inspectors(),
        roster_digest="ab" * 32,
    )


def texts(directory: Path) -> dict[str, str]:
    """Every text file of a bundle (results.xlsx is a zip: tests/test_site_downloads.py reads it)."""
    return {
        p.name: p.read_text(encoding="utf-8-sig") for p in sorted(directory.iterdir()) if p.suffix != ".xlsx"
    }


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("publish") / "bundle"
    write_bundle(build(), directory)
    return directory


def test_mask_person_and_entity_names() -> None:
    assert [mask_person(n) for n in ["张三", "欧阳娜娜", "李", ""]] == ["张*", "欧***", "李", ""]
    names = pd.Series(
        ["张伟便利店", "李娜", "王芳商贸有限公司", "襄阳市樊城区刘洋小吃店", "老街面馆", "赵敏", "面馆"]
    )
    kinds = pd.Series(
        ["individual", "individual", "enterprise", "individual", "individual", "individual", "individual"]
    )
    operators = pd.Series(["张伟", "", "王芳", "刘洋", "陈静", "赵敏", None])
    assert mask_entity_names(names, kinds, operators).tolist() == [
        "张*便利店",
        "李*",
        "王芳商贸有限公司",
        "襄阳市樊城区刘*小吃店",
        "老街面馆",
        "赵*",
        "面*",
    ]
    assert mask_entity_names(names, kinds).tolist()[:2] == ["张伟便利店", "李*"]  # no operator known


def test_csv_safe_prefixes_formula_starts() -> None:
    frame = pd.DataFrame({"a": ["=1+1", "+x", "-2", "@SUM(A1)", "\tx", "\rx", "ok", "a=b"]})
    assert csv_safe(frame)["a"].tolist() == ["'=1+1", "'+x", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ok", "a=b"]


def test_bundle_files_and_columns(bundle: Path) -> None:
    assert sorted(p.name for p in bundle.iterdir()) == [
        "bundle.json",
        "index.html",
        "manifest.json",
        "notices.json",
        "results-zh.csv",
        "results.csv",
        "results.json",
        "results.xlsx",
        "site.css",
        "site.js",
    ]
    with open(bundle / "results.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == PUBLIC_COLUMNS
    checks = RESULTS.drop_duplicates(["uscc", "task_id", "department"])
    assert len(rows) == len(checks)
    published = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    assert published["count"] == len(rows) and published["published_on"] == "2026-10-20"
    t2 = next(r for r in published["results"] if r["task_id"] == "T2" and r["department"] == "FOOD")
    assert t2["items"] == "食品销售者持证和经营情况检查" and t2["authority"] == "食品安全监管科"
    assert t2["inspectors"] == "郑洁（42060003）"
    notices = json.loads((bundle / "notices.json").read_text(encoding="utf-8"))
    assert [t["drawn"] for t in notices["tasks"]] == [
        int((SAMPLE["task_id"] == t).sum()) for t in ("T1", "T2")
    ]
    assert notices["tasks"][1]["joint"] is True
    assert os.stat(bundle).st_mode & 0o777 == 0o755


def test_nothing_private_is_published(bundle: Path) -> None:
    everything = "\n".join(texts(bundle).values())
    for name in ROSTER.loc[ROSTER["entity_type"] != "individual", "name"]:
        everything = everything.replace(name, "")  # registered enterprise names are public
    individuals = ROSTER[ROSTER["entity_type"] == "individual"]
    for person in individuals["legal_rep"]:
        assert person not in everything, person
    for phone in data.inspectors()["phone"]:
        assert phone not in everything
    for name in ("results.json", "manifest.json", "notices.json", "bundle.json"):
        text = (bundle / name).read_text(encoding="utf-8")
        assert '"tier' not in text and '"score' not in text and "legal_rep" not in text
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert {k for d in manifest["drawn"] for k in d} == {"uscc", "task_id", "ticket"}
    for task in manifest["tasks"]:
        assert [s["label"] for s in task["strata"]] == [f"S{i}" for i in range(1, len(task["strata"]) + 1)]
        assert all(set(s) == {"label", "count", "threshold"} for s in task["strata"])


def test_hostile_fields_are_escaped(tmp_path: Path) -> None:
    roster = ROSTER.copy()
    hostile = '=cmd|"/c calc"!A1</script><script>alert(1)</script>&amp;\u2028'
    first = SAMPLE["uscc"].iloc[0]
    roster.loc[roster["uscc"] == first, ["name", "entity_type"]] = [hostile, "enterprise"]
    publication = build(roster=roster)
    write_bundle(publication, tmp_path / "b")
    html = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and html.count("</script>") == 2
    embedded = html.split('<script type="application/json" id="dr-data">')[1].split("</script>")[0]
    assert json.loads(embedded) == json.loads(json.dumps(site_data(publication)))
    assert str(embed_json({"x": "</script>&\u2028"})) == '{"x":"\\u003c/script\\u003e\\u0026\\u2028"}'
    with open(tmp_path / "b" / "results.csv", encoding="utf-8-sig", newline="") as handle:
        names = [r["name"] for r in csv.DictReader(handle) if r["uscc"] == first]
    assert names and all(n == "'" + hostile for n in names)


def test_bundle_is_deterministic_and_independent_of_row_order(tmp_path: Path) -> None:
    write_bundle(build(), tmp_path / "one")
    shuffled = build(
        roster=ROSTER.sample(frac=1, random_state=1),
        sample=SAMPLE.sample(frac=1, random_state=2),
        results=RESULTS.sample(frac=1, random_state=3),
    )
    write_bundle(shuffled, tmp_path / "two")
    assert texts(tmp_path / "one") == texts(tmp_path / "two")


def test_verify_fresh_bundle(bundle: Path) -> None:
    assert verify_bundle(bundle).ok


def _rehash(directory: Path) -> None:
    """What a careful forger does: recompute bundle.json after editing the files."""
    index = json.loads((directory / "bundle.json").read_text(encoding="utf-8"))
    for name in index["files"]:
        index["files"][name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    (directory / "bundle.json").write_text(json.dumps(index), encoding="utf-8")


def test_verify_names_an_edited_file(tmp_path: Path) -> None:
    write_bundle(build(), tmp_path / "b")
    path = tmp_path / "b" / "results.csv"
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 1
    path.write_bytes(bytes(raw))
    (tmp_path / "b" / "extra.txt").write_text("x")
    problems = verify_bundle(tmp_path / "b").lines()
    assert len(problems) == 2
    assert problems[0].startswith("results.csv: SHA-256 ")
    assert problems[1] == "extra.txt: present but not listed in bundle.json"


def test_verify_catches_a_forged_draw(tmp_path: Path) -> None:
    write_bundle(build(), tmp_path / "b")
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    # swap one drawn entity for a friend who was not drawn, with an honest ticket
    friend = sorted(set(ROSTER["uscc"]) - set(SAMPLE["uscc"]))[0]
    victim = manifest["drawn"][0]
    manifest["drawn"][0] = {
        "uscc": friend,
        "task_id": victim["task_id"],
        "ticket": data.ref_ticket(f"{data.SEED}/{victim['task_id']}", friend),
    }
    manifest["drawn"][1]["ticket"] = "0.5"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    _rehash(tmp_path / "b")
    problems = verify_bundle(tmp_path / "b").lines()
    second = manifest["drawn"][1]["uscc"]
    assert any(
        p.startswith(f"task {victim['task_id']}, entity {second}: published ticket 0.5 differs")
        for p in problems
    )
    assert any(
        f"entity {victim['uscc']} has a result for task {victim['task_id']} but was not drawn" in p
        for p in problems
    )


def test_verify_catches_a_lowered_threshold(tmp_path: Path) -> None:
    write_bundle(build(), tmp_path / "b")
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    stratum = manifest["tasks"][0]["strata"][-1]
    stratum["threshold"] = "0.0"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    _rehash(tmp_path / "b")
    problems = verify_bundle(tmp_path / "b").lines()
    assert any("is above every threshold" in p or "drawn ticket(s) lie under" in p for p in problems)


KILLED = """
import os, sys, time
sys.path.insert(0, {tests!r})
from datetime import date
import _publish_data as data
from dualrandom.publish import build_publication, write_bundle
from dualrandom.results import import_results
campaign = data.campaign(); roster = data.roster(); sample = data.draw(roster, campaign)
results = import_results(data.results(sample, campaign), campaign, sample)
day = date(2026, 11, 30)
publication = build_publication(campaign, sample, results, roster, published_on=day, seed=data.SEED)
def stall(temporary):
    open({marker!r}, "w").write(str(temporary))
    time.sleep(60)
write_bundle(publication, {target!r}, before_swap=stall)
"""


def test_kill_during_publish_keeps_the_previous_bundle(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    write_bundle(build(), target)
    before = texts(target)
    marker = tmp_path / "marker"
    script = KILLED.format(tests=str(TESTS), marker=str(marker), target=str(target))
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, "the publishing process ended early"
            assert time.monotonic() < deadline, "the publishing process never reached the swap"
            time.sleep(0.05)
        half_written = Path(marker.read_text())
        assert (half_written / "bundle.json").exists()  # everything was written, nothing swapped
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert texts(target) == before
    assert verify_bundle(target).ok
    write_bundle(build(), target)  # the next publish still works
    assert verify_bundle(target).ok
