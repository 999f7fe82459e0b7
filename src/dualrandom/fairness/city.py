"""A classified synthetic city for studies run without a real roster.

`synth_city` gives the rosters and history; `synth_credit` gives credit records; the real
`classify` puts every entity in a tier with a Henan-style scorecard (`DEMO_POLICY`: the
weights of examples/policy.toml, no official weights being published).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ..classify import classify, parse_policy
from ..synth import synth_city
from ..synth.credit import synth_credit

__all__ = ["DEMO_POLICY", "ClassifiedCity", "classified_city"]

DEMO_POLICY: dict[str, Any] = {
    "name": "fairness-demo",
    "description": "Henan-style four-tier scorecard for synthetic studies",
    "base_score": 100,
    "tiers": {"names": ["A", "B", "C", "D"], "cutoffs": [200, 500, 750], "new_entity": "B"},
    "industry_classes": {"C14": 3, "C15": 3, "C27": 3, "H62": 3, "C13": 2, "F52": 2, "L72": 2, "F51": 1},
    "indicators": {
        "annual_report_late": {"weight": 120, "transform": "linear", "cap": 2},
        "annual_report_missing": {"weight": 250, "transform": "linear", "cap": 2},
        "abnormal_list": {"weight": 350},
        "serious_violation": {"weight": 600},
        "dishonest_debtor": {"weight": 500},
        "penalty": {"weight": 300, "transform": "log", "cap": 5},
        "complaint": {"weight": 120, "transform": "log", "cap": 10},
        "inspection_problem": {"weight": 250, "transform": "log", "cap": 3},
        "unreachable_address": {"weight": 300},
        "refused_inspection": {"weight": 300},
        "clean_inspections": {"weight": -60, "transform": "linear", "cap": 3},
        "age": {"weight": 80, "transform": "decay", "cap": 5},
        "industry_risk": {"weight": 150, "transform": "linear", "cap": 3},
    },
    "overrides": [
        {"code": "SERIOUS_VIOLATION", "indicator": "serious_violation", "at_least": "D"},
        {"code": "DISHONEST_DEBTOR", "indicator": "dishonest_debtor", "at_least": "D"},
        {"code": "ABNORMAL_LIST", "indicator": "abnormal_list", "at_least": "C"},
    ],
}


@dataclass(frozen=True)
class ClassifiedCity:
    """A synthetic city whose ``entities`` carry ``tier`` (internal: never published)."""

    entities: pd.DataFrame
    inspectors: pd.DataFrame
    conflicts: pd.DataFrame
    history: pd.DataFrame
    as_of: date


def classified_city(
    n_entities: int = 3000,
    *,
    seed: str = "fairness",
    n_inspectors: int = 400,
    as_of: date = date(2026, 11, 1),
) -> ClassifiedCity:
    """Generate a city, its credit records and its classification (a pure function of the arguments)."""
    city = synth_city(n_entities, seed=seed, n_inspectors=n_inspectors, as_of=as_of)
    credit_seed = int.from_bytes(hashlib.sha256(f"{seed}/credit".encode()).digest()[:4], "big")
    records = synth_credit(city.entities, as_of=as_of, seed=credit_seed)
    snapshot = classify(city.entities, records, parse_policy(DEMO_POLICY), as_of=as_of, history=city.history)
    tiers = snapshot.table.set_index("uscc")["tier"].astype(str)
    entities = city.entities.assign(tier=city.entities["uscc"].map(tiers).to_numpy())
    return ClassifiedCity(entities, city.inspectors, city.conflicts, city.history, as_of)
