"""Why a matching decision refuses a command (the service maps each to its HTTP answer)."""
from __future__ import annotations

from typing import Sequence


class RuleFailed(Exception):
    """A hard rule refuses a coordinator's command (HTTP 422); ``failures`` are the codes."""

    def __init__(self, message: str, failures: Sequence[str]):
        super().__init__(message)
        self.message, self.failures = message, list(failures)


class NotFoundError(Exception):
    pass


class StateConflict(Exception):
    """The command does not fit the current state (HTTP 409)."""


class BadChoice(Exception):
    """A mentee's ranking names mentors they cannot choose (HTTP 400, field ``mentor_ids``)."""

    def __init__(self, message: str, problems: Sequence[str]):
        super().__init__(message)
        self.message, self.problems = message, list(problems)
