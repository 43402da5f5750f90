"""Notifications' tables.

* :data:`PROGRAMMES` (``notif_programmes``), a projection of registration's programme events:
  each programme's name, settings (languages, cadence, dates, sending times) and time zone, for
  the next steps an introduction names and when timed messages go out; rebuilt from
  registration's feed (``mentoring rebuild notifications``).
* :data:`STAFF` (``notif_staff``), a projection of registration's ``StaffMember*`` events: who
  is on each programme's staff, in which role (ids only: their contact is asked for when a
  message is sent), so a pairing's news is recorded for each coordinator.
* ``notif_deliveries``, the delivery log: kept, not a projection (what was recorded, tried and
  sent is the service's own state; ``NotificationSent`` / ``NotificationFailed`` are its
  outcomes). One row per message, its key (cause event id, recipient person id, role, kind,
  occurrence: the how-manieth of a repeated reminder) unique; ids only, never a name or an
  address (``address_version``: a keyed hash of the address an attempt went to, so a corrected
  address can be told from the refused one).
* ``notif_failing_addresses``: kept; the addresses a mail server refused for good (a 5xx), one
  per (person, audience: ``self`` or ``guardian``), with the version refused, until a message to
  that person and audience is sent (a corrected address: :func:`clear_failing`).

Both kept tables are made by Alembic revisions (branch ``notifications``,
``services/platform_core/migrations/versions/n00*.py``), not at start.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection

metadata = MetaData()
_When = UtcDateTime()

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENT, FAILED, SKIPPED)

programmes = Table(
    "notif_programmes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("time_zone", String(64)),
)

deliveries_metadata = MetaData()
deliveries = Table(
    "notif_deliveries", deliveries_metadata,
    Column("message_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("cause_event_id", String(64), nullable=False),
    Column("cause_event_type", String(64), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("role", String(12), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("occurrence", Integer, nullable=False, default=1, server_default="1"),
    Column("programme_id", String(64), nullable=False),
    Column("pairing_id", String(64)),
    Column("facts", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("language", String(8)),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500)),
    Column("smtp_code", Integer),
    Column("recorded_at", _When, nullable=False),
    Column("next_attempt_at", _When),
    Column("sent_at", _When),
    Column("address_version", String(32)),
    UniqueConstraint("cause_event_id", "recipient_id", "role", "kind", "occurrence", name="uq_notif_deliveries_key"),
    Index("ix_notif_deliveries_due", "status", "next_attempt_at"),
    Index("ix_notif_deliveries_programme", "tenant_id", "programme_id"),
    Index("ix_notif_deliveries_recipient", "tenant_id", "recipient_id"),
    Index("ix_notif_deliveries_recorded", "tenant_id", "recorded_at"),
)

failing_addresses = Table(
    "notif_failing_addresses", deliveries_metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("recipient_id", String(64), primary_key=True),
    Column("audience", String(12), primary_key=True),
    Column("address_version", String(32), nullable=False),
    Column("message_id", String(64), nullable=False),
    Column("smtp_code", Integer),
    Column("failed_at", _When, nullable=False),
)

PROGRAMMES = ConsumedProjection("programmes", MetaData(), "registration")
STAFF = ConsumedProjection("staff", MetaData(), "registration")
PROJECTIONS = [PROGRAMMES, STAFF]
programmes.to_metadata(PROGRAMMES.metadata)

staff = Table(
    "notif_staff", STAFF.metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("role", String(20), nullable=False),
)
STAFF_EVENTS = ("StaffMemberAdded", "StaffMemberChanged", "StaffMemberRemoved")


@STAFF.handles(*STAFF_EVENTS)
def _staff(conn: Connection, envelope: Envelope) -> None:
    key = (staff.c.programme_id == envelope.payload["programme_id"], staff.c.person_id == envelope.stream_id)
    conn.execute(delete(staff).where(*key))
    if envelope.event_type != "StaffMemberRemoved":
        conn.execute(insert(staff).values(programme_id=envelope.payload["programme_id"], person_id=envelope.stream_id,
                                          tenant_id=envelope.tenant_id, role=envelope.payload["role"]))


def staff_of(conn: Connection, tenant_id: str, programme_id: str) -> List[Tuple[str, str]]:
    """A programme's staff: (person id, role) pairs."""
    return [(row.person_id, row.role) for row in conn.execute(
        select(staff.c.person_id, staff.c.role).where(staff.c.tenant_id == tenant_id,
                                                      staff.c.programme_id == programme_id)
        .order_by(staff.c.person_id))]


@PROGRAMMES.handles("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
def _programme(conn: Connection, envelope: Envelope) -> None:
    settings = envelope.payload["settings"]
    values = {"tenant_id": envelope.tenant_id, "settings": settings, "name": str(settings.get("name") or "")[:200]}
    if envelope.payload.get("time_zone"):  # ProgrammeCreated, ProgrammeCloned: the tenant's zone
        values["time_zone"] = envelope.payload["time_zone"]
    if not conn.execute(update(programmes).where(programmes.c.programme_id == envelope.stream_id)
                        .values(**values)).rowcount:
        conn.execute(insert(programmes).values(programme_id=envelope.stream_id, **values))


def put(conn: Connection, table: Table, key: Mapping[str, Any], values: Optional[Mapping[str, Any]]) -> None:
    """The row of ``key`` in ``table`` replaced by ``values`` (None: removed): what a projection
    of "set" and "unset" events does."""
    conn.execute(delete(table).where(*(table.c[k] == v for k, v in key.items())))
    if values is not None:
        conn.execute(insert(table).values(**key, **values))


def programme(conn: Connection, tenant_id: str, programme_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(programmes).where(programmes.c.programme_id == programme_id,
                                                programmes.c.tenant_id == tenant_id)).mappings().first()
    return dict(row) if row else None


# -- the delivery log ----------------------------------------------------------------------------

def record(conn: Connection, postgres: bool, values: Mapping[str, Any]) -> bool:
    """Record a message once: a second record of the same key changes nothing (False)."""
    return insert_once(conn, postgres, deliveries, values)


def insert_once(conn: Connection, postgres: bool, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless its key is there already (False)."""
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    return bool(conn.execute(dialect_insert(table).values(**values).on_conflict_do_nothing()).rowcount)


def due(conn: Connection, now: datetime, limit: int) -> List[Dict[str, Any]]:
    rows = conn.execute(select(deliveries).where(deliveries.c.status == PENDING,
                                                 deliveries.c.next_attempt_at <= now)
                        .order_by(deliveries.c.next_attempt_at, deliveries.c.message_id).limit(limit)).mappings()
    return [dict(row) for row in rows]


def claim(conn: Connection, row: Mapping[str, Any], now: datetime, *, until: datetime) -> bool:
    """Claim a due message for one send: still pending, with the attempts it was read with, and
    due; then not due again before ``until`` (the send's outcome sets it). False: another
    sender claimed or settled it since it was read."""
    return bool(conn.execute(update(deliveries).where(
        deliveries.c.message_id == row["message_id"], deliveries.c.status == PENDING,
        deliveries.c.attempts == row["attempts"], deliveries.c.next_attempt_at <= now,
    ).values(next_attempt_at=until)).rowcount)


def change(conn: Connection, message_id: str, **values: Any) -> None:
    conn.execute(update(deliveries).where(deliveries.c.message_id == message_id).values(**values))


def log_rows(conn: Connection, tenant_id: str, *, programme_id: Optional[str] = None,
             person_id: Optional[str] = None, pairing_id: Optional[str] = None,
             limit: Optional[int] = None) -> List[Dict[str, Any]]:
    query = select(deliveries).where(deliveries.c.tenant_id == tenant_id)
    if programme_id is not None:
        query = query.where(deliveries.c.programme_id == programme_id)
    if person_id is not None:
        query = query.where(deliveries.c.recipient_id == person_id)
    if pairing_id is not None:
        query = query.where(deliveries.c.pairing_id == pairing_id)
    query = query.order_by(deliveries.c.recorded_at, deliveries.c.message_id)
    return [dict(row) for row in conn.execute(query.limit(limit) if limit else query).mappings()]


def message(conn: Connection, tenant_id: str, message_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(deliveries).where(deliveries.c.tenant_id == tenant_id,
                                                deliveries.c.message_id == message_id)).mappings().first()
    return dict(row) if row else None


# -- failing addresses ---------------------------------------------------------------------------

def audience_of(role: str) -> str:
    """Whose address a message goes to: the person's own (``self``) or their guardian's."""
    return "guardian" if role == "guardian" else "self"


def mark_failing(conn: Connection, row: Mapping[str, Any], address_version: str, smtp_code: Optional[int],
                 now: datetime) -> None:
    key = {"tenant_id": row["tenant_id"], "recipient_id": row["recipient_id"], "audience": audience_of(row["role"])}
    clear_failing(conn, key["tenant_id"], key["recipient_id"], key["audience"])
    conn.execute(insert(failing_addresses).values(**key, address_version=address_version,
                                                  message_id=row["message_id"], smtp_code=smtp_code, failed_at=now))


def clear_failing(conn: Connection, tenant_id: str, recipient_id: str, audience: str) -> None:
    conn.execute(delete(failing_addresses).where(failing_addresses.c.tenant_id == tenant_id,
                                                 failing_addresses.c.recipient_id == recipient_id,
                                                 failing_addresses.c.audience == audience))


def failing(conn: Connection, tenant_id: str, recipient_id: Optional[str] = None) -> List[Dict[str, Any]]:
    query = select(failing_addresses).where(failing_addresses.c.tenant_id == tenant_id)
    if recipient_id is not None:
        query = query.where(failing_addresses.c.recipient_id == recipient_id)
    return [dict(r) for r in conn.execute(query.order_by(failing_addresses.c.failed_at)).mappings()]


# -- retention -----------------------------------------------------------------------------------

def prune(conn: Connection, tenant_id: str, before: datetime) -> int:
    """Delete the tenant's settled messages recorded before ``before``; how many."""
    return conn.execute(delete(deliveries).where(deliveries.c.tenant_id == tenant_id,
                                                 deliveries.c.status != PENDING,
                                                 deliveries.c.recorded_at < before)).rowcount


def pending_by_kind(conn: Connection) -> Dict[str, Tuple[int, Optional[datetime]]]:
    """Every tenant's pending messages by kind: how many, and the oldest one's record time."""
    rows = conn.execute(select(deliveries.c.kind, func.count(), func.min(deliveries.c.recorded_at))
                        .where(deliveries.c.status == PENDING).group_by(deliveries.c.kind))
    return {kind: (count, oldest) for kind, count, oldest in rows}
