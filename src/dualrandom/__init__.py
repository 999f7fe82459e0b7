"""dualrandom: risk-based, publicly verifiable inspection scheduling (双随机、一公开).

The public API is re-exported here; see docs/ for the tutorial and the draw specification.
"""

from __future__ import annotations

from .errors import (
    DrawError,
    DualrandomError,
    InfeasibleAssignmentError,
    InputError,
    LedgerConflictError,
    LedgerError,
    LedgerIntegrityError,
    MissingDependencyError,
    PolicyError,
    Problem,
    SolverError,
    VerificationError,
)
from .ids import check_character, is_valid_uscc, normalize_id, normalize_ids, validate_ids
from .models import (
    Campaign,
    Conflict,
    Entity,
    HistoryRecord,
    Inspector,
    campaign_json_schema,
    load_campaign,
    parse_campaign,
)

__version__ = "0.1.0"

__all__ = [
    "Campaign",
    "Conflict",
    "DrawError",
    "DualrandomError",
    "Entity",
    "HistoryRecord",
    "InfeasibleAssignmentError",
    "InputError",
    "Inspector",
    "LedgerConflictError",
    "LedgerError",
    "LedgerIntegrityError",
    "MissingDependencyError",
    "PolicyError",
    "Problem",
    "SolverError",
    "VerificationError",
    "campaign_json_schema",
    "check_character",
    "is_valid_uscc",
    "load_campaign",
    "normalize_id",
    "normalize_ids",
    "parse_campaign",
    "validate_ids",
]
