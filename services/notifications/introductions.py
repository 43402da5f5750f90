"""What a confirmed pairing and a cohort round record, in the consuming transaction.

* ``PairingConfirmed`` in an individual programme: the introduction to the mentor, the mentee,
  a minor's guardian and the coordinators (:func:`.domain.told_of_pairing`); in a team
  programme, each of the team's members too (:mod:`.domain.teams`); in a group programme (an
  e-course, :mod:`.domain.groups`), a pairing confirmed outside a round: the student's
  introduction and the mentor's note; one confirmed by a round: kept for the round's group.
* ``MatchingRoundCompleted``: the round noted; once it and every pairing it confirmed are
  known, one group introduction per mentor.
* a programme's event (``ProgrammeCreated``...): the pairings that waited for it.
* ``PairingEnded``: ``pairing_ended`` to both sides, a minor's guardian, the coordinators and,
  in a team programme, each of the team's members (:func:`pairing_ended`).

Order does not matter, and neither do repeats:

* a pairing whose programme is not known here yet (registration's events come on their own
  queue) waits in ``notif_pairings`` (``held``) and is introduced when the programme arrives;
* the events of one round come on different streams, so in any order and at once in several
  workers: each takes the round's *turn* (a row of ``notif_turns`` locked for the
  transaction, ``SELECT ... FOR UPDATE`` after an insert that does nothing when it is there)
  before it reads or writes what is known of the round, and likewise the programme's turn
  before a pairing reads whether its programme is known and before a programme's event reads
  the held pairings. The last of a round's events to commit sees the others, and makes the
  groups; ``notif_rounds.introduced_at`` keeps it from making them twice, and every message's
  key is unique in the delivery log anyway, so a redelivery records nothing new.

``notif_turns``, ``notif_pairings`` and ``notif_rounds`` are kept (the service's own state, not
projections), created at start like ``notif_deliveries``; ids only, never a name or address.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.engine import Connection

from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.store import StoreTransaction

from . import read_model
from .domain import (
    GROUP_INTRODUCTION,
    INTRODUCTION,
    MEMBER,
    PAIRING_ENDED,
    Recipient,
    confirmed_by_round,
    group_cause,
    groups_of,
    is_group_programme,
    is_team_programme,
    member_cause,
    member_places,
    message_id,
    round_complete,
    round_expects,
    told_of_group,
    told_of_joining,
    told_of_pairing,
)

metadata = MetaData()
_When: Any = UtcDateTime()

HELD, IN_ROUND, INTRODUCED = "held", "round", "introduced"

turns = Table(
    "notif_turns", metadata,
    Column("turn", String(200), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
)

pairings = Table(
    "notif_pairings", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("cause_event_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("origin", String(20), nullable=False),
    Column("confirmed_by", String(20), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    Column("state", String(12), nullable=False),
    Column("recorded_at", _When, nullable=False),
    Index("ix_notif_pairings_round", "tenant_id", "correlation_id", "state"),
    Index("ix_notif_pairings_programme", "tenant_id", "programme_id", "state"),
)

rounds = Table(
    "notif_rounds", metadata,
    Column("correlation_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("round_id", String(64)),
    Column("programme_id", String(64)),
    Column("cause_event_id", String(64)),
    Column("expected", Integer),
    Column("introduced_at", _When),
)


def _pairing_of(event: Envelope) -> Dict[str, Any]:
    payload = event.payload
    return {"pairing_id": event.stream_id, "tenant_id": event.tenant_id, "programme_id": payload["programme_id"],
            "cause_event_id": event.event_id, "mentor_id": payload["mentor_id"], "mentee_id": payload["mentee_id"],
            "origin": payload.get("origin") or "", "confirmed_by": payload.get("confirmed_by") or "",
            "correlation_id": event.correlation_id}


# -- turns -----------------------------------------------------------------------------------------

def _insert(postgres: bool):
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    return dialect_insert


def take_turn(tx: StoreTransaction, turn: str) -> None:
    """Wait for, then hold until the transaction ends, the turn named ``turn`` (SQLite:
    writers are serialised already)."""
    tx.conn.execute(_insert(tx.store.postgres)(turns).values(turn=turn, tenant_id=tx.tenant_id)
                    .on_conflict_do_nothing())
    tx.conn.execute(select(turns.c.turn).where(turns.c.turn == turn).with_for_update())


def _programme_turn(tx: StoreTransaction, programme_id: str) -> None:
    take_turn(tx, f"{tx.tenant_id}/programme/{programme_id}")


def _round_turn(tx: StoreTransaction, correlation_id: str) -> None:
    take_turn(tx, f"{tx.tenant_id}/round/{correlation_id}")


# -- recording messages ------------------------------------------------------------------------------

def _record(tx: StoreTransaction, *, cause_event_id: str, cause_event_type: str, recipient: Recipient, kind: str,
            programme_id: str, pairing_id: Optional[str], facts: Mapping[str, Any]) -> bool:
    return read_model.record(tx.conn, tx.store.postgres, {
        "message_id": message_id(cause_event_id, recipient.recipient_id, recipient.role, kind),
        "tenant_id": tx.tenant_id, "cause_event_id": cause_event_id, "cause_event_type": cause_event_type,
        "recipient_id": recipient.recipient_id, "role": recipient.role, "kind": kind,
        "programme_id": programme_id, "pairing_id": pairing_id, "facts": dict(facts),
        "status": read_model.PENDING, "attempts": 0, "recorded_at": tx.now, "next_attempt_at": tx.now})


def _introduce(tx: StoreTransaction, pairing: Mapping[str, Any], settings: Mapping[str, Any],
               staff: List[Tuple[str, str]]) -> bool:
    """The messages of a pairing introduced on its own (not in a round's group)."""
    facts = {"mentor_id": pairing["mentor_id"], "mentee_id": pairing["mentee_id"]}
    where = {"cause_event_type": "PairingConfirmed", "programme_id": pairing["programme_id"],
             "pairing_id": pairing["pairing_id"]}
    told: List[Tuple[Recipient, str]]
    if is_group_programme(settings):
        told = told_of_joining(pairing["mentor_id"], pairing["mentee_id"], staff)
    else:
        told = [(r, INTRODUCTION) for r in told_of_pairing(pairing["mentor_id"], pairing["mentee_id"], staff)]
    recorded = False
    for recipient, kind in told:
        recorded |= _record(tx, cause_event_id=pairing["cause_event_id"], recipient=recipient, kind=kind,
                            facts=facts, **where)
    if is_team_programme(settings):
        recorded |= _tell_members(tx, pairing["cause_event_id"], pairing["mentee_id"], INTRODUCTION, settings,
                                  facts, where)
    return recorded


def _tell_members(tx: StoreTransaction, cause_event_id: str, team_id: str, kind: str, settings: Mapping[str, Any],
                  facts: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """A message of ``kind`` to each place of a team's members (:mod:`.domain.teams`)."""
    team, recorded = Recipient(team_id, MEMBER), False
    for place in member_places(settings):
        recorded |= _record(tx, cause_event_id=member_cause(cause_event_id, place), recipient=team, kind=kind,
                            facts={**facts, "member": place}, **where)
    return recorded


def pairing_ended(tx: StoreTransaction, event: Envelope) -> bool:
    """A ``PairingEnded``: ``pairing_ended`` to both sides, the guardian, the coordinators and a
    team's members (True when a message was recorded)."""
    payload = event.payload
    facts = {"mentor_id": payload["mentor_id"], "mentee_id": payload["mentee_id"], "reason": payload["reason"]}
    where = {"cause_event_type": event.event_type, "programme_id": payload["programme_id"],
             "pairing_id": event.stream_id}
    staff = read_model.staff_of(tx.conn, event.tenant_id, payload["programme_id"])
    recorded = False
    for recipient in told_of_pairing(payload["mentor_id"], payload["mentee_id"], staff):
        recorded |= _record(tx, cause_event_id=event.event_id, recipient=recipient, kind=PAIRING_ENDED, facts=facts,
                            **where)
    programme = read_model.programme(tx.conn, event.tenant_id, payload["programme_id"])
    if programme is not None and is_team_programme(programme["settings"]):
        recorded |= _tell_members(tx, event.event_id, payload["mentee_id"], PAIRING_ENDED, programme["settings"],
                                  facts, where)
    return recorded


# -- the events ----------------------------------------------------------------------------------------

def pairing_confirmed(tx: StoreTransaction, event: Envelope) -> bool:
    """A ``PairingConfirmed``: what it records (True when a message was recorded)."""
    pairing = _pairing_of(event)
    _programme_turn(tx, pairing["programme_id"])
    return _settle(tx, pairing)


def _settle(tx: StoreTransaction, pairing: Dict[str, Any]) -> bool:
    """Introduce a pairing, keep it for its round, or hold it until its programme is known;
    the programme's turn is held. A pairing its round's group introduced already (the same event
    replayed) records nothing."""
    if tx.conn.execute(select(pairings.c.state).where(
            pairings.c.pairing_id == pairing["pairing_id"])).scalar() == INTRODUCED:
        return False
    programme = read_model.programme(tx.conn, tx.tenant_id, pairing["programme_id"])
    if programme is None:
        _keep(tx, pairing, HELD)
        return False
    settings = programme["settings"]
    if is_group_programme(settings) and confirmed_by_round(pairing):
        _round_turn(tx, pairing["correlation_id"])
        known = _round(tx.conn, tx.tenant_id, pairing["correlation_id"])
        if known is None or known["introduced_at"] is None:
            _keep(tx, pairing, IN_ROUND)
            return _complete(tx, pairing["correlation_id"])
    _forget(tx.conn, pairing["pairing_id"])
    return _introduce(tx, pairing, settings, read_model.staff_of(tx.conn, tx.tenant_id, pairing["programme_id"]))


def round_completed(tx: StoreTransaction, event: Envelope) -> bool:
    """A ``MatchingRoundCompleted``: the round noted; its groups made if its pairings are all known."""
    _round_turn(tx, event.correlation_id)
    if _round(tx.conn, tx.tenant_id, event.correlation_id) is None:
        tx.conn.execute(insert(rounds).values(correlation_id=event.correlation_id, tenant_id=tx.tenant_id))
    tx.conn.execute(update(rounds).where(rounds.c.correlation_id == event.correlation_id,
                                         rounds.c.cause_event_id.is_(None)).values(
        round_id=event.stream_id, programme_id=event.payload["programme_id"], cause_event_id=event.event_id,
        expected=round_expects(event.payload)))
    return _complete(tx, event.correlation_id)


def programme_known(tx: StoreTransaction, event: Envelope) -> bool:
    """A programme's event: the pairings held for it are introduced (or kept for their round)."""
    _programme_turn(tx, event.stream_id)
    held = tx.conn.execute(select(pairings).where(
        pairings.c.tenant_id == tx.tenant_id, pairings.c.programme_id == event.stream_id,
        pairings.c.state == HELD).order_by(pairings.c.recorded_at, pairings.c.pairing_id)).mappings().all()
    recorded = False
    for row in held:
        recorded |= _settle(tx, {k: row[k] for k in ("pairing_id", "tenant_id", "programme_id", "cause_event_id",
                                                     "mentor_id", "mentee_id", "origin", "confirmed_by",
                                                     "correlation_id")})
    return recorded


# -- rounds ------------------------------------------------------------------------------------------

def _round(conn: Connection, tenant_id: str, correlation_id: str) -> Optional[Dict[str, Any]]:
    row = conn.execute(select(rounds).where(rounds.c.tenant_id == tenant_id,
                                            rounds.c.correlation_id == correlation_id)).mappings().first()
    return dict(row) if row else None


def _keep(tx: StoreTransaction, pairing: Mapping[str, Any], state: str) -> None:
    _forget(tx.conn, pairing["pairing_id"])
    tx.conn.execute(insert(pairings).values(**{k: pairing[k] for k in (
        "pairing_id", "tenant_id", "programme_id", "cause_event_id", "mentor_id", "mentee_id", "origin",
        "confirmed_by", "correlation_id")}, state=state, recorded_at=tx.now))


def _forget(conn: Connection, pairing_id: str) -> None:
    conn.execute(delete(pairings).where(pairings.c.pairing_id == pairing_id))


def _complete(tx: StoreTransaction, correlation_id: str) -> bool:
    """Make the round's groups if it is complete (the round's turn is held)."""
    known = _round(tx.conn, tx.tenant_id, correlation_id)
    if known is None or known["introduced_at"] is not None:
        return False
    members = tx.conn.execute(select(pairings.c.pairing_id, pairings.c.mentor_id, pairings.c.mentee_id).where(
        pairings.c.tenant_id == tx.tenant_id, pairings.c.correlation_id == correlation_id,
        pairings.c.state == IN_ROUND)).all()
    if not round_complete(known["cause_event_id"] is not None, known["expected"], len(members)):
        return False
    recorded = _introduce_groups(tx, known, [tuple(m) for m in members])
    tx.conn.execute(update(rounds).where(rounds.c.correlation_id == correlation_id).values(introduced_at=tx.now))
    tx.conn.execute(update(pairings).where(pairings.c.tenant_id == tx.tenant_id,
                                           pairings.c.correlation_id == correlation_id,
                                           pairings.c.state == IN_ROUND).values(state=INTRODUCED))
    return recorded


def _introduce_groups(tx: StoreTransaction, known: Mapping[str, Any], members: Iterable[Tuple[Any, ...]]) -> bool:
    programme_id = known["programme_id"]
    staff = read_model.staff_of(tx.conn, tx.tenant_id, programme_id)
    recorded = False
    for mentor_id, students in groups_of((str(p), str(m), str(e)) for p, m, e in members).items():
        cause = group_cause(known["cause_event_id"], mentor_id)
        pairing_of = dict(students)
        facts = {"mentor_id": mentor_id, "mentee_ids": [s for s, _ in students], "round_id": known["round_id"],
                 "round_event_id": known["cause_event_id"], "correlation_id": known["correlation_id"]}
        for recipient in told_of_group(mentor_id, facts["mentee_ids"], staff):
            recorded |= _record(tx, cause_event_id=cause, cause_event_type="MatchingRoundCompleted",
                                recipient=recipient, kind=GROUP_INTRODUCTION, programme_id=programme_id,
                                pairing_id=pairing_of.get(recipient.recipient_id), facts=facts)
    return recorded


def kept(conn: Connection, tenant_id: str) -> Dict[str, List[Dict[str, Any]]]:
    """What is kept of a tenant's pairings and rounds (tests, support)."""
    return {"pairings": [dict(r) for r in conn.execute(select(pairings).where(pairings.c.tenant_id == tenant_id)
                                                       .order_by(pairings.c.pairing_id)).mappings()],
            "rounds": [dict(r) for r in conn.execute(select(rounds).where(rounds.c.tenant_id == tenant_id)
                                                     .order_by(rounds.c.correlation_id)).mappings()]}
