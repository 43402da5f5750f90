"""A cohort round asked for over HTTP with ``Prefer: respond-async``: asked now, run later.

Its stream is the round's own (``matchround``/<round id>, where ``MatchingRoundCompleted``
lives): ``RoundRequested`` when the coordinator asks (the request is answered 202 at once),
then either ``MatchingRoundCompleted`` with ``RoundResultRecorded`` (what the round did, as
the synchronous answer says it) or ``RoundFailed`` (why, in words a coordinator reads). The
three are private: the round's publication stays ``MatchingRoundCompleted``.

An asked round is *running* until one of its endings; only a running round ends, once.

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .pairing import ROUND

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
STATUSES = (RUNNING, COMPLETED, FAILED)


class RoundNotRunning(Exception):
    """The asked round has ended already (or was never asked): it ends once."""


class AskedRound(Aggregate):
    """A round asked for and run later, folded from its stream."""

    stream_type: ClassVar[str] = ROUND

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: Optional[str] = None
        self.programme_id: Optional[str] = None

    def _on_RoundRequested(self, payload: Dict[str, Any]) -> None:  # noqa: N802 - the event's name
        self.status, self.programme_id = RUNNING, payload["programme_id"]

    def _on_RoundResultRecorded(self, payload: Dict[str, Any]) -> None:  # noqa: N802
        self.status = COMPLETED

    def _on_RoundFailed(self, payload: Dict[str, Any]) -> None:  # noqa: N802
        self.status = FAILED

    # commands ---------------------------------------------------------------------------------

    def request(self, programme_id: str, *, now: datetime) -> List[DomainEvent]:
        """A coordinator asks for the programme's cohort round, to be run after the answer."""
        if self.exists:
            raise RoundNotRunning(f"round {self.id} was asked for already")
        return [self._event("RoundRequested", {"programme_id": programme_id, "requested_at": now.isoformat()})]

    def record(self, result: Dict[str, Any], *, now: datetime) -> List[DomainEvent]:
        """The round ran (its ``MatchingRoundCompleted`` is appended with this): what it did."""
        self._running()
        return [self._event("RoundResultRecorded", {"programme_id": self.programme_id,
                                                     "result": result, "finished_at": now.isoformat()})]

    def fail(self, reason: str, code: str, *, now: datetime) -> List[DomainEvent]:
        """The round could not be run: nothing of it was written; ``reason`` says why."""
        self._running()
        return [self._event("RoundFailed", {"programme_id": self.programme_id, "reason": reason,
                                             "code": code, "finished_at": now.isoformat()})]

    def _running(self) -> None:
        if self.status != RUNNING:
            raise RoundNotRunning(f"round {self.id} is {self.status or 'not asked for'}, not running")
