"""What matching does about each registration event it consumes, after the read model has it
(and about the final review sessions records, :data:`SESSIONS_REACTIONS`):
a table from event type to a small named reaction (:data:`REACTIONS`); the types it takes
only for the read model are listed in :data:`IGNORED`."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from services.platform_core.envelope import Envelope

from . import read_model
from .decisions import UnitOfWork, leaving, placement, schedules
from .decisions.choices import cancel_requests
from .domain.pairing import CONFIRMED, PAIRING, Pairing

Reaction = Callable[[UnitOfWork, Envelope], None]


def _programme_changed(uow: UnitOfWork, event: Envelope) -> None:
    """Settings created, cloned or updated: the dated jobs follow, the reserve is taken from."""
    schedules.schedule_dates(uow, event.stream_id)
    placement.refill(uow, event.stream_id)


def _mentor_ready(uow: UnitOfWork, event: Envelope) -> None:
    """A mentor registered or trained: they take from the reserve."""
    placement.refill(uow, event.payload["programme_id"], [event.stream_id])


def _mentee_ready(uow: UnitOfWork, event: Envelope) -> None:
    """A mentee or team registered, or a team's need was set: they are placed or wait."""
    placement.place(uow, event.payload["programme_id"], event.stream_id)


def _profile_updated(uow: UnitOfWork, event: Envelope) -> None:
    """A pair the new profile refuses ends; then the person is matched as if they arrived."""
    programme_id = event.payload.get("programme_id")
    if programme_id and event.payload.get("profile"):
        leaving.recheck(uow, programme_id, event.stream_id)
        _for_roles(uow, event.stream_id, [programme_id])


def _vetting_recorded(uow: UnitOfWork, event: Envelope) -> None:
    """A cleared check: the person is matched. A failed one, where the programme requires a
    check (safeguarding): the mentor stops mentoring at once; their mentees go back to the
    reserve and are matched again."""
    person = event.stream_id
    if event.payload.get("cleared"):
        _for_roles(uow, person, None)
        return
    programme_id = event.payload["programme_id"]
    state = uow.state(programme_id)
    if state is not None and state.rules.vetting_required and person in state.mentors:
        leaving.release(uow, programme_id, person, reason="vetting_failed", by_role="system")


def _consent_given(uow: UnitOfWork, event: Envelope) -> None:
    _for_roles(uow, event.stream_id, None)


def _consent_withdrawn(uow: UnitOfWork, event: Envelope) -> None:
    """A mentee without a consent now: their pairing ends (``consent_withdrawn``), or their
    open request is cancelled and they wait."""
    person = event.stream_id
    for row in read_model.programmes_of(uow.conn, uow.tenant, person):
        if row["role"] == "mentor" or row["withdrawn"]:
            continue
        state = uow.state(row["programme_id"])
        mentee = state.mentees.get(person) if state else None
        if state is None or mentee is None or mentee.consent:
            continue
        if person in state.placed:
            leaving.release(uow, row["programme_id"], person, reason="consent_withdrawn",
                            by_role="mentee", mentees_only=True)
        elif person in state.open_requests:  # no mentor can take them now: don't ask
            cancel_requests(uow, row["programme_id"], person, "consent_withdrawn")
            placement.place(uow, row["programme_id"], person, force=True)


def _withdrew(uow: UnitOfWork, event: Envelope) -> None:
    role = "mentor" if event.payload.get("role") == "mentor" else "mentee"
    leaving.release(uow, event.payload["programme_id"], event.stream_id, reason="withdrew", by_role=role)


def _erased(uow: UnitOfWork, event: Envelope) -> None:
    for row in read_model.programmes_of(uow.conn, uow.tenant, event.stream_id):
        role = "mentor" if row["role"] == "mentor" else "mentee"
        leaving.release(uow, row["programme_id"], event.stream_id, reason="erased", by_role=role)


def _for_roles(uow: UnitOfWork, person: str, programme_ids: Optional[List[str]]) -> None:
    """Match the person in each programme they take part in (of ``programme_ids``, if given)."""
    for row in read_model.programmes_of(uow.conn, uow.tenant, person):
        if row["withdrawn"] or (programme_ids is not None and row["programme_id"] not in programme_ids):
            continue
        if row["role"] == "mentor":
            placement.refill(uow, row["programme_id"], [person])
        else:
            placement.place(uow, row["programme_id"], person)


REACTIONS: Dict[str, Reaction] = {
    "ProgrammeCreated": _programme_changed,
    "ProgrammeCloned": _programme_changed,
    "ProgrammeUpdated": _programme_changed,
    "MentorRegistered": _mentor_ready,
    "TrainingCompleted": _mentor_ready,
    "MenteeRegistered": _mentee_ready,
    "TeamRegistered": _mentee_ready,
    "TeamNeedSet": _mentee_ready,
    "ProfileUpdated": _profile_updated,
    "VettingRecorded": _vetting_recorded,
    "ConsentGiven": _consent_given,
    "ConsentWithdrawn": _consent_withdrawn,
    "ParticipantWithdrew": _withdrew,
    "PersonErased": _erased,
}

#: consumed for the read model (or the credentials) only: nothing to decide
#: (PersonRegistered keeps a person's stream contiguous; TenantKeyRotated carries key hashes)
IGNORED = ("PersonRegistered", "TenantKeyRotated")


def _final_review(uow: UnitOfWork, event: Envelope) -> None:
    """Sessions recorded the pair's final review: the pairing is complete and ends as
    ``completed`` (the mentee is not matched again; the mentor's place is offered to whoever
    waits). A pairing that ended meanwhile stays as it is."""
    programme_id, pairing_id = event.payload["programme_id"], event.payload["pairing_id"]
    uow.guard_versions(programme_id)  # the programme's turn before the store's lock
    pairing = uow.load(PAIRING, Pairing, pairing_id)
    if pairing.status != CONFIRMED or pairing.programme_id != programme_id:
        return
    uow.append(pairing.end(reason="completed", ended_by=event.payload.get("by_role") or "system", now=uow.now),
               {(PAIRING, pairing_id): pairing.version})
    placement.refill(uow, programme_id, [pairing.mentor_id])


#: what matching does about the sessions events it consumes
SESSIONS_REACTIONS: Dict[str, Reaction] = {"FinalReviewRecorded": _final_review}


def react(uow: UnitOfWork, event: Envelope) -> None:
    """What matching does about one registration event (after the read model has it), or one
    sessions event."""
    reaction = REACTIONS.get(event.event_type) or SESSIONS_REACTIONS.get(event.event_type)
    if reaction is not None:
        reaction(uow, event)
