"""Mentee chooses: shortlists, rankings, requests to mentors (see :mod:`..domain.requests`).

A mentee is offered a shortlist, ranks mentors of it, and the first available one is asked;
a request is accepted (the pair is confirmed), declined, expired after the programme's
answer days (a scheduled job) or cancelled, and then the next ranked mentor is asked.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from services.platform_core.events import DomainEvent
from services.platform_core.scheduler import cancel as cancel_job
from services.platform_core.scheduler import schedule as schedule_job

from .. import read_model
from ..domain import MenteeCandidate, Waiting, eligible, score
from ..domain.pairing import PAIRING, pair, waitlisted
from ..domain.requests import (
    AWAITING_ANSWER,
    AWAITING_CHOICE,
    NO_MENTOR_ACCEPTED,
    OPEN,
    REQUEST,
    MentorRequest,
    mentors_chosen,
    next_mentor,
    requested,
    shortlist_offered,
)
from ..programme_state import ProgrammeState
from .errors import BadChoice, NotFoundError, RuleFailed, StateConflict
from .unit_of_work import UnitOfWork
from .waiting import choice_outlook, live_reason, waitlist_events, with_bars

#: the scheduled job that expires an unanswered request to a mentor (key: the request id)
REQUEST_EXPIRY = "matching-request-expires"

Expected = Dict[Tuple[str, str], int]


def offers(uow: UnitOfWork, state: ProgrammeState, mentees: Iterable[MenteeCandidate]) -> List[DomainEvent]:
    """Shortlists that changed (``ShortlistOffered``) and waiting reasons that changed."""
    index = state.index()
    events: List[DomainEvent] = []
    reasons = {}
    for mentee in mentees:
        reasons[mentee.id], proposals = choice_outlook(state, mentee, index)
        offered = [(m["mentor_id"], m["percent"])
                   for m in (state.shortlists.get(mentee.id) or {}).get("mentors", [])]
        if offered != [(p.mentor_id, p.score.percent) for p in proposals] and \
                (proposals or reasons[mentee.id] in (NO_MENTOR_ACCEPTED, Waiting.NO_CAPACITY,
                                                     Waiting.NO_SUITABLE_MENTOR)):
            event = shortlist_offered(state.id, mentee.id, proposals, uow.now)
            state.shortlists[mentee.id] = event.payload
            events.append(event)
    events += waitlist_events(state, reasons, uow.now)
    for mentee_id, reason in reasons.items():
        state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}), "reason": reason}
    return events


def _chooser(uow: UnitOfWork, programme_id: str, mentee_id: str) -> ProgrammeState:
    state = uow.existing_state(programme_id)
    mentee = state.mentees.get(mentee_id)
    if mentee is None or mentee.withdrawn:
        raise NotFoundError(f"mentee {mentee_id} not found in programme {programme_id}")
    if state.mode != "mentee_chooses":
        raise RuleFailed("in this programme mentees do not choose their mentor",
                         ["mode_is_not_mentee_chooses"])
    return state


def shortlist_of(uow: UnitOfWork, programme_id: str, mentee_id: str) -> Dict[str, Any]:
    """What a mentee sees: the shortlist offered, their ranking and its requests."""
    state = _chooser(uow, programme_id, mentee_id)
    offered = state.shortlists.get(mentee_id) or {}
    choice = state.choices.get(mentee_id)
    requests = [r for r in read_model.request_rows(uow.conn, uow.tenant, programme_id=programme_id,
                                                   person_id=mentee_id)
                if choice is not None and r["choice_id"] == choice["choice_id"]]
    placed = state.placed.get(mentee_id)
    return {"programme_id": programme_id, "mentee_id": mentee_id,
            "mentors": offered.get("mentors", []), "offered_at": offered.get("offered_at"),
            "choice": {"choice_id": choice["choice_id"], "mentor_ids": choice["mentor_ids"],
                       "chosen_at": choice["chosen_at"]} if choice else None,
            "requests": [read_model.request_json(r) for r in requests],
            "pairing_id": placed["pairing_id"] if placed else None,
            "status": "paired" if placed else live_reason(state, state.mentees[mentee_id])}


def choose(uow: UnitOfWork, programme_id: str, mentee_id: str, mentor_ids: Sequence[str]) -> Optional[str]:
    """The mentee ranks mentors of their shortlist; the first available one is asked.
    Returns the request's id (None: nobody on the list could be asked)."""
    versions = uow.guard_versions(programme_id)
    state = _chooser(uow, programme_id, mentee_id)
    if mentee_id in state.placed:
        raise StateConflict(f"mentee {mentee_id} is paired already (pairing "
                            f"{state.placed[mentee_id]['pairing_id']})")
    if mentee_id in state.open_requests:
        raise StateConflict("a mentor is considering this mentee's request; choose again "
                            "once they have answered")
    offered = [m["mentor_id"] for m in (state.shortlists.get(mentee_id) or {}).get("mentors", [])]
    problems = [f"{m} is named twice" for m in sorted({m for m in mentor_ids
                                                     if list(mentor_ids).count(m) > 1})]
    problems += [f"{m} is not on this mentee's shortlist" for m in mentor_ids if m not in offered]
    if problems:
        raise BadChoice("choose mentors of the shortlist, each once", problems)
    choice_id = str(uuid.uuid4())
    events = [mentors_chosen(programme_id, mentee_id, choice_id, mentor_ids, uow.now)]
    state.choices[mentee_id] = {"choice_id": choice_id, "mentor_ids": list(mentor_ids)}
    state.asked[mentee_id] = set()
    if (state.waiting.get(mentee_id) or {}).get("reason") == NO_MENTOR_ACCEPTED:
        state.waiting[mentee_id] = {**state.waiting[mentee_id], "reason": AWAITING_CHOICE}
    expected = dict(versions)
    request_id = _ask_next(uow, state, mentee_id, events, expected)
    uow.append(events, expected)
    return request_id


def _ask_next(uow: UnitOfWork, state: ProgrammeState, mentee_id: str, events: List[DomainEvent],
              expected: Expected) -> Optional[str]:
    """Ask the next available mentor of the mentee's ranking (adds to ``events``); when
    the list is exhausted the mentee waits (``no_mentor_accepted``) with a fresh shortlist."""
    mentee = with_bars(state, state.mentees[mentee_id])
    choice = state.choices[mentee_id]

    def available(mentor_id: str) -> bool:
        mentor = state.mentors.get(mentor_id)
        return mentor is not None and not eligible(state.rules, mentor, mentee, state.today)

    mentor_id, rank, skipped = next_mentor(choice["mentor_ids"], state.asked.get(mentee_id, ()),
                                           available)
    state.open_requests.pop(mentee_id, None)
    if mentor_id is None:
        events.append(waitlisted(state.id, mentee_id, NO_MENTOR_ACCEPTED, uow.now))
        state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}),
                                    "reason": NO_MENTOR_ACCEPTED}
        events += offers(uow, state, [state.mentees[mentee_id]])
        return None
    request_id = str(uuid.uuid4())
    answer_by = uow.now + timedelta(days=state.answer_days)
    events.append(requested(request_id, state.id, mentor_id, mentee_id,
                            choice_id=choice["choice_id"], rank=rank,
                            score=score(state.rules, state.mentors[mentor_id], mentee),
                            skipped=skipped, now=uow.now, answer_by=answer_by))
    expected[(REQUEST, request_id)] = 0
    state.asked.setdefault(mentee_id, set()).add(mentor_id)
    state.open_requests[mentee_id] = {"request_id": request_id, "mentor_id": mentor_id,
                                      "mentee_id": mentee_id, "version": 1}
    schedule_job(uow.tx, kind=REQUEST_EXPIRY, key=request_id, due_at=answer_by,
                 payload={"programme_id": state.id, "request_id": request_id})
    events += waitlist_events(state, {mentee_id: AWAITING_ANSWER}, uow.now)
    state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}), "reason": AWAITING_ANSWER}
    return request_id


def request_of(uow: UnitOfWork, programme_id: str, request_id: str,
               mentor_id: Optional[str] = None) -> MentorRequest:
    """The request (``mentor_id`` given: only that mentor's; anyone else's reads as 404)."""
    request = uow.load(REQUEST, MentorRequest, request_id)
    if not request.exists or request.programme_id != programme_id or \
            (mentor_id is not None and request.mentor_id != mentor_id):
        raise NotFoundError(f"request {request_id} not found in programme {programme_id}")
    return request


def close_request(uow: UnitOfWork, state: ProgrammeState, request: MentorRequest,
                  closing: List[DomainEvent], events: List[DomainEvent], expected: Expected, *,
                  advance: bool) -> None:
    """A request ends without a pair (declined, expired, cancelled): its expiry job goes
    and, if ``advance``, the mentee's next ranked mentor is asked."""
    events += closing
    expected[(REQUEST, request.id)] = request.version
    cancel_job(uow.tx, REQUEST_EXPIRY, request.id)
    parties = request.created()
    state.open_requests.pop(parties.mentee_id, None)
    if closing and closing[0].event_type in ("MentorRequestDeclined", "MentorRequestExpired"):
        state.barred.setdefault(parties.mentee_id, set()).add(parties.mentor_id)
    if advance and parties.mentee_id in state.choices and parties.mentee_id in state.mentees \
            and parties.mentee_id not in state.placed:
        _ask_next(uow, state, parties.mentee_id, events, expected)


def decline(uow: UnitOfWork, programme_id: str, request_id: str, mentor_id: Optional[str],
            reason: Optional[str]) -> Optional[str]:
    """The mentor says no: the mentee's next ranked mentor is asked (returns that request)."""
    return _answer_no(uow, programme_id, request_id, mentor_id,
                      lambda request: request.decline(reason=reason, now=uow.now))


def expire(uow: UnitOfWork, programme_id: str, request_id: str) -> Optional[str]:
    """No answer within the programme's answer days (the scheduled job): the next is asked."""
    request = request_of(uow, programme_id, request_id)
    if request.status != OPEN:
        return None
    return _answer_no(uow, programme_id, request_id, None,
                      lambda request: request.expire(now=uow.now))


def _answer_no(uow: UnitOfWork, programme_id, request_id, mentor_id, close) -> Optional[str]:
    versions = uow.guard_versions(programme_id)
    request = request_of(uow, programme_id, request_id, mentor_id)
    closing = close(request)
    state = uow.existing_state(programme_id)
    events: List[DomainEvent] = []
    expected = dict(versions)
    close_request(uow, state, request, closing, events, expected, advance=True)
    uow.append(events, expected)
    following = state.open_requests.get(request.created().mentee_id)
    return following["request_id"] if following else None


def accept(uow: UnitOfWork, programme_id: str, request_id: str, mentor_id: Optional[str]) -> str:
    """The mentor says yes: the pair is confirmed, unless a rule now refuses it (422: the
    mentor filled up meanwhile, ...). A mentor who is full now has their other open
    requests cancelled, and those mentees' next mentors are asked."""
    versions = uow.guard_versions(programme_id)
    request = request_of(uow, programme_id, request_id, mentor_id)
    pairing_id = str(uuid.uuid4())
    accepted = request.accept(pairing_id=pairing_id, now=uow.now)
    state = uow.existing_state(programme_id)
    parties = request.created()
    mentor = state.mentors.get(parties.mentor_id)
    mentee = state.mentees.get(parties.mentee_id)
    if mentor is None or mentee is None:
        raise RuleFailed("the mentor or the mentee no longer takes part", ["not_taking_part"])
    if parties.mentee_id in state.placed:
        raise StateConflict(f"mentee {parties.mentee_id} is paired already")
    failures = eligible(state.rules, mentor, mentee, state.today)
    if failures:
        raise RuleFailed("you cannot take this mentee now: " + ", ".join(failures), failures)
    events = accepted + pair(pairing_id, state.id, mentor.id, mentee.id,
                             score(state.rules, mentor, mentee), mode=state.mode,
                             origin="choice", confirm=True, confirmed_by="mentor",
                             now=uow.now)
    expected = {**versions, (REQUEST, request_id): request.version, (PAIRING, pairing_id): 0}
    cancel_job(uow.tx, REQUEST_EXPIRY, request_id)
    state.open_requests.pop(parties.mentee_id, None)
    state.placed[parties.mentee_id] = {"pairing_id": pairing_id}
    took_a_place(uow, state, mentor.id, events, expected)
    uow.append(events, expected)
    return pairing_id


def took_a_place(uow: UnitOfWork, state: ProgrammeState, mentor_id: str, events: List[DomainEvent],
                 expected: Expected) -> None:
    """A mentor took one more mentee (their answer, or a coordinator's assignment): once
    full, their other open requests are cancelled and those mentees' next mentors asked."""
    mentor = state.mentors[mentor_id] = replace(state.mentors[mentor_id],
                                                current_load=state.mentors[mentor_id].current_load + 1)
    state.index().upsert(mentor)  # shortlists offered from here on see the mentor's new load
    if mentor.room(state.rules) > 0:
        return
    for row in list(state.open_requests.values()):
        if row["mentor_id"] == mentor_id:
            other = request_of(uow, state.id, row["request_id"])
            close_request(uow, state, other, other.cancel(reason="mentor_full", now=uow.now),
                          events, expected, advance=True)


def cancel_requests(uow: UnitOfWork, programme_id: str, person_id: str, reason: str) -> None:
    """Someone left: their open requests are cancelled; a mentee whose mentor left has
    their next ranked mentor asked."""
    programme = uow.programme(programme_id)
    if programme is None or programme["mode"] != "mentee_chooses":
        return
    versions = uow.guard_versions(programme_id)
    state = uow.existing_state(programme_id)
    events: List[DomainEvent] = []
    expected = dict(versions)
    for row in list(state.open_requests.values()):
        if person_id not in (row["mentor_id"], row["mentee_id"]):
            continue
        request = request_of(uow, programme_id, row["request_id"])
        close_request(uow, state, request, request.cancel(reason=reason, now=uow.now),
                      events, expected, advance=row["mentor_id"] == person_id)
    uow.append(events, expected)
