"""Rolling placement and the reserve: one mentee placed as they become ready, and waiting
mentees taken from the reserve when a mentor arrives or gets room (:mod:`..domain.placement`)."""
from __future__ import annotations

import uuid
from typing import Any, Dict, Iterable, List, Optional, Tuple

from services.platform_core.events import DomainEvent

from ..domain import Waiting, mentor_failures, place_one, take_from_reserve
from ..domain.pairing import PAIRING, pair
from ..programme_state import ProgrammeState
from . import choices
from .unit_of_work import UnitOfWork
from .waiting import AWAITING, live_reason, waitlist_events, with_bars


def pair_events(uow: UnitOfWork, state: ProgrammeState, mentee_id: str, mentor_id: str, pair_score,
                origin: str, *, confirm: Optional[bool] = None,
                confirmed_by: str = "automatic") -> Tuple[str, List[DomainEvent]]:
    """A new pairing's id and events (confirmed at once in automatic mode, else proposed)."""
    pairing_id = str(uuid.uuid4())
    if confirm is None:
        confirm = state.mode == "automatic"
    return pairing_id, pair(pairing_id, state.id, mentor_id, mentee_id, pair_score,
                            mode=state.mode, origin=origin, confirm=confirm,
                            confirmed_by=confirmed_by, now=uow.now)


def place(uow: UnitOfWork, programme_id: str, mentee_id: str, *, force: bool = False) -> Optional[str]:
    """Place one mentee (a registration, consent, a rejection ...): the pairing id, or
    ``None`` if they wait (``MenteeWaitlisted`` when the reason changed)."""
    versions = uow.guard_versions(programme_id)
    state = uow.state(programme_id)
    if state is None or mentee_id not in state.mentees:
        return None
    mentee = state.mentees[mentee_id]
    if mentee.withdrawn or mentee_id in state.placed:
        return None
    if not force and not state.in_pool(mentee_id):
        return None
    if state.mode == "mentee_chooses":
        uow.append(choices.offers(uow, state, [mentee]), versions)
        return None
    if state.mode in AWAITING or state.round_pending:
        uow.append(waitlist_events(state, {mentee_id: live_reason(state, mentee)}, uow.now), versions)
        return None
    outcome = place_one(state.rules, state.index(), with_bars(state, mentee), state.today)
    if isinstance(outcome, str):
        uow.append(waitlist_events(state, {mentee_id: outcome}, uow.now), versions)
        return None
    mentor_id, pair_score = outcome
    pairing_id, events = pair_events(uow, state, mentee_id, mentor_id, pair_score, "placement")
    uow.append(events, {**versions, (PAIRING, pairing_id): 0})
    return pairing_id


def refill(uow: UnitOfWork, programme_id: str, mentor_ids: Optional[Iterable[str]] = None) -> List[str]:
    """Take waiting mentees from the reserve: a mentor arrived, trained, got room, or
    the programme's settings changed (``mentor_ids`` None: every mentor)."""
    versions = uow.guard_versions(programme_id)
    state = uow.state(programme_id)
    if state is None:
        return []
    pool = state.pool()
    if not pool:
        return []
    if state.mode == "mentee_chooses":
        uow.append(choices.offers(uow, state, pool), versions)
        return []
    if state.mode in AWAITING or state.round_pending:
        uow.append(waitlist_events(state, {m.id: live_reason(state, m) for m in pool}, uow.now),
                   versions)
        return []
    mentor_ids = None if mentor_ids is None else [m for m in mentor_ids if m in state.mentors]
    if mentor_ids is not None and not mentor_ids:
        return []
    result = take_from_reserve(state.rules, state.index(), [with_bars(state, m) for m in pool],
                               state.today, mentor_ids=mentor_ids)
    events: List[DomainEvent] = []
    expected = dict(versions)
    made = []
    for mentee_id, mentor_id, pair_score in result.pairs:
        pairing_id, new = pair_events(uow, state, mentee_id, mentor_id, pair_score, "reserve")
        events += new
        expected[(PAIRING, pairing_id)] = 0
        made.append(pairing_id)
    reasons = {}
    for mentee_id, reason in result.waiting.items():
        if mentor_ids is None or reason not in (Waiting.NO_SUITABLE_MENTOR, Waiting.NO_CAPACITY) \
                or mentee_id not in state.waiting:
            reasons[mentee_id] = reason if mentor_ids is None else \
                live_reason(state, state.mentees[mentee_id])
        elif reason == Waiting.NO_CAPACITY:
            # the new mentor suits them but is full: someone suitable exists now
            reasons[mentee_id] = Waiting.NO_CAPACITY
    events += waitlist_events(state, reasons, uow.now)
    uow.append(events, expected)
    return made


def reserve(uow: UnitOfWork, programme_id: str) -> Dict[str, Any]:
    """Who waits, and why: mentees (live reason, recorded reason, since when) and mentors
    with free places (and what keeps them from being matched, if anything). Read within
    the programme's turn: the kept state is the next decision's to change."""
    state = uow.existing_state(programme_id)
    mentees = []
    for mentee in state.pool():
        recorded = state.waiting.get(mentee.id) or {}
        mentees.append({"id": mentee.id, "role": state.rows[mentee.id]["role"],
                        "reason": live_reason(state, mentee),
                        "recorded_reason": recorded.get("reason"),
                        "since": recorded.get("since")})
    mentors = []
    for mentor in sorted(state.mentors.values(), key=lambda m: m.id):
        room = mentor.room(state.rules)
        if mentor.withdrawn or room <= 0:
            continue
        blocked = mentor_failures(state.rules, mentor, check_capacity=False)
        mentors.append({"id": mentor.id, "capacity": mentor.capacity_in(state.rules),
                        "load": mentor.current_load, "room": room,
                        "reason": blocked[0] if blocked else "waiting_for_mentee",
                        "failures": blocked})
    return {"programme_id": programme_id, "mode": state.mode, "mentees": mentees, "mentors": mentors}
