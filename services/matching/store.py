"""The matching service's read model, and the projections that build it.

Two projections, both rebuildable (:data:`PROJECTIONS`):

* :data:`PARTICIPANTS` (``match_programmes``, ``match_participants``, ``match_people``,
  ``match_consents``) from the registration events the service consumes: each programme's
  settings, every mentor, mentee and team with the facts matching needs (age at the start,
  profile, consent, training, background check, withdrawn, erased). Personal data
  (``personal``) is never read. It is applied in the consumer's transaction; rebuilt from
  registration's catch-up feed (``rebuild(store, source=...)``).
* :data:`PAIRINGS` (``match_pairings``, ``match_waiting``, ``match_rounds``) from the
  service's own events, applied in the transaction that appends them; rebuilt from the
  service's own store (``mentoring rebuild matching --projection pairings``).

A mentor's load is not stored: it is the number of its pairings that are proposed or
confirmed, so the two projections can never disagree about it.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import (JSON, Boolean, Column, Float, Index, Integer, MetaData, String, Table,
                        and_, delete, func, insert, select, update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection, Projection

from .domain.pairing import ACTIVE
from .domain.settings import mentor_capacity

metadata = MetaData()

programmes = Table(
    "match_programmes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("mode", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

#: each programme's change counter, and a token unique to the transaction that last moved
#: it (see :data:`changes` and :mod:`.programme_state`). A table of its own, written with an
#: upsert, so that writers serialise on it even while the programme's row is not there yet
#: (a registration consumed before its programme).
revisions = Table(
    "match_revisions", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("token", String(32), nullable=False),
)

#: who changed in a programme at each revision: the in-memory programme states of the
#: matching processes (:mod:`.programme_state`) reload only those people. ``*``: everyone
#: (settings changed, a projection rebuilt).
changes = Table(
    "match_changes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("token", String(32), nullable=False),
)

participants = Table(
    "match_participants", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("role", String(10), nullable=False),  # mentor | mentee | team
    Column("age", Integer),
    Column("profile", JSON, nullable=False),
    Column("consent_required", Boolean, nullable=False, default=False),
    Column("training", Boolean, nullable=False, default=False),
    Column("team_need", JSON),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("registered_at", String(40), nullable=False),
    Index("ix_match_participants_programme", "programme_id", "role"),
)

people = Table(
    "match_people", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("vetting_cleared", Boolean),
    Column("erased", Boolean, nullable=False, default=False),
)

consents = Table(
    "match_consents", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("valid_from", String(10), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("withdrawn_on", String(10)),
)

pairings = Table(
    "match_pairings", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("mode", String(40)),
    Column("origin", String(20)),
    Column("score", Integer, nullable=False),
    Column("parts", JSON, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("confirmed_at", String(40)),
    Column("confirmed_by", String(20)),
    Column("closed_at", String(40)),
    Column("close_reason", String(40)),
    Column("closed_by", String(20)),
    Column("version", Integer, nullable=False),
    Index("ix_match_pairings_programme", "programme_id", "status"),
    Index("ix_match_pairings_mentor", "mentor_id", "status"),
    Index("ix_match_pairings_mentee", "mentee_id", "status"),
)

waiting = Table(
    "match_waiting", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("reason", String(60), nullable=False),
    Column("since", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

rounds = Table(
    "match_rounds", metadata,
    Column("round_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("paired", Integer, nullable=False),
    Column("waiting", Integer, nullable=False),
    Column("total_score", Integer, nullable=False),
    Column("solver_seconds", Float, nullable=False),
    Column("superseded", Integer, nullable=False),
    Column("completed_at", String(40), nullable=False),
)

shortlists = Table(
    "match_shortlists", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("mentors", JSON, nullable=False),  # [{mentor_id, score, parts, percent}], best first
    Column("offered_at", String(40), nullable=False),
)

choices = Table(
    "match_choices", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("choice_id", String(64), nullable=False),
    Column("mentor_ids", JSON, nullable=False),
    Column("chosen_at", String(40), nullable=False),
)

mentor_requests = Table(
    "match_requests", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("choice_id", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("parts", JSON, nullable=False),
    Column("percent", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("requested_at", String(40), nullable=False),
    Column("answer_by", String(40), nullable=False),
    Column("closed_at", String(40)),
    Column("close_reason", String(500)),  # a mentor's own words when they decline
    Column("pairing_id", String(64)),
    Column("version", Integer, nullable=False),
    Index("ix_match_requests_programme", "programme_id", "status"),
    Index("ix_match_requests_mentor", "mentor_id", "status"),
)


#: what the database promises, whatever memory believes (see :func:`check_places`): the
#: places each mentor holds in a programme (proposed and confirmed pairings) ...
places = Table(
    "match_places", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentor_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("taken", Integer, nullable=False),
)

#: ... and each mentee's one active pairing in a programme (the key refuses a second)
placed = Table(
    "match_placed", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("mentee_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
)


PARTICIPANTS = ConsumedProjection("participants", metadata, "registration")
PAIRINGS = Projection("pairings", metadata)
PROJECTIONS = [PARTICIPANTS, PAIRINGS]

PARTICIPANTS.metadata = MetaData()  # each projection empties only its own tables on rebuild
PAIRINGS.metadata = MetaData()
for _table in (programmes, participants, people, consents, revisions, changes):
    _table.to_metadata(PARTICIPANTS.metadata)
for _table in (pairings, places, placed, waiting, rounds, shortlists, choices, mentor_requests):
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
    if existing is None:
        conn.execute(insert(programmes).values(programme_id=pid, **values))
    else:  # in place: a decision waiting for the row's lock must find it afterwards
        conn.execute(update(programmes).where(programmes.c.programme_id == pid).values(**values))


def _person(conn: Connection, envelope: Envelope, **values) -> None:
    pid = envelope.stream_id
    if values:
        found = conn.execute(update(people).where(people.c.person_id == pid).values(**values)).rowcount
    else:
        found = conn.execute(select(people.c.person_id).where(people.c.person_id == pid)).first()
    if not found:
        conn.execute(insert(people).values(person_id=pid, tenant_id=envelope.tenant_id,
                                           **{"erased": False, **values}))


@PARTICIPANTS.handles("MentorRegistered", "MenteeRegistered", "TeamRegistered")
def _registered(conn: Connection, envelope: Envelope) -> None:
    payload, pid = envelope.payload, envelope.stream_id
    key = and_(participants.c.person_id == pid,
               participants.c.programme_id == payload["programme_id"])
    conn.execute(delete(participants).where(key))
    conn.execute(insert(participants).values(
        person_id=pid, programme_id=payload["programme_id"], tenant_id=envelope.tenant_id,
        role=ROLE_OF[envelope.event_type], age=payload.get("age_at_start"),
        profile=dict(payload.get("profile") or {}),
        consent_required=bool(payload.get("consent_required", False)), training=False,
        team_need=None, withdrawn=False, registered_at=payload.get("registered_at") or _when(envelope)))
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
    changed = conn.execute(update(pairings).where(pairings.c.pairing_id == pid).values(
        status=status, version=envelope.stream_position, **extra)).rowcount
    if not changed:
        conn.execute(insert(pairings).values(
            pairing_id=pid, tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
            mentor_id=p["mentor_id"], mentee_id=p["mentee_id"], status=status, mode=p.get("mode"),
            origin=p.get("origin"), score=p["score"], parts=p["parts"], percent=p["percent"],
            created_at=p.get("proposed_at") or p.get("confirmed_at") or _when(envelope),
            version=envelope.stream_position, **extra))
        _hold_place(conn, envelope.tenant_id, p["programme_id"], p["mentor_id"], 1)
        conn.execute(insert(placed).values(programme_id=p["programme_id"], mentee_id=p["mentee_id"],
                                           tenant_id=envelope.tenant_id, pairing_id=pid))
    _not_waiting(conn, p["programme_id"], p["mentee_id"])


def _hold_place(conn: Connection, tenant_id: str, programme_id: str, mentor_id: str, delta: int) -> None:
    """One place more (or fewer) held by a mentor: an atomic increment of their counter row."""
    upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(places).values(
        programme_id=programme_id, mentor_id=mentor_id, tenant_id=tenant_id, taken=max(delta, 0))
    conn.execute(upsert.on_conflict_do_update(index_elements=[places.c.programme_id, places.c.mentor_id],
                                              set_={"taken": places.c.taken + delta}))


@PAIRINGS.handles("PairingRejected", "PairingEnded")
def _closed(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    rejected = envelope.event_type == "PairingRejected"
    before = conn.execute(select(pairings.c.status, pairings.c.programme_id, pairings.c.mentor_id)
                          .where(pairings.c.pairing_id == envelope.stream_id)).first()
    if before is not None and before.status in ACTIVE:
        _hold_place(conn, envelope.tenant_id, before.programme_id, before.mentor_id, -1)
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


# ---------------------------------------------------------------------------------------------
# The change log: who changed in which programme
# ---------------------------------------------------------------------------------------------

EVERYONE = "*"
#: change rows kept per programme (a process further behind reloads the whole programme),
#: pruned every PRUNE_EVERY revisions
CHANGES_KEPT = 4096
PRUNE_EVERY = 256
#: registration events about a person that matter in every programme they take part in
PERSON_WIDE = ("VettingRecorded", "ConsentGiven", "ConsentWithdrawn", "PersonErased")
#: own streams whose id is a person (the other events name mentor_id and mentee_id)
PERSON_STREAMS = ("matchmentor", "matchmentee")


def record_changes(conn: Connection, tenant_id: str, programme_id: str,
                   person_ids: Iterable[str]) -> Optional[int]:
    """Move the programme to its next revision, naming who changed (none: everyone).

    First the programme's turn (its row, when there is one: the same lock decisions take
    first, so the two never wait for each other in opposite orders), then the revision row,
    whose lock holds until commit: revisions of one programme commit in order. Returns the
    new revision."""
    programme_row(conn, tenant_id, programme_id, lock=True)
    token = uuid.uuid4().hex
    upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(revisions).values(
        programme_id=programme_id, tenant_id=tenant_id, revision=1, token=token)
    revision = conn.execute(upsert.on_conflict_do_update(
        index_elements=[revisions.c.programme_id],
        set_={"revision": revisions.c.revision + 1, "token": token}).returning(revisions.c.revision)).scalar_one()
    people_changed = sorted(set(person_ids)) or [EVERYONE]
    conn.execute(insert(changes), [{"programme_id": programme_id, "revision": revision,
                                    "person_id": person, "tenant_id": tenant_id, "token": token}
                                   for person in people_changed])
    if revision % PRUNE_EVERY == 0:
        conn.execute(delete(changes).where(changes.c.programme_id == programme_id,
                                           changes.c.revision <= revision - CHANGES_KEPT))
    return revision


class PlacesRefused(Exception):
    """A decision would break what the database promises (a mentor above capacity, a
    mentee paired twice, someone paired who does not take part): it is refused whole. The
    decision read a stale view; the retry reads the database afresh."""


#: the first event of a pairing's stream: a place taken
NEW_PAIRING = ("PairingProposed", "PairingConfirmed")


def check_places(conn: Connection, tenant_id: str, envelopes: Iterable[Envelope]) -> None:
    """After a decision's pairings are in the read model (same transaction): every mentor
    who took a place holds at most their capacity, and every person paired takes part in
    the programme (registered, not withdrawn). A mentee's second active pairing never got
    this far: ``match_placed``'s key refused it. Counter rows are locked by the increment
    until commit, so two writers can never both take a mentor's last place."""
    new = [e for e in envelopes if e.event_type in NEW_PAIRING and e.stream_position == 1]
    by_programme: Dict[str, set] = {}
    for envelope in new:
        by_programme.setdefault(envelope.payload["programme_id"], set()).update(
            (envelope.payload["mentor_id"], envelope.payload["mentee_id"]))
    for programme_id, people_here in sorted(by_programme.items()):
        programme = programme_row(conn, tenant_id, programme_id)
        if programme is None:
            raise PlacesRefused(f"programme {programme_id} is not known to matching")
        taking_part = {row["person_id"]: row for row in conn.execute(
            select(participants.c.person_id, participants.c.role, participants.c.profile,
                   participants.c.withdrawn).where(
                participants.c.tenant_id == tenant_id, participants.c.programme_id == programme_id,
                participants.c.person_id.in_(sorted(people_here)))).mappings()}
        held = dict(conn.execute(select(places.c.mentor_id, places.c.taken).where(
            places.c.programme_id == programme_id,
            places.c.mentor_id.in_(sorted(people_here)))).all())
        for envelope in new:
            p = envelope.payload
            if p["programme_id"] != programme_id:
                continue
            for person, role in ((p["mentor_id"], "mentor"), (p["mentee_id"], "mentee")):
                row = taking_part.get(person)
                if row is None or row["withdrawn"] or (row["role"] == "mentor") != (role == "mentor"):
                    raise PlacesRefused(f"{person} does not take part in programme {programme_id} "
                                        f"as a {role}; pairing {envelope.stream_id} refused")
            capacity = mentor_capacity(programme["settings"], taking_part[p["mentor_id"]]["profile"] or {})
            if held.get(p["mentor_id"], 0) > capacity:
                raise PlacesRefused(f"mentor {p['mentor_id']} would hold {held[p['mentor_id']]} places "
                                    f"in programme {programme_id}, above their capacity of {capacity}; "
                                    f"pairing {envelope.stream_id} refused")


def people_changed_by(envelopes: Iterable[Envelope]) -> Dict[str, set]:
    """Programme id -> the people the service's own events changed there."""
    out: Dict[str, set] = {}
    for envelope in envelopes:
        p = envelope.payload
        programme_id = p.get("programme_id")
        if not programme_id:
            continue
        people_here = out.setdefault(programme_id, set())
        people_here.update(v for v in (p.get("mentor_id"), p.get("mentee_id")) if v)
        if envelope.stream_type in PERSON_STREAMS:
            people_here.add(envelope.stream_id)
    return out


def registration_changes(conn: Connection, envelope: Envelope) -> Dict[str, set]:
    """Programme id -> the people a registration event changed there (empty set: everyone)."""
    kind, p, person = envelope.event_type, envelope.payload, envelope.stream_id
    if kind in ("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated"):
        return {person: set()}
    if kind in PERSON_WIDE:  # in programme order, as every writer locks programmes
        return {row["programme_id"]: {person} for row in programmes_of(conn, envelope.tenant_id, person)}
    if p.get("programme_id") and kind in PARTICIPANTS.handlers:
        return {p["programme_id"]: {person}}
    return {}


def consume_registration(conn: Connection, envelope: Envelope) -> None:
    """A registration event into the read model, with the change log it moves."""
    PARTICIPANTS.apply(conn, envelope)
    for programme_id, people_here in sorted(registration_changes(conn, envelope).items()):
        record_changes(conn, envelope.tenant_id, programme_id, people_here)


def revision_of(conn: Connection, tenant_id: str, programme_id: str):
    """``(revision, token)`` of a programme; ``(0, None)`` before its first change."""
    row = conn.execute(select(revisions.c.revision, revisions.c.token).where(
        revisions.c.tenant_id == tenant_id, revisions.c.programme_id == programme_id)).first()
    return (row.revision, row.token) if row else (0, None)


def change_rows(conn: Connection, tenant_id: str, programme_id: str, since: int) -> List[Dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(changes).where(
        changes.c.tenant_id == tenant_id, changes.c.programme_id == programme_id,
        changes.c.revision >= since).order_by(changes.c.revision)).mappings()]


def _everyone_changed(conn: Connection) -> None:
    """After a rebuild, every process reloads every programme."""
    for tenant_id, programme_id in conn.execute(select(programmes.c.tenant_id,
                                                       programmes.c.programme_id)).all():
        record_changes(conn, tenant_id, programme_id, ())


PARTICIPANTS.after_rebuild = _everyone_changed
PAIRINGS.after_rebuild = _everyone_changed


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def programme_row(conn: Connection, tenant_id: str, programme_id: str,
                  lock: bool = False) -> Optional[Dict[str, Any]]:
    """A programme's row; ``lock=True`` holds it until the transaction ends, so matching
    decisions on one programme are taken one at a time (across workers and replicas)."""
    query = select(programmes).where(programmes.c.programme_id == programme_id,
                                     programmes.c.tenant_id == tenant_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def participant_rows(conn: Connection, tenant_id: str, programme_id: str,
                     roles: Iterable[str] = ("mentor", "mentee", "team"),
                     person_ids: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
    query = select(participants, people.c.vetting_cleared, people.c.erased).join(
        people, people.c.person_id == participants.c.person_id, isouter=True).where(
        participants.c.tenant_id == tenant_id, participants.c.programme_id == programme_id,
        participants.c.role.in_(list(roles)))
    if person_ids is not None:
        query = query.where(participants.c.person_id.in_(list(person_ids)))
    return [dict(r) for r in conn.execute(query.order_by(participants.c.person_id)).mappings()]


def programmes_of(conn: Connection, tenant_id: str, person_id: str) -> List[Dict[str, Any]]:
    """The person's participations (every programme, withdrawn ones too), in programme order
    (the order in which a transaction takes their turns, so two never wait for each other)."""
    return [dict(r) for r in conn.execute(select(participants).where(
        participants.c.tenant_id == tenant_id, participants.c.person_id == person_id)
        .order_by(participants.c.programme_id)).mappings()]


def consent_rows(conn: Connection, tenant_id: str, person_ids: Iterable[str]) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}
    ids = list(person_ids)
    if not ids:
        return out
    for row in conn.execute(select(consents).where(consents.c.tenant_id == tenant_id,
                                                   consents.c.person_id.in_(ids))).mappings():
        out.setdefault(row["person_id"], []).append(dict(row))
    return out


def pairing_rows(conn: Connection, tenant_id: str, programme_id: str,
                 statuses: Optional[Iterable[str]] = None, *, mentor_id: Optional[str] = None,
                 mentee_id: Optional[str] = None,
                 person_ids: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
    """A programme's pairings (``person_ids``: those of these people, as mentor or mentee)."""
    query = select(pairings).where(pairings.c.tenant_id == tenant_id,
                                   pairings.c.programme_id == programme_id)
    if person_ids is not None:
        ids = list(person_ids)
        query = query.where(pairings.c.mentor_id.in_(ids) | pairings.c.mentee_id.in_(ids))
    if statuses is not None:
        query = query.where(pairings.c.status.in_(list(statuses)))
    if mentor_id is not None:
        query = query.where(pairings.c.mentor_id == mentor_id)
    if mentee_id is not None:
        query = query.where(pairings.c.mentee_id == mentee_id)
    return [dict(r) for r in conn.execute(query.order_by(pairings.c.created_at,
                                                         pairings.c.pairing_id)).mappings()]


def pairing_row(conn: Connection, tenant_id: str, pairing_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(pairings).where(pairings.c.tenant_id == tenant_id,
                                              pairings.c.pairing_id == pairing_id)).mappings().first()
    return dict(row) if row else None


def loads(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, int]:
    rows = conn.execute(select(pairings.c.mentor_id, func.count()).where(
        pairings.c.tenant_id == tenant_id, pairings.c.programme_id == programme_id,
        pairings.c.status.in_(list(ACTIVE))).group_by(pairings.c.mentor_id)).all()
    return {mentor: int(count) for mentor, count in rows}


def _of_mentees(table: Table, tenant_id: str, programme_id: str, mentee_ids: Optional[Iterable[str]]):
    query = select(table).where(table.c.tenant_id == tenant_id, table.c.programme_id == programme_id)
    if mentee_ids is not None:
        query = query.where(table.c.mentee_id.in_(list(mentee_ids)))
    return query


def waiting_rows(conn: Connection, tenant_id: str, programme_id: str,
                 mentee_ids: Optional[Iterable[str]] = None) -> Dict[str, Dict[str, Any]]:
    return {row["mentee_id"]: dict(row) for row in conn.execute(
        _of_mentees(waiting, tenant_id, programme_id, mentee_ids)).mappings()}


def round_rows(conn: Connection, tenant_id: str, programme_id: str) -> List[Dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(rounds).where(
        rounds.c.tenant_id == tenant_id, rounds.c.programme_id == programme_id)
        .order_by(rounds.c.completed_at)).mappings()]


def shortlist_rows(conn: Connection, tenant_id: str, programme_id: str,
                   mentee_ids: Optional[Iterable[str]] = None) -> Dict[str, Dict[str, Any]]:
    return {row["mentee_id"]: dict(row) for row in conn.execute(
        _of_mentees(shortlists, tenant_id, programme_id, mentee_ids)).mappings()}


def choice_rows(conn: Connection, tenant_id: str, programme_id: str,
                mentee_ids: Optional[Iterable[str]] = None) -> Dict[str, Dict[str, Any]]:
    return {row["mentee_id"]: dict(row) for row in conn.execute(
        _of_mentees(choices, tenant_id, programme_id, mentee_ids)).mappings()}


def request_rows(conn: Connection, tenant_id: str, *, programme_id: Optional[str] = None,
                 person_id: Optional[str] = None, person_ids: Optional[Iterable[str]] = None,
                 statuses: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
    """Requests to mentors of a programme, or of a person (as mentor or mentee)."""
    query = select(mentor_requests).where(mentor_requests.c.tenant_id == tenant_id)
    if programme_id is not None:
        query = query.where(mentor_requests.c.programme_id == programme_id)
    if person_id is not None:
        query = query.where((mentor_requests.c.mentor_id == person_id) | (mentor_requests.c.mentee_id == person_id))
    if person_ids is not None:
        ids = list(person_ids)
        query = query.where(mentor_requests.c.mentor_id.in_(ids) | mentor_requests.c.mentee_id.in_(ids))
    if statuses is not None:
        query = query.where(mentor_requests.c.status.in_(list(statuses)))
    order = (mentor_requests.c.requested_at, mentor_requests.c.mentee_id, mentor_requests.c.rank,
             mentor_requests.c.request_id)
    return [dict(r) for r in conn.execute(query.order_by(*order)).mappings()]


def pairings_of(conn: Connection, tenant_id: str, person_id: str) -> List[Dict[str, Any]]:
    """Every pairing a person is in, as mentor or mentee, in any programme."""
    return [dict(r) for r in conn.execute(select(pairings).where(
        pairings.c.tenant_id == tenant_id,
        (pairings.c.mentor_id == person_id) | (pairings.c.mentee_id == person_id))
        .order_by(pairings.c.created_at, pairings.c.pairing_id)).mappings()]


def request_json(row: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": row["request_id"], "programme_id": row["programme_id"],
            "mentor_id": row["mentor_id"], "mentee_id": row["mentee_id"], "rank": row["rank"],
            "score": {"total": row["score"], "parts": row["parts"], "percent": row["percent"]},
            "status": row["status"], "requested_at": row["requested_at"],
            "answer_by": row["answer_by"], "closed_at": row["closed_at"],
            "close_reason": row["close_reason"], "pairing_id": row["pairing_id"],
            "version": row["version"]}


def request_view(conn: Connection, tenant_id: str, request_id: Optional[str]) -> Optional[Dict[str, Any]]:
    if request_id is None:
        return None
    row = conn.execute(select(mentor_requests).where(
        mentor_requests.c.tenant_id == tenant_id,
        mentor_requests.c.request_id == request_id)).mappings().first()
    return request_json(dict(row)) if row else None
