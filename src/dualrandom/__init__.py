"""dualrandom: risk-based, publicly verifiable inspection scheduling (双随机、一公开).

The public API, one name per step of a campaign::

    roster = dualrandom.read_roster("entities.csv", "entities")
    snapshot = dualrandom.classify(roster, records, dualrandom.load_policy("policy.toml"), as_of=day)
    draw = dualrandom.draw_campaign(classified, campaign, seed)
    teams = dualrandom.assign_teams(draw.sample, inspectors, conflicts, campaign, seed)
    dualrandom.publish_campaign(campaign, draw.sample, results, classified, "bundle", published_on=day)
    dualrandom.verify_bundle("bundle")

Submodules hold the rest: `dualrandom.fairness` (the analyst's toolkit), `dualrandom.engines`
(Dask), `dualrandom.ledger`, `dualrandom.synth`. See docs/ for the tutorial and specifications.
"""

from __future__ import annotations

from .assign import Assignment, assign_teams, verify_teams
from .classify import (
    ClassificationPolicy,
    ClassificationSnapshot,
    classify,
    early_warning,
    explain,
    fit_weights,
    load_policy,
    load_snapshot,
    save_snapshot,
)
from .draw import Draw, commitment, draw_campaign, draw_sample, public_manifest, roster_digest, substitute
from .errors import (
    DrawError,
    DualrandomError,
    InfeasibleAssignmentError,
    InputError,
    LedgerConflictError,
    LedgerError,
    LedgerIntegrityError,
    LedgerMismatchError,
    MissingDependencyError,
    PolicyError,
    Problem,
    SolverError,
    VerificationError,
)
from .ids import check_character, is_valid_uscc, normalize_id, normalize_ids, validate_ids
from .io import check_roster, read_roster, read_table, write_table
from .ledger import Ledger, LedgerRecord
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
from .protocol import CampaignProtocol, StepResult, verify_against_ledger
from .publish import due_date, publish_campaign, verify_bundle
from .report import annual_report
from .results import import_results
from .synth import City, synth_city
from .tickets import seed_digest, ticket, ticket_keys
from .verify import verify_draw

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "Campaign",
    "CampaignProtocol",
    "City",
    "ClassificationPolicy",
    "ClassificationSnapshot",
    "Conflict",
    "Draw",
    "DrawError",
    "DualrandomError",
    "Entity",
    "HistoryRecord",
    "InfeasibleAssignmentError",
    "InputError",
    "Inspector",
    "Ledger",
    "LedgerConflictError",
    "LedgerError",
    "LedgerIntegrityError",
    "LedgerMismatchError",
    "LedgerRecord",
    "MissingDependencyError",
    "PolicyError",
    "Problem",
    "SolverError",
    "StepResult",
    "VerificationError",
    "annual_report",
    "assign_teams",
    "campaign_json_schema",
    "check_character",
    "check_roster",
    "classify",
    "commitment",
    "draw_campaign",
    "draw_sample",
    "due_date",
    "early_warning",
    "explain",
    "fit_weights",
    "import_results",
    "is_valid_uscc",
    "load_campaign",
    "load_policy",
    "load_snapshot",
    "normalize_id",
    "normalize_ids",
    "parse_campaign",
    "public_manifest",
    "publish_campaign",
    "read_roster",
    "read_table",
    "roster_digest",
    "save_snapshot",
    "seed_digest",
    "substitute",
    "synth_city",
    "ticket",
    "ticket_keys",
    "validate_ids",
    "verify_against_ledger",
    "verify_bundle",
    "verify_draw",
    "verify_teams",
    "write_table",
]
