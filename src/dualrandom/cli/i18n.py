"""The command line's language: Chinese when the operator's locale is Chinese, English otherwise.

The language is chosen on every lookup (not at import), in this order: ``DUALRANDOM_LANG``
(``zh`` or ``en``) wins; then the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set
(``zh…`` is Chinese); on Windows, without those variables, the user's display language. The
translations are a gettext catalog shipped with the package
(``dualrandom/locale/zh_CN/LC_MESSAGES/dualrandom.mo``, compiled from the ``.po`` beside it by
``scripts/compile_catalog.py``). English is the text in the code: a message without a translation
shows in English. This module imports only the standard library and click, so ``--help`` stays fast.
"""

from __future__ import annotations

import gettext
import locale
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Literal

import click

__all__ = [
    "LOCALE_DIR",
    "Command",
    "Group",
    "Language",
    "_",
    "language",
    "localize_click",
    "translate_help",
    "use_language",
]

Language = Literal["zh", "en"]
DOMAIN = "dualrandom"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_forced: list[Language] = []


def _chinese(name: str) -> bool:
    return name.strip().lower().replace("-", "_").startswith(("zh", "chinese"))


def windows_language(lcid: int) -> Language:
    """The language of a Windows display-language id (``GetUserDefaultUILanguage``)."""
    return "zh" if _chinese(locale.windows_locale.get(lcid, "")) else "en"


def language(environ: Mapping[str, str] | None = None) -> Language:
    """The language the command line speaks now (see the module docstring for the order)."""
    if _forced:
        return _forced[-1]
    environ = os.environ if environ is None else environ
    chosen = environ.get("DUALRANDOM_LANG", "").strip().lower()
    if chosen in ("zh", "en"):
        return "zh" if chosen == "zh" else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh" if _chinese(value) else "en"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        return windows_language(int(ctypes.windll.kernel32.GetUserDefaultUILanguage()))
    return "en"


@contextmanager
def use_language(chosen: Language) -> Iterator[None]:
    """Speak ``chosen`` inside the block whatever the environment says (docs/cli.md is English)."""
    _forced.append(chosen)
    try:
        yield
    finally:
        _forced.pop()


@cache
def _catalog(chosen: Language) -> gettext.NullTranslations:
    if chosen == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=["zh_CN"], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return _catalog(language()).gettext(message) if message else message


def translate_help(text: str | None) -> str:
    """A help text paragraph by paragraph; a paragraph's key is its words joined by single spaces.

    A paragraph opened by click's ``\\b`` (no rewrapping) keeps its line breaks.
    """
    if not text:
        return ""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            paragraphs.append(paragraph)
        else:
            paragraphs.append(_(" ".join(paragraph.split())))
    return "\n\n".join(paragraphs)


_CLICK_MODULES = ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui")


def localize_click() -> None:
    """Route click's own messages (``Usage:``, ``Error:``, ``Missing option``…) through `_`.

    Click marks them for gettext and looks them up through each module's ``_``; English stays
    click's own text, since `_` returns a message unchanged when it has no translation.
    """
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]


Example = tuple[str, str]
"""An example of a command's help: what it does (English, translated) and the command line."""


class _Localized:
    """What a translated command adds to click's: help, options and examples in the language."""

    examples: Sequence[Example] = ()
    help: str | None
    epilog: str | None

    def _translated_examples(self, formatter: click.HelpFormatter) -> None:
        if not self.examples:
            return
        with formatter.section(_("Examples")):
            for what, line in self.examples:
                formatter.write_text(_(what))
                formatter.write(f"{' ' * (formatter.current_indent + 2)}{line}\n")


def _option_records(command: click.Command, ctx: click.Context) -> list[tuple[str, str]]:
    records = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or isinstance(param, click.Argument):
            continue
        original = getattr(param, "help", None) or ""
        text = record[1]
        if original and text.startswith(original):
            text = _(" ".join(original.split())) + text[len(original) :]
        records.append((record[0], text))
    return records


class Command(_Localized, click.Command):
    """A click command whose help speaks the operator's language and ends with examples.

    ``examples`` are ``(what it does, command line)`` pairs; the English rendering is also the
    command's ``epilog`` (what click and the generated reference show).
    """

    def __init__(self, *args: Any, examples: Sequence[Example] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.examples = tuple(examples)
        if self.examples and not self.epilog:
            self.epilog = "\n".join(f"{what}: {line}" for what, line in self.examples)

    def get_short_help_str(self, limit: int = 45) -> str:
        original = self.help
        self.help = translate_help(original)
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help = original

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        original = self.help
        self.help = translate_help(original)
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = original

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = _option_records(self, ctx)
        if records:
            with formatter.section(_("Options")):
                formatter.write_dl(records)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._translated_examples(formatter)


class Group(Command, click.Group):
    """A click group like `Command`; its subcommands are `Command` too."""

    command_class = Command

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)
