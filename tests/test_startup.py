"""Start-up: importing the package and asking for help import nothing heavy; near misses get a hint."""

from __future__ import annotations

import ast
import json
import resource
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import dualrandom
from dualrandom.cli import COMMANDS, SUMMARIES, main

HEAVY = ("pandas", "numpy", "scipy", "ortools", "pyarrow", "matplotlib", "dask", "sqlalchemy", "holidays")


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout


def _imported_after(code: str) -> dict[str, bool]:
    """Which heavy modules are in sys.modules after ``code`` runs in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    return dict(json.loads(_python(probe).splitlines()[-1]))


def test_importing_the_package_and_the_cli_imports_nothing_heavy() -> None:
    assert not any(_imported_after("import dualrandom, dualrandom.cli").values())


def test_help_imports_no_command() -> None:
    code = (
        "import sys\nfrom dualrandom.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('dualrandom.cli._')))"
    )
    lines = _python(code).splitlines()
    assert "classify" in "\n".join(lines[:-1])
    assert lines[-1] == "[]"
    assert not any(_imported_after(code).values())


@pytest.mark.parametrize("command", ["check", "draw", "trigger"])
def test_command_help_imports_nothing_heavy(command: str) -> None:
    code = "from dualrandom.cli import main\ntry:\n"
    code += f"    main([{command!r}, '--help'])\nexcept SystemExit:\n    0\n"
    assert not any(_imported_after(code).values())


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"]])
def test_help_costs_little_cpu(args: list[str]) -> None:
    """CPU time, not wall time, so that other work on a shared machine does not flake it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "dualrandom", *args], capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) < 0.5


def test_every_command_has_a_summary() -> None:
    assert list(SUMMARIES) == list(COMMANDS), "add the command's summary to SUMMARIES in dualrandom/cli"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_summaries_are_the_commands_own(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    first = (command.help or "").split("\n\n")[0]
    where = f"update SUMMARIES[{name!r}] in dualrandom/cli/__init__.py"
    assert SUMMARIES[name] == " ".join(first.split()), where
    for limit in (30, 45, 60, 200):
        stand_in = click.Command(name, help=SUMMARIES[name])
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_with_its_summary() -> None:
    output = CliRunner().invoke(main, ["--help"], terminal_width=200).output
    for name in COMMANDS:
        assert f"  {name}  " in output
    assert "Draw the tier-stratified sample of ROSTER under SEED" in output


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["pubish"], "No such command 'pubish'. Did you mean 'publish'?"),
        (["clasify"], "Did you mean 'classify'?"),
        (["verfy"], "Did you mean 'verify'?"),
        (["fairnes", "x"], "Did you mean 'fairness'?"),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(args: list[str], hint: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert hint in result.output


def test_an_unknown_command_gets_no_false_suggestion() -> None:
    result = CliRunner().invoke(main, ["xyzzy"])
    assert result.exit_code == 2
    assert "No such command 'xyzzy'." in result.output and "Did you mean" not in result.output


def test_a_mistyped_option_gets_a_suggestion() -> None:
    result = CliRunner().invoke(main, ["init", "campaign.toml", "--forse"])
    assert result.exit_code == 2
    assert "No such option" in result.output and "--force" in result.output


def test_dir_and_all_are_exact() -> None:
    public = [name for name in dir(dualrandom) if not name.startswith("_")]
    assert public == dualrandom.__all__
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = dualrandom.nope  # type: ignore[attr-defined]


def test_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    """mypy reads the ``if TYPE_CHECKING`` imports, the runtime the table: they must be one list."""
    tree = ast.parse(Path(dualrandom.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))
    imported = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == dualrandom._EXPORTS  # type: ignore[attr-defined]
    assert sorted(imported) == dualrandom.__all__


def test_submodules_are_reached_as_attributes() -> None:
    code = "import dualrandom\nprint(dualrandom.ledger.Ledger.__name__, dualrandom.publish.due_date.__name__)"
    assert _python(code).split() == ["Ledger", "due_date"]
    listed = {p.stem for p in Path(dualrandom.__file__).parent.iterdir() if not p.name.startswith("_")}
    listed = {name.removesuffix(".py") for name in listed} - {"py", "data", "templates", "locale", "classify"}
    assert listed == dualrandom._SUBMODULES  # type: ignore[attr-defined]


def test_the_classify_function_survives_importing_the_classify_subpackage() -> None:
    code = (
        "import dualrandom\nimport dualrandom.classify.policy\nfrom dualrandom.classify import scoring\n"
        "print(dualrandom.classify.__wrapped__ is scoring.classify, callable(dualrandom.classify))"
    )
    assert _python(code).split() == ["True", "True"]


def test_check_knows_every_roster_kind() -> None:
    from typing import get_args

    from dualrandom.cli._check import KINDS
    from dualrandom.io import ROSTER_COLUMNS, RosterKind
    from dualrandom.schema import TABLE_KINDS

    assert get_args(RosterKind) == tuple(ROSTER_COLUMNS) == KINDS[: len(ROSTER_COLUMNS)]
    assert KINDS == TABLE_KINDS
