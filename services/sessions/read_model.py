"""Sessions' read models (imported as ``read_model``), every one a projection of events:

* :data:`PROGRAMMES` (``sess_programmes``) from registration's programme events: each
  programme's time zone, areas and cadence (:class:`~.domain.ProgrammeRules`); and every
  version of its settings with the moment it came into force (``sess_programme_settings``),
  so a report as of a past moment reads the rules in force then;
* :data:`PARTICIPANTS` (``sess_participants``) from registration's participation events: who
  takes part in which programme as mentor, mentee or team, since when, and when they left
  (withdrew or were erased): who waits, and the teams of seed 003;
* :data:`PAIRINGS` (``sess_pairings``) from matching's pairing events: who is paired with whom,
  since when, and whether it ended (:class:`~.domain.PairingFacts`); and matching's reasons a
  mentee waits (``sess_waitlist``, every ``MenteeWaitlisted``);
* :data:`MEETINGS` (``sess_meetings``, ``sess_goals``, ``sess_reviews``, ``sess_watch``,
  ``sess_analysis_meetings``) from sessions' own events, applied in the transaction that
  appends them: each meeting's and goal's facts and status (never the personal words: those
  are read, decrypted, from the events).
* :data:`PROGRESS` (``sess_pair_tallies``, tracking position in ``sess_progress_tracking``) from
  the same events, applied after :data:`MEETINGS` in that transaction: each pair's tally
  (:class:`~.domain.PairTally`) with its history, so a progress report, now or as of any moment,
  reads one row a pair (see :class:`TallyProjection`).

The consumed ones are rebuilt from their producer's catch-up feed, the own one from the store
(``mentoring rebuild sessions``).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import (
    ConsumedProjection,
    RowChange,
    RowProjection,
    TrackedProjection,
    insert_in_batches,
    write_change,
)
from services.platform_core.store import StoreTransaction

from .domain import PairingFacts, PairLedger, PairTally, Participation, ProgrammeRules, TeamFacts, parse_time
from .domain.rules import CONFIRMED, ENDED, PROPOSED, REJECTED
from .domain.tally import GOAL_STATUS, MEETING_STATUS

metadata = MetaData()

programmes = Table(
    "sess_programmes", metadata,
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
)

pairings = Table(
    "sess_pairings", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentor_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("confirmed_at", String(40)),
    Column("ended_at", String(40)),
    Column("end_reason", String(40)),
    Column("ended_by", String(20)),
    Index("ix_sess_pairings_programme", "programme_id", "status"),
)

meetings = Table(
    "sess_meetings", metadata,
    Column("meeting_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("by_person_id", String(64), nullable=False),
    Column("by_role", String(12), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("mode", String(12), nullable=False),
    Column("areas", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("logged_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_sess_meetings_pairing", "pairing_id"),
    Index("ix_sess_meetings_programme", "programme_id"),
)

goals = Table(
    "sess_goals", metadata,
    Column("goal_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("pairing_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("target_date", String(10), nullable=False),
    Column("meeting_id", String(64)),
    Column("status", String(12), nullable=False),
    Column("set_at", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_sess_goals_pairing", "pairing_id"),
)

reviews = Table(
    "sess_reviews", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("by_role", String(12), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

watch = Table(
    "sess_watch", metadata,
    Column("pairing_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("at_risk", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("since", String(40), nullable=False),
)

programme_settings = Table(
    "sess_programme_settings", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("in_force_from", String(40), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
    Index("ix_sess_programme_settings", "programme_id"),
)

participants = Table(
    "sess_participants", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("left_at", String(40)),
    Column("left_because", String(12)),
    Index("ix_sess_participants_programme", "programme_id", "kind"),
)

waitlist = Table(
    "sess_waitlist", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("mentee_id", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("waitlisted_at", String(40), nullable=False),
    Index("ix_sess_waitlist_programme", "programme_id"),
)

analysis_meetings = Table(
    "sess_analysis_meetings", metadata,
    Column("meeting_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("status", String(12), nullable=False),
    Index("ix_sess_analysis_team", "team_id"),
    Index("ix_sess_analysis_programme", "programme_id"),
)

PROGRAMMES = ConsumedProjection("programmes", MetaData(), "registration")
PARTICIPANTS = ConsumedProjection("participants", MetaData(), "registration")
PAIRINGS = ConsumedProjection("pairings", MetaData(), "matching")
MEETINGS = RowProjection("meetings", MetaData())

pair_tallies = Table(
    "sess_pair_tallies", metadata,
    Column("pairing_id", String(64), primary_key=True),
    #: the global position of the last event counted in it
    Column("position", BigInteger, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("programme_id", String(64), nullable=False),
    #: when that event was recorded: the tally holds from then until the pair's next one
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("tally", JSON, nullable=False),
    Index("ix_sess_pair_tallies_moment", "pairing_id", "recorded_at", "position"),
)


class TallyProjection(TrackedProjection):
    """Each pair's tally, a row (a version) each time it changes, so the tally as of any moment
    is its latest version recorded by then (an index seek a pair), and the current one the
    latest of all.

    * Live (:meth:`apply_batch`, in the appending transaction, after :data:`MEETINGS`): for each
      pair the events touch, its ledger is read from the rows :data:`MEETINGS` keeps
      (``sess_meetings``, ``sess_goals``, ``sess_reviews``: as they stand after these events),
      its tally taken as of the events' moment, and written as a new version, unless it equals
      the latest (nothing to say) or the latest was recorded at the same moment (then it is
      that version, now counting these events too).
    * Replay (:meth:`replay`, ``mentoring rebuild sessions``): the events in position order
      folded into a :class:`~.domain.PairLedger` a pair, in memory, a pair's events of one moment
      together, with the same rule; versions written in batches.

    Months are counted in the programme's time zone when the tally is taken (``zone`` in the
    tally); a report reading a tally of another zone folds that pair's events instead. The
    tracking position (:class:`~services.platform_core.projection.TrackedProjection`) makes
    every event count once.
    """

    EVENT_TYPES = (*MEETING_STATUS, *GOAL_STATUS, "GoalProgressNoted", "FinalReviewRecorded")

    def __init__(self) -> None:
        super().__init__("progress", MetaData(), tracking="sess_progress_tracking")
        for event_type in self.EVENT_TYPES:
            self.handlers[event_type] = lambda conn, envelope: self.apply_batch(conn, [envelope])

    # -- live -------------------------------------------------------------------------------------

    def apply_batch(self, conn: Connection, envelopes: List[Envelope]) -> None:
        touched: Dict[str, Envelope] = {}  # pairing: its last event here
        for envelope in envelopes:
            if envelope.event_type in self.handlers and "pairing_id" in envelope.payload:
                touched[envelope.payload["pairing_id"]] = envelope
        for pairing_id, last in touched.items():
            ledger = _kept_ledger(conn, pairing_id, _zone_of(conn, last.payload["programme_id"]))
            latest = conn.execute(select(pair_tallies.c.position, pair_tallies.c.recorded_at, pair_tallies.c.tally)
                                  .where(pair_tallies.c.pairing_id == pairing_id)
                                  .order_by(pair_tallies.c.position.desc()).limit(1)).first()
            row = _version(last, ledger)
            if latest is not None and latest.recorded_at == row["recorded_at"]:
                conn.execute(update(pair_tallies).where(pair_tallies.c.pairing_id == pairing_id,
                                                        pair_tallies.c.position == latest.position)
                             .values(position=row["position"], tally=row["tally"]))
            elif latest is None or latest.tally != row["tally"]:
                conn.execute(insert(pair_tallies).values(**row))

    # -- replay -----------------------------------------------------------------------------------

    def replay(self, tx: StoreTransaction, batch: int = 1000, source=None, *, progress=None) -> int:
        fold = _TallyFold(dict(tx.conn.execute(select(programmes.c.programme_id, programmes.c.time_zone)).all()))
        count, position = self.replay_folded(tx, fold, batch, source, progress=progress)
        if position:
            self._advance(tx.conn, position)
        return count


class _TallyFold:
    """The replay's pairs in memory: each pair's ledger, its events of the last moment not yet
    taken, and its latest version (kept back while the next event may still be of its moment)."""

    def __init__(self, zones: Dict[str, str]):
        self.zones = zones
        self.ledgers: Dict[str, PairLedger] = {}
        self.pending: Dict[str, Envelope] = {}
        self.latest: Dict[str, Dict[str, Any]] = {}
        self.written: List[Dict[str, Any]] = []  # versions no later event changes

    def add(self, envelope: Envelope) -> None:
        pairing_id = envelope.payload.get("pairing_id")
        if pairing_id is None:
            return
        waiting = self.pending.get(pairing_id)
        if waiting is not None and waiting.occurred_at != envelope.occurred_at:
            self._take(pairing_id)
        ledger = self.ledgers.get(pairing_id)
        if ledger is None:
            ledger = self.ledgers[pairing_id] = PairLedger(self.zones.get(envelope.payload["programme_id"], "UTC"))
        ledger.apply(envelope)
        self.pending[pairing_id] = envelope

    def _take(self, pairing_id: str) -> None:
        row = _version(self.pending.pop(pairing_id), self.ledgers[pairing_id])
        before = self.latest.get(pairing_id)
        if before is not None and before["recorded_at"] == row["recorded_at"]:
            before.update(position=row["position"], tally=row["tally"])
        elif before is None or before["tally"] != row["tally"]:
            if before is not None:
                self.written.append(before)
            self.latest[pairing_id] = row

    def flush(self, conn: Connection, *, done: bool) -> None:
        if done:
            for pairing_id in list(self.pending):
                self._take(pairing_id)
            self.written += self.latest.values()
        if done or len(self.written) >= 5000:
            insert_in_batches(conn, pair_tallies, self.written)
            self.written.clear()


def _version(last: Envelope, ledger: PairLedger) -> Dict[str, Any]:
    """The version row of a pair's tally as of its event ``last``."""
    recorded = last.occurred_at
    if recorded is None:
        raise ValueError(f"event {last.event_id} has no moment it was recorded")
    return {"pairing_id": last.payload["pairing_id"], "position": last.global_position,
            "tenant_id": last.tenant_id, "programme_id": last.payload["programme_id"],
            "recorded_at": recorded, "tally": ledger.tally(recorded).to_json()}


def _zone_of(conn: Connection, programme_id: str) -> str:
    return conn.execute(select(programmes.c.time_zone).where(
        programmes.c.programme_id == programme_id)).scalar() or "UTC"


def _kept_ledger(conn: Connection, pairing_id: str, time_zone: str) -> PairLedger:
    """A pair's ledger from the rows :data:`MEETINGS` keeps."""
    ledger = PairLedger(time_zone)
    for row in conn.execute(select(meetings.c.meeting_id, meetings.c.started_at, meetings.c.minutes,
                                   meetings.c.mode, meetings.c.status).where(meetings.c.pairing_id == pairing_id)):
        ledger.put_meeting(row.meeting_id, parse_time(row.started_at), row.minutes, row.mode, row.status)
    for goal_id, status in conn.execute(select(goals.c.goal_id, goals.c.status).where(
            goals.c.pairing_id == pairing_id)):
        ledger.put_goal(goal_id, status)
    ledger.final_review = conn.execute(select(reviews.c.pairing_id).where(
        reviews.c.pairing_id == pairing_id)).first() is not None
    return ledger


PROGRESS = TallyProjection()
pair_tallies.to_metadata(PROGRESS.metadata)
PROGRESS.tracking.to_metadata(metadata)
PROJECTIONS = [PROGRAMMES, PARTICIPANTS, PAIRINGS, MEETINGS, PROGRESS]
for _table in (programmes, programme_settings):
    _table.to_metadata(PROGRAMMES.metadata)
participants.to_metadata(PARTICIPANTS.metadata)
for _table in (pairings, waitlist):
    _table.to_metadata(PAIRINGS.metadata)
for _table in (meetings, goals, reviews, watch, analysis_meetings):
    _table.to_metadata(MEETINGS.metadata)


def _upsert(conn: Connection, table: Table, key: str, key_value: str, values: Dict[str, Any]) -> None:
    write_change(conn, RowChange(table, key, key_value, values))


# -- from registration ---------------------------------------------------------------------------

@PROGRAMMES.handles("ProgrammeCreated", "ProgrammeCloned", "ProgrammeUpdated")
def _programme(conn: Connection, envelope: Envelope) -> None:
    existing = conn.execute(select(programmes.c.time_zone).where(
        programmes.c.programme_id == envelope.stream_id)).scalar()
    _upsert(conn, programmes, "programme_id", envelope.stream_id, {
        "tenant_id": envelope.tenant_id, "settings": envelope.payload["settings"],
        "time_zone": envelope.payload.get("time_zone") or existing or "UTC"})
    payload = envelope.payload
    in_force_from = payload.get("updated_at") or payload.get("created_at") or payload.get("cloned_at")
    conn.execute(insert(programme_settings).values(
        event_id=envelope.event_id, tenant_id=envelope.tenant_id, programme_id=envelope.stream_id,
        in_force_from=in_force_from or envelope.occurred_at.isoformat(), settings=payload["settings"],
        time_zone=payload.get("time_zone") or existing or "UTC"))


_KINDS = {"MentorRegistered": "mentor", "MenteeRegistered": "mentee", "TeamRegistered": "team"}


@PARTICIPANTS.handles(*_KINDS)
def _participant(conn: Connection, envelope: Envelope) -> None:
    key = (participants.c.person_id == envelope.stream_id) & (
        participants.c.programme_id == envelope.payload["programme_id"])
    values = {"tenant_id": envelope.tenant_id, "kind": _KINDS[envelope.event_type],
              "registered_at": envelope.payload["registered_at"], "left_at": None, "left_because": None}
    if not conn.execute(update(participants).where(key).values(**values)).rowcount:
        conn.execute(insert(participants).values(person_id=envelope.stream_id,
                                                 programme_id=envelope.payload["programme_id"], **values))


@PARTICIPANTS.handles("ParticipantWithdrew")
def _withdrew(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(
        participants.c.person_id == envelope.stream_id,
        participants.c.programme_id == envelope.payload["programme_id"],
        participants.c.left_at.is_(None)).values(left_at=envelope.payload["withdrawn_at"], left_because="withdrew"))


@PARTICIPANTS.handles("PersonErased")
def _erased(conn: Connection, envelope: Envelope) -> None:
    conn.execute(update(participants).where(participants.c.person_id == envelope.stream_id,
                                            participants.c.left_at.is_(None)).values(
        left_at=envelope.payload["erased_at"], left_because="erased"))


# -- from matching -------------------------------------------------------------------------------

_STATUS = {"PairingProposed": PROPOSED, "PairingConfirmed": CONFIRMED, "PairingRejected": REJECTED,
           "PairingEnded": ENDED}


@PAIRINGS.handles(*_STATUS)
def _pairing(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    values: Dict[str, Any] = {"tenant_id": envelope.tenant_id, "programme_id": payload["programme_id"],
                              "mentor_id": payload["mentor_id"], "mentee_id": payload["mentee_id"],
                              "status": _STATUS[envelope.event_type]}
    if envelope.event_type == "PairingConfirmed":
        values["confirmed_at"] = payload["confirmed_at"]
    elif envelope.event_type == "PairingEnded":
        values.update(ended_at=payload["ended_at"], end_reason=payload["reason"],
                      ended_by=payload.get("ended_by"))
    _upsert(conn, pairings, "pairing_id", envelope.stream_id, values)


@PAIRINGS.handles("MenteeWaitlisted")
def _waitlisted(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    conn.execute(insert(waitlist).values(event_id=envelope.event_id, tenant_id=envelope.tenant_id,
                                         programme_id=payload["programme_id"], mentee_id=envelope.stream_id,
                                         reason=payload["reason"], waitlisted_at=payload["waitlisted_at"]))


# -- own events ----------------------------------------------------------------------------------

_MEETING_STATUS = {"MeetingLogged": "logged", "MeetingCorrected": "logged", "MeetingConfirmed": "confirmed",
                   "MeetingDisputed": "disputed", "MeetingWithdrawn": "withdrawn"}


@MEETINGS.changes(*_MEETING_STATUS)
def _meeting(envelope: Envelope) -> RowChange:
    payload = envelope.payload
    values: Dict[str, Any] = {"status": _MEETING_STATUS[envelope.event_type], "version": envelope.stream_position}
    if envelope.event_type in ("MeetingLogged", "MeetingCorrected"):
        values.update(started_at=payload["started_at"], minutes=payload["minutes"], mode=payload["mode"],
                      areas=list(payload["areas"]))
    if envelope.event_type == "MeetingLogged":
        values.update(tenant_id=envelope.tenant_id, pairing_id=payload["pairing_id"],
                      programme_id=payload["programme_id"], by_person_id=payload["by_person_id"],
                      by_role=payload["by_role"], logged_at=payload["logged_at"])
    return RowChange(meetings, "meeting_id", envelope.stream_id, values)


_GOAL_STATUS = {"GoalSet": "open", "GoalReached": "reached", "GoalDropped": "dropped"}


@MEETINGS.changes("GoalSet", "GoalProgressNoted", "GoalReached", "GoalDropped")
def _goal(envelope: Envelope) -> RowChange:
    payload = envelope.payload
    values: Dict[str, Any] = {"version": envelope.stream_position}
    if envelope.event_type in _GOAL_STATUS:
        values["status"] = _GOAL_STATUS[envelope.event_type]
    if envelope.event_type == "GoalSet":
        values.update(tenant_id=envelope.tenant_id, pairing_id=payload["pairing_id"],
                      programme_id=payload["programme_id"], target_date=payload["target_date"],
                      meeting_id=payload.get("meeting_id"), set_at=payload["set_at"])
    return RowChange(goals, "goal_id", envelope.stream_id, values)


@MEETINGS.changes("FinalReviewRecorded")
def _review(envelope: Envelope) -> RowChange:
    payload = envelope.payload
    return RowChange(reviews, "pairing_id", envelope.stream_id, {
        "tenant_id": envelope.tenant_id, "programme_id": payload["programme_id"],
        "by_role": payload["by_role"], "recorded_at": payload["recorded_at"]})


@MEETINGS.changes("PairingAtRisk", "PairingBackOnTrack")
def _watch(envelope: Envelope) -> RowChange:
    payload = envelope.payload
    return RowChange(watch, "pairing_id", envelope.stream_id, {
        "tenant_id": envelope.tenant_id, "programme_id": payload["programme_id"],
        "at_risk": envelope.event_type == "PairingAtRisk", "reasons": list(payload.get("reasons") or []),
        "since": payload["assessed_at"]})


@MEETINGS.changes("AnalysisMeetingLogged", "AnalysisMeetingWithdrawn")
def _analysis(envelope: Envelope) -> RowChange:
    payload = envelope.payload
    if envelope.event_type == "AnalysisMeetingWithdrawn":  # a missing one stays missing
        return RowChange(analysis_meetings, "meeting_id", envelope.stream_id, {"status": "withdrawn"}, create=False)
    return RowChange(analysis_meetings, "meeting_id", envelope.stream_id, {
        "tenant_id": envelope.tenant_id, "programme_id": payload["programme_id"], "team_id": payload["team_id"],
        "started_at": payload["started_at"], "status": "logged"})


# -- queries -------------------------------------------------------------------------------------

def _time(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


def pairing_facts(row: Any) -> PairingFacts:
    return PairingFacts(row["pairing_id"], row["programme_id"], row["mentor_id"], row["mentee_id"],
                        status=row["status"], confirmed_at=_time(row["confirmed_at"]),
                        ended_at=_time(row["ended_at"]), end_reason=row["end_reason"],
                        ended_by=row["ended_by"])


def pairing(conn: Connection, tenant_id: str, pairing_id: str) -> Optional[PairingFacts]:
    row = conn.execute(select(pairings).where(pairings.c.pairing_id == pairing_id,
                                              pairings.c.tenant_id == tenant_id)).mappings().first()
    return pairing_facts(row) if row else None


def programme_pairings(conn: Connection, tenant_id: str, programme_id: str) -> List[PairingFacts]:
    rows = conn.execute(select(pairings).where(
        pairings.c.tenant_id == tenant_id, pairings.c.programme_id == programme_id,
        pairings.c.status.in_((CONFIRMED, ENDED))).order_by(pairings.c.confirmed_at, pairings.c.pairing_id)).mappings()
    return [pairing_facts(row) for row in rows]


def programme_rules(conn: Connection, tenant_id: str, programme_id: str) -> Optional[ProgrammeRules]:
    row = conn.execute(select(programmes).where(programmes.c.programme_id == programme_id,
                                                programmes.c.tenant_id == tenant_id)).mappings().first()
    return ProgrammeRules.from_settings(row["settings"], row["time_zone"]) if row else None


def programme_ids(conn: Connection, tenant_id: str) -> List[str]:
    return list(conn.execute(select(programmes.c.programme_id).where(programmes.c.tenant_id == tenant_id)).scalars())


def stream_ids(conn: Connection, pairing_ids: List[str]) -> Dict[str, List[str]]:
    """The meeting and goal streams of these pairings, and their final reviews, by stream type."""
    streams = {"meeting": (meetings.c.meeting_id, meetings.c.pairing_id),
               "goal": (goals.c.goal_id, goals.c.pairing_id),
               "finalreview": (reviews.c.pairing_id, reviews.c.pairing_id)}
    found: Dict[str, List[str]] = {stream_type: [] for stream_type in streams}
    for start in range(0, len(pairing_ids), 500):
        chunk = pairing_ids[start:start + 500]
        for stream_type, (stream_id, of_pairing) in streams.items():
            found[stream_type] += conn.execute(select(stream_id).where(of_pairing.in_(chunk))).scalars()
    return found


def meeting_rows(conn: Connection, pairing_id: str) -> List[Dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(meetings).where(meetings.c.pairing_id == pairing_id)
                                          .order_by(meetings.c.started_at, meetings.c.meeting_id)).mappings()]


def goal_rows(conn: Connection, pairing_id: str) -> List[Dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(goals).where(goals.c.pairing_id == pairing_id)
                                          .order_by(goals.c.set_at, goals.c.goal_id)).mappings()]


#: parsed tallies by their stored JSON text (a tally is immutable: the same text, the same tally)
_PARSED: Dict[str, PairTally] = {}
_PARSED_MOST = 50_000


def _parsed(text: Any) -> PairTally:
    if not isinstance(text, str):  # a driver that hands back the JSON decoded
        return PairTally.from_json(text)
    found = _PARSED.get(text)
    if found is None:
        if len(_PARSED) >= _PARSED_MOST:
            _PARSED.clear()
        found = _PARSED[text] = PairTally.from_json(json.loads(text))
    return found


def tallies(conn: Connection, tenant_id: str, pairing_ids: Sequence[str], as_of: datetime) -> Dict[str, PairTally]:
    """Each pair's tally as of ``as_of`` (its latest version recorded by then; none: nothing yet)."""
    found: Dict[str, PairTally] = {}
    try:
        as_of = as_of.astimezone(timezone.utc)
    except OverflowError:  # before the first day of year 1 in UTC: nothing was recorded
        return found
    for start in range(0, len(pairing_ids), 500):
        chunk = list(pairing_ids[start:start + 500])
        latest = (select(cast(pair_tallies.c.tally, Text)).where(pair_tallies.c.pairing_id == pairings.c.pairing_id,
                                                                pair_tallies.c.recorded_at <= as_of)
                  .order_by(pair_tallies.c.recorded_at.desc(), pair_tallies.c.position.desc()).limit(1)
                  .scalar_subquery())
        for pairing_id, tally in conn.execute(select(pairings.c.pairing_id, latest).where(
                pairings.c.tenant_id == tenant_id, pairings.c.pairing_id.in_(chunk))):
            if tally is not None:
                found[pairing_id] = _parsed(tally)
    return found


# -- queries of who takes part, who waits, the settings in force, teams and a person's data -------

def programme_rules_as_of(conn: Connection, tenant_id: str, programme_id: str,
                          as_of: datetime) -> Optional[ProgrammeRules]:
    """The programme's rules in force at ``as_of``: the last settings that came into force by
    then (before the programme existed: its first)."""
    rows = conn.execute(select(programme_settings).where(
        programme_settings.c.tenant_id == tenant_id, programme_settings.c.programme_id == programme_id))
    versions = sorted(((datetime.fromisoformat(r.in_force_from), r.settings, r.time_zone) for r in rows),
                      key=lambda v: v[0])
    if not versions:
        return programme_rules(conn, tenant_id, programme_id)
    in_force = [v for v in versions if v[0] <= as_of] or versions[:1]
    _, settings, time_zone = in_force[-1]
    return ProgrammeRules.from_settings(settings, time_zone)


def _participation(row: Any) -> Participation:
    return Participation(row.person_id, row.programme_id, row.kind, datetime.fromisoformat(row.registered_at),
                         _time(row.left_at))


def participations(conn: Connection, tenant_id: str, programme_id: str,
                   kinds: Tuple[str, ...] = ("mentee", "team")) -> List[Participation]:
    rows = conn.execute(select(participants).where(
        participants.c.tenant_id == tenant_id, participants.c.programme_id == programme_id,
        participants.c.kind.in_(kinds)).order_by(participants.c.registered_at, participants.c.person_id))
    return [_participation(row) for row in rows]


def pairings_by_mentee(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, List[PairingFacts]]:
    found: Dict[str, List[PairingFacts]] = {}
    for pair in programme_pairings(conn, tenant_id, programme_id):
        found.setdefault(pair.mentee_id, []).append(pair)
    return found


def waitlisted_by_mentee(conn: Connection, tenant_id: str,
                         programme_id: str) -> Dict[str, List[Tuple[datetime, str]]]:
    found: Dict[str, List[Tuple[datetime, str]]] = {}
    for row in conn.execute(select(waitlist).where(waitlist.c.tenant_id == tenant_id,
                                                   waitlist.c.programme_id == programme_id)):
        found.setdefault(row.mentee_id, []).append((datetime.fromisoformat(row.waitlisted_at), row.reason))
    return found


def team(conn: Connection, tenant_id: str, programme_id: str, team_id: str) -> Optional[TeamFacts]:
    """The team of the programme (None: no such team there), with its first introduction."""
    row = conn.execute(select(participants).where(
        participants.c.tenant_id == tenant_id, participants.c.programme_id == programme_id,
        participants.c.person_id == team_id, participants.c.kind == "team")).first()
    if row is None:
        return None
    introduced = [p.confirmed_at for p in pairings_by_mentee(conn, tenant_id, programme_id).get(team_id, [])
                  if p.confirmed_at is not None]
    return TeamFacts(team_id, programme_id, datetime.fromisoformat(row.registered_at), _time(row.left_at),
                     min(introduced) if introduced else None)


def analysis_meeting_ids(conn: Connection, tenant_id: str, programme_id: str,
                         team_ids: Optional[List[str]] = None) -> List[str]:
    """The analysis meetings of the programme's teams (or of these teams), earliest first."""
    query = select(analysis_meetings.c.meeting_id).where(analysis_meetings.c.tenant_id == tenant_id,
                                                         analysis_meetings.c.programme_id == programme_id)
    if team_ids is not None:
        query = query.where(analysis_meetings.c.team_id.in_(team_ids))
    return list(conn.execute(query.order_by(analysis_meetings.c.started_at, analysis_meetings.c.meeting_id))
                .scalars())


def person_pairings(conn: Connection, tenant_id: str, person_id: str) -> List[PairingFacts]:
    """Every pairing the person was introduced in, as mentor or mentee (or team)."""
    rows = conn.execute(select(pairings).where(
        pairings.c.tenant_id == tenant_id, pairings.c.status.in_((CONFIRMED, ENDED)),
        (pairings.c.mentor_id == person_id) | (pairings.c.mentee_id == person_id))
        .order_by(pairings.c.confirmed_at, pairings.c.pairing_id)).mappings()
    return [pairing_facts(row) for row in rows]


def person_programmes(conn: Connection, tenant_id: str, person_id: str) -> List[Dict[str, Any]]:
    """The person's participations as sessions knows them."""
    rows = conn.execute(select(participants).where(participants.c.tenant_id == tenant_id,
                                                   participants.c.person_id == person_id)
                        .order_by(participants.c.registered_at)).mappings()
    return [{"programme_id": r["programme_id"], "kind": r["kind"], "registered_at": r["registered_at"],
             "left_at": r["left_at"], "left_because": r["left_because"]} for r in rows]


def team_analysis_ids(conn: Connection, tenant_id: str, team_id: str) -> List[str]:
    return list(conn.execute(select(analysis_meetings.c.meeting_id).where(
        analysis_meetings.c.tenant_id == tenant_id, analysis_meetings.c.team_id == team_id)
        .order_by(analysis_meetings.c.started_at, analysis_meetings.c.meeting_id)).scalars())
