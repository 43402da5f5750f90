"""People leaving, and pairs a changed profile refuses: pairings end (or proposals are
dropped) and the other side goes back to the reserve and is matched again."""
from __future__ import annotations

from typing import Dict, List, Tuple

from services.platform_core.events import DomainEvent

from ..domain.eligibility import pair_failures
from ..domain.model import Failure
from ..domain.pairing import CONFIRMED, PAIRING, PROPOSED, Pairing
from .choices import cancel_requests
from .placement import place, refill
from .unit_of_work import UnitOfWork


def release(uow: UnitOfWork, programme_id: str, person_id: str, *, reason: str, by_role: str,
            mentees_only: bool = False) -> None:
    """Someone withdrew, was erased, lost their consent or failed a required background
    check: their pairings end (proposals are dropped), the other side goes back to the
    reserve and is matched again."""
    cancel_requests(uow, programme_id, person_id,
                    reason if reason in ("erased", "consent_withdrawn", "vetting_failed")
                    else f"{by_role}_withdrew")
    versions = uow.guard_versions(programme_id)
    state = uow.state(programme_id)
    if state is None:
        return
    mine = [p for p in state.active.values()
            if p["mentee_id"] == person_id or (not mentees_only and p["mentor_id"] == person_id)]
    events: List[DomainEvent] = []
    expected = dict(versions)
    for row in mine:
        stream = uow.tx.read_stream(PAIRING, row["pairing_id"])
        pairing = Pairing.from_events(row["pairing_id"], stream)
        expected[(PAIRING, pairing.id)] = pairing.version
        events += pairing.release(reason=reason, by_role=by_role, now=uow.now)
    leaving_mentor = person_id in state.mentors and not mentees_only
    uow.append(events, expected)
    freed_mentors = sorted({p["mentor_id"] for p in mine if p["mentee_id"] == person_id})
    freed_mentees = sorted({p["mentee_id"] for p in mine if p["mentor_id"] == person_id})
    for mentee_id in freed_mentees:
        place(uow, programme_id, mentee_id, force=True)
    if reason == "consent_withdrawn":
        place(uow, programme_id, person_id, force=True)  # waits for a new consent
    if freed_mentors:
        refill(uow, programme_id, freed_mentors)
    if leaving_mentor and state.mode == "mentee_chooses":
        refill(uow, programme_id)  # shortlists that named the mentor are offered afresh


def recheck(uow: UnitOfWork, programme_id: str, person_id: str) -> None:
    """A profile changed: a pair of theirs that its rules now refuse does not go on. A
    proposal is dropped (rejected by the system, the rule as reason) and both sides are
    matched again; a confirmed pair ends only for safeguarding (the two are related:
    ``related_pair``), other changes to a running pair are the coordinator's call."""
    uow.guard_versions(programme_id)
    state = uow.state(programme_id)
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
        pairing = Pairing.from_events(row["pairing_id"], uow.tx.read_stream(PAIRING, row["pairing_id"]))
        if pairing.status == PROPOSED and failures:
            events += pairing.reject(by="system", reason=failures[0], now=uow.now)
        elif pairing.status == CONFIRMED and Failure.RELATED in failures:
            events += pairing.end(reason="related_pair", ended_by="system", now=uow.now)
        else:
            continue
        expected[(PAIRING, pairing.id)] = pairing.version
        parties = pairing.created()
        freed_mentors.add(parties.mentor_id)
        freed_mentees.add(parties.mentee_id)
    if not events:
        return
    uow.append(events, expected)
    for mentee_id in sorted(freed_mentees):
        place(uow, programme_id, mentee_id, force=True)
    refill(uow, programme_id, sorted(freed_mentors))
