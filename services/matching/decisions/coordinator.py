"""Coordinator actions: approve or reject a proposal, end a pairing, assign by hand, run a
cohort round (:func:`..domain.assign_cohort`), and the candidates to pick from."""
from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, Dict, List, Optional

from services.platform_core.events import DomainEvent

from ..domain import assign_cohort, eligible, mentee_failures, score
from ..domain.pairing import CONFIRMED, PAIRING, PROPOSED, ROUND, Pairing, round_completed
from . import choices
from .errors import NotFoundError, RuleFailed, StateConflict
from .placement import pair_events, place, refill
from .unit_of_work import UnitOfWork
from .waiting import waitlist_events, with_bars


def pairing_of(uow: UnitOfWork, programme_id: str, pairing_id: str,
               version: Optional[int] = None) -> Pairing:
    """The pairing (404 if not of this programme); ``version``: the one the coordinator
    read, a conflict (409) if it changed since."""
    pairing = uow.load(PAIRING, Pairing, pairing_id)
    if not pairing.exists or pairing.programme_id != programme_id:
        raise NotFoundError(f"pairing {pairing_id} not found in programme {programme_id}")
    if version is not None and version != pairing.version:
        raise StateConflict(f"pairing {pairing_id} changed since you read it (your version "
                            f"{version}, now {pairing.version}, {pairing.status}): read it again")
    return pairing


def approve(uow: UnitOfWork, programme_id: str, pairing_id: str, version: Optional[int] = None) -> None:
    """A coordinator confirms a proposal, unless a hard rule now refuses the pair (422:
    the mentee excluded the mentor meanwhile, the matching window closed ...)."""
    uow.guard_versions(programme_id)
    pairing = pairing_of(uow, programme_id, pairing_id, version)
    if pairing.status == PROPOSED:
        state = uow.existing_state(programme_id)
        parties = pairing.created()
        mentor, mentee = state.mentors.get(parties.mentor_id), state.mentees.get(parties.mentee_id)
        if mentor is None or mentee is None:
            raise RuleFailed("the mentor or the mentee no longer takes part", ["not_taking_part"])
        # the proposal holds its place already: capacity is checked without it
        holding = replace(mentor, current_load=max(0, mentor.current_load - 1))
        failures = eligible(state.rules, holding, with_bars(state, mentee), state.today)
        if failures:
            raise RuleFailed("the pair breaks the programme's rules now: " + ", ".join(failures)
                             + "; reject the proposal", failures)
    uow.append(pairing.approve(now=uow.now), {(PAIRING, pairing_id): pairing.version})


def reject(uow: UnitOfWork, programme_id: str, pairing_id: str, reason: str,
           version: Optional[int] = None) -> Optional[str]:
    """The pair is never proposed again; the mentee is placed anew (the next best mentor,
    or the reserve) and the mentor's place goes to someone waiting. Returns the mentee's
    new pairing's id, if any."""
    uow.guard_versions(programme_id)  # the programme's turn before the store's lock
    pairing = pairing_of(uow, programme_id, pairing_id, version)
    events = pairing.reject(by="coordinator", reason=reason, now=uow.now)
    uow.append(events, {(PAIRING, pairing_id): pairing.version})
    parties = pairing.created()
    replacement = place(uow, programme_id, parties.mentee_id, force=True)
    refill(uow, programme_id, [parties.mentor_id])
    return replacement


def end(uow: UnitOfWork, programme_id: str, pairing_id: str, reason: str, *, rematch: bool,
        version: Optional[int] = None) -> None:
    uow.guard_versions(programme_id)  # the programme's turn before the store's lock
    pairing = pairing_of(uow, programme_id, pairing_id, version)
    uow.append(pairing.end(reason=reason, ended_by="coordinator", now=uow.now),
               {(PAIRING, pairing_id): pairing.version})
    parties = pairing.created()
    if rematch:
        place(uow, programme_id, parties.mentee_id, force=True)
    refill(uow, programme_id, [parties.mentor_id])


def assign(uow: UnitOfWork, programme_id: str, mentor_id: str, mentee_id: str) -> str:
    """A coordinator pairs two people by hand: every hard rule is checked (a coordinator
    may re-pair a pair they rejected before); an open proposal of the mentee is replaced."""
    versions = uow.guard_versions(programme_id)
    state = uow.existing_state(programme_id)
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
            approve(uow, programme_id, current["pairing_id"])
            return current["pairing_id"]
        old = pairing_of(uow, programme_id, current["pairing_id"])
        expected[(PAIRING, old.id)] = old.version
        events += old.reject(by="system", reason="superseded", now=uow.now)
        freed = old.mentor_id
    failures = eligible(state.rules, mentor, state.mentees[mentee_id], state.today)
    if failures:
        raise RuleFailed("the pair breaks the programme's rules: " + ", ".join(failures), failures)
    pairing_id, new = pair_events(uow, state, mentee_id, mentor_id,
                                  score(state.rules, mentor, state.mentees[mentee_id]),
                                  "manual", confirm=True, confirmed_by="coordinator")
    expected[(PAIRING, pairing_id)] = 0
    open_request = state.open_requests.get(mentee_id)
    if open_request is not None:  # the coordinator decided: the mentor's answer is moot
        request = choices.request_of(uow, programme_id, open_request["request_id"])
        choices.close_request(uow, state, request, request.cancel(reason="mentee_paired", now=uow.now),
                              events, expected, advance=False)
    state.placed[mentee_id] = {"pairing_id": pairing_id}
    choices.took_a_place(uow, state, mentor_id, new, expected)
    uow.append(events + new, expected)
    if freed is not None and freed != mentor_id:  # the replaced proposal's mentor has room again
        refill(uow, programme_id, [freed])
    return pairing_id


def refuse_without_rounds(mode: str) -> None:
    """A programme where mentees choose has no cohort round (422)."""
    if mode == "mentee_chooses":
        raise RuleFailed("in this programme mentees choose their mentor from a short list; "
                         "there is no cohort round", ["mode_is_mentee_chooses"])


def run_round(uow: UnitOfWork, programme_id: str, round_id: Optional[str] = None,
              round_version: int = 0) -> Dict[str, Any]:
    """The optimal assignment of every mentee in the reserve and every open proposal
    against the mentors' remaining places. Open proposals the round keeps stay as they
    are; the others are replaced (rejected by the system as ``superseded``). ``round_id``:
    the id given when the round was asked for (its stream at ``round_version``); else a new one."""
    versions = uow.guard_versions(programme_id)
    state = uow.existing_state(programme_id)
    refuse_without_rounds(state.mode)
    open_ = {p["mentee_id"]: p for p in state.active.values() if p["status"] == PROPOSED}
    mentors = []
    for mentor in state.mentors.values():
        held = sum(1 for p in open_.values() if p["mentor_id"] == mentor.id)
        mentors.append(replace(mentor, current_load=max(0, mentor.current_load - held)))
    cohort = [with_bars(state, m) for m in state.pool()]
    cohort += [with_bars(state, state.mentees[mid]) for mid in open_ if mid in state.mentees]
    result = assign_cohort(state.rules, mentors, cohort, state.today)
    events: List[DomainEvent] = []
    expected = dict(versions)
    round_id = round_id or str(uuid.uuid4())
    expected[(ROUND, round_id)] = round_version
    kept, superseded, made = 0, 0, []
    chosen = {mentee: (mentor, sc) for mentee, mentor, sc in result.pairs}
    for mentee_id, row in sorted(open_.items()):
        if chosen.get(mentee_id, (None,))[0] == row["mentor_id"]:
            kept += 1
            continue
        old = pairing_of(uow, programme_id, row["pairing_id"])
        expected[(PAIRING, old.id)] = old.version
        events += old.reject(by="system", reason="superseded", now=uow.now)
        superseded += 1
    for mentee_id, (mentor_id, pair_score) in sorted(chosen.items()):
        if mentee_id in open_ and open_[mentee_id]["mentor_id"] == mentor_id:
            continue
        pairing_id, new = pair_events(uow, state, mentee_id, mentor_id, pair_score, "round")
        expected[(PAIRING, pairing_id)] = 0
        events += new
        made.append(pairing_id)
    events += waitlist_events(state, dict(result.waiting), uow.now)
    events.append(round_completed(round_id, programme_id, paired=result.paired,
                                  waiting=len(result.waiting), total_score=result.total_score,
                                  solver_seconds=result.solver_seconds, superseded=superseded,
                                  now=uow.now, confirmed=len(made) if state.mode == "automatic" else 0))
    uow.append(events, expected)
    return {"round_id": round_id, "paired": result.paired, "new_pairings": made,
            "kept_proposals": kept, "superseded": superseded,
            "waiting": dict(result.waiting), "total_score": result.total_score,
            "solver_seconds": result.solver_seconds}


def candidates(uow: UnitOfWork, programme_id: str, mentee_id: str) -> Dict[str, Any]:
    """The mentors a coordinator may pick for a mentee or team: the suitable ones with
    room, best score first, and the others with the rules each fails."""
    state = uow.state(programme_id)
    if state is None or mentee_id not in state.mentees:
        raise NotFoundError(f"{mentee_id} not found in programme {programme_id}")
    mentee = state.mentees[mentee_id]
    blocked = mentee_failures(state.rules, mentee, state.today)
    if blocked:
        raise RuleFailed("nobody can be paired with them yet: " + ", ".join(blocked), blocked)
    suitable: List[Dict[str, Any]] = []
    unsuitable: List[Dict[str, Any]] = []
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
