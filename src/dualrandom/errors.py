"""The exceptions dualrandom raises, and the `Problem` record that input errors carry.

Hierarchy::

    DualrandomError
    ├── ArgumentError (TypeError)        a public function was called with a wrong type
    ├── InputError (ValueError)          bad rows in a roster, history or results file
    ├── PolicyError (ValueError)         a campaign or policy file breaks a rule
    ├── DrawError                        a draw cannot be made as asked
    ├── VerificationError                a recomputation disagrees with what was published
    ├── InfeasibleAssignmentError        no team satisfies every hard rule
    ├── SolverError                      OR-Tools returned an unexpected status
    ├── LedgerError                      the campaign ledger refused or failed a write
    │   ├── LedgerConflictError          another writer won, or a step would be repeated
    │   │   └── LedgerMismatchError      a step's input is not what the ledger recorded
    │   └── LedgerIntegrityError         a record was edited, deleted or reordered (also a VerificationError)
    └── MissingDependencyError (ImportError)   an optional extra is not installed
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ArgumentError",
    "DrawError",
    "DualrandomError",
    "InfeasibleAssignmentError",
    "InputError",
    "LedgerConflictError",
    "LedgerError",
    "LedgerIntegrityError",
    "LedgerMismatchError",
    "MissingDependencyError",
    "PolicyError",
    "Problem",
    "SolverError",
    "VerificationError",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell of an input table.

    ``row`` is the row number a person sees in the file: the header is row 1, so the first
    data row is row 2 (``None`` when the problem concerns the whole file).
    """

    source: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown} [{self.rule}]"


class DualrandomError(Exception):
    """The root of every error dualrandom raises on purpose.

    ``exit_code`` is what the command line exits with: 2 for input that must be corrected, 1
    for everything else.
    """

    exit_code = 1


class ArgumentError(DualrandomError, TypeError):
    """A public function was called with an argument of the wrong type (or a missing one)."""

    exit_code = 2


class InputError(DualrandomError, ValueError):
    """An input table has bad rows; ``problems`` lists every one of them."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem], *, summary: str | None = None) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = summary or f"{len(errors)} problem(s) found"
        listed = "\n".join(f"  - {p}" for p in errors[:200])
        more = f"\n  ... and {len(errors) - 200} more" if len(errors) > 200 else ""
        super().__init__(f"{head}:\n{listed}{more}" if listed else head)


class PolicyError(DualrandomError, ValueError):
    """A campaign or policy file (or its in-memory equivalent) breaks a rule."""


class DrawError(DualrandomError):
    """A draw cannot be made as asked (empty frame, contradictory bounds, ...)."""


class VerificationError(DualrandomError):
    """A recomputed draw, team or bundle differs from the published one.

    ``differences`` holds what was found (`dualrandom.verification.Difference` records; text
    for older checks); the message lists at most 200 of them, one line each.
    """

    def __init__(
        self, differences: Sequence[object], *, subject: str = "", message: str | None = None
    ) -> None:
        self.differences = tuple(differences)
        self.subject = subject
        if message is None:
            lines = [f"  - {d}" for d in self.differences[:200]]
            if len(self.differences) > 200:
                lines.append(f"  ... and {len(self.differences) - 200} more")
            message = "verification failed:\n" + "\n".join(lines)
        super().__init__(message)


class InfeasibleAssignmentError(DualrandomError):
    """No team assignment satisfies every hard rule; ``explanation`` says why and what to do."""

    def __init__(self, message: str, explanation: object | None = None) -> None:
        self.explanation = explanation
        super().__init__(message)


class SolverError(DualrandomError):
    """OR-Tools returned a status dualrandom does not expect."""


class LedgerError(DualrandomError):
    """The campaign ledger refused or failed a write."""


class LedgerConflictError(LedgerError):
    """Another writer appended first, or the step would repeat one already recorded."""


class LedgerMismatchError(LedgerConflictError):
    """A step's input (sample, teams, results, seed) differs from what the ledger recorded.

    The message names the record and the difference; nothing is written or recorded.
    """

    exit_code = 2


class LedgerIntegrityError(LedgerError, VerificationError):
    """A ledger record was edited, deleted or reordered; ``row`` names the first bad one.

    ``differences`` holds every difference found when the whole chain was checked.
    """

    def __init__(self, message: str, row: int | None = None, differences: Sequence[object] = ()) -> None:
        self.row = row
        VerificationError.__init__(self, differences, subject="ledger", message=message)


class MissingDependencyError(DualrandomError, ImportError):
    """An optional extra (for example ``dualrandom[dask]``) is needed but not installed."""
