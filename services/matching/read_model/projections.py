"""The two projections that build matching's read model, both rebuildable (:data:`PROJECTIONS`):

* :data:`PARTICIPANTS` (``match_programmes``, ``match_participants``, ``match_people``,
  ``match_consents``) from the registration events the service consumes: each programme's
  settings, every mentor, mentee and team with the facts matching needs (age at the start,
  profile, consent, training, background check, withdrawn, erased). Personal data
  (``personal``) is never read. It is applied in the consumer's transaction, with the change
  log it moves (:func:`.change_log.consume_registration`); rebuilt from registration's
  catch-up feed (``rebuild(store, source=...)``).
* :data:`PAIRINGS` (``match_pairings``, ``match_waiting``, ``match_rounds``, ``match_asked_rounds``, the shortlists,
  choices and requests, and the places counters) from the service's own events, applied in
  the transaction that appends them; rebuilt from the service's own event store
  (``mentoring rebuild matching --projection pairings``).

A mentor's load is not stored: it is the number of its pairings that are proposed or
confirmed, so the two projections can never disagree about it.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import MetaData, Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection

from services.platform_core.db import insert_for
from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection, Projection

from ..domain.pairing import ACTIVE
from .promises import hold_place
from .queries import forget_programme_row
from .tables import (
    asked_rounds,
    changes,
    choices,
    consents,
    mentor_requests,
    metadata,
    pairings,
    participants,
    people,
    placed,
    places,
    programmes,
    revisions,
    rounds,
    shortlists,
    waiting,
)

PARTICIPANTS = ConsumedProjection("participants", metadata, "registration")
PAIRINGS = Projection("pairings", metadata)
PROJECTIONS = [PARTICIPANTS, PAIRINGS]

PARTICIPANTS.metadata = MetaData()  # each projection empties only its own tables on rebuild
PAIRINGS.metadata = MetaData()
for _table in (programmes, participants, people, consents, revisions, changes):
    _table.to_metadata(PARTICIPANTS.metadata)
for _table in (pairings, places, placed, waiting, rounds, asked_rounds, shortlists, choices, mentor_requests):
    _table.to_metadata(PAIRINGS.metadata)

ROLE_OF = {"MentorRegistered": "mentor", "MenteeRegistered": "mentee", "TeamRegistered": "team"}


def _when(envelope: Envelope) -> str:
    return envelope.occurred_at.isoformat()


# ---------------------------------------------------------------------------------------------
# Participants (from registration)
# ---------------------------------------------------------------------------------------------


@PARTICIPANTS.handles("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
def _programme(conn: Connection, envelope: Envelope) -> None:
    payload, pid = envelope.payload, envelope.stream_id
    settings = payload["settings"]
    mode = (settings.get("matching") or {}).get("mode") or "automatic"
    existing = conn.execute(select(programmes.c.time_zone).where(
        programmes.c.programme_id == pid)).scalar()
    time_zone = payload.get("time_zone") or existing or "UTC"
    values = {"tenant_id": envelope.tenant_id, "time_zone": time_zone, "settings": settings,
              "mode": mode, "updated_at": _when(envelope)}
    forget_programme_row(conn, envelope.tenant_id, pid)
    if existing is None:
        conn.execute(insert(programmes).values(programme_id=pid, **values))
    else:  # in place: a decision waiting for the row's lock must find it afterwards
        conn.execute(update(programmes).where(programmes.c.programme_id == pid).values(**values))


def _person(conn: Connection, envelope: Envelope, **values) -> None:
    """The person's row, made if missing, with ``values`` set (one upsert)."""
    row = insert_for(conn)(people).values(person_id=envelope.stream_id, tenant_id=envelope.tenant_id,
                                          **{"erased": False, **values})
    conn.execute(row.on_conflict_do_update(index_elements=[people.c.person_id], set_=values) if values
                 else row.on_conflict_do_nothing(index_elements=[people.c.person_id]))


@PARTICIPANTS.handles("MentorRegistered", "MenteeRegistered", "TeamRegistered")
def _registered(conn: Connection, envelope: Envelope) -> None:
    """The participation as registered (a registration again starts it afresh): one upsert."""
    payload, pid = envelope.payload, envelope.stream_id
    values = dict(
        tenant_id=envelope.tenant_id, role=ROLE_OF[envelope.event_type], age=payload.get("age_at_start"),
        profile=dict(payload.get("profile") or {}),
        consent_required=bool(payload.get("consent_required", False)), training=False,
        team_need=None, withdrawn=False, registered_at=payload.get("registered_at") or _when(envelope))
    conn.execute(insert_for(conn)(participants).values(
        person_id=pid, programme_id=payload["programme_id"], **values).on_conflict_do_update(
        index_elements=[participants.c.person_id, participants.c.programme_id], set_=values))
    _person(conn, envelope)


def _participation(envelope: Envelope, programme_id: Optional[str] = None):
    return and_(participants.c.person_id == envelope.stream_id,
                participants.c.programme_id == (programme_id or envelope.payload["programme_id"]))


@PARTICIPANTS.handles("ProfileUpdated")
def _profile(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    if payload.get("programme_id") and payload.get("profile") is not None:
        conn.execute(update(participants).where(_participation(envelope)).values(
            profile=dict(payload["profile"])))


@PARTICIPANTS.handles("TeamNeedSet")
def _team_need(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(_participation(envelope)).values(
        team_need={"areas": list(envelope.payload["areas"])}))


@PARTICIPANTS.handles("TrainingCompleted")
def _training(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(_participation(envelope)).values(training=True))


@PARTICIPANTS.handles("VettingRecorded")
def _vetting(conn: Connection, envelope: Envelope) -> None:
    _person(conn, envelope, vetting_cleared=bool(envelope.payload["cleared"]))


@PARTICIPANTS.handles("ConsentGiven")
def _consent_given(conn: Connection, envelope: Envelope) -> None:
    payload, pid = envelope.payload, envelope.stream_id
    key = and_(consents.c.person_id == pid, consents.c.valid_from == payload["valid_from"])
    conn.execute(delete(consents).where(key))
    conn.execute(insert(consents).values(person_id=pid, valid_from=payload["valid_from"],
                                         tenant_id=envelope.tenant_id,
                                         valid_until=payload["valid_until"], withdrawn_on=None))


@PARTICIPANTS.handles("ConsentWithdrawn")
def _consent_withdrawn(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    conn.execute(update(consents).where(
        consents.c.person_id == envelope.stream_id, consents.c.valid_from == payload["valid_from"],
        consents.c.withdrawn_on.is_(None)).values(withdrawn_on=payload["withdrawn_on"]))


@PARTICIPANTS.handles("ParticipantWithdrew")
def _withdrew(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(_participation(envelope)).values(withdrawn=True))


@PARTICIPANTS.handles("PersonErased")
def _erased(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(participants.c.person_id == envelope.stream_id)
                 .values(withdrawn=True, profile={}, team_need=None))
    conn.execute(delete(consents).where(consents.c.person_id == envelope.stream_id))
    _person(conn, envelope, erased=True)


# ---------------------------------------------------------------------------------------------
# Pairings (the service's own events)
# ---------------------------------------------------------------------------------------------


def _not_waiting(conn: Connection, programme_id: str, mentee_id: str) -> None:
    conn.execute(delete(waiting).where(waiting.c.programme_id == programme_id,
                                       waiting.c.mentee_id == mentee_id))


@PAIRINGS.handles("PairingProposed", "PairingConfirmed")
def _paired(conn: Connection, envelope: Envelope) -> None:
    p, pid = envelope.payload, envelope.stream_id
    confirmed = envelope.event_type == "PairingConfirmed"
    extra = {"confirmed_at": p.get("confirmed_at"), "confirmed_by": p.get("confirmed_by")} if confirmed else {}
    status = "confirmed" if confirmed else "proposed"
    # the stream's first event makes the pairing; a later one confirms a proposal
    changed = envelope.stream_position > 1 and conn.execute(update(pairings).where(
        pairings.c.pairing_id == pid).values(status=status, version=envelope.stream_position, **extra)).rowcount
    if not changed:
        conn.execute(insert(pairings).values(
            pairing_id=pid, tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
            mentor_id=p["mentor_id"], mentee_id=p["mentee_id"], status=status, mode=p.get("mode"),
            origin=p.get("origin"), score=p["score"], parts=p["parts"], percent=p["percent"],
            created_at=p.get("proposed_at") or p.get("confirmed_at") or _when(envelope),
            version=envelope.stream_position, **extra))
        hold_place(conn, envelope.tenant_id, p["programme_id"], p["mentor_id"], 1)
        conn.execute(insert(placed).values(programme_id=p["programme_id"], mentee_id=p["mentee_id"],
                                           tenant_id=envelope.tenant_id, pairing_id=pid))
    _not_waiting(conn, p["programme_id"], p["mentee_id"])


@PAIRINGS.handles("PairingRejected", "PairingEnded")
def _closed(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    rejected = envelope.event_type == "PairingRejected"
    before = conn.execute(select(pairings.c.status, pairings.c.programme_id, pairings.c.mentor_id)
                          .where(pairings.c.pairing_id == envelope.stream_id)).first()
    if before is not None and before.status in ACTIVE:
        hold_place(conn, envelope.tenant_id, before.programme_id, before.mentor_id, -1)
        conn.execute(delete(placed).where(placed.c.pairing_id == envelope.stream_id))
    conn.execute(update(pairings).where(pairings.c.pairing_id == envelope.stream_id).values(
        status="rejected" if rejected else "ended", version=envelope.stream_position,
        closed_at=p.get("rejected_at") if rejected else p.get("ended_at"),
        close_reason=p["reason"], closed_by=p.get("rejected_by") if rejected else p.get("ended_by")))


@PAIRINGS.handles("MenteeWaitlisted")
def _waitlisted(conn: Connection, envelope: Envelope) -> None:
    p, mentee = envelope.payload, envelope.stream_id
    since = conn.execute(select(waiting.c.since).where(
        waiting.c.programme_id == p["programme_id"], waiting.c.mentee_id == mentee)).scalar()
    _not_waiting(conn, p["programme_id"], mentee)
    conn.execute(insert(waiting).values(programme_id=p["programme_id"], mentee_id=mentee,
                                        tenant_id=envelope.tenant_id, reason=p["reason"],
                                        since=since or p["waitlisted_at"],
                                        updated_at=p["waitlisted_at"]))


@PAIRINGS.handles("MatchingRoundCompleted")
def _round(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    conn.execute(insert(rounds).values(
        round_id=envelope.stream_id, tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
        paired=p["paired"], waiting=p["waiting"], total_score=p["total_score"],
        solver_seconds=p["solver_seconds"], superseded=p.get("superseded", 0),
        completed_at=p["completed_at"]))


@PAIRINGS.handles("RoundRequested")
def _round_requested(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    conn.execute(insert(asked_rounds).values(
        round_id=envelope.stream_id, tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
        status="running", requested_at=p["requested_at"]))


@PAIRINGS.handles("RoundResultRecorded", "RoundFailed")
def _round_ended(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    completed = envelope.event_type == "RoundResultRecorded"
    conn.execute(update(asked_rounds).where(asked_rounds.c.round_id == envelope.stream_id).values(
        status="completed" if completed else "failed", finished_at=p["finished_at"],
        result=p["result"] if completed else None, reason=p.get("reason"), code=p.get("code")))


def _replace_row(conn: Connection, table: Table, envelope: Envelope, **values) -> None:
    p = envelope.payload
    conn.execute(delete(table).where(table.c.programme_id == p["programme_id"],
                                     table.c.mentee_id == envelope.stream_id))
    conn.execute(insert(table).values(programme_id=p["programme_id"], mentee_id=envelope.stream_id,
                                      tenant_id=envelope.tenant_id, **values))


@PAIRINGS.handles("ShortlistOffered")
def _shortlist(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    _replace_row(conn, shortlists, envelope, mentors=list(p["mentors"]), offered_at=p["offered_at"])


@PAIRINGS.handles("MentorsChosen")
def _chosen(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    _replace_row(conn, choices, envelope, choice_id=p["choice_id"], mentor_ids=list(p["mentor_ids"]),
                 chosen_at=p["chosen_at"])


@PAIRINGS.handles("MentorRequested")
def _requested(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    conn.execute(insert(mentor_requests).values(
        request_id=envelope.stream_id, tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
        mentor_id=p["mentor_id"], mentee_id=p["mentee_id"], choice_id=p["choice_id"],
        rank=p["rank"], score=p["score"], parts=p["parts"], percent=p["percent"], status="open",
        requested_at=p["requested_at"], answer_by=p["answer_by"], version=envelope.stream_position))


REQUEST_CLOSED = {"MentorRequestAccepted": ("accepted", "accepted_at"),
                  "MentorRequestDeclined": ("declined", "declined_at"),
                  "MentorRequestExpired": ("expired", "expired_at"),
                  "MentorRequestCancelled": ("cancelled", "cancelled_at")}


@PAIRINGS.handles(*REQUEST_CLOSED)
def _request_closed(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    status, when = REQUEST_CLOSED[envelope.event_type]
    conn.execute(update(mentor_requests).where(mentor_requests.c.request_id == envelope.stream_id).values(
        status=status, closed_at=p[when], close_reason=p.get("reason"),
        pairing_id=p.get("pairing_id"), version=envelope.stream_position))
