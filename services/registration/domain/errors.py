"""The two refusals the registration domain gives, and their base class.

:class:`ValidationFailed`: the input is incomplete or inconsistent, every problem named by its
dotted field path (HTTP 400). :class:`RuleBroken`: the input is well formed but a rule of the
programme says no (HTTP 422).
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional


class DomainError(Exception):
    """Base class of every refusal the registration domain gives."""


class RuleBroken(DomainError):
    """A rule says no (HTTP 422): registration closed, too young, already registered, erased ...

    ``field`` names the input field the rule is about (a dotted path), when there is one;
    ``details`` carries the facts behind the refusal (e.g. ``{"age": 14, "minimum": 15}``).
    """

    def __init__(self, message: str, field: Optional[str] = None,
                 details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = dict(details or {})

    def as_dict(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    """The input is incomplete or inconsistent (HTTP 400).

    ``errors`` maps every offending field (a dotted path such as
    ``dates.mentee_registration_closes`` or ``profile.areas.1``) to the list of its problems.
    """

    def __init__(self, errors: Mapping[str, List[str]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items()}
        summary = "; ".join(f"{name}: {', '.join(messages)}"
                            for name, messages in sorted(self.errors.items()))
        super().__init__(f"invalid input: {summary}")
