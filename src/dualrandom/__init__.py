"""dualrandom: risk-based, publicly verifiable inspection scheduling (双随机、一公开).

The public API, one name per step of a campaign::

    roster = dualrandom.read_roster("entities.csv", "entities")
    snapshot = dualrandom.classify(roster, records, dualrandom.load_policy("policy.toml"), as_of=day)
    draw = dualrandom.draw_campaign(classified, campaign, seed)
    teams = dualrandom.assign_teams(draw.sample, inspectors, conflicts, campaign, seed)
    dualrandom.publish_campaign(campaign, draw.sample, results, classified, "bundle", published_on=day)
    dualrandom.verify_bundle("bundle").raise_if_failed()

Submodules hold the rest: `dualrandom.fairness` (the analyst's toolkit), `dualrandom.engines`
(Dask), `dualrandom.ledger`, `dualrandom.synth`. See docs/ for the tutorial and specifications.

Importing the package is cheap: each name is imported from its submodule on first use
(PEP 562), so ``dualrandom --help`` and a script that needs one step pay for that step only.
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys
import typing as _typing
from types import ModuleType as _ModuleType

if _typing.TYPE_CHECKING:
    from .assign import Assignment, assign_teams, ensure_teams, verify_teams
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
        ArgumentError,
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
    from .protocol import CampaignProtocol, StepResult, ensure_against_ledger, verify_against_ledger
    from .publish import due_date, ensure_bundle, publish_campaign, verify_bundle
    from .report import annual_report
    from .results import import_results
    from .synth import City, synth_city
    from .tickets import seed_digest, ticket, ticket_keys
    from .verification import Difference, Verification, verify_path
    from .verify import ensure_draw, verify_draw

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "Assignment",
    "Campaign",
    "CampaignProtocol",
    "City",
    "ClassificationPolicy",
    "ClassificationSnapshot",
    "Conflict",
    "Difference",
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
    "Verification",
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
    "ensure_against_ledger",
    "ensure_bundle",
    "ensure_draw",
    "ensure_teams",
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
    "verify_path",
    "verify_teams",
    "write_table",
]

_EXPORTS: dict[str, str] = {
    "ArgumentError": "errors",
    "Assignment": "assign",
    "Campaign": "models",
    "CampaignProtocol": "protocol",
    "City": "synth",
    "ClassificationPolicy": "classify",
    "ClassificationSnapshot": "classify",
    "Conflict": "models",
    "Difference": "verification",
    "Draw": "draw",
    "DrawError": "errors",
    "DualrandomError": "errors",
    "Entity": "models",
    "HistoryRecord": "models",
    "InfeasibleAssignmentError": "errors",
    "InputError": "errors",
    "Inspector": "models",
    "Ledger": "ledger",
    "LedgerConflictError": "errors",
    "LedgerError": "errors",
    "LedgerIntegrityError": "errors",
    "LedgerMismatchError": "errors",
    "LedgerRecord": "ledger",
    "MissingDependencyError": "errors",
    "PolicyError": "errors",
    "Problem": "errors",
    "SolverError": "errors",
    "StepResult": "protocol",
    "Verification": "verification",
    "VerificationError": "errors",
    "annual_report": "report",
    "assign_teams": "assign",
    "campaign_json_schema": "models",
    "check_character": "ids",
    "check_roster": "io",
    "classify": "classify",
    "commitment": "draw",
    "draw_campaign": "draw",
    "draw_sample": "draw",
    "due_date": "publish",
    "early_warning": "classify",
    "ensure_against_ledger": "protocol",
    "ensure_bundle": "publish",
    "ensure_draw": "verify",
    "ensure_teams": "assign",
    "explain": "classify",
    "fit_weights": "classify",
    "import_results": "results",
    "is_valid_uscc": "ids",
    "load_campaign": "models",
    "load_policy": "classify",
    "load_snapshot": "classify",
    "normalize_id": "ids",
    "normalize_ids": "ids",
    "parse_campaign": "models",
    "public_manifest": "draw",
    "publish_campaign": "publish",
    "read_roster": "io",
    "read_table": "io",
    "roster_digest": "draw",
    "save_snapshot": "classify",
    "seed_digest": "tickets",
    "substitute": "draw",
    "synth_city": "synth",
    "ticket": "tickets",
    "ticket_keys": "tickets",
    "validate_ids": "ids",
    "verify_against_ledger": "protocol",
    "verify_bundle": "publish",
    "verify_draw": "verify",
    "verify_path": "verification",
    "verify_teams": "assign",
    "write_table": "io",
}
"""Each public name -> the submodule it is imported from on first use."""

_SUBMODULES = frozenset(
    {
        "assign", "atomic", "cli", "demo", "draw", "engines", "errors", "fairness", "feedback", "ids", "io",
        "jsontext", "kernel", "ledger", "models", "protocol", "publish", "report", "results", "schema",
        "synth", "tickets", "verification", "verify", "visits",
    }
)  # fmt: skip
"""Submodules reached as attributes (``dualrandom.ledger.Ledger``) after ``import dualrandom``.

``classify`` is not among them: `dualrandom.classify` is the function.
"""


if not _typing.TYPE_CHECKING:  # hidden from mypy, which then checks every attribute used

    def __getattr__(name: str) -> _typing.Any:
        """Import a public name or a submodule on first use; raises `AttributeError` otherwise."""
        module = _EXPORTS.get(name)
        if module is None:
            if name in _SUBMODULES:
                return _importlib.import_module(f".{name}", __name__)
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(_importlib.import_module(f".{module}", __name__), name)
        if not isinstance(value, type):
            value = _importlib.import_module("._arguments", __name__).checked(value)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The public API and the module's own dunder attributes, nothing else."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


class _Package(_ModuleType):
    """The package's module type: a public name is never replaced by a subpackage of that name.

    Importing the subpackage ``dualrandom.classify`` binds it on the package, where it would
    hide the function `dualrandom.classify`; the binding is dropped so the function stays.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _EXPORTS and isinstance(value, _ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
