"""Consuming events over the real broker: idempotent, retried, dead-lettered, ordered, caught up."""
import dataclasses
import json
import os
import random
import subprocess
import sys
import textwrap
import uuid
from collections import defaultdict
from typing import DefaultDict

import amqp
import eventlet
import marshmallow
import psycopg2
import pytest
from kombu import Connection
from nameko.runners import ServiceRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import OperationalError

from services.platform_core.catchup import CatchUpFeed
from services.platform_core.consumer import consume
from services.platform_core.db import make_engine
from services.platform_core.dependencies import Store
from services.platform_core.envelope import EVENTS_EXCHANGE
from services.platform_core.events import CATALOGUE, DomainEvent
from services.platform_core.outbox import OutboxRelay, to_amqp_message
from services.platform_core.store import EventStore, inbox_table
from services.platform_core.testing import temporary_database, wait_for

pytestmark = pytest.mark.integration

CATALOGUE.register("NoteTaken", object, stream_type="person", service="test-producer")

notes = MetaData()
notes_table = Table(
    "notes", notes,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("stream_id", String(64), nullable=False),
    Column("n", Integer, nullable=False),
)
attempts: DefaultDict[str, int] = defaultdict(int)


class Producer(CatchUpFeed):
    name = "producer"
    store = Store()


class Listener:
    name = "listener"
    store = Store(read_models=[notes])

    @consume("NoteTaken", source="producer", max_retries=2, retry_delay=0.2)
    def on_note(self, tx, event):
        attempts[event.event_id] += 1
        mode = event.payload.get("mode")
        if mode == "fail_always":
            raise RuntimeError("this note can never be handled")
        if mode == "fail_twice" and attempts[event.event_id] <= 2:
            raise RuntimeError("not yet")
        if mode == "database_away" or (mode == "database_away_4" and attempts[event.event_id] <= 4):
            raise OperationalError("INSERT INTO notes ...", {}, psycopg2.OperationalError(
                "server closed the connection unexpectedly"))
        if mode == "slow":
            eventlet.sleep(random.random() * 0.02)
        tx.conn.execute(insert(notes_table).values(event_id=event.event_id, tenant_id=event.tenant_id,
                                                   stream_id=event.stream_id, n=event.payload["n"]))


@pytest.fixture
def databases():
    with temporary_database() as producer_db, temporary_database() as listener_db:
        yield {"producer": producer_db, "listener": listener_db}


@pytest.fixture
def config(amqp_uri, databases):
    return {"AMQP_URI": amqp_uri, "DATABASES": databases, "OUTBOX_POLL_SECONDS": 0.2,
            "max_workers": 5}


@pytest.fixture
def runners(config):
    started = []

    def start(*services, **overrides):
        runner = ServiceRunner({**config, **overrides})
        for service in services:
            runner.add_service(service)
        runner.start()
        started.append(runner)
        return runner

    yield start
    for runner in reversed(started):
        runner.stop()


def producer_store(config):
    store = EventStore(make_engine(config["DATABASES"]["producer"]), service="producer")
    store.create_schema()
    return store


def handled(config):
    engine = make_engine(config["DATABASES"]["listener"])
    with engine.connect() as conn:
        rows = conn.execute(select(notes_table).order_by(notes_table.c.seq)).mappings().all()
    engine.dispose()
    return rows


def publish_raw(amqp_uri, body, routing_key="school-a.person.NoteTaken"):
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        channel.basic_publish(amqp.Message(body, content_type="application/json", delivery_mode=2),
                              exchange=EVENTS_EXCHANGE, routing_key=routing_key)


def publish_envelopes(amqp_uri, envelopes):
    with Connection(amqp_uri) as conn:
        channel = conn.default_channel
        for envelope in envelopes:
            channel.basic_publish(to_amqp_message(envelope), exchange=EVENTS_EXCHANGE,
                                  routing_key=envelope.routing_key)


def ready_messages(amqp_uri, queue):
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(queue, passive=True).message_count


APPEND_AND_PUBLISH = textwrap.dedent('''
    import sys
    from services.platform_core.db import make_engine
    from services.platform_core.events import DomainEvent
    from services.platform_core.outbox import OutboxRelay
    from services.platform_core.store import EventStore
    store = EventStore(make_engine(sys.argv[1]), service="producer")
    store.create_schema()
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 7})])
    relay = OutboxRelay(store, sys.argv[2])
    assert relay.lease.acquire() and relay.publish_pending() == 1
    print(event.event_id)
''')


def test_an_event_appended_in_one_process_reaches_a_consumer_in_another(config, runners):
    runners(Listener)
    done = subprocess.run([sys.executable, "-c", APPEND_AND_PUBLISH, config["DATABASES"]["producer"],
                           config["AMQP_URI"]], capture_output=True, text=True, timeout=60, cwd=os.getcwd())
    assert done.returncode == 0, done.stderr
    event_id = done.stdout.strip()
    rows = wait_for(lambda: handled(config), message="the note to be handled")
    assert [(r["event_id"], r["tenant_id"], r["stream_id"], r["n"]) for r in rows] == [
        (event_id, "school-a", "ann", 7)]


def test_the_same_event_delivered_twice_has_one_effect(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1})])
    publish_envelopes(config["AMQP_URI"], [event, event])
    wait_for(lambda: handled(config), message="the note to be handled")
    wait_for(lambda: ready_messages(config["AMQP_URI"], "listener.on_note") == 0, message="both deliveries taken")
    eventlet.sleep(0.5)
    assert [r["event_id"] for r in handled(config)] == [event.event_id]


def test_a_handler_failing_twice_then_succeeding_is_retried(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1, "mode": "fail_twice"})])
    publish_envelopes(config["AMQP_URI"], [event])
    rows = wait_for(lambda: handled(config), timeout=15, message="the retried note")
    assert [r["event_id"] for r in rows] == [event.event_id]
    assert attempts[event.event_id] == 3
    assert ready_messages(config["AMQP_URI"], "listener.on_note.dead-letter") == 0


def dead_letters(amqp_uri, expected):
    got = []
    with Connection(amqp_uri) as conn:
        def more():
            message = conn.default_channel.basic_get("listener.on_note.dead-letter", no_ack=True)
            if message is not None:
                got.append(message)
            return len(got) >= expected
        wait_for(more, timeout=15, message=f"{expected} dead letters")
    return got


def test_an_always_failing_event_is_dead_lettered_with_its_reason_and_the_queue_moves_on(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    poison, fine = store.append("school-a", [
        DomainEvent("NoteTaken", "person", "ann", {"n": 1, "mode": "fail_always"}),
        DomainEvent("NoteTaken", "person", "bob", {"n": 2})])
    publish_envelopes(config["AMQP_URI"], [poison, fine])
    [dead] = dead_letters(config["AMQP_URI"], 1)
    headers = dead.properties["application_headers"]
    assert "failed 3 times" in headers["x-dead-letter-reason"]
    assert "this note can never be handled" in headers["x-dead-letter-reason"]
    assert headers["x-original-routing-key"] == "school-a.person.NoteTaken"
    assert json.loads(dead.body)["event_id"] == poison.event_id  # the message itself is kept
    rows = wait_for(lambda: handled(config), message="the next note")
    assert [r["n"] for r in rows] == [2]


def test_a_malformed_message_goes_to_the_dead_letter_queue_at_once(config, runners):
    runners(Listener)
    publish_raw(config["AMQP_URI"], b"this is not json")
    publish_raw(config["AMQP_URI"], json.dumps({"event_type": "NoteTaken", "payload": {}}))
    first, second = dead_letters(config["AMQP_URI"], 2)
    assert "body is not JSON" in first.properties["application_headers"]["x-dead-letter-reason"]
    reason = second.properties["application_headers"]["x-dead-letter-reason"]
    assert "event_id" in reason and "tenant_id" in reason  # says what is missing
    assert handled(config) == []


def test_events_of_one_stream_are_handled_in_order_by_several_workers_and_replicas(config, runners):
    store = producer_store(config)
    runners(Producer, OUTBOX_RELAY="off")
    runners(Listener)
    runners(Listener)  # a second replica on the same queue and database
    appended = []
    for n in range(1, 16):
        for person in ("ann", "bob", "cy"):
            appended += store.append("school-a", [DomainEvent("NoteTaken", "person", person, {"n": n, "mode": "slow"})])
    shuffled = appended[:]
    random.Random(7).shuffle(shuffled)  # arrivals out of order: gaps must be filled, not skipped
    publish_envelopes(config["AMQP_URI"], shuffled)
    wait_for(lambda: len(handled(config)) == 45, timeout=30, message="all 45 notes")
    eventlet.sleep(0.3)
    rows = handled(config)
    assert len(rows) == 45
    for person in ("ann", "bob", "cy"):
        assert [r["n"] for r in rows if r["stream_id"] == person] == list(range(1, 16))


def test_a_consumer_started_after_100_events_loads_them_all_once(config, runners):
    store = producer_store(config)
    runners(Producer)  # publishes at once, before the listener's queue exists: those are dropped
    for n in range(100):
        store.append("school-a" if n % 2 else "ngo-b", [DomainEvent("NoteTaken", "person", f"p{n}", {"n": n})])
    wait_for(lambda: OutboxRelay(store, config["AMQP_URI"]).backlog()[0] == 0, message="the outbox to drain")
    first = runners(Listener)
    wait_for(lambda: len(handled(config)) == 100, timeout=30, message="100 caught-up notes")
    first.stop()
    runners(Listener)  # a restart catches up again from where it stopped: nothing twice
    eventlet.sleep(1)
    rows = handled(config)
    assert sorted(r["n"] for r in rows) == list(range(100))
    engine = make_engine(config["DATABASES"]["listener"])
    with engine.connect() as conn:
        assert len(conn.execute(select(inbox_table)).all()) == 100
    engine.dispose()


class NoteTakenV1(marshmallow.Schema):
    n = marshmallow.fields.Integer(required=True)


def test_a_payload_that_does_not_match_its_schema_is_dead_lettered_at_once(config, runners):
    store = producer_store(config)
    registered = CATALOGUE.get("NoteTaken")
    CATALOGUE._types["NoteTaken"] = registered.__class__(**{**registered.__dict__, "schema": NoteTakenV1})
    try:
        runners(Listener, Producer, OUTBOX_RELAY="off")
        wrong, right = store.append("school-a", [
            DomainEvent("NoteTaken", "person", "ann", {"n": "not a number"}),
            DomainEvent("NoteTaken", "person", "bob", {"n": 2, "added_later": "ignored"})])
        publish_envelopes(config["AMQP_URI"], [wrong, right])
        [dead] = dead_letters(config["AMQP_URI"], 1)
        reason = dead.properties["application_headers"]["x-dead-letter-reason"]
        assert "payload of NoteTaken does not match its schema" in reason and "'n'" in reason
        assert attempts[wrong.event_id] == 0  # never handed to the handler
        rows = wait_for(lambda: handled(config), message="the good note")
        assert [r["n"] for r in rows] == [2]  # an unknown field breaks nobody
    finally:
        CATALOGUE._types["NoteTaken"] = registered


def test_a_failing_event_during_catch_up_holds_back_the_rest_of_its_stream(config, runners):
    store = producer_store(config)
    runners(Producer)
    first, second = store.append("school-a", [
        DomainEvent("NoteTaken", "person", "ann", {"n": 1, "mode": "fail_twice"}),
        DomainEvent("NoteTaken", "person", "ann", {"n": 2})])
    other = store.append("school-a", [DomainEvent("NoteTaken", "person", "bob", {"n": 3})])
    wait_for(lambda: OutboxRelay(store, config["AMQP_URI"]).backlog()[0] == 0, message="the outbox to drain")
    runners(Listener)  # catches up: ann's first note fails, her second must not overtake it
    wait_for(lambda: len(handled(config)) == 3, timeout=20, message="all three notes")
    eventlet.sleep(0.5)
    rows = handled(config)
    assert [r["n"] for r in rows if r["stream_id"] == "ann"] == [1, 2]
    assert sorted(r["n"] for r in rows) == [1, 2, 3] and other
    assert attempts[first.event_id] == 3 and attempts[second.event_id] == 1


def test_odd_headers_and_a_publishers_ttl_never_lose_or_block_a_message(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    [poison] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1, "mode": "fail_always"})])
    with Connection(config["AMQP_URI"]) as conn:
        message = to_amqp_message(poison)
        message.properties["application_headers"] = {"x-retry-count": "not a number"}
        conn.default_channel.basic_publish(message, exchange=EVENTS_EXCHANGE, routing_key=poison.routing_key)
        expiring = amqp.Message(b"not json", content_type="application/json", expiration="6000")
        conn.default_channel.basic_publish(expiring, exchange=EVENTS_EXCHANGE,
                                           routing_key="school-a.person.NoteTaken")
    dead = dead_letters(config["AMQP_URI"], 2)
    assert {("failed 3 times" in m.properties["application_headers"]["x-dead-letter-reason"]) for m in dead} \
        == {True, False}
    assert all("expiration" not in m.properties for m in dead)  # a dead letter stays until handled


def test_an_event_whose_gap_cannot_be_filled_waits_for_the_producer_instead_of_dying(config, runners):
    store = producer_store(config)
    first, second = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1}),
                                              DomainEvent("NoteTaken", "person", "ann", {"n": 2})])
    runners(Listener, CATCHUP_TIMEOUT=0.5)  # the producer is down
    publish_envelopes(config["AMQP_URI"], [second])  # the first was lost on the way
    eventlet.sleep(3)  # well past 2 retries of 0.2 s
    assert handled(config) == []
    assert ready_messages(config["AMQP_URI"], "listener.on_note.dead-letter") == 0
    runners(Producer, OUTBOX_RELAY="off")  # back: the gap is filled, in order
    rows = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(handled(config)), timeout=20,
                    message="both notes")
    assert [r["n"] for r in rows] == [1, 2]


def test_two_tenants_streams_of_the_same_id_are_ordered_apart(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    ours = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1}),
                                     DomainEvent("NoteTaken", "person", "ann", {"n": 2})])
    # another tenant's stream with the same id (another producer's store, say)
    theirs = [dataclasses.replace(ours[0], tenant_id="ngo-b", event_id=str(uuid.uuid4()),
                                  payload={"n": 10})]
    publish_envelopes(config["AMQP_URI"], ours + theirs)
    rows = wait_for(lambda: (lambda r: r if len(r) == 3 else None)(handled(config)), timeout=15,
                    message="all three notes")
    assert sorted((r["tenant_id"], r["n"]) for r in rows) == [("ngo-b", 10), ("school-a", 1), ("school-a", 2)]
    assert ready_messages(config["AMQP_URI"], "listener.on_note.dead-letter") == 0


# -- issue 7: the infrastructure's failures are waited out, not counted ------------------------


def test_a_database_outage_is_waited_out_without_counting_towards_dead_letters(config, runners):
    store = producer_store(config)
    runners(Listener, Producer, OUTBOX_RELAY="off")
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann",
                                                    {"n": 1, "mode": "database_away_4"})])
    publish_envelopes(config["AMQP_URI"], [event])
    rows = wait_for(lambda: handled(config), timeout=20, message="the note, once the database is back")
    assert [r["event_id"] for r in rows] == [event.event_id]
    assert attempts[event.event_id] == 5  # four outages and the success: max_retries is 2
    assert ready_messages(config["AMQP_URI"], "listener.on_note.dead-letter") == 0


def test_an_outage_longer_than_the_bound_is_dead_lettered_as_infrastructure_timeout(config, runners):
    from services.platform_core import health
    from services.platform_core.dependencies import store_engine_of

    store = producer_store(config)
    runner = runners(Listener, Producer, OUTBOX_RELAY="off", EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS=1.5)
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1, "mode": "database_away"})])
    publish_envelopes(config["AMQP_URI"], [event])
    [dead] = dead_letters(config["AMQP_URI"], 1)
    reason = dead.properties["application_headers"]["x-dead-letter-reason"]
    assert reason.startswith("infrastructure_timeout: the infrastructure failed for ")
    assert "server closed the connection unexpectedly" in reason
    assert attempts[event.event_id] >= 3  # waited out with back-off, not given up at once
    listener = next(c for c in runner.containers if c.service_name == "listener")
    status, body = health.report("listener", store_engine_of(listener).store, listener.config)
    assert status == 200 and body["status"] == "degraded"
    assert "infrastructure_timeout" in body["problems"][0]
    assert "mentoring dead-letters replay listener.on_note.dead-letter" in body["problems"][0]
