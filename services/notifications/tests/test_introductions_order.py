"""A round's events and a programme's arrival in every order, on PostgreSQL, through the
consuming functions themselves: the same messages every time, each once; a pairing whose
programme is not known yet waits for it; two rounds of one mentor make two groups."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List

import pytest
from sqlalchemy import insert

from services.notifications import introductions, read_model, reminders
from services.platform_core.db import make_engine
from services.platform_core.envelope import SYSTEM, Envelope
from services.platform_core.store import EventStore
from services.platform_core.testing import temporary_database

pytestmark = pytest.mark.integration

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
COURSE = {"name": "Routes 4", "matching": {"participant_kind": "group", "mode": "automatic"}}


@pytest.fixture(scope="module")
def store() -> Iterator[EventStore]:
    with temporary_database() as url:
        value = EventStore(make_engine(url), service="notifications")
        value.create_schema([read_model.metadata, read_model.deliveries_metadata, introductions.metadata,
                             reminders.metadata,
                             read_model.STAFF.metadata])
        yield value
        value.engine.dispose()


def envelope(tenant: str, event_type: str, stream_type: str, payload: Dict[str, Any], correlation: str) -> Envelope:
    return Envelope(event_id=str(uuid.uuid4()), event_type=event_type, schema_version=1, tenant_id=tenant,
                    stream_type=stream_type, stream_id=str(uuid.uuid4()), stream_position=1, global_position=None,
                    occurred_at=NOW, actor=SYSTEM, correlation_id=correlation, causation_id=None, payload=payload,
                    source="matching")


class Tenant:
    def __init__(self, store: EventStore, settings=COURSE):
        self.store, self.slug, self.programme_id = store, f"t-{uuid.uuid4().hex[:10]}", str(uuid.uuid4())
        self.settings = settings
        self.programme_event = envelope(self.slug, "ProgrammeCreated", "programme", {"settings": settings}, "c")
        self.programme_event = Envelope(**{**self.programme_event.__dict__, "stream_id": self.programme_id})

    def know_programme(self) -> None:
        with self.store.transaction(self.slug) as tx:
            tx.conn.execute(insert(read_model.programmes).values(programme_id=self.programme_id, tenant_id=self.slug,
                                                                 name="Routes 4", settings=self.settings))
            introductions.programme_known(tx, self.programme_event)

    def add_teacher(self, person_id: str) -> None:
        with self.store.transaction(self.slug) as tx:
            tx.conn.execute(insert(read_model.staff).values(programme_id=self.programme_id, person_id=person_id,
                                                            tenant_id=self.slug, role="teacher"))

    def pairing(self, mentor: str, mentee: str, correlation: str, origin: str = "round") -> Envelope:
        return envelope(self.slug, "PairingConfirmed", "pairing", {
            "programme_id": self.programme_id, "mentor_id": mentor, "mentee_id": mentee, "origin": origin,
            "confirmed_by": "automatic"}, correlation)

    def round(self, confirmed: int, correlation: str) -> Envelope:
        return envelope(self.slug, "MatchingRoundCompleted", "matchround", {
            "programme_id": self.programme_id, "paired": confirmed, "confirmed": confirmed}, correlation)

    def consume(self, event: Envelope) -> None:
        handle = {"PairingConfirmed": introductions.pairing_confirmed,
                  "MatchingRoundCompleted": introductions.round_completed,
                  "PairingEnded": introductions.pairing_ended}[event.event_type]
        with self.store.transaction(self.slug) as tx:
            handle(tx, event)

    def messages(self) -> List[tuple]:
        with self.store.transaction(self.slug) as tx:
            rows = read_model.log_rows(tx.conn, self.slug, programme_id=self.programme_id)
        return sorted((r["kind"], r["role"], r["recipient_id"], r["cause_event_id"]) for r in rows)


def round_events(tenant: Tenant, students: List[str], correlation: str) -> List[Envelope]:
    return [tenant.round(len(students), correlation)] + [tenant.pairing("m", s, correlation) for s in students]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_round_makes_the_same_group_whatever_the_order_of_its_events(store, order):
    tenant = Tenant(store)
    tenant.know_programme()
    tenant.add_teacher("t")
    events = round_events(tenant, ["s1", "s2", "s3"], str(uuid.uuid4()))
    for index in order:
        tenant.consume(events[index])
        if index != order[-1]:
            assert tenant.messages() == [] or len(tenant.messages()) == 9  # all or nothing
    messages = tenant.messages()
    assert len(messages) == 3 * 2 + 1 + 1 and {m[0] for m in messages} == {"group_introduction"}
    assert {(m[1], m[2]) for m in messages} == {("mentee", "s1"), ("guardian", "s1"), ("mentee", "s2"),
                                                ("guardian", "s2"), ("mentee", "s3"), ("guardian", "s3"),
                                                ("mentor", "m"), ("teacher", "t")}
    for event in events:  # delivered again (past the inbox, e.g. replayed): nothing new
        tenant.consume(event)
    assert tenant.messages() == messages


def test_a_pairing_waits_for_its_programme_and_a_round_for_its_held_pairings(store):
    tenant = Tenant(store)
    correlation = str(uuid.uuid4())
    events = round_events(tenant, ["s1", "s2"], correlation)
    for event in events:
        tenant.consume(event)
    assert tenant.messages() == []
    with store.transaction(tenant.slug) as tx:
        assert {p["state"] for p in introductions.kept(tx.conn, tenant.slug)["pairings"]} == {"held"}
    tenant.know_programme()
    assert [m[1] for m in tenant.messages()].count("mentee") == 2


def test_an_individual_pairing_waits_for_its_programme_then_gets_the_ordinary_introduction(store):
    tenant = Tenant(store, settings={"name": "School", "matching": {"participant_kind": "individual"}})
    tenant.consume(tenant.pairing("m", "e", str(uuid.uuid4()), origin="placement"))
    assert tenant.messages() == []
    tenant.know_programme()
    assert [(m[0], m[1]) for m in tenant.messages()] == [("introduction", "guardian"), ("introduction", "mentee"),
                                                          ("introduction", "mentor")]


def test_a_team_pairing_records_a_message_for_each_place_in_the_largest_team(store):
    tenant = Tenant(store, settings={"name": "NVO", "people": {"team_size": {"min": 2, "max": 3}},
                                     "matching": {"participant_kind": "team"}})
    tenant.know_programme()
    tenant.consume(tenant.pairing("m", "team", str(uuid.uuid4()), origin="manual"))
    roles = [m[1] for m in tenant.messages()]
    assert roles.count("member") == 3 and roles.count("mentee") == 1
    assert len({m[3] for m in tenant.messages() if m[1] == "member"}) == 3  # a cause per place


def test_a_team_pairings_end_is_told_to_each_member_place_once(store):
    tenant = Tenant(store, settings={"name": "NVO", "people": {"team_size": {"min": 2, "max": 3}},
                                     "matching": {"participant_kind": "team"}})
    tenant.know_programme()
    confirmed = tenant.pairing("m", "team", str(uuid.uuid4()), origin="manual")
    tenant.consume(confirmed)
    ended = Envelope(**{**envelope(tenant.slug, "PairingEnded", "pairing", {
        "programme_id": tenant.programme_id, "mentor_id": "m", "mentee_id": "team", "reason": "completed",
        "ended_by": "coordinator", "ended_at": NOW.isoformat()}, "c").__dict__, "stream_id": confirmed.stream_id})
    tenant.consume(ended)
    tenant.consume(ended)  # a redelivery records nothing new
    endings = [m for m in tenant.messages() if m[0] == "pairing_ended"]
    assert sorted(m[1] for m in endings) == ["guardian", "member", "member", "member", "mentee", "mentor"]
    assert len({m[3] for m in endings if m[1] == "member"}) == 3  # a cause per place
    with store.transaction(tenant.slug) as tx:
        rows = [r for r in read_model.log_rows(tx.conn, tenant.slug, pairing_id=confirmed.stream_id)
                if r["kind"] == "pairing_ended" and r["role"] == "member"]
    assert sorted(r["facts"]["member"] for r in rows) == [0, 1, 2]
    assert all(r["facts"]["reason"] == "completed" for r in rows)


def test_two_rounds_of_one_mentor_make_two_groups_and_a_late_pairing_a_note(store):
    tenant = Tenant(store)
    tenant.know_programme()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for event in round_events(tenant, ["s1"], first) + round_events(tenant, ["s2"], second):
        tenant.consume(event)
    mentor_messages = [m for m in tenant.messages() if m[1] == "mentor"]
    assert len(mentor_messages) == 2 and len({m[3] for m in mentor_messages}) == 2
    tenant.consume(tenant.pairing("m", "s3", first))  # more than the round said it confirmed
    assert ("group_joined", "mentor", "m") in {m[:3] for m in tenant.messages()}
