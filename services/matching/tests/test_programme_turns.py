"""Decisions on one programme take turns, and waiting reasons stay true.

Two bugs found under load, each pinned by a deterministic test: a decision that waited for
the programme's turn used stream versions read before it waited, and failed with a
conflict although the turn had already ordered the two decisions (under two replicas the
retries could run out and a registration was dead-lettered); and a mentor who suits a
waiting mentee but arrives full left the mentee's reason at ``no_suitable_mentor``.
"""
from __future__ import annotations

from typing import Any, Dict

import eventlet
import pytest
from sqlalchemy import create_engine, text

from services.matching import read_model
from services.matching.decisions import UnitOfWork, placement
from services.platform_core import tenancy
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.store import ConcurrencyConflict, EventStore
from services.platform_core.testing import PG_ADMIN_URL, temporary_database, wait_for

from .conftest import MATCHING_NOW, Registration, programme_settings

pytestmark = pytest.mark.integration


def waiting_on_a_lock(database_url: str) -> int:
    engine = create_engine(PG_ADMIN_URL, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"),
                {"db": database_url.rsplit("/", 1)[1]}).scalar_one()
    finally:
        engine.dispose()


def test_a_decision_that_waited_for_the_programme_lock_does_not_conflict():
    with temporary_database() as producer_url, temporary_database() as matching_url:
        producer = EventStore(make_engine(producer_url), service="registration")
        producer.create_schema()
        matching = EventStore(make_engine(matching_url), service="matching", clock=ManualClock(MATCHING_NOW))
        matching.create_schema([read_model.metadata, tenancy.metadata])
        try:
            reg = Registration(producer, amqp_uri="unused")
            programme = reg.programme(programme_settings("automatic"))
            reg.mentor(programme, capacity=2)
            first, second = reg.mentee(programme), reg.mentee(programme)
            with matching.transaction(reg.slug) as tx:  # the read model, as the consumer builds it
                for envelope in reg.envelopes:
                    read_model.consume_registration(tx.conn, envelope)

            outcome: Dict[str, Any] = {}

            def place_second():
                try:
                    with matching.transaction(reg.slug) as tx:
                        outcome["pairing"] = placement.place(UnitOfWork(tx), programme.id, second)
                except ConcurrencyConflict as exc:
                    outcome["conflict"] = exc

            with matching.transaction(reg.slug) as tx:
                assert placement.place(UnitOfWork(tx), programme.id, first)  # holds the programme's lock
                waiter = eventlet.spawn(place_second)
                wait_for(lambda: waiting_on_a_lock(matching_url), timeout=10,
                         message="the second decision to wait for the programme's lock")
            waiter.wait()
            assert "conflict" not in outcome, outcome["conflict"]
            assert outcome["pairing"]
        finally:
            producer.engine.dispose()
            matching.engine.dispose()


def test_a_suitable_but_full_new_mentor_turns_no_suitable_mentor_into_no_capacity(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    russians = [reg.mentee(programme, born="2004-03-01", consent=False, languages=["ru"]) for _ in range(2)]
    platform.wait_reserve(reg, programme.id, lambda r: sorted(m["recorded_reason"] for m in r["mentees"])
                          == ["no_suitable_mentor"] * 2, message="both waiting for a Russian speaker")
    mentor = reg.mentor(programme, languages=["ru", "lv"], capacity=1)
    [row] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert row["mentor_id"] == mentor and row["mentee_id"] in russians
    [left] = platform.reserve(reg, programme.id)["mentees"]
    assert left["reason"] == "no_capacity"  # live: the Russian speaker suits them but is full
    assert left["recorded_reason"] == "no_capacity"
    published = [m for m in platform.watcher.of(reg.slug, "MenteeWaitlisted") if m["stream_id"] == left["id"]]
    assert published[-1]["payload"]["reason"] == "no_capacity"

