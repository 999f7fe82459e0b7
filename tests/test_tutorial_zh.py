"""The Chinese tutorial runs as written, in an empty directory, and keeps up with the English one.

docs/zh/tutorial.md is written for bureau operators: the command line speaks Chinese from its
first block on, and its rosters, history and results are Chinese-headed, GB18030-encoded exports
with Chinese result terms. Its commands must cover every step (command and option) that
docs/tutorial.md uses, chapter by chapter, and the Chinese inputs must lead to the same
classification, teams and publication as the system-format files they were made from.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dualrandom.ledger import Ledger
from dualrandom.results import VOCABULARY, result_code
from dualrandom.schema import table_spec

DOCS = Path(__file__).parents[1] / "docs"
ENGLISH = DOCS / "tutorial.md"
CHINESE = DOCS / "zh" / "tutorial.md"
GROUPS = ("results", "ledger")  # commands whose first argument is a subcommand
EXPORTS = {"检查对象名录.csv": "entities", "执法检查人员名录.csv": "inspectors", "回避申报.csv": "conflicts",
           "检查记录.csv": "history", "检查结果.csv": "results", "检查结果-B2.csv": "results"}  # fmt: skip


def blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def chapters(path: Path) -> dict[int, str]:
    """Chapter number -> the chapter's text (from its ``## N.`` heading to the next)."""
    parts = re.split(r"^## (\d+)\.", path.read_text(encoding="utf-8"), flags=re.M)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2], strict=True)}


def invocations(text: str) -> set[tuple[str, str]]:
    """``(command, option)`` for every long option of every dualrandom call in the bash blocks;
    ``(command, "")`` for the call itself. Group commands are named with their subcommand."""
    found: set[tuple[str, str]] = set()
    for block in blocks(text):
        joined = re.sub(r"<<'(\w+)'\n.*?\n\1\n", "\n", block.replace("\\\n", " "), flags=re.S)
        for segment in re.split(r"\|\||&&|[|;()\n]", joined):
            words = shlex.split(segment) if "dualrandom" in segment else []
            if not words or words[0] != "dualrandom":
                continue
            command = " ".join(words[1:3]) if words[1] in GROUPS else words[1]
            found.add((command, ""))
            found.update((command, w.split("=")[0]) for w in words[2:] if w.startswith("--"))
    return found


def commands(text: str) -> set[str]:
    return {command for command, _ in invocations(text)}


def test_invocations_reads_continued_lines_groups_and_pipes() -> None:
    text = (
        "```bash\necho X | dualrandom tickets --seed 1/T1\n"
        "dualrandom ledger verify L \\\n    --x=1 || echo no\n```"
    )
    assert invocations(text) == {("tickets", ""), ("tickets", "--seed"), ("ledger verify", ""),
                                 ("ledger verify", "--x")}  # fmt: skip


def test_every_english_chapter_is_covered() -> None:
    english, chinese = chapters(ENGLISH), chapters(CHINESE)
    assert sorted(chinese) == sorted(english), "the Chinese tutorial has the English one's chapters"
    for number, body in english.items():
        missing = commands(body) - commands(chinese[number])
        assert not missing, f"chapter {number}: the Chinese tutorial does not run {sorted(missing)}"
    assert {"--batch", "--from-file"} <= {o for c, o in invocations(chinese[max(chinese)])}


def test_every_english_option_is_used() -> None:
    english = invocations(ENGLISH.read_text(encoding="utf-8"))
    chinese = invocations(CHINESE.read_text(encoding="utf-8"))
    assert not english - chinese, f"options of the English tutorial not shown: {sorted(english - chinese)}"


def test_the_rules_are_explained_in_the_regulations_words() -> None:
    text = CHINESE.read_text(encoding="utf-8")
    for words in ("抽查比例", "抽查频次", "回避", "20 个工作日", "不公开", "不免抽", "谁检查、谁录入、谁公开",
                  "进一次门、查多项事", "年度抽查计划", "GB18030"):  # fmt: skip
        assert words in text, words


def test_both_tutorials_are_linked() -> None:
    assert "(zh/tutorial.md)" in ENGLISH.read_text(encoding="utf-8").split("\n## ")[0]
    assert "(docs/zh/tutorial.md)" in (DOCS.parent / "README.md").read_text(encoding="utf-8")


def exported(block: str) -> dict[str, str]:
    """The variables a block sets with ``export NAME=VALUE``: the operator's terminal keeps them."""
    return dict(re.findall(r"^export (\w+)=(\S+)$", block, flags=re.M))


def run(block: str, cwd: Path, exports: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, **(exports or {}), "PATH": path}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=cwd, env=env,
                          capture_output=True, text=True)  # fmt: skip


def assert_runs(block: str, cwd: Path, exports: dict[str, str] | None = None) -> str:
    done = run(block, cwd, exports)
    assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout + done.stderr


def run_tutorial(where: Path) -> dict[str, str]:
    """Run every block in order, as in one terminal; each block's text -> what it printed."""
    exports: dict[str, str] = {}
    said = {}
    for block in blocks(CHINESE.read_text(encoding="utf-8")):
        said[block] = assert_runs(block, where, exports)
        exports.update(exported(block))
    return said


def output_of(said: dict[str, str], command: str) -> str:
    """What the block running ``command`` printed."""
    found = [output for block, output in said.items() if command in block]
    assert len(found) == 1, f"{len(found)} blocks run {command!r}"
    return found[0]


def test_exported_reads_export_lines_only() -> None:
    block = "export DUALRANDOM_LANG=zh\necho export X=1\nexport  Y=2 Z=3\n"
    assert exported(block) == {"DUALRANDOM_LANG": "zh"}


def assert_chinese_exports(where: Path) -> None:
    """The rosters, history and results are Chinese-headed GB18030 files, as Excel on Chinese Windows
    writes them, and every header is one the schema accepts for its table."""
    for name, kind in EXPORTS.items():
        data = (where / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        headers = data.decode("gb18030").splitlines()[0].split(",")
        known = {header for column in table_spec(kind).columns for header in column.headers}
        assert set(headers) <= known, f"{name}: headers the library does not accept: {set(headers) - known}"
    results = pd.read_csv(where / "检查结果.csv", dtype=str, encoding="gb18030")
    labels = {t.label for t in VOCABULARY}
    assert set(results["检查结果"]) <= labels and results["检查结果"].map(result_code).notna().all()
    assert results["完成日期"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").all()


def assert_same_as_system_files(where: Path) -> None:
    """The Chinese roster classifies and publishes exactly as the system-format roster does."""
    assert_runs(
        "dualrandom classify city/entities.csv --policy policy.toml --as-of 2026-11-01 "
        "--records city/credit_records.csv --history city/history.csv "
        "-o check/snapshot.parquet --roster-out check/classified.csv",
        where,
    )
    assert (where / "check/classified.csv").read_bytes() == (where / "work/classified.csv").read_bytes()
    assert_runs(
        "dualrandom assign work/sample.csv --inspectors city/inspectors.csv --conflicts city/conflicts.csv "
        "--campaign campaign.toml --history city/history.csv --seed 73925180462217783145 -o check/teams.csv",
        where,
    )
    assert (where / "check/teams.csv").read_bytes() == (where / "work/teams.csv").read_bytes()
    assert_runs(
        "dualrandom publish --campaign campaign.toml --sample work/sample.csv --teams work/teams.csv "
        "--inspectors city/inspectors.csv --results work/results.csv --roster work/classified.csv "
        "--published-on 2026-11-30 -o check/bundle",
        where,
    )
    for name in ("results.csv", "results-zh.csv"):
        assert (where / "bundle" / name).read_bytes() == (where / "check/bundle" / name).read_bytes()
    published = pd.read_csv(where / "bundle/results.csv", dtype=str)
    assert not {"tier", "score"} & set(published.columns)


@pytest.mark.slow
def test_chinese_tutorial_runs_to_its_end(tmp_path: Path) -> None:
    said = run_tutorial(tmp_path)
    assert (tmp_path / "bundle" / "index.html").exists()
    assert (tmp_path / "report" / "report.html").exists()
    # the operator's mistakes are caught, every one of them at once, in Chinese, with the rule's code
    roster = output_of(said, "dualrandom check 检查对象名录-有误.csv")
    draft = output_of(said, "dualrandom results import 检查结果-初稿.csv")
    for shown, rules in ((roster, ("[EXCEL_NUMBER]", "[DATE]", "[ENUM]", "[DUPLICATE]")),
                         (draft, ("[RESULT_UNKNOWN]", "[DATE]", "[RESULT_EXCLUSIVE]"))):  # fmt: skip
        assert "错误：" in shown and "Error:" not in shown, shown
        for rule in rules:
            assert rule in shown, rule
    # and nothing of the refused draw and the refused draft was recorded
    with Ledger.open(tmp_path / "work/campaign.ledger", read_only=True) as ledger:
        kinds = [record.kind for record in ledger.records()]
    assert kinds == ["roster_commitment", "seed", "draw", "assignment", "recusal", "results", "publication"]
    assert_chinese_exports(tmp_path)
    assert_same_as_system_files(tmp_path)
