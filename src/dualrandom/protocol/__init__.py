"""The campaign protocol: one owner of a campaign's steps and of every ledger write.

`CampaignProtocol` (campaign.py) runs the steps and records them; each step's own checks and
computations live in drawing.py (commitment, draw), sealing.py (sealed tickets), batches.py
(batch history, batch seals, batch order), substitution.py, staffing.py (teams, visits),
triggered.py (triggered checks) and publishing.py (results, publication); recorded.py holds
what the ledger records and how inputs are compared with it; outputs.py writes each step's
files; anchor.py checks a published bundle against the ledger head it names.
"""

from __future__ import annotations

from .anchor import ensure_against_ledger, verify_against_ledger
from .campaign import CampaignProtocol, StepResult
from .outputs import write_commitment, write_draw, write_history, write_seal, write_teams
from .recorded import DEPENDENTS, drawn_pairs, recorded_sample, supersede

__all__ = [
    "DEPENDENTS",
    "CampaignProtocol",
    "StepResult",
    "drawn_pairs",
    "ensure_against_ledger",
    "recorded_sample",
    "supersede",
    "verify_against_ledger",
    "write_commitment",
    "write_draw",
    "write_history",
    "write_seal",
    "write_teams",
]
