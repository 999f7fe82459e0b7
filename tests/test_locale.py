"""The command line's language: which one is chosen, and a catalog that is complete and compiled."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest

from dualrandom.cli._messages import CLICK_MESSAGES, messages
from dualrandom.cli.i18n import (
    LOCALE_DIR,
    _,
    _catalog,
    language,
    translate_help,
    use_language,
    windows_language,
)

PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "dualrandom.po"
SCRIPT = Path(__file__).parents[1] / "scripts" / "compile_catalog.py"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _compile_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("compile_catalog", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides LANG
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.GB18030"}, "zh"),  # empty means unset
        ({"DUALRANDOM_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),  # the explicit choice wins
        ({"DUALRANDOM_LANG": "zh", "LANG": "C"}, "zh"),
        ({"DUALRANDOM_LANG": "fr", "LANG": "zh_CN.UTF-8"}, "zh"),  # an unknown choice is ignored
    ],
)
def test_the_language_follows_the_environment(environ: dict[str, str], expected: str) -> None:
    assert language(environ) == expected


def test_windows_display_languages() -> None:
    assert windows_language(0x0804) == "zh"  # Chinese (PRC)
    assert windows_language(0x0404) == "zh"  # Chinese (Taiwan)
    assert windows_language(0x0409) == "en"  # English (US)
    assert windows_language(0x7FFF) == "en"  # unknown


def test_a_forced_language_wins_and_ends_with_its_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALRANDOM_LANG", "zh")
    assert _("Options") == "选项"
    with use_language("en"):
        assert language() == "en" and _("Options") == "Options"
    assert language() == "zh"


def test_the_committed_mo_is_the_compiled_po() -> None:
    compiled = _compile_script().compiled(PO)
    assert PO.with_suffix(".mo").read_bytes() == compiled, "run python scripts/compile_catalog.py"


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    catalog = _catalog("zh")
    missing, broken = [], []
    for message in messages():
        translated = catalog.gettext(message)
        if translated == message and re.search(r"[A-Za-z]{3}", message):
            missing.append(message)
        if set(PLACEHOLDER.findall(message)) != set(PLACEHOLDER.findall(translated)):
            broken.append((message, translated))
    assert not missing, f"python -m dualrandom.cli._messages lists them: {missing[:5]}"
    assert not broken


def test_the_catalog_holds_exactly_the_messages_of_the_code() -> None:
    """A message the code no longer says leaves the catalog, and every message is in it once."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        catalog = read_po(handle)
    ids = [message.id for message in catalog if message.id]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(messages())
    assert not [message.id for message in catalog if message.fuzzy and message.id]


@pytest.mark.parametrize("message", CLICK_MESSAGES)
def test_click_still_says_what_the_catalog_translates(message: str) -> None:
    sources = "".join(path.read_text(encoding="utf-8") for path in Path(click.__file__).parent.glob("*.py"))
    assert message in sources


def test_help_is_translated_paragraph_by_paragraph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALRANDOM_LANG", "zh")
    text = "Campaign TOML file.\n\nInspector\n   roster."
    assert translate_help(text) == "抽查方案 TOML 文件。\n\n执法检查人员名录库。"
    assert translate_help("\bkept\nas is") == "\bkept\nas is"
    monkeypatch.setenv("DUALRANDOM_LANG", "en")
    assert translate_help(text) == "Campaign TOML file.\n\nInspector roster."


def test_the_catalog_uses_one_word_for_the_ledger() -> None:
    """台账 throughout: never 账本 or 分类账, so that an operator reads one name for one file."""
    body = PO.read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert "台账" in body
    assert "账本" not in body and "分类账" not in body
