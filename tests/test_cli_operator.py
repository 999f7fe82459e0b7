"""The operator's command line as a bureau office runs it: Chinese under a Chinese locale (help,
examples, errors, next-step hints), English unchanged under LANG=C, progress only on stderr."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from dualrandom.cli import COMMANDS, main
from dualrandom.cli.i18n import Command

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"
CHINESE = {"LANG": "zh_CN.UTF-8"}
ENGLISH = {"LANG": "C"}


def run(args: list[str], cwd: Path, lang: dict[str, str], *more: str) -> subprocess.CompletedProcess[str]:
    """``dualrandom ARGS`` in a fresh process, as typed in a terminal of that locale."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "DUALRANDOM_LANG")
    }
    env.update(lang, PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-m", "dualrandom", *args, *more]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8")


def _walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    context = click.Context(command, info_name=path[-1])
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None
            yield from _walk(sub, [*path, name])


EVERY = list(_walk(main, ["dualrandom"]))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic city and an open campaign file, as the tutorial starts."""
    here = tmp_path_factory.mktemp("office")
    assert (
        run(["synth", "--out", "city", "--entities", "300", "--inspectors", "80"], here, ENGLISH).returncode
        == 0
    )
    assert run(["init", "campaign.toml"], here, ENGLISH).returncode == 0
    text = (here / "campaign.toml").read_text(encoding="utf-8")
    (here / "campaign.toml").write_text(text.replace('disclosure = "auto"', 'disclosure = "open"'), "utf-8")
    (here / "bad.csv").write_text("uscc,name,entity_type\n91350100M000100Y4X,某商行,enterprise\n", "utf-8")
    return here


def test_help_speaks_chinese_under_a_chinese_locale(city: Path) -> None:
    done = run(["draw", "--help"], city, CHINESE)
    assert done.returncode == 0
    for shown in (
        "用法：",
        "以随机种子 SEED 从名录库 ROSTER 按风险等级分层抽取",
        "抽查方案 TOML 文件。",
        "[必需]",
        "显示本帮助并退出。",
        "示例",
        "dualrandom draw work/classified.csv --campaign campaign.toml",
    ):
        assert shown in done.stdout
    top = run(["--help"], city, CHINESE).stdout
    assert "命令" in top and "把名录库 ROSTER 中的检查对象分入信用风险等级" in top


def test_english_is_unchanged_under_lang_c(city: Path) -> None:
    done = run(["draw", "--help"], city, ENGLISH)
    assert "Usage: dualrandom draw [OPTIONS] ROSTER" in done.stdout
    assert "Campaign TOML file." in done.stdout and "Examples:" in done.stdout
    assert not any(
        "\u4e00" <= c <= "\u9fff" and c not in "双随机一公开" for c in done.stdout.split("Examples:")[0]
    )


def test_dualrandom_lang_wins_over_the_locale(city: Path) -> None:
    english = run(["init", "--help"], city, {**CHINESE, "DUALRANDOM_LANG": "en"}).stdout
    chinese = run(["init", "--help"], city, {**ENGLISH, "DUALRANDOM_LANG": "zh"}).stdout
    assert "Overwrite an existing file." in english
    assert "覆盖已有文件。" in chinese


def test_a_bad_roster_is_reported_in_chinese_with_every_row_and_its_rule(city: Path) -> None:
    args = ["classify", "bad.csv", "--policy", "policy.toml", "--as-of", "2026-11-01", "-o", "s.parquet"]
    assert run(["init", "policy.toml", "--kind", "policy"], city, ENGLISH).returncode == 0
    done = run(args, city, CHINESE)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("错误：bad.csv：发现 3 个问题")
    for column in ("division", "industry", "registered_on"):
        assert f"bad.csv，第 1 行，列 '{column}': 缺少必需的列" in done.stderr
    assert done.stderr.count("[COLUMN_MISSING]") == 3  # rule names stay as they are
    assert "Traceback" not in done.stderr
    english = run(args, city, ENGLISH)
    assert english.stderr.startswith("Error: bad.csv: 3 problem(s) in the entities roster:")
    assert "bad.csv, row 1, column 'division': the entities table needs this column" in english.stderr


def test_a_mistake_on_the_command_line_is_told_in_chinese(city: Path) -> None:
    done = run(["draw", "city/entities.csv", "--campaign", "campaign.toml", "-o", "x.csv"], city, CHINESE)
    assert done.returncode == 2
    assert (
        "错误：缺少选项 '--seed'" in done.stderr and "运行 'dualrandom draw --help' 查看帮助。" in done.stderr
    )
    assert "没有命令 'drwa'。您是想输入 'draw' 吗？" in run(["drwa"], city, CHINESE).stderr
    english = run(["draw", "city/entities.csv", "--campaign", "campaign.toml", "-o", "x.csv"], city, ENGLISH)
    assert "Error: Missing option '--seed'." in english.stderr


def test_recorded_steps_give_chinese_next_hints(city: Path) -> None:
    args = ["commit", "city/entities.csv", "-o", "commitment.json", "--ledger", "campaign.ledger",
            "--campaign", "campaign.toml"]  # fmt: skip
    done = run(args, city, CHINESE)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 64  # the digest alone on stdout, as before
    assert "下一步：公开举行摇号仪式产生随机种子，然后 `dualrandom draw ROSTER" in done.stderr
    again = run(args, city, ENGLISH)
    assert "next: hold the seed ceremony in public" in again.stderr
    mistake = ["draw", "city/entities.csv", "--campaign", "campaign.toml", "--seed", "1", "-o", "s.csv",
               "--ledger", "campaign.ledger", "--history", "city/history.csv"]  # fmt: skip
    mismatch = run(mistake, city, CHINESE)
    assert (
        mismatch.returncode == 2
        and "错误：--history 需要 --as-of（频次上限从该抽取日期向前统计）" in mismatch.stderr
    )


def test_progress_goes_to_stderr_only_when_asked_or_on_a_terminal(city: Path) -> None:
    assert run(["init", "policy.toml", "--kind", "policy", "--force"], city, ENGLISH).returncode == 0
    args = [
        "classify",
        "city/entities.csv",
        "--policy",
        "policy.toml",
        "--as-of",
        "2026-11-01",
        "-o",
        "s.parquet",
    ]
    quiet = run(args, city, CHINESE)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # not a terminal: no progress
    shown = run(args, city, CHINESE, "--progress")
    assert shown.returncode == 0
    stages = ["正在读取名录库", "正在读取信用记录和检查历史", "正在分类", "正在写出分类快照"]
    assert shown.stderr.splitlines() == [f"... {stage}" for stage in stages]
    assert shown.stdout == quiet.stdout  # the machine output is the same
    assert "已按分类策略" in shown.stdout and "\x1b" not in shown.stdout + shown.stderr
    english = run(args, city, ENGLISH, "--progress")
    assert english.stderr.splitlines()[0] == "... reading the roster"


@pytest.mark.parametrize(("path", "command"), EVERY, ids=[" ".join(p) for p, _ in EVERY])
def test_every_command_has_examples_whose_options_exist(path: list[str], command: click.Command) -> None:
    assert isinstance(command, Command) and command.examples, f"{' '.join(path)} has no example in --help"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    known |= {"-h", "--help"}
    for what, line in command.examples:
        assert what and (line.startswith("dualrandom ") or " | dualrandom " in line)
        words = shlex.split(line)
        at = words.index("dualrandom")
        if isinstance(command, click.Group):
            subcommands = command.list_commands(click.Context(command))
            assert words[at + 1] in [*subcommands, path[-1]], line
            continue
        assert words[at + 1 : at + len(path)] == path[1:], line
        given = [
            w.split("=")[0] for w in words[at + len(path) :] if w.startswith("-") and not w[1:2].isdigit()
        ]
        assert set(given) <= known, f"{line}: unknown {sorted(set(given) - known)}"
        context = command.make_context(path[-1], words[at + len(path) :], resilient_parsing=True)
        assert not context.args, f"{line}: extra arguments {context.args}"


def test_every_command_is_in_the_examples() -> None:
    named = {path[1] for path, _command in EVERY if len(path) > 1}
    assert named == set(COMMANDS)


def test_examples_use_the_tutorials_files() -> None:
    tutorial = TUTORIAL.read_text(encoding="utf-8")
    for path, command in EVERY:
        for _what, line in getattr(command, "examples", ()):
            for word in shlex.split(line):
                if "/" in word and not word.startswith(("-", "$")) and word.split("/")[0] in ("city", "work"):
                    stem = word.split("/")[0] + "/"
                    assert stem in tutorial, f"{' '.join(path)}: {word}"
            for name in ("campaign.toml", "policy.toml", "work/classified.csv", "work/sample.csv"):
                if name in line:
                    assert name in tutorial
