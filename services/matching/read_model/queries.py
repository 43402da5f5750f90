"""Reads of matching's read model (every one within a tenant)."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import Table, bindparam, func, select, union
from sqlalchemy.engine import Connection

from ..domain.pairing import ACTIVE
from .tables import (
    asked_rounds,
    choices,
    consents,
    mentor_requests,
    pairings,
    participants,
    people,
    programmes,
    rounds,
    shortlists,
    waiting,
)

_PROGRAMME = select(programmes).where(programmes.c.programme_id == bindparam("programme_id"),
                                      programmes.c.tenant_id == bindparam("tenant_id"))
_PROGRAMME_LOCKED = _PROGRAMME.with_for_update()


def programme_row(conn: Connection, tenant_id: str, programme_id: str,
                  lock: bool = False) -> Optional[Dict[str, Any]]:
    """A programme's row; ``lock=True`` holds it until the transaction ends, so matching
    decisions on one programme are taken one at a time (across workers and replicas).

    Read once per transaction: a row this transaction holds (locked on PostgreSQL; on SQLite
    every write transaction holds the database) cannot change but by the transaction itself,
    which forgets it when it writes it (:func:`forget_programme_row`). A consumed event asked
    for it five times."""
    held = _held(conn)
    key = (tenant_id, programme_id)
    if key in held:
        return dict(held[key])
    postgres = conn.dialect.name == "postgresql"
    query = _PROGRAMME_LOCKED if lock and postgres else _PROGRAMME
    found = conn.execute(query, {"programme_id": programme_id, "tenant_id": tenant_id}).mappings().first()
    row = dict(found) if found else None
    if row is not None and (lock or not postgres):
        held[key] = row
    return dict(row) if row else None


def forget_programme_row(conn: Connection, tenant_id: str, programme_id: str) -> None:
    """The transaction writes the programme's row: read it afresh next time."""
    _held(conn).pop((tenant_id, programme_id), None)


def _held(conn: Connection) -> Dict[tuple, Dict[str, Any]]:
    """The programme rows the connection's current transaction holds."""
    transaction = conn.get_transaction()
    if transaction is None:  # not in a transaction (yet): nothing is held
        return {}
    kept = conn.info.get("programme_rows")
    if kept is None or kept[0] is not transaction:
        kept = conn.info["programme_rows"] = (transaction, {})
    return kept[1]


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
    """A programme's pairings (``person_ids``: those of these people, as mentor or mentee).

    Those of some people are looked up through the mentor and the mentee index (a UNION of
    the two lookups, then by primary key), and the programme's are kept of them here: with
    the programme in the query, or an OR of the two columns, SQLite (without statistics)
    scans every pairing of the programme instead, for each decision
    (``test_pairings_of_people_are_looked_up_by_their_indexes``)."""
    if person_ids is not None:
        ids = list(person_ids)
        query = select(pairings).where(pairings.c.pairing_id.in_(union(
            select(pairings.c.pairing_id).where(pairings.c.mentor_id.in_(ids)),
            select(pairings.c.pairing_id).where(pairings.c.mentee_id.in_(ids)))))
    else:
        query = select(pairings).where(pairings.c.tenant_id == tenant_id,
                                       pairings.c.programme_id == programme_id)
    if statuses is not None:
        query = query.where(pairings.c.status.in_(list(statuses)))
    if mentor_id is not None:
        query = query.where(pairings.c.mentor_id == mentor_id)
    if mentee_id is not None:
        query = query.where(pairings.c.mentee_id == mentee_id)
    rows = conn.execute(query.order_by(pairings.c.created_at, pairings.c.pairing_id)).mappings()
    return [dict(r) for r in rows if r["tenant_id"] == tenant_id and r["programme_id"] == programme_id]


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


def asked_round_row(conn: Connection, tenant_id: str, programme_id: str,
                    round_id: str) -> Optional[Dict[str, Any]]:
    """A round asked with ``Prefer: respond-async`` (None: no such round in the programme)."""
    row = conn.execute(select(asked_rounds).where(
        asked_rounds.c.round_id == round_id, asked_rounds.c.tenant_id == tenant_id,
        asked_rounds.c.programme_id == programme_id)).mappings().first()
    return dict(row) if row else None


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
