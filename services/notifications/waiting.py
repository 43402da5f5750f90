"""Who still waits in a programme, as far as notifications knows: what a coordinator's
``registration_closing`` counts when it goes out (:func:`.domain.reminders.waiting_counts`).

Two projections, ids only (notifications reads no other service's tables: it keeps what the
events it consumes say):

* :data:`PARTICIPANTS` (``notif_participants``), of registration's events: each programme's
  registered mentors and mentees (a team on the mentee's side), until they withdraw from it or
  are erased;
* :data:`PAIRS` (``notif_pairs``), of matching's events: the pairings that stand (confirmed and
  not ended).

A participant registered but not yet matchable (a consent or vetting missing) counts as waiting:
the coordinator's notice says so, and points to matching's reserve list for who exactly.
"""
from __future__ import annotations

from typing import Dict

from sqlalchemy import Column, Index, MetaData, String, Table, delete, select
from sqlalchemy.engine import Connection

from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection

from . import read_model
from .domain.reminders import MENTEE, MENTOR, waiting_counts

PARTICIPANTS = ConsumedProjection("participants", MetaData(), "registration")
participants = Table(
    "notif_participants", PARTICIPANTS.metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("side", String(12), nullable=False),
)

PAIRS = ConsumedProjection("pairs", MetaData(), "matching")
pairs = Table(
    "notif_pairs", PAIRS.metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Index("ix_notif_pairs_programme", "tenant_id", "programme_id"),
)
PROJECTIONS = [PARTICIPANTS, PAIRS]
SIDES = {"MentorRegistered": MENTOR, "MenteeRegistered": MENTEE, "TeamRegistered": MENTEE}


@PARTICIPANTS.handles(*SIDES)
def _registered(conn: Connection, envelope: Envelope) -> None:
    read_model.put(conn, participants, {"programme_id": envelope.payload["programme_id"],
                                        "person_id": envelope.stream_id},
                   {"tenant_id": envelope.tenant_id, "side": SIDES[envelope.event_type]})


@PARTICIPANTS.handles("ParticipantWithdrew")
def _withdrew(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(participants).where(participants.c.programme_id == envelope.payload["programme_id"],
                                            participants.c.person_id == envelope.stream_id))


@PARTICIPANTS.handles("PersonErased")
def _erased(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(participants).where(participants.c.person_id == envelope.stream_id))


@PAIRS.handles("PairingConfirmed")
def _confirmed(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    read_model.put(conn, pairs, {"pairing_id": envelope.stream_id},
                   {"tenant_id": envelope.tenant_id, "programme_id": payload["programme_id"],
                    "mentor_id": payload["mentor_id"], "mentee_id": payload["mentee_id"]})


@PAIRS.handles("PairingEnded")
def _ended(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(pairs).where(pairs.c.pairing_id == envelope.stream_id))


def counts(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, int]:
    """How many mentees and mentors of the programme wait now (``waiting_mentees``,
    ``waiting_mentors``)."""
    registered = conn.execute(select(participants.c.person_id, participants.c.side).where(
        participants.c.tenant_id == tenant_id, participants.c.programme_id == programme_id)).all()
    standing = conn.execute(select(pairs.c.mentor_id, pairs.c.mentee_id).where(
        pairs.c.tenant_id == tenant_id, pairs.c.programme_id == programme_id)).all()
    return waiting_counts([(p, s) for p, s in registered], [(m, e) for m, e in standing])
