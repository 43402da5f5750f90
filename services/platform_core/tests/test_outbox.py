"""The outbox relay over the real broker: confirmed, ordered, nothing lost when a process dies."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any, List

import pytest
from kombu import Connection, Exchange, Queue

from services.platform_core.db import make_engine
from services.platform_core.envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, Envelope
from services.platform_core.events import CATALOGUE, DomainEvent
from services.platform_core.outbox import OutboxRelay
from services.platform_core.store import EventStore
from services.platform_core.testing import queue_info, wait_for

pytestmark = pytest.mark.integration

CATALOGUE.register("KeyHashNoted", object, stream_type="tenant", service="test", visibility="internal")
CATALOGUE.register("SecretNoted", object, stream_type="person", service="test", visibility="private")


@pytest.fixture
def store(pg_url):
    engine = make_engine(pg_url)
    store = EventStore(engine, service="test")
    store.create_schema()
    yield store
    engine.dispose()


def bind_queue(amqp_uri, name, key, exchange=EVENTS_EXCHANGE):
    with Connection(amqp_uri) as conn:
        queue = Queue(name, Exchange(exchange, "topic", durable=True), routing_key=key, durable=True)
        queue(conn.default_channel).declare()


def drain(amqp_uri, queue, expected, timeout=10):
    got: List[Any] = []
    with Connection(amqp_uri) as conn:
        def more():
            while True:
                message = conn.default_channel.basic_get(queue, no_ack=True)
                if message is None:
                    return len(got) >= expected
                got.append(message)
        wait_for(more, timeout=timeout, message=f"{expected} messages on {queue}")
    return got


def test_relay_publishes_in_order_with_routing_keys_and_envelopes(store, amqp_uri):
    bind_queue(amqp_uri, "all", "#")
    bind_queue(amqp_uri, "school-a-only", "school-a.#")
    bind_queue(amqp_uri, "internal", "#", exchange=INTERNAL_EXCHANGE)
    for i in range(1, 6):
        store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": i})])
    store.append("ngo-b", [DomainEvent("NoteTaken", "person", "bob", {"n": 1}),
                           DomainEvent("KeyHashNoted", "tenant", "ngo-b", {"hash": "x"}),
                           DomainEvent("SecretNoted", "person", "bob", {"illness": "y"})])
    relay = OutboxRelay(store, amqp_uri)
    assert relay.lease.acquire()
    assert relay.publish_pending() == 7  # the private event is never queued

    messages = drain(amqp_uri, "all", 6)
    envelopes = [Envelope.from_message(m.body) for m in messages]
    assert [(e.tenant_id, e.payload.get("n")) for e in envelopes] == (
        [("school-a", i) for i in range(1, 6)] + [("ngo-b", 1)])
    assert messages[0].delivery_info["routing_key"] == "school-a.person.NoteTaken"
    assert messages[0].properties["message_id"] == envelopes[0].event_id
    assert [e.stream_position for e in envelopes[:5]] == [1, 2, 3, 4, 5]
    assert len(drain(amqp_uri, "school-a-only", 5)) == 5
    internal = [Envelope.from_message(m.body) for m in drain(amqp_uri, "internal", 1)]
    assert [e.event_type for e in internal] == ["KeyHashNoted"]
    assert relay.backlog()[0] == 0


def test_only_the_lease_holder_publishes(store, amqp_uri):
    first, second = OutboxRelay(store, amqp_uri), OutboxRelay(store, amqp_uri)
    assert first.lease.acquire()
    assert not second.lease.acquire()
    first.lease.release()
    assert second.lease.acquire()


KILLED_WRITER = textwrap.dedent('''
    import os, signal, sys
    from services.platform_core.db import make_engine
    from services.platform_core.events import DomainEvent
    from services.platform_core.store import EventStore
    store = EventStore(make_engine(sys.argv[1]), service="test")
    store.create_schema()
    [event] = store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1})])
    print(event.event_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # committed, never published
''')


def test_a_process_killed_after_commit_loses_nothing(store, pg_url, amqp_uri):
    bind_queue(amqp_uri, "all", "#")
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, pg_url], capture_output=True, text=True,
                          timeout=60, cwd=os.getcwd())
    assert done.returncode == -signal.SIGKILL, done.stderr
    event_id = done.stdout.strip()
    assert relay_backlog(store, amqp_uri) == 1

    restarted = OutboxRelay(store, amqp_uri)  # the next process to run the relay
    assert restarted.lease.acquire() and restarted.publish_pending() == 1
    [message] = drain(amqp_uri, "all", 1)
    assert json.loads(message.body)["event_id"] == event_id


def relay_backlog(store, amqp_uri):
    return OutboxRelay(store, amqp_uri).backlog()[0]


def test_relay_loop_publishes_promptly_after_commit(store, amqp_uri):
    import eventlet
    bind_queue(amqp_uri, "all", "#")
    relay = OutboxRelay(store, amqp_uri, poll_interval=30)  # the poll alone would be far too slow
    runner = eventlet.spawn(relay.run)
    try:
        eventlet.sleep(0.2)
        store.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 1})])
        assert len(drain(amqp_uri, "all", 1, timeout=5)) == 1
        # and a commit made by another process (no in-process wake-up) is seen through NOTIFY
        other = EventStore(make_engine(store.engine.url.render_as_string(hide_password=False)), service="test")
        other.append("school-a", [DomainEvent("NoteTaken", "person", "ann", {"n": 2})])
        assert len(drain(amqp_uri, "all", 1, timeout=5)) == 1
    finally:
        relay.stop()
        runner.wait()


def test_a_batch_is_done_only_when_every_message_of_it_is_confirmed(amqp_uri):
    """The broker confirms an unroutable message at once and a persistent one once it is on
    disk: a confirm for the batch's last tag must not stand for the ones before it."""
    import amqp

    from services.platform_core.outbox import ConfirmingPublisher

    bind_queue(amqp_uri, "confirm-order", "t.confirm.Persisted")
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        body = b"x" * 20000
        batch = [(EVENTS_EXCHANGE, "t.confirm.Persisted", amqp.Message(body, delivery_mode=2))
                 for _ in range(200)]
        batch.append((EVENTS_EXCHANGE, "t.nobody.Listens", amqp.Message(b"{}", delivery_mode=2)))
        publisher.publish_raw(batch)
        assert publisher._pending == set()  # every tag confirmed, not only the last
        wait_for(lambda: queue_info(amqp_uri, "confirm-order").get("messages") == 200,
                 message="all 200 persisted messages in the queue")
        publisher.publish_raw(batch[:3])  # the channel goes on with the next batch
        assert publisher._pending == set()
    finally:
        publisher.close()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lease_is_renewed_once_a_third_of_its_term_not_at_every_wake(store, monkeypatch):
    from services.platform_core import outbox

    clock = _Clock()
    monkeypatch.setattr(outbox.time, "monotonic", clock)
    relay = OutboxRelay(store, "amqp://unused", lease_seconds=9.0)
    taken: List[bool] = []
    acquire = relay.lease.acquire

    def counted_acquire() -> bool:
        taken.append(acquire())
        return taken[-1]

    monkeypatch.setattr(relay.lease, "acquire", counted_acquire)
    other = OutboxRelay(store, "amqp://unused", lease_seconds=9.0)
    assert relay.holds_lease() and taken == [True]
    for _ in range(5):  # wakes within the first third of the term: no statement
        clock.now += 0.5
        assert relay.holds_lease()
    assert taken == [True]
    clock.now += 0.6  # 3.1 s after taking it: renewed
    assert relay.holds_lease() and taken == [True, True]
    assert not other.holds_lease() and not other.holds_lease()  # a stand-by asks at each wake
    relay.stop()  # released: the other takes it
    assert other.holds_lease()


def test_the_backlog_is_counted_at_most_every_two_seconds(store, monkeypatch):
    from services.platform_core import outbox
    from services.platform_core.metrics import OUTBOX_BACKLOG

    clock = _Clock()
    monkeypatch.setattr(outbox.time, "monotonic", clock)
    relay = OutboxRelay(store, "amqp://unused")
    counted: List[int] = []
    backlog = relay.backlog

    def counted_backlog():
        counted.append(1)
        return backlog()

    monkeypatch.setattr(relay, "backlog", counted_backlog)
    gauge = OUTBOX_BACKLOG.labels(service="test")
    store.append("t-backlog", [DomainEvent("KeyHashNoted", "tenant", "t-backlog", {})] * 3)
    relay._record_backlog()
    assert len(counted) == 1 and gauge._value.get() == 3
    clock.now += 1.0
    relay._record_backlog()
    assert len(counted) == 1  # not again within two seconds
    clock.now += 1.1
    relay._record_backlog()
    assert len(counted) == 2
    relay._record_backlog(empty=True)  # a wake that found nothing pending: 0, without a count
    assert len(counted) == 2 and gauge._value.get() == 0
