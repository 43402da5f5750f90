"""The change log: who changed in which programme (``match_revisions``, ``match_changes``).

Every transaction that changes a programme's participants or pairings moves the programme's
revision on by one, under a token unique to that transaction, and names the people it
changed; the kept programme states (:mod:`..programme_state`) reload only those people.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, Iterable, List, Optional, Union

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from services.platform_core.envelope import Envelope
from services.platform_core.events import DomainEvent

from .projections import PAIRINGS, PARTICIPANTS
from .queries import programme_row, programmes_of
from .tables import changes, programmes, revisions

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



def people_changed_by(envelopes: Iterable[Union[Envelope, DomainEvent]]) -> Dict[str, set]:
    """Programme id -> the people the service's own events (about to be appended, or
    appended) changed there."""
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
