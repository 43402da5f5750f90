"""What the database promises, whatever a process's memory believes: a mentor's proposed
and confirmed pairings never exceed their capacity in a programme (``match_places``, a
counter row per mentor), a mentee has at most one active pairing there (``match_placed``, a
key per mentee), and only people taking part are paired (:func:`check_places`).
"""
from __future__ import annotations

from typing import Dict, Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from services.platform_core.envelope import Envelope

from ..domain.settings import mentor_capacity
from .queries import programme_row
from .tables import participants, places


def hold_place(conn: Connection, tenant_id: str, programme_id: str, mentor_id: str, delta: int) -> None:
    """One place more (or fewer) held by a mentor: an atomic increment of their counter row."""
    upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(places).values(
        programme_id=programme_id, mentor_id=mentor_id, tenant_id=tenant_id, taken=max(delta, 0))
    conn.execute(upsert.on_conflict_do_update(index_elements=[places.c.programme_id, places.c.mentor_id],
                                              set_={"taken": places.c.taken + delta}))



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
