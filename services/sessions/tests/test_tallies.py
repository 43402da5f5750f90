"""The kept progress projection (``read_model.PROGRESS``) on PostgreSQL and SQLite: a pair's
spring, appended the way the service appends (``SessionsService._append``: the store, then the
read models in that transaction), read back as of many moments against figures computed by
hand (on track, falls behind, back on track, behind again), against the fold of the events,
and after a rebuild; every event counts once."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import List

import pytest
from sqlalchemy import insert, select, update

from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.envelope import Actor, Envelope
from services.platform_core.store import ALL_TENANTS, EventStore
from services.sessions import certificates, personal_data, read_model, reports, surveys
from services.sessions.domain import Goal, Meeting, PairHistory, PairingFacts, ProgrammeRules, pair_progress
from services.sessions.service import SessionsService

pytestmark = pytest.mark.integration

TENANT = "tally-school"
MENTOR, MENTEE = "mentor-1", "mentee-1"
SETTINGS = {"content": {"areas": [{"id": "education"}],
                        "cadence": {"min_per_month": 2, "remote_counts": False}}}
PAIRING = PairingFacts(str(uuid.uuid4()), "prog-1", MENTOR, MENTEE,
                       confirmed_at=datetime(2025, 3, 3, 10, tzinfo=timezone.utc))


def at(month, day, hour=16):
    return datetime(2025, month, day, hour, tzinfo=timezone.utc)


class Spring:
    """The pair's events, each appended at its moment on the store's clock."""

    def __init__(self, store: EventStore, clock: ManualClock):
        self.store, self.clock = store, clock
        self.rules = ProgrammeRules.from_settings(SETTINGS, "Europe/Riga")
        self.appended: List[Envelope] = []

    def append(self, moment, aggregate, make):
        self.clock.set(moment)
        with self.store.transaction(TENANT) as tx:
            events = make(aggregate)
            SessionsService._append(tx, events, {(aggregate.stream_type, aggregate.id): aggregate.version},
                                    Actor("participant", MENTOR))
            self.appended += tx.appended
        aggregate.apply_all(events)
        return aggregate

    def meeting(self, started, minutes=60, mode="in_person") -> Meeting:
        return self.append(started.replace(hour=18), Meeting(str(uuid.uuid4())), lambda m: m.log(
            pairing=PAIRING, rules=self.rules, by=MENTOR, started_at=started, minutes=minutes, mode=mode,
            areas=["education"], now=started.replace(hour=18)))

    def play(self) -> None:
        first = self.meeting(at(3, 10))
        self.append(at(3, 11, 18), first, lambda m: m.confirm(pairing=PAIRING, by=MENTEE, now=at(3, 11, 18)))
        self.meeting(at(3, 24), 90)
        goal = self.append(at(3, 24, 18), Goal(str(uuid.uuid4())), lambda g: g.set(  # the same moment
            pairing=PAIRING, by=MENTEE, title="maths", target_date=date(2025, 6, 1), now=at(3, 24, 18)))
        self.meeting(at(4, 7), 45, "remote")
        self.meeting(at(4, 14))
        self.append(at(4, 14, 18), goal, lambda g: g.reach(pairing=PAIRING, by=MENTOR, now=at(4, 14, 18)))
        disputed = self.meeting(at(5, 5))
        self.append(at(5, 6, 18), disputed, lambda m: m.dispute(pairing=PAIRING, by=MENTEE, reason=None,
                                                                 now=at(5, 6, 18)))
        self.meeting(at(5, 21))
        self.meeting(at(5, 26))
        taken_back = self.meeting(at(6, 2))
        self.append(at(6, 3, 18), taken_back, lambda m: m.withdraw(pairing=PAIRING, by=MENTOR, now=at(6, 3, 18)))


@pytest.fixture
def spring(database_url):
    engine = make_engine(database_url)
    clock = ManualClock(at(3, 1))
    store = EventStore(engine, service="sessions", clock=clock, codec=personal_data.codec())
    store.create_schema([read_model.metadata, surveys.metadata, certificates.metadata, personal_data.KEYS_METADATA])
    with store.transaction(ALL_TENANTS) as tx:
        tx.conn.execute(insert(read_model.programmes).values(
            programme_id=PAIRING.programme_id, tenant_id=TENANT, time_zone="Europe/Riga", settings=SETTINGS))
        tx.conn.execute(insert(read_model.pairings).values(
            pairing_id=PAIRING.pairing_id, tenant_id=TENANT, programme_id=PAIRING.programme_id,
            mentor_id=MENTOR, mentee_id=MENTEE, status="confirmed",
            confirmed_at=PAIRING.confirmed_at.isoformat() if PAIRING.confirmed_at else None))
    played = Spring(store, clock)
    played.play()
    yield played
    engine.dispose()


def report(spring: Spring, as_of: datetime):
    with spring.store.transaction(TENANT) as tx:
        return reports.programme_report(tx, PAIRING.programme_id, spring.rules, as_of)["pairs"][0]


def folded(spring: Spring, as_of: datetime):
    with spring.store.transaction(TENANT) as tx:
        history = reports.histories(tx, [PAIRING.pairing_id], as_of).get(PAIRING.pairing_id, PairHistory())
        # the pair's analysis meetings (a team's, before pairing) and survey scores are read the same
        # way by both
        rows = reports.with_analysis(tx, PAIRING.programme_id, [pair_progress(PAIRING, history, spring.rules, as_of)],
                                     as_of)
        return surveys.with_pair_surveys(tx, rows, as_of)[0][0]


def kept_rows(store: EventStore):
    with store.transaction(ALL_TENANTS) as tx:
        return [sorted(dict(r).items()) for table in read_model.PROGRESS.metadata.sorted_tables
                for r in tx.conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]


#: (as of, status, reasons, meetings, hours, disputed, towards the cadence in the last 30 days,
#: days since the last meeting, goals open and reached), worked out by hand
MOMENTS = [
    (at(3, 20, 12), "in_grace", [], 1, 1.0, 0, 1, 10, (0, 0)),
    (at(3, 24, 20), "in_grace", [], 2, 2.5, 0, 2, 0, (1, 0)),
    # the remote meeting on 7 April does not count towards the cadence: one in 30 days
    (at(4, 10, 12), "at_risk", ["below_cadence"], 3, 3.25, 0, 1, 3, (1, 0)),
    (at(4, 15, 12), "on_track", [], 4, 4.25, 0, 2, 1, (0, 1)),
    (at(5, 6, 12), "on_track", [], 5, 5.25, 0, 2, 1, (0, 1)),  # 14 April and 5 May: before the dispute
    # the dispute (6 May, 18:00) takes the 5 May meeting out: 36 days since 14 April, 30 allowed
    (at(5, 20, 12), "at_risk", ["below_cadence", "no_meeting_for_too_long"], 4, 4.25, 1, 0, 36, (0, 1)),
    (at(5, 24, 12), "at_risk", ["below_cadence"], 5, 5.25, 1, 1, 3, (0, 1)),
    (at(5, 27, 12), "on_track", [], 6, 6.25, 1, 2, 1, (0, 1)),
    (at(6, 2, 20), "on_track", [], 7, 7.25, 1, 3, 0, (0, 1)),
    (at(6, 4, 12), "on_track", [], 6, 6.25, 1, 2, 9, (0, 1)),  # the 2 June meeting withdrawn
    (at(7, 10, 12), "at_risk", ["below_cadence", "no_meeting_for_too_long"], 6, 6.25, 1, 0, 45, (0, 1)),
]


def test_the_kept_report_as_of_each_moment_against_hand_computed_figures(spring):
    for as_of, status, reasons, meetings, hours, disputed, towards, since, goals in MOMENTS:
        row = report(spring, as_of)
        assert (row["status"], row["at_risk_reasons"], row["meetings"], row["hours"], row["disputed"],
                row["towards_cadence_last_30_days"], row["days_since_last_meeting"],
                (row["goals"]["open"], row["goals"]["reached"])) == \
            (status, reasons, meetings, hours, disputed, towards, since, goals), as_of
        assert row["days_to_first_meeting"] == 7
        assert row == folded(spring, as_of), as_of  # the same as folding the events recorded by then
    months = report(spring, at(6, 4, 12))["months"]
    assert [(m["month"], m["meetings"], m["towards_cadence"], m["minutes"], m["partial"], m["met"])
            for m in months] == [("2025-03", 2, 2, 150, True, None), ("2025-04", 2, 1, 105, False, False),
                                 ("2025-05", 2, 2, 120, False, True), ("2025-06", 0, 0, 0, True, None)]
    before = report(spring, at(3, 5, 12))
    assert (before["meetings"], before["months"][0]["meetings"], before["status"]) == (0, 0, "in_grace")


def test_a_rebuild_gives_the_state_kept_live(spring):
    live = kept_rows(spring.store)
    with spring.store.transaction(ALL_TENANTS) as tx:
        assert read_model.PROGRESS.position(tx.conn) == spring.appended[-1].global_position
    assert read_model.PROGRESS.rebuild(spring.store) == len(spring.appended)
    assert kept_rows(spring.store) == live
    # one version a moment at most: the goal set at the moment of the second meeting shares its version
    moments = [r for r in live if dict(r).get("recorded_at") == at(3, 24, 18)]
    assert len(moments) == 1


def test_every_event_counts_once(spring):
    live = kept_rows(spring.store)
    for again in (spring.appended[0], spring.appended[5], spring.appended[-1]):  # old ones and the last
        with spring.store.transaction(TENANT) as tx:
            read_model.PROGRESS.apply_all(tx.conn, [again])
    assert kept_rows(spring.store) == live


def test_a_tally_of_another_time_zone_is_folded_from_the_events(spring):
    with spring.store.transaction(ALL_TENANTS) as tx:
        tx.conn.execute(update(read_model.programmes).values(time_zone="America/New_York"))
    new_york = ProgrammeRules.from_settings(SETTINGS, "America/New_York")
    spring.rules = new_york
    row = report(spring, at(6, 4, 12))
    assert row == folded(spring, at(6, 4, 12)) and row["meetings"] == 6


def meeting_rows(store: EventStore):
    with store.transaction(ALL_TENANTS) as tx:
        return [sorted(dict(r).items()) for table in read_model.MEETINGS.metadata.sorted_tables
                for r in tx.conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]


@pytest.mark.parametrize("kept, page", [(100_000, 1000), (1, 2)], ids=["in-memory", "rows-written-early"])
def test_a_rebuild_of_the_meetings_gives_the_rows_kept_live(spring, monkeypatch, kept, page):
    """The replay folds the rows in memory; with room for one row and pages of two events, rows are
    written early and their later events (the confirmation, the dispute, the withdrawal, the goal
    reached) take the live path: the same rows either way."""
    live = meeting_rows(spring.store)
    assert any(dict(r).get("status") == "withdrawn" for r in live)
    monkeypatch.setattr(read_model.MEETINGS, "kept_rows", kept)
    assert read_model.MEETINGS.rebuild(spring.store, batch=page) == len(spring.appended)
    assert meeting_rows(spring.store) == live
