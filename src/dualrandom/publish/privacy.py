"""Masking of natural persons' names in public output (个体工商户 operators, legal representatives).

The rule (docs/publication.md): a natural person's name keeps its first character (the
surname) and every further character becomes ``*`` (张三 → 张*, 欧阳娜娜 → 欧***). In the name of
an individual business every occurrence of the operator's name (``legal_rep``) is masked so;
when the operator is unknown, a name that could be only a person's name (2-4 CJK
characters, no trade name) is masked whole, erring on the side of privacy. Enterprises and co-operatives
keep their registered names. ``legal_rep`` itself is never published.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["mask_entity_names", "mask_person"]

_PERSON_ONLY = re.compile(r"^[\u3400-\u9fff·]{2,4}$")


def mask_person(name: str) -> str:
    """Mask a natural person's name: the first character stays, the rest become ``*``."""
    text = name.strip()
    return text[:1] + "*" * (len(text) - 1) if text else text


def _mask_one(name: str, operator: str) -> str:
    operator = operator.strip()
    if len(operator) >= 2:
        return name.replace(operator, mask_person(operator))
    return mask_person(name) if _PERSON_ONLY.match(name) else name


def mask_entity_names(
    names: pd.Series, entity_types: pd.Series, operators: pd.Series | None = None
) -> pd.Series:
    """Public names: individual businesses' names with the operator's name masked."""
    masked = names.astype("string").fillna("").astype(object)
    individual = (entity_types.astype("string").fillna("") == "individual").to_numpy()
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
