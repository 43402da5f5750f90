"""The matching service's decisions, inside one store transaction of one tenant.

:class:`Matcher` reads the read model (:mod:`.read_model`), builds the domain's candidates, calls
the pure domain (``place_one``, ``take_from_reserve``, ``assign_cohort``, ``eligible``,
:class:`~.domain.pairing.Pairing`) and appends the resulting events, applying the
``pairings`` projection to them in the same transaction.

Concurrency (two replicas, or a consumer and an HTTP command at once): before it reads any
load or state, a decision takes its programme's turn (a row lock on the programme; SQLite
serialises writers anyway), so decisions on one programme are taken one at a time. Every
place taken or freed also appends a guard event to the mentor's and the mentee's guard
streams (``matchmentor``/<mentor>, ``matchmentee``/<mentee>, see :mod:`.domain.pairing`),
with the versions those streams have when the decision appends: a writer that ever got
past the turn would make the append fail whole (:class:`ConcurrencyConflict`; the consumer
retries the event, an HTTP command answers 409). So a mentor is never over-filled and a
mentee never paired twice, whatever the number of replicas. Only the streams a decision
touches are read, so a decision costs the same in a programme of ten or of ten thousand.

Who waits in the reserve register (the *pool*): a mentee or team taking part (not withdrawn)
with no proposed or confirmed pairing, unless a pairing of theirs ended and nobody put them
back (a coordinator's ``rematch``, a mentor who left, a consent withdrawn do).
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.platform_core.envelope import SYSTEM, Actor, Envelope
from services.platform_core.events import DomainEvent
from services.platform_core.scheduler import cancel as cancel_job
from services.platform_core.scheduler import list_jobs
from services.platform_core.scheduler import schedule as schedule_job
from services.platform_core.store import StoreTransaction, events_table

from . import read_model
from .domain import (MenteeCandidate, MentorCandidate, MentorIndex, Waiting,
                     assign_cohort, eligible, mentee_failures, place_one, score, shortlist,
                     take_from_reserve, waiting_reason)
from .domain.eligibility import mentee_waiting_reason, pair_failures
from .domain.model import Failure
from .domain.pairing import (CONFIRMED, MENTEE_GUARD, MENTOR_GUARD, PAIRING, PROPOSED,
                             Pairing, pair, round_completed, waitlisted)
from .domain.requests import (AWAITING_ANSWER, AWAITING_CHOICE, NO_MENTOR_ACCEPTED, OPEN, REQUEST, MentorRequest, mentors_chosen,
                              next_mentor, requested, shortlist_offered)
from .programme_state import ProgrammeState, day_of, states_of

#: the scheduled job that expires an unanswered request to a mentor (key: the request id)
REQUEST_EXPIRY = "matching-request-expires"
#: the scheduled cohort round of a programme (key: ``<programme id>@<date>``)
ROUND_JOB = "matching-round"
#: the day a programme's matching window opens (key: ``<programme id>@<date>``)
OPENING_JOB = "matching-opens"
#: before the programme's cohort round date, automatic and approving programmes wait for it
AWAITING_ROUND = "awaiting_round"

AWAITING = {"coordinator_assigns": "awaiting_coordinator",
            "mentee_chooses": "awaiting_mentee_choice"}


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


class Matcher:
    def __init__(self, tx: StoreTransaction, *, actor: Actor = SYSTEM,
                 correlation_id: Optional[str] = None, causation_id: Optional[str] = None):
        self.tx = tx
        self.conn = tx.conn
        self.tenant = tx.tenant_id
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.appended: List[Envelope] = []
        self.states = states_of(tx.store)

    # ---------------------------------------------------------------------------------------
    # Reading
    # ---------------------------------------------------------------------------------------

    def _versions(self, stream_type: str, ids: Iterable[str]) -> Dict[str, int]:
        ids = sorted(set(ids))
        found: Dict[str, int] = {i: 0 for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.conn.execute(select(events_table.c.stream_id,
                                            func.max(events_table.c.stream_position)).where(
                events_table.c.stream_type == stream_type,
                events_table.c.stream_id.in_(chunk)).group_by(events_table.c.stream_id)).all()
            found.update({sid: int(v) for sid, v in rows})
        return found

    def guard_versions(self, programme_id: str) -> Dict[Tuple[str, str], int]:
        """Take the programme's turn, before any load or state is read.

        Returns the expected versions known so far: none. The guard streams a decision
        touches are read when it appends (:meth:`append`), still within the turn."""
        read_model.programme_row(self.conn, self.tenant, programme_id, lock=True)
        return {}

    def state(self, programme_id: str) -> Optional[ProgrammeState]:
        """The programme as decisions see it, after taking its turn (decisions read who is
        free and who waits, then write: without turns, a mentor registering while another
        withdraws could each miss the other). Kept in memory between decisions and brought
        up to date from the read model's change log (:mod:`.programme_state`)."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id, lock=True)
        if programme is None:
            return None
        return self.states.state(self.tx, programme)

    @staticmethod
    def with_bars(state: ProgrammeState, mentee: MenteeCandidate) -> MenteeCandidate:
        bars = state.barred.get(mentee.id)
        if not bars:
            return mentee
        return replace(mentee, excluded_mentor_ids=mentee.excluded_mentor_ids | bars)

    # ---------------------------------------------------------------------------------------
    # Writing
    # ---------------------------------------------------------------------------------------

    def append(self, events: List[DomainEvent], expected: Mapping[Tuple[str, str], int]) -> List[Envelope]:
        if not events:
            return []
        touched = {(e.stream_type, e.stream_id) for e in events}
        expected = {k: v for k, v in expected.items() if k in touched}
        for guard in (MENTOR_GUARD, MENTEE_GUARD):
            unread = [stream_id for stream_type, stream_id in touched
                      if stream_type == guard and (guard, stream_id) not in expected]
            expected.update({(guard, k): v for k, v in self._versions(guard, unread).items()})
        changed = {programme: people for programme, people in read_model.people_changed_by(events).items()
                   if people}
        envelopes = self.tx.append(events, expected=expected,
                                   actor=self.actor, correlation_id=self.correlation_id,
                                   causation_id=self.causation_id)
        try:
            read_model.PAIRINGS.apply_all(self.conn, envelopes)
        except IntegrityError as exc:  # match_placed's key: a mentee paired twice
            raise read_model.PlacesRefused(f"a mentee of this decision already has an active pairing in "
                                   f"the programme; refused ({type(exc.orig).__name__})") from None
        read_model.check_places(self.conn, self.tenant, envelopes)
        for programme_id, people in sorted(changed.items()):
            read_model.record_changes(self.conn, self.tenant, programme_id, people)
        self.appended.extend(envelopes)
        return envelopes

    def _pair_events(self, state: ProgrammeState, mentee_id: str, mentor_id: str, pair_score,
                     origin: str, *, confirm: Optional[bool] = None,
                     confirmed_by: str = "automatic") -> Tuple[str, List[DomainEvent]]:
        pairing_id = str(uuid.uuid4())
        if confirm is None:
            confirm = state.mode == "automatic"
        return pairing_id, pair(pairing_id, state.id, mentor_id, mentee_id, pair_score,
                                mode=state.mode, origin=origin, confirm=confirm,
                                confirmed_by=confirmed_by, now=self.tx.now)

    def _waitlist_events(self, state: ProgrammeState, reasons: Mapping[str, str]) -> List[DomainEvent]:
        out = []
        for mentee_id, reason in sorted(reasons.items()):
            current = state.waiting.get(mentee_id)
            if current is None or current["reason"] != reason:
                out.append(waitlisted(state.id, mentee_id, reason, self.tx.now))
        return out

    def _live_reason(self, state: ProgrammeState, mentee: MenteeCandidate,
                     mentors: Optional[Iterable[MentorCandidate]] = None) -> str:
        if state.mode == "mentee_chooses":
            return self._choice_outlook(state, mentee, state.index())[0]
        if state.round_pending:
            return mentee_waiting_reason(state.rules, mentee, state.today) or AWAITING_ROUND
        if state.mode in AWAITING:
            return mentee_waiting_reason(state.rules, mentee, state.today) or AWAITING[state.mode]
        return waiting_reason(state.rules, self.with_bars(state, mentee),
                              mentors if mentors is not None else state.mentors.values(),
                              state.today) or Waiting.NO_CAPACITY

    # ---------------------------------------------------------------------------------------
    # Rolling placement and the reserve
    # ---------------------------------------------------------------------------------------

    def place(self, programme_id: str, mentee_id: str, *, force: bool = False) -> Optional[str]:
        """Place one mentee (a registration, consent, a rejection ...): the pairing id, or
        ``None`` if they wait (``MenteeWaitlisted`` when the reason changed)."""
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None or mentee_id not in state.mentees:
            return None
        mentee = state.mentees[mentee_id]
        if mentee.withdrawn or mentee_id in state.placed:
            return None
        if not force and not state.in_pool(mentee_id):
            return None
        if state.mode == "mentee_chooses":
            self.append(self._offers(state, [mentee]), versions)
            return None
        if state.mode in AWAITING or state.round_pending:
            self.append(self._waitlist_events(state, {mentee_id: self._live_reason(state, mentee)}),
                        versions)
            return None
        outcome = place_one(state.rules, state.index(), self.with_bars(state, mentee), state.today)
        if isinstance(outcome, str):
            self.append(self._waitlist_events(state, {mentee_id: outcome}), versions)
            return None
        mentor_id, pair_score = outcome
        pairing_id, events = self._pair_events(state, mentee_id, mentor_id, pair_score, "placement")
        self.append(events, {**versions, (PAIRING, pairing_id): 0})
        return pairing_id

    def refill(self, programme_id: str, mentor_ids: Optional[Iterable[str]] = None) -> List[str]:
        """Take waiting mentees from the reserve: a mentor arrived, trained, got room, or
        the programme's settings changed (``mentor_ids`` None: every mentor)."""
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None:
            return []
        pool = state.pool()
        if not pool:
            return []
        if state.mode == "mentee_chooses":
            self.append(self._offers(state, pool), versions)
            return []
        if state.mode in AWAITING or state.round_pending:
            self.append(self._waitlist_events(state, {m.id: self._live_reason(state, m) for m in pool}),
                        versions)
            return []
        mentor_ids = None if mentor_ids is None else [m for m in mentor_ids if m in state.mentors]
        if mentor_ids is not None and not mentor_ids:
            return []
        result = take_from_reserve(state.rules, state.index(), [self.with_bars(state, m) for m in pool],
                                   state.today, mentor_ids=mentor_ids)
        events: List[DomainEvent] = []
        expected = dict(versions)
        made = []
        for mentee_id, mentor_id, pair_score in result.pairs:
            pairing_id, new = self._pair_events(state, mentee_id, mentor_id, pair_score, "reserve")
            events += new
            expected[(PAIRING, pairing_id)] = 0
            made.append(pairing_id)
        reasons = {}
        for mentee_id, reason in result.waiting.items():
            if mentor_ids is None or reason not in (Waiting.NO_SUITABLE_MENTOR, Waiting.NO_CAPACITY) \
                    or mentee_id not in state.waiting:
                reasons[mentee_id] = reason if mentor_ids is None else \
                    self._live_reason(state, state.mentees[mentee_id])
            elif reason == Waiting.NO_CAPACITY:
                # the new mentor suits them but is full: someone suitable exists now
                reasons[mentee_id] = Waiting.NO_CAPACITY
        events += self._waitlist_events(state, reasons)
        self.append(events, expected)
        return made

    # ---------------------------------------------------------------------------------------
    # Mentee chooses: shortlists, rankings, requests to mentors (see .domain.requests)
    # ---------------------------------------------------------------------------------------

    def _choice_outlook(self, state: ProgrammeState, mentee: MenteeCandidate,
                        index: MentorIndex) -> Tuple[str, List[Any]]:
        """Why a mentee of a mentee-chooses programme waits, and the shortlist to offer."""
        failure = mentee_waiting_reason(state.rules, mentee, state.today)
        if failure is not None:
            return failure, []
        if mentee.id in state.open_requests:
            return AWAITING_ANSWER, []
        barred = self.with_bars(state, mentee)
        proposals = shortlist(state.rules, index, barred, state.today)
        if (state.waiting.get(mentee.id) or {}).get("reason") == NO_MENTOR_ACCEPTED:
            return NO_MENTOR_ACCEPTED, proposals
        if not proposals:
            return waiting_reason(state.rules, barred, state.mentors.values(),
                                  state.today) or Waiting.NO_CAPACITY, []
        return AWAITING_CHOICE, proposals

    def _offers(self, state: ProgrammeState, mentees: Iterable[MenteeCandidate]) -> List[DomainEvent]:
        """Shortlists that changed (``ShortlistOffered``) and waiting reasons that changed."""
        index = state.index()
        events: List[DomainEvent] = []
        reasons = {}
        for mentee in mentees:
            reasons[mentee.id], proposals = self._choice_outlook(state, mentee, index)
            offered = [(m["mentor_id"], m["percent"])
                       for m in (state.shortlists.get(mentee.id) or {}).get("mentors", [])]
            if offered != [(p.mentor_id, p.score.percent) for p in proposals] and \
                    (proposals or reasons[mentee.id] in (NO_MENTOR_ACCEPTED, Waiting.NO_CAPACITY,
                                                         Waiting.NO_SUITABLE_MENTOR)):
                event = shortlist_offered(state.id, mentee.id, proposals, self.tx.now)
                state.shortlists[mentee.id] = event.payload
                events.append(event)
        events += self._waitlist_events(state, reasons)
        for mentee_id, reason in reasons.items():
            state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}), "reason": reason}
        return events

    def _chooser(self, programme_id: str, mentee_id: str) -> ProgrammeState:
        state = self.state(programme_id)
        if state is None:
            raise NotFoundError(f"programme {programme_id} not found")
        mentee = state.mentees.get(mentee_id)
        if mentee is None or mentee.withdrawn:
            raise NotFoundError(f"mentee {mentee_id} not found in programme {programme_id}")
        if state.mode != "mentee_chooses":
            raise RuleFailed("in this programme mentees do not choose their mentor",
                             ["mode_is_not_mentee_chooses"])
        return state

    def shortlist_of(self, programme_id: str, mentee_id: str) -> Dict[str, Any]:
        """What a mentee sees: the shortlist offered, their ranking and its requests."""
        state = self._chooser(programme_id, mentee_id)
        offered = state.shortlists.get(mentee_id) or {}
        choice = state.choices.get(mentee_id)
        requests = [r for r in read_model.request_rows(self.conn, self.tenant, programme_id=programme_id,
                                               person_id=mentee_id)
                    if choice is not None and r["choice_id"] == choice["choice_id"]]
        placed = state.placed.get(mentee_id)
        return {"programme_id": programme_id, "mentee_id": mentee_id,
                "mentors": offered.get("mentors", []), "offered_at": offered.get("offered_at"),
                "choice": {"choice_id": choice["choice_id"], "mentor_ids": choice["mentor_ids"],
                           "chosen_at": choice["chosen_at"]} if choice else None,
                "requests": [read_model.request_json(r) for r in requests], "pairing_id": placed["pairing_id"] if placed else None,
                "status": "paired" if placed else self._live_reason(state, state.mentees[mentee_id])}

    def choose(self, programme_id: str, mentee_id: str, mentor_ids: Sequence[str]) -> Optional[str]:
        """The mentee ranks mentors of their shortlist; the first available one is asked.
        Returns the request's id (None: nobody on the list could be asked)."""
        versions = self.guard_versions(programme_id)
        state = self._chooser(programme_id, mentee_id)
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
        events = [mentors_chosen(programme_id, mentee_id, choice_id, mentor_ids, self.tx.now)]
        state.choices[mentee_id] = {"choice_id": choice_id, "mentor_ids": list(mentor_ids)}
        state.asked[mentee_id] = set()
        if (state.waiting.get(mentee_id) or {}).get("reason") == NO_MENTOR_ACCEPTED:
            state.waiting[mentee_id] = {**state.waiting[mentee_id], "reason": AWAITING_CHOICE}
        expected = dict(versions)
        request_id = self._ask_next(state, mentee_id, events, expected)
        self.append(events, expected)
        return request_id

    def _ask_next(self, state: ProgrammeState, mentee_id: str, events: List[DomainEvent],
                  expected: Dict[Tuple[str, str], int]) -> Optional[str]:
        """Ask the next available mentor of the mentee's ranking (adds to ``events``); when
        the list is exhausted the mentee waits (``no_mentor_accepted``) with a fresh shortlist."""
        mentee = self.with_bars(state, state.mentees[mentee_id])
        choice = state.choices[mentee_id]

        def available(mentor_id: str) -> bool:
            mentor = state.mentors.get(mentor_id)
            return mentor is not None and not eligible(state.rules, mentor, mentee, state.today)

        mentor_id, rank, skipped = next_mentor(choice["mentor_ids"], state.asked.get(mentee_id, ()),
                                               available)
        state.open_requests.pop(mentee_id, None)
        if mentor_id is None:
            events.append(waitlisted(state.id, mentee_id, NO_MENTOR_ACCEPTED, self.tx.now))
            state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}),
                                        "reason": NO_MENTOR_ACCEPTED}
            events += self._offers(state, [state.mentees[mentee_id]])
            return None
        request_id = str(uuid.uuid4())
        answer_by = self.tx.now + timedelta(days=state.answer_days)
        events.append(requested(request_id, state.id, mentor_id, mentee_id,
                                choice_id=choice["choice_id"], rank=rank,
                                score=score(state.rules, state.mentors[mentor_id], mentee),
                                skipped=skipped, now=self.tx.now, answer_by=answer_by))
        expected[(REQUEST, request_id)] = 0
        state.asked.setdefault(mentee_id, set()).add(mentor_id)
        state.open_requests[mentee_id] = {"request_id": request_id, "mentor_id": mentor_id,
                                          "mentee_id": mentee_id, "version": 1}
        schedule_job(self.tx, kind=REQUEST_EXPIRY, key=request_id, due_at=answer_by,
                     payload={"programme_id": state.id, "request_id": request_id})
        events += self._waitlist_events(state, {mentee_id: AWAITING_ANSWER})
        state.waiting[mentee_id] = {**(state.waiting.get(mentee_id) or {}), "reason": AWAITING_ANSWER}
        return request_id

    def _request(self, programme_id: str, request_id: str, mentor_id: Optional[str] = None) -> MentorRequest:
        """The request (``mentor_id`` given: only that mentor's; anyone else's reads as 404)."""
        request = self._load(REQUEST, MentorRequest, request_id)
        if not request.exists or request.programme_id != programme_id or \
                (mentor_id is not None and request.mentor_id != mentor_id):
            raise NotFoundError(f"request {request_id} not found in programme {programme_id}")
        return request

    def _close_request(self, state: ProgrammeState, request: MentorRequest,
                       closing: List[DomainEvent], events: List[DomainEvent],
                       expected: Dict[Tuple[str, str], int], *, advance: bool) -> None:
        """A request ends without a pair (declined, expired, cancelled): its expiry job goes
        and, if ``advance``, the mentee's next ranked mentor is asked."""
        events += closing
        expected[(REQUEST, request.id)] = request.version
        cancel_job(self.tx, REQUEST_EXPIRY, request.id)
        state.open_requests.pop(request.mentee_id, None)
        if closing and closing[0].event_type in ("MentorRequestDeclined", "MentorRequestExpired"):
            state.barred.setdefault(request.mentee_id, set()).add(request.mentor_id)
        if advance and request.mentee_id in state.choices and request.mentee_id in state.mentees \
                and request.mentee_id not in state.placed:
            self._ask_next(state, request.mentee_id, events, expected)

    def decline(self, programme_id: str, request_id: str, mentor_id: Optional[str],
                reason: Optional[str]) -> Optional[str]:
        """The mentor says no: the mentee's next ranked mentor is asked (returns that request)."""
        return self._answer_no(programme_id, request_id, mentor_id,
                               lambda request: request.decline(reason=reason, now=self.tx.now))

    def expire(self, programme_id: str, request_id: str) -> Optional[str]:
        """No answer within the programme's answer days (the scheduled job): the next is asked."""
        request = self._request(programme_id, request_id)
        if request.status != OPEN:
            return None
        return self._answer_no(programme_id, request_id, None,
                               lambda request: request.expire(now=self.tx.now))

    def _answer_no(self, programme_id, request_id, mentor_id, close) -> Optional[str]:
        versions = self.guard_versions(programme_id)
        request = self._request(programme_id, request_id, mentor_id)
        closing = close(request)
        state = self.state(programme_id)
        events: List[DomainEvent] = []
        expected = dict(versions)
        self._close_request(state, request, closing, events, expected, advance=True)
        self.append(events, expected)
        following = state.open_requests.get(request.mentee_id)
        return following["request_id"] if following else None

    def accept(self, programme_id: str, request_id: str, mentor_id: Optional[str]) -> str:
        """The mentor says yes: the pair is confirmed, unless a rule now refuses it (422: the
        mentor filled up meanwhile, ...). A mentor who is full now has their other open
        requests cancelled, and those mentees' next mentors are asked."""
        versions = self.guard_versions(programme_id)
        request = self._request(programme_id, request_id, mentor_id)
        pairing_id = str(uuid.uuid4())
        accepted = request.accept(pairing_id=pairing_id, now=self.tx.now)
        state = self.state(programme_id)
        mentor = state.mentors.get(request.mentor_id)
        mentee = state.mentees.get(request.mentee_id)
        if mentor is None or mentee is None:
            raise RuleFailed("the mentor or the mentee no longer takes part", ["not_taking_part"])
        if request.mentee_id in state.placed:
            raise StateConflict(f"mentee {request.mentee_id} is paired already")
        failures = eligible(state.rules, mentor, mentee, state.today)
        if failures:
            raise RuleFailed("you cannot take this mentee now: " + ", ".join(failures), failures)
        events = accepted + pair(pairing_id, state.id, mentor.id, mentee.id,
                                 score(state.rules, mentor, mentee), mode=state.mode,
                                 origin="choice", confirm=True, confirmed_by="mentor",
                                 now=self.tx.now)
        expected = {**versions, (REQUEST, request_id): request.version, (PAIRING, pairing_id): 0}
        cancel_job(self.tx, REQUEST_EXPIRY, request_id)
        state.open_requests.pop(request.mentee_id, None)
        state.placed[request.mentee_id] = {"pairing_id": pairing_id}
        self._took_a_place(state, mentor.id, events, expected)
        self.append(events, expected)
        return pairing_id

    def _took_a_place(self, state: ProgrammeState, mentor_id: str, events: List[DomainEvent],
                      expected: Dict[Tuple[str, str], int]) -> None:
        """A mentor took one more mentee (their answer, or a coordinator's assignment): once
        full, their other open requests are cancelled and those mentees' next mentors asked."""
        mentor = state.mentors[mentor_id] = replace(state.mentors[mentor_id],
                                                    current_load=state.mentors[mentor_id].current_load + 1)
        state.index().upsert(mentor)  # shortlists offered from here on see the mentor's new load
        if mentor.room(state.rules) > 0:
            return
        for row in list(state.open_requests.values()):
            if row["mentor_id"] == mentor_id:
                other = self._request(state.id, row["request_id"])
                self._close_request(state, other, other.cancel(reason="mentor_full", now=self.tx.now),
                                    events, expected, advance=True)

    def cancel_requests(self, programme_id: str, person_id: str, reason: str) -> None:
        """Someone left: their open requests are cancelled; a mentee whose mentor left has
        their next ranked mentor asked."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id)
        if programme is None or programme["mode"] != "mentee_chooses":
            return
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        events: List[DomainEvent] = []
        expected = dict(versions)
        for row in list(state.open_requests.values()):
            if person_id not in (row["mentor_id"], row["mentee_id"]):
                continue
            request = self._request(programme_id, row["request_id"])
            self._close_request(state, request, request.cancel(reason=reason, now=self.tx.now),
                                events, expected, advance=row["mentor_id"] == person_id)
        self.append(events, expected)

    # ---------------------------------------------------------------------------------------
    # People leaving
    # ---------------------------------------------------------------------------------------

    def release(self, programme_id: str, person_id: str, *, reason: str, by_role: str,
                mentees_only: bool = False) -> None:
        """Someone withdrew, was erased, lost their consent or failed a required background
        check: their pairings end (proposals are dropped), the other side goes back to the
        reserve and is matched again."""
        self.cancel_requests(programme_id, person_id,
                             reason if reason in ("erased", "consent_withdrawn", "vetting_failed")
                             else f"{by_role}_withdrew")
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None:
            return
        mine = [p for p in state.active.values()
                if p["mentee_id"] == person_id or (not mentees_only and p["mentor_id"] == person_id)]
        events: List[DomainEvent] = []
        expected = dict(versions)
        for row in mine:
            stream = self.tx.read_stream(PAIRING, row["pairing_id"])
            pairing = Pairing.from_events(row["pairing_id"], stream)
            expected[(PAIRING, pairing.id)] = pairing.version
            events += pairing.release(reason=reason, by_role=by_role, now=self.tx.now)
        leaving_mentor = person_id in state.mentors and not mentees_only
        self.append(events, expected)
        freed_mentors = sorted({p["mentor_id"] for p in mine if p["mentee_id"] == person_id})
        freed_mentees = sorted({p["mentee_id"] for p in mine if p["mentor_id"] == person_id})
        for mentee_id in freed_mentees:
            self.place(programme_id, mentee_id, force=True)
        if reason == "consent_withdrawn":
            self.place(programme_id, person_id, force=True)  # waits for a new consent
        if freed_mentors:
            self.refill(programme_id, freed_mentors)
        if leaving_mentor and state.mode == "mentee_chooses":
            self.refill(programme_id)  # shortlists that named the mentor are offered afresh

    def recheck(self, programme_id: str, person_id: str) -> None:
        """A profile changed: a pair of theirs that its rules now refuse does not go on. A
        proposal is dropped (rejected by the system, the rule as reason) and both sides are
        matched again; a confirmed pair ends only for safeguarding (the two are related:
        ``related_pair``), other changes to a running pair are the coordinator's call."""
        self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None:
            return
        events: List[DomainEvent] = []
        expected: Dict[Tuple[str, str], int] = {}
        freed_mentors, freed_mentees = set(), set()
        for row in sorted(state.active.values(), key=lambda r: r["pairing_id"]):
            if person_id not in (row["mentor_id"], row["mentee_id"]):
                continue
            mentor, mentee = state.mentors.get(row["mentor_id"]), state.mentees.get(row["mentee_id"])
            if mentor is None or mentee is None:
                continue
            failures = pair_failures(state.rules, mentor, mentee)
            pairing = Pairing.from_events(row["pairing_id"], self.tx.read_stream(PAIRING, row["pairing_id"]))
            if pairing.status == PROPOSED and failures:
                events += pairing.reject(by="system", reason=failures[0], now=self.tx.now)
            elif pairing.status == CONFIRMED and Failure.RELATED in failures:
                events += pairing.end(reason="related_pair", ended_by="system", now=self.tx.now)
            else:
                continue
            expected[(PAIRING, pairing.id)] = pairing.version
            freed_mentors.add(pairing.mentor_id)
            freed_mentees.add(pairing.mentee_id)
        if not events:
            return
        self.append(events, expected)
        for mentee_id in sorted(freed_mentees):
            self.place(programme_id, mentee_id, force=True)
        self.refill(programme_id, sorted(freed_mentors))

    # ---------------------------------------------------------------------------------------
    # Coordinator commands
    # ---------------------------------------------------------------------------------------

    def _load(self, stream_type: str, aggregate, aggregate_id: str):
        """An aggregate of this tenant folded from its stream (an id that is not a uuid: 404)."""
        try:
            uuid.UUID(aggregate_id)
        except (ValueError, TypeError, AttributeError):
            raise NotFoundError(f"{stream_type} {aggregate_id} not found") from None
        stream = [e for e in self.tx.read_stream(stream_type, aggregate_id) if e.tenant_id == self.tenant]
        return aggregate.from_events(aggregate_id, stream)

    def _pairing(self, programme_id: str, pairing_id: str, version: Optional[int] = None) -> Pairing:
        """The pairing (404 if not of this programme); ``version``: the one the coordinator
        read, a conflict (409) if it changed since."""
        pairing = self._load(PAIRING, Pairing, pairing_id)
        if not pairing.exists or pairing.programme_id != programme_id:
            raise NotFoundError(f"pairing {pairing_id} not found in programme {programme_id}")
        if version is not None and version != pairing.version:
            raise StateConflict(f"pairing {pairing_id} changed since you read it (your version "
                                f"{version}, now {pairing.version}, {pairing.status}): read it again")
        return pairing

    def approve(self, programme_id: str, pairing_id: str, version: Optional[int] = None) -> None:
        """A coordinator confirms a proposal, unless a hard rule now refuses the pair (422:
        the mentee excluded the mentor meanwhile, the matching window closed ...)."""
        self.guard_versions(programme_id)
        pairing = self._pairing(programme_id, pairing_id, version)
        if pairing.status == PROPOSED:
            state = self.state(programme_id)
            mentor, mentee = state.mentors.get(pairing.mentor_id), state.mentees.get(pairing.mentee_id)
            if mentor is None or mentee is None:
                raise RuleFailed("the mentor or the mentee no longer takes part", ["not_taking_part"])
            # the proposal holds its place already: capacity is checked without it
            holding = replace(mentor, current_load=max(0, mentor.current_load - 1))
            failures = eligible(state.rules, holding, self.with_bars(state, mentee), state.today)
            if failures:
                raise RuleFailed("the pair breaks the programme's rules now: " + ", ".join(failures)
                                 + "; reject the proposal", failures)
        self.append(pairing.approve(now=self.tx.now), {(PAIRING, pairing_id): pairing.version})

    def reject(self, programme_id: str, pairing_id: str, reason: str,
               version: Optional[int] = None) -> Optional[str]:
        """The pair is never proposed again; the mentee is placed anew (the next best mentor,
        or the reserve) and the mentor's place goes to someone waiting. Returns the mentee's
        new pairing's id, if any."""
        self.guard_versions(programme_id)  # the programme's turn before the store's lock
        pairing = self._pairing(programme_id, pairing_id, version)
        events = pairing.reject(by="coordinator", reason=reason, now=self.tx.now)
        self.append(events, {(PAIRING, pairing_id): pairing.version})
        replacement = self.place(programme_id, pairing.mentee_id, force=True)
        self.refill(programme_id, [pairing.mentor_id])
        return replacement

    def end(self, programme_id: str, pairing_id: str, reason: str, *, rematch: bool,
            version: Optional[int] = None) -> None:
        self.guard_versions(programme_id)  # the programme's turn before the store's lock
        pairing = self._pairing(programme_id, pairing_id, version)
        self.append(pairing.end(reason=reason, ended_by="coordinator", now=self.tx.now),
                    {(PAIRING, pairing_id): pairing.version})
        if rematch:
            self.place(programme_id, pairing.mentee_id, force=True)
        self.refill(programme_id, [pairing.mentor_id])

    def assign(self, programme_id: str, mentor_id: str, mentee_id: str) -> str:
        """A coordinator pairs two people by hand: every hard rule is checked (a coordinator
        may re-pair a pair they rejected before); an open proposal of the mentee is replaced."""
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None:
            raise NotFoundError(f"programme {programme_id} not found")
        failures = []
        if mentor_id not in state.mentors:
            failures.append("not_a_mentor_of_this_programme")
        if mentee_id not in state.mentees:
            failures.append("not_a_mentee_of_this_programme")
        if failures:
            raise RuleFailed("these people cannot be paired in this programme", failures)
        current = state.placed.get(mentee_id)
        events: List[DomainEvent] = []
        expected = dict(versions)
        mentor = state.mentors[mentor_id]
        freed: Optional[str] = None
        if current is not None:
            if current["status"] == CONFIRMED:
                raise StateConflict(f"mentee {mentee_id} is already paired (pairing "
                                    f"{current['pairing_id']}); end that pairing first")
            if current["mentor_id"] == mentor_id:
                self.approve(programme_id, current["pairing_id"])
                return current["pairing_id"]
            old = self._pairing(programme_id, current["pairing_id"])
            expected[(PAIRING, old.id)] = old.version
            events += old.reject(by="system", reason="superseded", now=self.tx.now)
            freed = old.mentor_id
        failures = eligible(state.rules, mentor, state.mentees[mentee_id], state.today)
        if failures:
            raise RuleFailed("the pair breaks the programme's rules: " + ", ".join(failures), failures)
        pairing_id, new = self._pair_events(state, mentee_id, mentor_id,
                                            score(state.rules, mentor, state.mentees[mentee_id]),
                                            "manual", confirm=True, confirmed_by="coordinator")
        expected[(PAIRING, pairing_id)] = 0
        open_request = state.open_requests.get(mentee_id)
        if open_request is not None:  # the coordinator decided: the mentor's answer is moot
            request = self._request(programme_id, open_request["request_id"])
            self._close_request(state, request, request.cancel(reason="mentee_paired", now=self.tx.now),
                                events, expected, advance=False)
        state.placed[mentee_id] = {"pairing_id": pairing_id}
        self._took_a_place(state, mentor_id, new, expected)
        self.append(events + new, expected)
        if freed is not None and freed != mentor_id:  # the replaced proposal's mentor has room again
            self.refill(programme_id, [freed])
        return pairing_id

    def run_round(self, programme_id: str) -> Dict[str, Any]:
        """The optimal assignment of every mentee in the reserve and every open proposal
        against the mentors' remaining places. Open proposals the round keeps stay as they
        are; the others are replaced (rejected by the system as ``superseded``)."""
        versions = self.guard_versions(programme_id)
        state = self.state(programme_id)
        if state is None:
            raise NotFoundError(f"programme {programme_id} not found")
        if state.mode == "mentee_chooses":
            raise RuleFailed("in this programme mentees choose their mentor from a short list; "
                             "there is no cohort round", ["mode_is_mentee_chooses"])
        open_ = {p["mentee_id"]: p for p in state.active.values() if p["status"] == PROPOSED}
        mentors = []
        for mentor in state.mentors.values():
            held = sum(1 for p in open_.values() if p["mentor_id"] == mentor.id)
            mentors.append(replace(mentor, current_load=max(0, mentor.current_load - held)))
        cohort = [self.with_bars(state, m) for m in state.pool()]
        cohort += [self.with_bars(state, state.mentees[mid]) for mid in open_ if mid in state.mentees]
        result = assign_cohort(state.rules, mentors, cohort, state.today)
        events: List[DomainEvent] = []
        expected = dict(versions)
        kept, superseded, made = 0, 0, []
        chosen = {mentee: (mentor, sc) for mentee, mentor, sc in result.pairs}
        for mentee_id, row in sorted(open_.items()):
            if chosen.get(mentee_id, (None,))[0] == row["mentor_id"]:
                kept += 1
                continue
            old = self._pairing(programme_id, row["pairing_id"])
            expected[(PAIRING, old.id)] = old.version
            events += old.reject(by="system", reason="superseded", now=self.tx.now)
            superseded += 1
        for mentee_id, (mentor_id, pair_score) in sorted(chosen.items()):
            if mentee_id in open_ and open_[mentee_id]["mentor_id"] == mentor_id:
                continue
            pairing_id, new = self._pair_events(state, mentee_id, mentor_id, pair_score, "round")
            expected[(PAIRING, pairing_id)] = 0
            events += new
            made.append(pairing_id)
        events += self._waitlist_events(state, dict(result.waiting))
        round_id = str(uuid.uuid4())
        events.append(round_completed(round_id, programme_id, paired=result.paired,
                                      waiting=len(result.waiting), total_score=result.total_score,
                                      solver_seconds=result.solver_seconds, superseded=superseded,
                                      now=self.tx.now))
        self.append(events, expected)
        return {"round_id": round_id, "paired": result.paired, "new_pairings": made,
                "kept_proposals": kept, "superseded": superseded,
                "waiting": dict(result.waiting), "total_score": result.total_score,
                "solver_seconds": result.solver_seconds}

    def candidates(self, programme_id: str, mentee_id: str) -> Dict[str, Any]:
        """The mentors a coordinator may pick for a mentee or team: the suitable ones with
        room, best score first, and the others with the rules each fails."""
        state = self.state(programme_id)
        if state is None or mentee_id not in state.mentees:
            raise NotFoundError(f"{mentee_id} not found in programme {programme_id}")
        mentee = state.mentees[mentee_id]
        blocked = mentee_failures(state.rules, mentee, state.today)
        if blocked:
            raise RuleFailed("nobody can be paired with them yet: " + ", ".join(blocked), blocked)
        suitable, unsuitable = [], []
        for mentor in sorted(state.mentors.values(), key=lambda m: m.id):
            if mentor.withdrawn:
                continue
            failures = eligible(state.rules, mentor, mentee, state.today)
            if failures:
                unsuitable.append({"mentor_id": mentor.id, "failures": failures})
                continue
            sc = score(state.rules, mentor, mentee)
            suitable.append({"mentor_id": mentor.id, "room": mentor.room(state.rules),
                             "areas": sorted(mentor.areas),
                             "score": {"total": sc.total, "parts": sc.parts, "percent": sc.percent}})
        suitable.sort(key=lambda c: (-c["score"]["total"], c["mentor_id"]))
        placed = state.placed.get(mentee_id)
        return {"programme_id": programme_id, "mentee_id": mentee_id,
                "need_area": mentee.need_area, "pairing_id": placed["pairing_id"] if placed else None,
                "candidates": suitable, "unsuitable": unsuitable}

    # ---------------------------------------------------------------------------------------
    # The scheduled cohort round
    # ---------------------------------------------------------------------------------------

    def schedule_dates(self, programme_id: str) -> Dict[str, Optional[datetime]]:
        """Keep the programme's dated jobs in step with its settings (created, updated,
        cloned): the cohort round at the start of ``dates.matching_round`` and the opening of
        matching at the start of ``dates.matching_opens``, in the programme's time zone; a
        job of another date that has not run is cancelled. Returns the due times by job."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id)
        if programme is None:
            return {}
        dates = programme["settings"].get("dates") or {}
        return {kind: self._schedule_on(programme, kind, dates.get(setting))
                for kind, setting in ((ROUND_JOB, "matching_round"), (OPENING_JOB, "matching_opens"))}

    def _schedule_on(self, programme: Dict[str, Any], kind: str, value: Optional[str]) -> Optional[datetime]:
        programme_id = programme["programme_id"]
        day = day_of(value)
        key = f"{programme_id}@{day.isoformat()}" if day else None
        for job in list_jobs(self.tx, kind=kind, pending_only=True):
            if job.key.startswith(f"{programme_id}@") and job.key != key:
                cancel_job(self.tx, kind, job.key)
        if day is None:
            return None
        due = datetime.combine(day, time(0), ZoneInfo(programme["time_zone"]))
        schedule_job(self.tx, kind=kind, key=key, due_at=due,
                     payload={"programme_id": programme_id, "date": day.isoformat()})
        return due

    def matching_opened(self, programme_id: str, day: str) -> None:
        """The opening job: the matching window opens today; those who waited for it are
        matched (in mentee-chooses mode, offered their shortlists), unless the date moved."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id)
        if programme is None or (programme["settings"].get("dates") or {}).get("matching_opens") != day:
            return
        self.refill(programme_id)

    def scheduled_round(self, programme_id: str, day: str) -> Optional[Dict[str, Any]]:
        """The round job: the cohort round of the programme (in mentee-chooses mode, fresh
        shortlists for everyone waiting), unless the programme moved its round date."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id)
        if programme is None or (programme["settings"].get("dates") or {}).get("matching_round") != day:
            return None
        if programme["mode"] == "mentee_chooses":
            self.refill(programme_id)
            return None
        return self.run_round(programme_id)
