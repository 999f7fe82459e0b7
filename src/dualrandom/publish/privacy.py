"""Masking of natural persons' names in public output (个体工商户 operators, legal representatives).

The rule (docs/publication.md): a natural person's name keeps its first character (the
surname) and every further character becomes ``*`` (张三 → 张*, 欧阳娜娜 → 欧***). In the name of
an individual business every occurrence of the operator's name (``legal_rep``) is masked so;
when the operator is unknown, a name — or the part before a bracket, or a bracketed part —
that could be only a person's name (2-4 CJK characters) is masked whole, erring on the side
of privacy. Names are compared after NFKC normalisation (full-width letters,
brackets and the ideographic space become their ASCII forms) with every space removed, so
``张 伟``, ``张　伟`` and ``张伟（经营者）`` are all found. An entity is an individual business when its
``entity_type`` is any spelling the roster check accepts (``individual``, ``Individual``,
``个体工商户``, ``个体``, full-width letters) or when its USCC says so (``92…``). Enterprises and
co-operatives keep their registered names. ``legal_rep`` itself is never published.

Every published text also loses control characters (NUL, ESC, …), zero-width characters and
bidirectional overrides (`clean_text`), which could hide or reorder what a reader sees.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from ..io.rosters import ENTITY_TYPE_ALIASES, HEADER_ALIASES

__all__ = [
    "canonical_entity_headers",
    "clean_column",
    "clean_text",
    "entity_types",
    "individual_mask",
    "mask_entity_names",
    "mask_person",
]

HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
"""Control, zero-width and bidirectional-formatting characters, removed from published text."""
_PERSON_ONLY = re.compile(r"^[\u3400-\u9fff·]{2,4}$")
_BRACKETS = re.compile(r"[(\[{【〔]([^)\]}】〕]*)[)\]}】〕]")
_ROLE_WORDS = frozenset({"经营者", "个体", "个体户", "负责人", "业主", "店主"})
_INDIVIDUAL_USCC = re.compile(r"^92")


def clean_text(value: str) -> str:
    """``value`` without control, zero-width or bidirectional-formatting characters."""
    return HIDDEN.sub("", value)


def clean_column(series: pd.Series) -> pd.Series:
    """`clean_text` on every value of a text column (missing values become ``""``)."""
    return series.astype("string").fillna("").str.replace(HIDDEN, "", regex=True).astype(object)


def _squeeze(text: str) -> str:
    """NFKC form without any space (the form in which names are compared and published)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", clean_text(text)))


def mask_person(name: str) -> str:
    """Mask a natural person's name: the first character stays, the rest become ``*``."""
    text = _squeeze(name)
    return text[:1] + "*" * (len(text) - 1) if text else text


def _mask_bracketed(match: re.Match[str]) -> str:
    inner = match.group(1)
    if _PERSON_ONLY.match(inner) and inner not in _ROLE_WORDS:
        return match.group(0).replace(inner, mask_person(inner))
    return match.group(0)


def _mask_one(name: str, operator: str) -> str:
    text, person = _squeeze(name), _squeeze(operator)
    if len(person) >= 2:
        return text.replace(person, mask_person(person))
    head = re.split(r"[(\[{【〔]", text, maxsplit=1)[0]
    if _PERSON_ONLY.match(head):
        text = mask_person(head) + text[len(head) :]
    return _BRACKETS.sub(_mask_bracketed, text)


def entity_types(values: pd.Series) -> pd.Series:
    """Entity types in their canonical spelling (any case, full-width letters, Chinese aliases)."""
    text = values.astype("string").fillna("").map(lambda v: unicodedata.normalize("NFKC", str(v)))
    return text.str.strip().str.lower().map(lambda v: ENTITY_TYPE_ALIASES.get(v, v)).astype(object)


def individual_mask(types: pd.Series, codes: pd.Series | None = None) -> pd.Series:
    """True for individual businesses: any accepted spelling of the type, or a ``92…`` USCC."""
    individual = entity_types(types) == "individual"
    if codes is not None:
        individual |= codes.astype("string").fillna("").str.match(_INDIVIDUAL_USCC).fillna(False)
    return individual.astype(bool)


def mask_entity_names(
    names: pd.Series,
    entity_types: pd.Series,
    operators: pd.Series | None = None,
    codes: pd.Series | None = None,
) -> pd.Series:
    """Public names: cleaned, and individual businesses' names with the operator's name masked."""
    masked = clean_column(names)
    individual = individual_mask(entity_types, codes).to_numpy()
    if not individual.any():
        return masked
    people = (
        operators.astype("string").fillna("").astype(object)
        if operators is not None
        else pd.Series("", index=names.index, dtype=object)
    )
    picked = masked[individual].tolist()
    operators_picked = people[individual].tolist()
    masked[individual] = [_mask_one(str(n), str(o)) for n, o in zip(picked, operators_picked, strict=True)]
    return masked


def canonical_entity_headers(roster: pd.DataFrame) -> pd.DataFrame:
    """``roster`` with Chinese headers of bureau exports (主体名称, 法定代表人, …) renamed to columns."""
    present = {str(c).strip(): c for c in roster.columns}
    renames: dict[object, str] = {}
    for name, aliases in HEADER_ALIASES["entities"].items():
        if name in present:
            continue
        found = next((present[a] for a in aliases if a in present and present[a] not in renames), None)
        if found is not None:
            renames[found] = name
    return roster.rename(columns=renames) if renames else roster
