"""Configurable indicators: record kinds and roster columns declared in the policy file."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib.resources import files
from pathlib import Path

from dualrandom.classify import classify, explain_frame, features, load_policy, policy_digest
from dualrandom.synth import synth_city
from dualrandom.synth.credit import synth_credit

AS_OF = date(2026, 11, 1)
DEFAULT_POLICY = Path(str(files("dualrandom") / "data" / "policy.toml"))


def test_default_policy_output_is_unchanged() -> None:
    """Known answer: the digests of the default policy's snapshot, explanations and features."""
    city = synth_city(3000, seed="known-answer")
    credit = synth_credit(city.entities, as_of=AS_OF, seed=11)
    policy = load_policy(DEFAULT_POLICY)
    snapshot = classify(city.entities, credit, policy, as_of=AS_OF, history=city.history)
    assert policy_digest(policy) == "397bca7b714bc4280461dcda31c1c99d4d3fe9273be079da5b411a8526b6ca9a"
    assert snapshot.content_digest == "919c6bbe50b3a839ec8f32e353ef1d2c6ba7542dd892f7d678808c91980b2962"
    assert snapshot.tier_counts() == {"A": 683, "B": 1931, "C": 283, "D": 103}
    explained = explain_frame(snapshot, snapshot.table["uscc"].tolist()[:200]).to_csv(index=False)
    assert hashlib.sha256(explained.encode()).hexdigest() == (
        "f262660aafdded1c9126fa6b0198c0701697703a9c6dbbd016220e378bdaed01"
    )
    table = features(city.entities, credit, policy, as_of=AS_OF, history=city.history).to_csv(index=False)
    assert hashlib.sha256(table.encode()).hexdigest() == (
        "d94f553eb6851bad1b2dfd582f954e333af2009c016e448691cd544788aeb2ec"
    )
