"""Pairings as the matching service records them: events and the rules of their life.

A pairing is its own stream (``pairing``/<uuid>): ``PairingProposed`` (coordinator approves)
or ``PairingConfirmed`` at once (automatic mode, a coordinator's own assignment), then
``PairingConfirmed`` / ``PairingRejected`` for a proposal and ``PairingEnded`` for a
confirmed pair.

Two guard streams keep replicas from over-filling a mentor or pairing a mentee twice: every
decision that takes or frees a mentor's place also appends ``MentorSlotTaken`` /
``MentorSlotFreed`` to ``matchmentor``/<mentor id>, and ``MenteePlaced`` / ``MenteeReleased``
to ``matchmentee``/<mentee id> (where ``MenteeWaitlisted`` lives too). The service appends a
decision's events in one append with the expected version of every guard stream it read
before looking at the mentor's load and the mentee's state: a concurrent decision on either
person makes the append fail as a whole, and the decision is taken again on fresh state.

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .model import Score

PAIRING, MENTOR_GUARD, MENTEE_GUARD, ROUND = "pairing", "matchmentor", "matchmentee", "matchround"

PROPOSED, CONFIRMED, REJECTED, ENDED = "proposed", "confirmed", "rejected", "ended"
ACTIVE = (PROPOSED, CONFIRMED)

#: why a confirmed pair ended
END_REASONS = ("completed", "withdrew", "closed_early", "erased", "consent_withdrawn", "vetting_failed",
               "related_pair")
#: what a coordinator may give as the reason when they end a pair
COORDINATOR_END_REASONS = ("completed", "withdrew", "closed_early")
#: how a pairing came about
ORIGINS = ("placement", "reserve", "round", "manual", "choice")
#: who rejected a proposal; only a coordinator's rejection bars the pair for good
REJECTERS = ("coordinator", "system")


class PairingRuleBroken(Exception):
    """A pairing command that the pairing's state does not allow (HTTP 409)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def score_payload(score: Score) -> Dict[str, Any]:
    return {"score": int(score.total), "parts": {k: int(v) for k, v in score.parts.items()},
            "percent": int(score.percent)}


def _iso(now: datetime) -> str:
    return now.isoformat()


def guard_events(pairing_id: str, programme_id: str, mentor_id: str, mentee_id: str,
                 *, taken: bool) -> List[DomainEvent]:
    """The guard-stream events of a place taken (``taken``) or freed."""
    mentor_type, mentee_type = ("MentorSlotTaken", "MenteePlaced") if taken else \
        ("MentorSlotFreed", "MenteeReleased")
    return [
        DomainEvent(mentor_type, MENTOR_GUARD, mentor_id,
                    {"programme_id": programme_id, "pairing_id": pairing_id, "mentee_id": mentee_id}),
        DomainEvent(mentee_type, MENTEE_GUARD, mentee_id,
                    {"programme_id": programme_id, "pairing_id": pairing_id, "mentor_id": mentor_id}),
    ]


def pair(pairing_id: str, programme_id: str, mentor_id: str, mentee_id: str, score: Score, *,
         mode: str, origin: str, confirm: bool, confirmed_by: str, now: datetime) -> List[DomainEvent]:
    """A new pairing: proposed, or confirmed at once (``confirm``), with its guard events."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    body = {"programme_id": programme_id, "mentor_id": mentor_id, "mentee_id": mentee_id,
            "mode": mode, "origin": origin, **score_payload(score)}
    if confirm:
        event = DomainEvent("PairingConfirmed", PAIRING, pairing_id,
                            {**body, "confirmed_by": confirmed_by, "confirmed_at": _iso(now)})
    else:
        event = DomainEvent("PairingProposed", PAIRING, pairing_id, {**body, "proposed_at": _iso(now)})
    return [event] + guard_events(pairing_id, programme_id, mentor_id, mentee_id, taken=True)


def waitlisted(programme_id: str, mentee_id: str, reason: str, now: datetime) -> DomainEvent:
    return DomainEvent("MenteeWaitlisted", MENTEE_GUARD, mentee_id,
                       {"programme_id": programme_id, "reason": reason, "waitlisted_at": _iso(now)})


def round_completed(round_id: str, programme_id: str, *, paired: int, waiting: int,
                    total_score: int, solver_seconds: float, superseded: int,
                    now: datetime, confirmed: int = 0) -> DomainEvent:
    """``confirmed``: the pairings the round confirmed (appended with it, so they share its
    correlation id): notifications waits for them all before an e-course's group introduction."""
    return DomainEvent("MatchingRoundCompleted", ROUND, round_id, {
        "programme_id": programme_id, "paired": paired, "waiting": waiting,
        "total_score": int(total_score), "solver_seconds": round(float(solver_seconds), 6),
        "superseded": superseded, "confirmed": confirmed, "completed_at": _iso(now)})


@dataclass(frozen=True)
class Parties:
    """Who a pairing (or a request to a mentor) is between, and in which programme: known
    once it is created."""

    programme_id: str
    mentor_id: str
    mentee_id: str


@dataclass
class Pairing(Aggregate):
    """One pairing, folded from its stream."""

    stream_type: ClassVar[str] = PAIRING

    id: str
    version: int = 0
    status: Optional[str] = None
    programme_id: Optional[str] = None
    mentor_id: Optional[str] = None
    mentee_id: Optional[str] = None
    mode: Optional[str] = None
    origin: Optional[str] = None
    score: Dict[str, Any] = field(default_factory=dict)

    def when(self, event: Any) -> None:
        payload = event.payload
        if event.event_type in ("PairingProposed", "PairingConfirmed"):
            if self.status is None:
                self.programme_id = payload["programme_id"]
                self.mentor_id, self.mentee_id = payload["mentor_id"], payload["mentee_id"]
                self.mode = payload.get("mode")
                self.origin = payload.get("origin")
                self.score = {k: payload.get(k) for k in ("score", "parts", "percent")}
            self.status = PROPOSED if event.event_type == "PairingProposed" else CONFIRMED
        elif event.event_type == "PairingRejected":
            self.status = REJECTED
        elif event.event_type == "PairingEnded":
            self.status = ENDED

    def created(self) -> Parties:
        """Who the pairing is between; a pairing not created yet has nobody (ValueError)."""
        if self.programme_id is None or self.mentor_id is None or self.mentee_id is None:
            raise ValueError(f"pairing {self.id} has not been created")
        return Parties(self.programme_id, self.mentor_id, self.mentee_id)

    def _guard(self, taken: bool) -> List[DomainEvent]:
        parties = self.created()
        return guard_events(self.id, parties.programme_id, parties.mentor_id, parties.mentee_id,
                            taken=taken)

    def _body(self) -> Dict[str, Any]:
        return {"programme_id": self.programme_id, "mentor_id": self.mentor_id,
                "mentee_id": self.mentee_id}

    # commands ---------------------------------------------------------------------------------

    def approve(self, *, now: datetime) -> List[DomainEvent]:
        """A coordinator approves a proposal: it is confirmed (introductions follow)."""
        if self.status != PROPOSED:
            raise PairingRuleBroken(f"pairing {self.id} is {self.status}, not proposed: only a "
                                    f"proposal can be approved", "not_proposed")
        return [DomainEvent("PairingConfirmed", PAIRING, self.id, {
            **self._body(), "mode": self.mode, "origin": self.origin or "placement", **self.score,
            "confirmed_by": "coordinator", "confirmed_at": _iso(now)})]

    def reject(self, *, by: str, reason: str, now: datetime) -> List[DomainEvent]:
        """A proposal is turned down (by a coordinator: the pair is never proposed again) or
        dropped by the system (someone withdrew, a round found better pairs)."""
        if by not in REJECTERS:
            raise ValueError(f"by must be one of {REJECTERS}")
        if self.status != PROPOSED:
            raise PairingRuleBroken(f"pairing {self.id} is {self.status}, not proposed: only a "
                                    f"proposal can be rejected", "not_proposed")
        return [DomainEvent("PairingRejected", PAIRING, self.id, {
            **self._body(), "rejected_by": by, "reason": reason,
            "rejected_at": _iso(now)})] + self._guard(taken=False)

    def end(self, *, reason: str, ended_by: str, now: datetime) -> List[DomainEvent]:
        """A confirmed pair ends; the mentor's place is free again."""
        if reason not in END_REASONS:
            raise ValueError(f"reason must be one of {END_REASONS}")
        if self.status != CONFIRMED:
            raise PairingRuleBroken(f"pairing {self.id} is {self.status}, not confirmed: only a "
                                    f"confirmed pair can end", "not_confirmed")
        return [DomainEvent("PairingEnded", PAIRING, self.id, {
            **self._body(), "reason": reason, "ended_by": ended_by,
            "ended_at": _iso(now)})] + self._guard(taken=False)

    def release(self, *, reason: str, by_role: str, now: datetime) -> List[DomainEvent]:
        """Someone left: a confirmed pair ends, a proposal is dropped."""
        if self.status == CONFIRMED:
            return self.end(reason=reason, ended_by=by_role, now=now)
        if self.status == PROPOSED:
            return self.reject(by="system", reason=reason, now=now)
        return []
