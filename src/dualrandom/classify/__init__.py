"""Credit-risk classification (企业信用风险分类): scorecard, overrides, snapshots.

``classify(roster, records, policy, as_of=...)`` returns a `ClassificationSnapshot`;
`explain` says why an entity is in its tier, `early_warning` lists sharp score rises,
`fit_weights` checks weights against past inspection outcomes.
"""

from __future__ import annotations

from .explain import Contribution, TierExplanation, explain, explain_frame
from .fitting import FitReport, auc, features, fit_weights, outcomes_from_results
from .policy import (
    INDICATORS,
    RECORD_KINDS,
    ClassificationPolicy,
    IndicatorSpec,
    Override,
    TierBands,
    load_policy,
    parse_policy,
    policy_digest,
)
from .scoring import classify
from .snapshot import ClassificationSnapshot, content_digest, load_snapshot, save_snapshot
from .warning import early_warning

__all__ = [
    "INDICATORS",
    "RECORD_KINDS",
    "ClassificationPolicy",
    "ClassificationSnapshot",
    "Contribution",
    "FitReport",
    "IndicatorSpec",
    "Override",
    "TierBands",
    "TierExplanation",
    "auc",
    "classify",
    "content_digest",
    "early_warning",
    "explain",
    "explain_frame",
    "features",
    "fit_weights",
    "load_policy",
    "load_snapshot",
    "outcomes_from_results",
    "parse_policy",
    "policy_digest",
    "save_snapshot",
]
