"""Mentee chooses (seed 001): shortlists, the mentee's ranking, and requests to mentors.

When a mentee of a ``mentee_chooses`` programme may be matched, the service offers them a
shortlist (``ShortlistOffered`` on ``matchmentee``/<mentee>: the best N mentors with room, with
their match percentages). The mentee ranks some of them (``MentorsChosen``, same stream);
the service then asks the mentors one at a time, in that order: each request is its own
stream ``mentorrequest``/<uuid>:

* ``MentorRequested`` - the mentor is asked and has until ``answer_by`` to answer;
* ``MentorRequestAccepted`` - the mentor said yes: the pair is confirmed (``PairingConfirmed``
  with origin ``choice``, confirmed by the mentor);
* ``MentorRequestDeclined`` / ``MentorRequestExpired`` - no, or no answer in time: the next
  ranked mentor is asked (a mentor who has no room any more, or no longer passes the
  rules, is skipped);
* ``MentorRequestCancelled`` - the request no longer stands (the mentor filled up, someone
  withdrew, the mentee was paired otherwise).

When nobody on the list accepts, the mentee waits (``MenteeWaitlisted``, reason
``no_mentor_accepted``) and may choose again from a fresh shortlist (mentors who declined or
let the request expire are left out of it).

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .model import Proposal, Score
from .pairing import MENTEE_GUARD, PairingRuleBroken, Parties, score_payload

REQUEST = "mentorrequest"

OPEN, ACCEPTED, DECLINED, EXPIRED, CANCELLED = "open", "accepted", "declined", "expired", "cancelled"
CLOSED_WITHOUT_PAIR = (DECLINED, EXPIRED)

#: why a mentee of a mentee-chooses programme waits
AWAITING_CHOICE = "awaiting_mentee_choice"
AWAITING_ANSWER = "awaiting_mentor_answer"
NO_MENTOR_ACCEPTED = "no_mentor_accepted"

#: why a request was cancelled
CANCEL_REASONS = ("mentor_full", "mentor_withdrew", "mentee_withdrew", "erased",
                  "consent_withdrawn", "mentee_paired", "vetting_failed")


def _iso(now: datetime) -> str:
    return now.isoformat()


def shortlist_offered(programme_id: str, mentee_id: str, proposals: Sequence[Proposal],
                      now: datetime) -> DomainEvent:
    return DomainEvent("ShortlistOffered", MENTEE_GUARD, mentee_id, {
        "programme_id": programme_id, "offered_at": _iso(now),
        "mentors": [{"mentor_id": p.mentor_id, **score_payload(p.score)} for p in proposals]})


def mentors_chosen(programme_id: str, mentee_id: str, choice_id: str, mentor_ids: Sequence[str],
                   now: datetime) -> DomainEvent:
    return DomainEvent("MentorsChosen", MENTEE_GUARD, mentee_id, {
        "programme_id": programme_id, "choice_id": choice_id, "mentor_ids": list(mentor_ids),
        "chosen_at": _iso(now)})


def requested(request_id: str, programme_id: str, mentor_id: str, mentee_id: str, *,
              choice_id: str, rank: int, score: Score, skipped: Sequence[str], now: datetime,
              answer_by: datetime) -> DomainEvent:
    return DomainEvent("MentorRequested", REQUEST, request_id, {
        "programme_id": programme_id, "mentor_id": mentor_id, "mentee_id": mentee_id,
        "choice_id": choice_id, "rank": rank, **score_payload(score), "skipped": list(skipped),
        "requested_at": _iso(now), "answer_by": _iso(answer_by)})


def next_mentor(ranking: Sequence[str], asked: Iterable[str],
                available: Callable[[str], bool]) -> Tuple[Optional[str], int, List[str]]:
    """The next mentor of the mentee's ``ranking`` to ask: ``(mentor_id, rank, skipped)``,
    ``mentor_id`` None when the list is exhausted. Mentors asked already in this choice are
    passed over; those not ``available`` now (full, withdrawn, ...) are skipped."""
    asked = set(asked)
    skipped: List[str] = []
    for rank, mentor_id in enumerate(ranking, start=1):
        if mentor_id in asked:
            continue
        if available(mentor_id):
            return mentor_id, rank, skipped
        skipped.append(mentor_id)
    return None, 0, skipped


@dataclass
class MentorRequest(Aggregate):
    """One request to a mentor, folded from its stream."""

    stream_type: ClassVar[str] = REQUEST

    id: str
    version: int = 0
    status: Optional[str] = None
    programme_id: Optional[str] = None
    mentor_id: Optional[str] = None
    mentee_id: Optional[str] = None
    choice_id: Optional[str] = None
    rank: int = 0

    def when(self, event: Any) -> None:
        payload = event.payload
        kind = event.event_type
        if kind == "MentorRequested":
            self.status = OPEN
            self.programme_id, self.mentor_id = payload["programme_id"], payload["mentor_id"]
            self.mentee_id, self.choice_id = payload["mentee_id"], payload["choice_id"]
            self.rank = payload.get("rank", 0)
        else:
            self.status = {"MentorRequestAccepted": ACCEPTED, "MentorRequestDeclined": DECLINED,
                           "MentorRequestExpired": EXPIRED,
                           "MentorRequestCancelled": CANCELLED}.get(kind, self.status)

    def created(self) -> Parties:
        """Who the request is between; a request not created yet has nobody (ValueError)."""
        if self.programme_id is None or self.mentor_id is None or self.mentee_id is None:
            raise ValueError(f"request {self.id} has not been created")
        return Parties(self.programme_id, self.mentor_id, self.mentee_id)

    def _body(self) -> Dict[str, Any]:
        return {"programme_id": self.programme_id, "mentor_id": self.mentor_id,
                "mentee_id": self.mentee_id, "choice_id": self.choice_id}

    def _close(self, event_type: str, extra: Dict[str, Any]) -> List[DomainEvent]:
        if self.status != OPEN:
            raise PairingRuleBroken(f"request {self.id} is {self.status}: it was answered or "
                                    f"closed already", "request_not_open")
        return [DomainEvent(event_type, REQUEST, self.id, {**self._body(), **extra})]

    def accept(self, *, pairing_id: str, now: datetime) -> List[DomainEvent]:
        return self._close("MentorRequestAccepted", {"pairing_id": pairing_id,
                                                     "accepted_at": _iso(now)})

    def decline(self, *, reason: Optional[str], now: datetime) -> List[DomainEvent]:
        return self._close("MentorRequestDeclined", {"reason": reason, "declined_at": _iso(now)})

    def expire(self, *, now: datetime) -> List[DomainEvent]:
        return self._close("MentorRequestExpired", {"expired_at": _iso(now)})

    def cancel(self, *, reason: str, now: datetime) -> List[DomainEvent]:
        if reason not in CANCEL_REASONS:
            raise ValueError(f"reason must be one of {CANCEL_REASONS}")
        return self._close("MentorRequestCancelled", {"reason": reason, "cancelled_at": _iso(now)})
