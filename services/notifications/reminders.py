"""Notices and reminders on the platform's scheduled work: the adapter of
:mod:`.domain.reminders`.

A message an event makes (:func:`plan`) is recorded in the delivery log at once when the
programme's sending window is open (and the day is in no quiet period); otherwise it waits in
``notif_reminders`` with a scheduled job (``notification-due``, keyed by the message id) due at
the next moment it may go out. Whichever replica claims the job records the message in the same
transaction that completes the job, and the sender sends it. A waiting message is dropped
(its job cancelled, its row ``cancelled`` with the event that made it pointless) by
:func:`cancel`; a programme's new settings move its waiting messages (:func:`reschedule`).

Tables:

* ``notif_reminders``: kept (not a projection): what waits, was recorded, or was cancelled, and
  why. Ids only.
* :data:`CONSENTS` (``notif_consents``), a projection of registration's consents: whether a
  consent given earlier already covers a new mentee's programme (then no reminder).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection

from services.platform_core import scheduler as scheduling
from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection
from services.platform_core.store import StoreTransaction

from . import read_model, waiting
from .domain import choose_language, course, message_id, preferred_language
from .domain.reminders import (
    ABOUT_A_PAIRING,
    COORDINATOR,
    FIT_CONCERN,
    MEETING_DISPUTED,
    PLANNED_BY,
    REGISTRATION_CLOSING,
    RESERVE_PATH,
    STALE_AFTER,
    SURVEY_INVITATION,
    Cancel,
    Planned,
    answer_path,
    cancellations,
    concern_context,
    consent_covers,
    dispute_context,
    due_moment,
    first_moment,
    invitation_context,
    notice_context,
    notice_programme,
    plans_for,
)
from .domain.schedule import NoSendingDay, sending_times, zone_of

#: the events whose notices go to the programme's coordinators
#: the scheduled job of a waiting message (its key: the message id)
JOB = "notification-due"
WAITING, RECORDED, CANCELLED = "waiting", "recorded", "cancelled"

_When = UtcDateTime()
metadata = MetaData()
reminders = Table(
    "notif_reminders", metadata,
    Column("message_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("role", String(12), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("occurrence", Integer, nullable=False),
    Column("about_id", String(64)),
    Column("cause_event_id", String(64), nullable=False),
    Column("cause_event_type", String(64), nullable=False),
    Column("cause_at", _When, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("due_at", _When, nullable=False),
    Column("status", String(12), nullable=False),
    Column("settled_by", String(64)),
    Index("ix_notif_reminders_recipient", "tenant_id", "recipient_id", "status"),
    Index("ix_notif_reminders_programme", "tenant_id", "programme_id", "status"),
    Index("ix_notif_reminders_about", "about_id", "status"),
)

CONSENTS = ConsumedProjection("consents", MetaData(), "registration")
consents = Table(
    "notif_consents", CONSENTS.metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("person_id", String(64), primary_key=True),
    Column("valid_from", String(10), primary_key=True),
    Column("valid_until", String(10), nullable=False),
)


@CONSENTS.handles("ConsentGiven")
def _consent_given(conn: Connection, envelope: Envelope) -> None:
    key = and_(consents.c.person_id == envelope.stream_id, consents.c.valid_from == envelope.payload["valid_from"])
    conn.execute(delete(consents).where(key))
    conn.execute(insert(consents).values(tenant_id=envelope.tenant_id, person_id=envelope.stream_id,
                                         valid_from=envelope.payload["valid_from"],
                                         valid_until=envelope.payload["valid_until"]))


@CONSENTS.handles("ConsentWithdrawn")
def _consent_withdrawn(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(consents).where(consents.c.person_id == envelope.stream_id,
                                        consents.c.valid_from == envelope.payload["valid_from"]))


@CONSENTS.handles("PersonErased")
def _erased(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(consents).where(consents.c.person_id == envelope.stream_id))


def _consents_of(conn: Connection, person_id: str) -> List[Tuple[str, str]]:
    query = select(consents.c.valid_from, consents.c.valid_until).where(consents.c.person_id == person_id)
    return [(row.valid_from, row.valid_until) for row in conn.execute(query)]


def _times(programme: Mapping[str, Any]):
    return sending_times(programme["settings"], programme.get("time_zone"))


def _due(kind: str, occurrence: int, cause_at: datetime, now: datetime,
         programme: Mapping[str, Any]) -> Optional[datetime]:
    try:
        return due_moment(kind, occurrence, cause_at=cause_at, now=now, settings=programme["settings"],
                          times=_times(programme))
    except NoSendingDay:
        return None


def _facts_now(tx: StoreTransaction, row: Mapping[str, Any]) -> Dict[str, Any]:
    """A message's facts as it goes out: a coordinator's registration closing counts who waits now."""
    facts = dict(row["facts"])
    if row["kind"] == REGISTRATION_CLOSING and row["role"] == COORDINATOR:
        facts.update(waiting.counts(tx.conn, row["tenant_id"], row["programme_id"]),
                     reserve_path=RESERVE_PATH.format(tenant_id=row["tenant_id"], programme_id=row["programme_id"]))
    return facts


def _record(tx: StoreTransaction, row: Mapping[str, Any]) -> bool:
    """The message in the delivery log, to be sent now."""
    return read_model.record(tx.conn, tx.store.postgres, {
        "message_id": row["message_id"], "tenant_id": row["tenant_id"], "cause_event_id": row["cause_event_id"],
        "cause_event_type": row["cause_event_type"], "recipient_id": row["recipient_id"], "role": row["role"],
        "kind": row["kind"], "occurrence": row["occurrence"], "programme_id": row["programme_id"],
        "pairing_id": row["about_id"] if row["kind"] in ABOUT_A_PAIRING else None,
        "facts": _facts_now(tx, row), "status": read_model.PENDING, "attempts": 0, "recorded_at": tx.now,
        "next_attempt_at": tx.now})


def _row(envelope: Envelope, programme_id: str, planned: Planned, now: datetime) -> Dict[str, Any]:
    cause = planned.cause_id or envelope.event_id
    return {"message_id": message_id(cause, planned.recipient_id, planned.role, planned.kind, planned.occurrence),
            "tenant_id": envelope.tenant_id, "programme_id": programme_id, "recipient_id": planned.recipient_id,
            "role": planned.role, "kind": planned.kind, "occurrence": planned.occurrence,
            "about_id": planned.about_id, "cause_event_id": cause,
            "cause_event_type": envelope.event_type, "cause_at": now, "facts": dict(planned.facts)}


class ProgrammeNotKnownYet(Exception):
    """A notice's programme has not reached notifications yet: the event is tried again."""


def plan(tx: StoreTransaction, envelope: Envelope, programme: Optional[Mapping[str, Any]]) -> bool:
    """Record or schedule the messages ``envelope`` makes; True if one was recorded to go now."""
    if envelope.event_type not in PLANNED_BY + course.PLANNED_BY or envelope.occurred_at < tx.now - STALE_AFTER:
        return False
    if programme is None:  # its programme event is on its way (another stream): try again
        raise ProgrammeNotKnownYet(f"programme {envelope.payload.get('programme_id')} is not known here yet")
    settings, now = programme["settings"], tx.now
    covered = (envelope.event_type == "MenteeRegistered"
               and consent_covers(_consents_of(tx.conn, envelope.stream_id), settings))
    recorded = False
    staff = read_model.staff_of(tx.conn, envelope.tenant_id, programme["programme_id"])
    for planned in plans_for(envelope.event_type, envelope.payload, stream_id=envelope.stream_id,
                             settings=settings, consent_covered=covered, staff=staff,
                             tenant_id=envelope.tenant_id) + course.plans_for(envelope.event_type, envelope.payload):
        row = _row(envelope, programme["programme_id"], planned, now)
        try:
            due = first_moment(planned.kind, planned.occurrence, cause_at=now, settings=settings,
                               times=_times(programme))
        except NoSendingDay:
            continue
        if due is None or course.too_late(planned.kind, planned.facts, due):
            continue
        if due <= now:
            recorded |= _record(tx, row)
            continue
        if read_model.insert_once(tx.conn, tx.store.postgres, reminders, {**row, "due_at": due, "status": WAITING}):
            scheduling.schedule(tx, kind=JOB, key=row["message_id"], due_at=due)
    return recorded


def run_job(tx: StoreTransaction, job: scheduling.Job) -> bool:
    """A waiting message's time has come: record it to be sent (True), unless it was settled."""
    row = tx.conn.execute(select(reminders).where(reminders.c.message_id == job.key)).mappings().first()
    if row is None or row["status"] != WAITING:
        return False
    if course.too_late(row["kind"], row["facts"], tx.now):  # held past the deadline it reminds of
        tx.conn.execute(update(reminders).where(reminders.c.message_id == job.key)
                        .values(status=CANCELLED, settled_by="deadline_passed"))
        return False
    tx.conn.execute(update(reminders).where(reminders.c.message_id == job.key).values(status=RECORDED))
    return _record(tx, dict(row))


def _waiting(conn: Connection, tenant_id: str, cancel: Cancel) -> List[Dict[str, Any]]:
    query = select(reminders).where(reminders.c.tenant_id == tenant_id, reminders.c.status == WAITING)
    if cancel.kinds is not None:
        query = query.where(reminders.c.kind.in_(list(cancel.kinds)))
    if cancel.recipient_id is not None:
        query = query.where(reminders.c.recipient_id == cancel.recipient_id)
    if cancel.programme_id is not None:
        query = query.where(reminders.c.programme_id == cancel.programme_id)
    if cancel.about_id is not None:
        query = query.where(reminders.c.about_id == cancel.about_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def _settle(tx: StoreTransaction, row: Mapping[str, Any], why: str) -> None:
    scheduling.cancel(tx, JOB, row["message_id"])
    tx.conn.execute(update(reminders).where(reminders.c.message_id == row["message_id"])
                    .values(status=CANCELLED, settled_by=why))


def cancel(tx: StoreTransaction, envelope: Envelope) -> int:
    """Drop the waiting messages ``envelope`` makes pointless; how many."""
    dropped = 0
    for what in (cancellations(envelope.event_type, envelope.payload, stream_id=envelope.stream_id)
                 + course.cancellations(envelope.event_type, envelope.payload)):
        for row in _waiting(tx.conn, envelope.tenant_id, what):
            programme = read_model.programme(tx.conn, envelope.tenant_id, row["programme_id"]) or {"settings": {}}
            if what.names(row["facts"]) and what.covers(row["programme_id"], programme["settings"]):
                _settle(tx, row, envelope.event_type)
                dropped += 1
    return dropped


def reschedule(tx: StoreTransaction, programme: Optional[Mapping[str, Any]]) -> int:
    """The programme's settings changed: each waiting message moves to its new moment (or is
    dropped when the programme no longer asks for it); how many moved or were dropped."""
    if programme is None:
        return 0
    changed = 0
    for row in _waiting(tx.conn, programme["tenant_id"], Cancel(programme_id=programme["programme_id"])):
        due = _due(row["kind"], row["occurrence"], row["cause_at"], tx.now, programme)
        if due is None:
            _settle(tx, row, "ProgrammeUpdated")
        elif due != row["due_at"]:
            scheduling.schedule(tx, kind=JOB, key=row["message_id"], due_at=due)
            tx.conn.execute(update(reminders).where(reminders.c.message_id == row["message_id"]).values(due_at=due))
        else:
            continue
        changed += 1
    return changed


# -- sending --------------------------------------------------------------------------------------

def notice_people(row: Mapping[str, Any]) -> List[str]:
    """Whose contact cards a notice needs: its recipient's, the other side's if it names one,
    and the pair's a coordinator's notice is about."""
    facts = row["facts"] or {}
    named = [facts[key] for key in ("other_id", "mentor_id", "mentee_id") if facts.get(key)]
    return [row["recipient_id"]] + named


def notice_context_of(row: Mapping[str, Any], programme: Mapping[str, Any], cards: Mapping[str, Any]
                      ) -> Dict[str, Any]:
    """What a notice's template is given, from the contact cards of :func:`notice_people`.
    Raises :class:`~.domain.NoOneToTell`."""
    facts = row["facts"] or {}
    found = cards.get("people") or {}
    zone = zone_of(programme.get("time_zone"))
    if row["kind"] == MEETING_DISPUTED:
        return dispute_context(to=found.get(row["recipient_id"]), mentor=found.get(facts["mentor_id"]),
                               mentee=found.get(facts["mentee_id"]),
                               programme=notice_programme(programme["settings"], programme["name"]), facts=facts,
                               local_time=lambda moment: moment.astimezone(zone))
    if row["kind"] in (SURVEY_INVITATION, FIT_CONCERN):
        return _survey_context_of(row, programme, cards)
    if row["kind"] == course.TASK_DEADLINE:
        facts = course.shown_facts(facts, lambda moment: moment.astimezone(zone))
    return notice_context(kind=row["kind"], role=row["role"], occurrence=row.get("occurrence") or 1,
                          person=found.get(row["recipient_id"]),
                          other=found.get(facts["other_id"]) if facts.get("other_id") else None,
                          programme=notice_programme(programme["settings"], programme["name"]), facts=facts,
                          local_day=lambda moment: moment.astimezone(zone).date(),
                          pair={"mentor": found.get(facts.get("mentor_id") or ""),
                                "mentee": found.get(facts.get("mentee_id") or "")})


def _survey_context_of(row: Mapping[str, Any], programme: Mapping[str, Any], cards: Mapping[str, Any]
                       ) -> Dict[str, Any]:
    """A survey's invitation or fit concern, the survey named in the recipient's language (the
    one the sender writes in)."""
    facts, found = row["facts"] or {}, cards.get("people") or {}
    language = choose_language(preferred_language(row["recipient_id"], found), cards.get("default_language"))
    shown = notice_programme(programme["settings"], programme["name"])
    if row["kind"] == SURVEY_INVITATION:
        return invitation_context(role=row["role"], person=found.get(row["recipient_id"]), programme=shown,
                                  settings=programme["settings"], facts=facts, language=language,
                                  answer=answer_path(row["tenant_id"], row["pairing_id"], facts))
    zone = zone_of(programme.get("time_zone"))
    return concern_context(to=found.get(row["recipient_id"]), mentor=found.get(facts["mentor_id"]),
                           mentee=found.get(facts["mentee_id"]), programme=shown, settings=programme["settings"],
                           facts=facts, language=language, local_day=lambda moment: moment.astimezone(zone).date())
