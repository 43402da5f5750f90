"""Surveys in the sessions service (seed 002), the adapter side: the read model of what fell
due and who answered (:data:`SURVEYS`: ``sess_survey_due``, ``sess_survey_answers``, from the
``pairsurveys`` stream, applied in the appending transaction), the daily watch's part
(:func:`announce_due`) and what the reports add (:func:`with_pair_surveys`). The rules are in :mod:`.domain.surveys`."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import JSON, Column, Index, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Connection

from services.platform_core.envelope import Envelope
from services.platform_core.events import DomainEvent
from services.platform_core.projection import Projection
from services.platform_core.store import StoreTransaction

from . import read_model
from .domain.meeting import COUNTED
from .domain.surveys import (
    PAIR_SURVEYS,
    Answer,
    PairSurveys,
    PairTimeline,
    SurveyDefinition,
    definitions,
    occurrences_due,
    pair_surveys,
    programme_surveys,
)

metadata = MetaData()

due = Table(
    "sess_survey_due", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("survey_id", String(64), primary_key=True),
    Column("occurrence", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("respondents", JSON, nullable=False),
    Column("respondent_ids", JSON, nullable=False),
    Column("due_at", String(40), nullable=False),
    Column("announced_at", String(40), nullable=False),
    Index("ix_sess_survey_due_programme", "programme_id"),
)

answers = Table(
    "sess_survey_answers", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("survey_id", String(64), primary_key=True),
    Column("occurrence", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("role", String(12), nullable=False),
    Column("answered_at", String(40), nullable=False),
    Column("answers", JSON, nullable=False),
    Index("ix_sess_survey_answers_programme", "programme_id"),
)

SURVEYS = Projection("surveys", MetaData())
for _table in (due, answers):
    _table.to_metadata(SURVEYS.metadata)


@SURVEYS.handles("SurveyDue")
def _due(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    conn.execute(insert(due).values(
        pairing_id=p["pairing_id"], survey_id=p["survey_id"], occurrence=p["occurrence"],
        tenant_id=envelope.tenant_id, programme_id=p["programme_id"], respondents=list(p["respondents"]),
        respondent_ids=list(p["respondent_ids"]), due_at=p["due_at"], announced_at=p["announced_at"]))


@SURVEYS.handles("SurveyAnswered")
def _answered(conn: Connection, envelope: Envelope) -> None:
    p = envelope.payload
    conn.execute(insert(answers).values(
        pairing_id=p["pairing_id"], survey_id=p["survey_id"], occurrence=p["occurrence"],
        person_id=p["by_person_id"], tenant_id=envelope.tenant_id, programme_id=p["programme_id"],
        role=p["by_role"], answered_at=p["answered_at"], answers=dict(p["answers"])))


# -- queries ---------------------------------------------------------------------------------------

def programme_surveys_of(conn: Connection, tenant_id: str, programme_id: str) -> Sequence[SurveyDefinition]:
    row = conn.execute(select(read_model.programmes.c.settings).where(
        read_model.programmes.c.programme_id == programme_id,
        read_model.programmes.c.tenant_id == tenant_id)).first()
    return definitions(row.settings) if row else ()


def _meetings_end(conn: Connection, tenant_id: str, programme_id: str) -> Optional[date]:
    row = conn.execute(select(read_model.programmes.c.settings).where(
        read_model.programmes.c.programme_id == programme_id,
        read_model.programmes.c.tenant_id == tenant_id)).first()
    end = ((row.settings if row else {}).get("dates") or {}).get("meetings_end")
    return date.fromisoformat(end) if end else None


def due_rows(conn: Connection, tenant_id: str, pairing_id: str) -> List[Dict[str, Any]]:
    rows = conn.execute(select(due).where(due.c.tenant_id == tenant_id, due.c.pairing_id == pairing_id)
                        .order_by(due.c.due_at, due.c.survey_id)).mappings()
    return [dict(r) for r in rows]


def answer_rows(conn: Connection, tenant_id: str, pairing_ids: Sequence[str],
                as_of: Optional[datetime] = None) -> List[Answer]:
    found: List[Answer] = []
    for start in range(0, len(pairing_ids), 500):
        rows = conn.execute(select(answers).where(answers.c.tenant_id == tenant_id,
                                                  answers.c.pairing_id.in_(list(pairing_ids[start:start + 500]))))
        for r in rows:
            answered_at = datetime.fromisoformat(r.answered_at)
            if as_of is None or answered_at <= as_of:
                found.append(Answer(r.pairing_id, r.survey_id, r.occurrence, r.role, answered_at, dict(r.answers)))
    return found


def person_answers(conn: Connection, tenant_id: str, pairing_id: str, person_id: str) -> List[Dict[str, Any]]:
    """The answers ``person_id`` gave to the pair's surveys, oldest first (their export)."""
    rows = conn.execute(select(answers).where(answers.c.tenant_id == tenant_id, answers.c.pairing_id == pairing_id,
                                              answers.c.person_id == person_id)
                        .order_by(answers.c.answered_at, answers.c.survey_id, answers.c.occurrence))
    return [{"survey_id": r.survey_id, "occurrence": r.occurrence, "by_role": r.role, "answered_at": r.answered_at,
             "answers": dict(r.answers)} for r in rows]


# -- the daily watch's part ------------------------------------------------------------------------

def _first_meetings(conn: Connection, pairing_ids: Sequence[str]) -> Dict[str, datetime]:
    found: Dict[str, datetime] = {}
    for start in range(0, len(pairing_ids), 500):
        for pairing_id, first in conn.execute(
                select(read_model.meetings.c.pairing_id, func.min(read_model.meetings.c.started_at))
                .where(read_model.meetings.c.pairing_id.in_(list(pairing_ids[start:start + 500])),
                       read_model.meetings.c.status.in_(COUNTED))
                .group_by(read_model.meetings.c.pairing_id)):
            found[pairing_id] = datetime.fromisoformat(first)
    return found


def _final_reviews(conn: Connection, pairing_ids: Sequence[str]) -> Dict[str, datetime]:
    found: Dict[str, datetime] = {}
    for start in range(0, len(pairing_ids), 500):
        for pairing_id, recorded in conn.execute(
                select(read_model.reviews.c.pairing_id, read_model.reviews.c.recorded_at)
                .where(read_model.reviews.c.pairing_id.in_(list(pairing_ids[start:start + 500])))):
            found[pairing_id] = datetime.fromisoformat(recorded)
    return found


def announce_due(tx: StoreTransaction, programme_id: str, now: datetime, append) -> List[DomainEvent]:
    """Every occurrence of the programme's surveys fallen due by ``now`` for its pairs and not yet
    said: ``append(events, expected)`` its ``SurveyDue``, once each."""
    surveys = programme_surveys_of(tx.conn, tx.tenant_id, programme_id)
    rules = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
    if not surveys or rules is None:
        return []
    pairs = [p for p in read_model.programme_pairings(tx.conn, tx.tenant_id, programme_id)
             if p.confirmed_at is not None]
    ids = [p.pairing_id for p in pairs]
    said = {(r.pairing_id, r.survey_id, r.occurrence) for r in tx.conn.execute(
        select(due.c.pairing_id, due.c.survey_id, due.c.occurrence).where(
            due.c.tenant_id == tx.tenant_id, due.c.programme_id == programme_id))}
    first, reviews = _first_meetings(tx.conn, ids), _final_reviews(tx.conn, ids)
    meetings_end = _meetings_end(tx.conn, tx.tenant_id, programme_id)
    announced: List[DomainEvent] = []
    for pairing in pairs:
        timeline = PairTimeline(pairing, rules.time_zone, first.get(pairing.pairing_id),
                                reviews.get(pairing.pairing_id), meetings_end)
        fresh = [o for o in occurrences_due(surveys, timeline, now)
                 if (pairing.pairing_id, o.survey_id, o.occurrence) not in said]
        if not fresh:
            continue
        stream = PairSurveys.from_events(pairing.pairing_id, tx.read_stream(PAIR_SURVEYS, pairing.pairing_id))
        events = stream.announce(pairing, surveys, fresh, now)
        if events:
            append(events, {(PAIR_SURVEYS, pairing.pairing_id): stream.version})
            announced += events
    return announced


# -- what the reports add --------------------------------------------------------------------------

def answers_by_pair(tx: StoreTransaction, pairing_ids: Sequence[str], as_of: datetime) -> Dict[str, List[Answer]]:
    """The pairs' survey answers given by ``as_of``, by pairing id."""
    found: Dict[str, List[Answer]] = {pairing_id: [] for pairing_id in pairing_ids}
    for answer in answer_rows(tx.conn, tx.tenant_id, pairing_ids, as_of):
        found[answer.pairing_id].append(answer)
    return found


def with_pair_surveys(tx: StoreTransaction, rows: List[Dict[str, Any]], as_of: datetime,
                      ) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Each pair's row with its survey scores as of ``as_of`` (``surveys``), and the scores of
    all of them together (means per survey, start-to-end change)."""
    found = answers_by_pair(tx, [row["pairing_id"] for row in rows], as_of)
    every = [answer for pair in found.values() for answer in pair]
    return [{**row, "surveys": pair_surveys(found[row["pairing_id"]])} for row in rows], programme_surveys(every)
