"""Why a mentee waits, as decisions and the reserve register tell it.

Who waits in the reserve register (the *pool*): a mentee or team taking part (not withdrawn)
with no proposed or confirmed pairing, unless a pairing of theirs ended and nobody put them
back (a coordinator's ``rematch``, a mentor who left, a consent withdrawn do).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from services.platform_core.events import DomainEvent

from ..domain import MenteeCandidate, MentorCandidate, MentorIndex, Waiting, shortlist, waiting_reason
from ..domain.eligibility import mentee_waiting_reason
from ..domain.pairing import waitlisted
from ..domain.requests import AWAITING_ANSWER, AWAITING_CHOICE, NO_MENTOR_ACCEPTED
from ..programme_state import ProgrammeState

#: before the programme's cohort round date, automatic and approving programmes wait for it
AWAITING_ROUND = "awaiting_round"

AWAITING = {"coordinator_assigns": "awaiting_coordinator",
            "mentee_chooses": "awaiting_mentee_choice"}


def with_bars(state: ProgrammeState, mentee: MenteeCandidate) -> MenteeCandidate:
    """The mentee, with the mentors who declined or let their request expire excluded."""
    bars = state.barred.get(mentee.id)
    if not bars:
        return mentee
    return replace(mentee, excluded_mentor_ids=mentee.excluded_mentor_ids | bars)


def waitlist_events(state: ProgrammeState, reasons: Mapping[str, str], now: datetime) -> List[DomainEvent]:
    """``MenteeWaitlisted`` for each mentee whose reason to wait changed."""
    out = []
    for mentee_id, reason in sorted(reasons.items()):
        current = state.waiting.get(mentee_id)
        if current is None or current["reason"] != reason:
            out.append(waitlisted(state.id, mentee_id, reason, now))
    return out


def choice_outlook(state: ProgrammeState, mentee: MenteeCandidate,
                   index: MentorIndex) -> Tuple[str, List[Any]]:
    """Why a mentee of a mentee-chooses programme waits, and the shortlist to offer."""
    failure = mentee_waiting_reason(state.rules, mentee, state.today)
    if failure is not None:
        return failure, []
    if mentee.id in state.open_requests:
        return AWAITING_ANSWER, []
    barred = with_bars(state, mentee)
    proposals = shortlist(state.rules, index, barred, state.today)
    if (state.waiting.get(mentee.id) or {}).get("reason") == NO_MENTOR_ACCEPTED:
        return NO_MENTOR_ACCEPTED, proposals
    if not proposals:
        return waiting_reason(state.rules, barred, state.mentors.values(),
                              state.today) or Waiting.NO_CAPACITY, []
    return AWAITING_CHOICE, proposals


def live_reason(state: ProgrammeState, mentee: MenteeCandidate,
                mentors: Optional[Iterable[MentorCandidate]] = None) -> str:
    """Why the mentee waits now, whatever was recorded."""
    if state.mode == "mentee_chooses":
        return choice_outlook(state, mentee, state.index())[0]
    if state.round_pending:
        return mentee_waiting_reason(state.rules, mentee, state.today) or AWAITING_ROUND
    if state.mode in AWAITING:
        return mentee_waiting_reason(state.rules, mentee, state.today) or AWAITING[state.mode]
    return waiting_reason(state.rules, with_bars(state, mentee),
                          mentors if mentors is not None else state.mentors.values(),
                          state.today) or Waiting.NO_CAPACITY
