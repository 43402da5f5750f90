"""The outbox relay: publishes what the store queued, confirmed by the broker, in order.

Appending an event and queueing it in the ``outbox`` table happen in one transaction, so
an event is either stored and queued, or neither. The relay then publishes queued events
in global-position order (hence in order per stream) to their exchange with the routing
key ``<tenant>.<stream_type>.<EventType>``, as persistent messages whose ``message_id`` is
the event id, on a channel in publisher-confirm mode. A batch is published, the broker's
confirms are awaited for the whole batch, and only then are its rows deleted from the
outbox. A process that dies anywhere in between leaves the rows there, and whoever relays
next publishes them again: a duplicate carries the same event id, and consumers drop it.

Only one relay per store publishes at a time (a lease, see :mod:`.lease`), so several
replicas of a service still publish one order per stream; the others stand by and take
over when the lease expires. Publishing follows the commit promptly: the process that
committed wakes its relay at once, and on PostgreSQL the append also sends
``NOTIFY mentoring_outbox``, on which the relay of whichever replica holds the lease waits.
A slow poll remains as a safety net.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import List, Optional

import amqp
import eventlet
from eventlet.event import Event
from kombu import Connection
from sqlalchemy import bindparam, delete, func, select

from .envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, Envelope
from .lease import Lease, process_identity
from .metrics import EVENTS_PUBLISHED, FAILURES, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE
from .store import EventStore, events_table, outbox_table, row_to_envelope

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    pass


def declare_exchanges(channel) -> None:
    for exchange in (EVENTS_EXCHANGE, INTERNAL_EXCHANGE):
        channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)


def to_amqp_message(envelope: Envelope) -> amqp.Message:
    return amqp.Message(
        envelope.to_json(), content_type="application/json", content_encoding="utf-8",
        delivery_mode=2, message_id=envelope.event_id, type=envelope.event_type,
        timestamp=int(envelope.occurred_at.timestamp()), app_id=envelope.source,
        correlation_id=envelope.correlation_id,
        application_headers={"tenant_id": envelope.tenant_id, "event_type": envelope.event_type,
                             "schema_version": envelope.schema_version,
                             "stream": f"{envelope.stream_type}/{envelope.stream_id}",
                             "stream_position": envelope.stream_position,
                             "global_position": envelope.global_position})


class ConfirmingPublisher:
    """A channel in publisher-confirm mode that publishes a batch and awaits its confirms."""

    def __init__(self, amqp_uri: str, confirm_timeout: float = 30.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._connection: Optional[Connection] = None
        self._channel = None
        self._next_tag = 0
        self._pending: set = set()   # delivery tags published and not yet confirmed
        self._nacked: List[int] = []
        self._lock = threading.Lock()

    def _ensure_channel(self):
        if self._channel is not None:
            return self._channel
        self._connection = Connection(self.amqp_uri, connect_timeout=5, heartbeat=0)
        self._connection.ensure_connection(max_retries=1)
        channel = self._connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        declare_exchanges(channel)
        self._channel, self._next_tag, self._pending, self._nacked = channel, 0, set(), []
        return channel

    def _live_connection(self) -> Connection:
        """The connection :meth:`_ensure_channel` opened."""
        if self._connection is None:
            raise PublishFailed("the publisher has no connection")
        return self._connection

    def _confirmed(self, delivery_tag: int, multiple: bool) -> List[int]:
        """The tags one confirm covers (``multiple``: every pending tag up to it), no longer
        pending. The broker confirms out of order: an unroutable message at once, a
        persistent one once it is on disk, so only the tags named count."""
        if multiple:
            covered = [tag for tag in self._pending if tag <= delivery_tag]
        else:
            covered = [delivery_tag] if delivery_tag in self._pending else []
        self._pending.difference_update(covered)
        return covered

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._confirmed(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._nacked.extend(self._confirmed(delivery_tag, multiple))

    def publish(self, batch: List[tuple]) -> None:
        """``batch`` is a list of (exchange, envelope); returns once all are confirmed."""
        self.publish_raw([(exchange, envelope.routing_key, to_amqp_message(envelope))
                          for exchange, envelope in batch])

    def publish_raw(self, batch: List[tuple]) -> None:
        """``batch`` is a list of (exchange, routing_key, amqp.Message); returns once confirmed."""
        with self._lock:
            self._publish_confirmed(batch)

    def _publish_confirmed(self, batch: List[tuple]) -> None:
        try:
            channel = self._ensure_channel()
            first = self._next_tag + 1
            for exchange, key, message in batch:
                self._next_tag += 1
                self._pending.add(self._next_tag)
                channel.basic_publish(message, exchange=exchange, routing_key=key)
            last = self._next_tag
            deadline = eventlet.hubs.get_hub().clock() + self.confirm_timeout
            while self._pending and not self._nacked:
                remaining = deadline - eventlet.hubs.get_hub().clock()
                if remaining <= 0:
                    raise PublishFailed(f"no confirm for deliveries {first}-{last} in time")
                try:
                    self._live_connection().drain_events(timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
            if self._nacked:
                raise PublishFailed(f"the broker refused deliveries {self._nacked}")
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # pragma: no cover - already broken
                pass
        self._connection, self._channel = None, None


#: the backlog gauges are brought up to date at most this often (a count of the outbox is a
#: scan of it: not once per wake)
BACKLOG_EVERY_SECONDS = 2.0


#: the relay's statements, built once: the next batch (in store order) and its dequeueing
_PENDING = (select(outbox_table.c.exchange, events_table)
            .join(events_table, events_table.c.global_position == outbox_table.c.global_position)
            .order_by(outbox_table.c.global_position).limit(bindparam("limit")))
_DEQUEUE = delete(outbox_table).where(outbox_table.c.global_position.in_(bindparam("positions", expanding=True)))


class OutboxRelay:
    """Publishes the store's outbox while it holds the relay's lease.

    Per wake, the work is what publishing needs: the pending rows read (one batch, up to
    ``batch_size``), published and confirmed, then deleted. The lease is renewed once a
    third of its term has passed, not at every wake; the backlog gauges are counted at most
    every :data:`BACKLOG_EVERY_SECONDS` (a wake that found the outbox empty sets them to 0
    without a count)."""

    def __init__(self, store: EventStore, amqp_uri: str, *, batch_size: int = 500,
                 poll_interval: float = 1.0, lease_seconds: float = 10.0, holder: Optional[str] = None):
        self.store = store
        self.publisher = ConfirmingPublisher(amqp_uri)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease = Lease(store, "outbox-relay", holder or process_identity(store.service), lease_seconds)
        self._wake = Event()
        self._running = False
        self._counted_at: Optional[float] = None  # monotonic: when the backlog was last counted
        store.on_commit(lambda _appended: self.wake())

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    # -- one pass ------------------------------------------------------------------------------------
    def pending(self, limit: int) -> List[tuple]:
        with self.store.transaction() as tx:
            rows = tx.conn.execute(_PENDING, {"limit": limit}).mappings().all()
        # the stored payload as it is (a codec's ciphertext stays ciphertext on the wire)
        return [(row["exchange"], row_to_envelope(row)) for row in rows]

    def publish_pending(self) -> int:
        """Publish one batch; returns how many events were confirmed and dequeued."""
        batch = self.pending(self.batch_size)
        if not batch:
            return 0
        self.publisher.publish(batch)
        positions = [envelope.global_position for _exchange, envelope in batch]
        with self.store.transaction() as tx:
            tx.conn.execute(_DEQUEUE, {"positions": positions})
        EVENTS_PUBLISHED.labels(service=self.store.service).inc(len(batch))
        return len(batch)

    def holds_lease(self) -> bool:
        """Take the lease, or renew it once a third of its term has passed (:meth:`Lease.hold`);
        True while this relay holds it."""
        return self.lease.hold(time.monotonic())

    def backlog(self):
        with self.store.transaction() as tx:
            count, oldest = tx.conn.execute(select(func.count(), func.min(outbox_table.c.enqueued_at))).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        return count, oldest

    def _record_backlog(self, empty: bool = False) -> None:
        """The backlog gauges: 0 when this wake found nothing pending, else counted, at most
        every :data:`BACKLOG_EVERY_SECONDS`."""
        now = time.monotonic()
        if empty:
            count, oldest = 0, None
        elif self._counted_at is not None and now - self._counted_at < BACKLOG_EVERY_SECONDS:
            return
        else:
            count, oldest = self.backlog()
        self._counted_at = now
        OUTBOX_BACKLOG.labels(service=self.store.service).set(count)
        age = (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0
        OUTBOX_OLDEST_AGE.labels(service=self.store.service).set(max(age, 0.0))

    # -- the loop --------------------------------------------------------------------------------------
    def run(self) -> None:
        self._running = True
        listener = eventlet.spawn(self._listen) if self.store.postgres else None
        failures = 0
        try:
            while self._running:
                published = 0
                try:
                    if self.holds_lease():
                        published = self.publish_pending()
                        self._record_backlog(empty=published == 0)
                    else:  # a stand-by: the holder's gauges say what is waiting
                        self._record_backlog()
                    failures = 0
                except Exception as exc:
                    self.lease.forget()  # the database or the broker failed: take it afresh
                    failures += 1
                    FAILURES.labels(service=self.store.service, where="outbox_relay").inc()
                    log.warning("outbox relay of %s: %s (will retry)", self.store.service, exc)
                if published >= self.batch_size:
                    continue  # more is waiting: no pause
                delay = self.poll_interval if failures == 0 else min(0.2 * 2 ** failures, 10.0)
                self._wait(delay)
        finally:
            if listener is not None:
                listener.kill()
            self.publisher.close()

    def _wait(self, timeout: float) -> None:
        with eventlet.Timeout(timeout, False):
            self._wake.wait()
        self._wake = Event()

    def stop(self, release: bool = True) -> None:
        self._running = False
        self.lease.forget()
        self.wake()
        if release:
            try:
                self.lease.release()
            except Exception:  # pragma: no cover - the database may be gone already
                pass

    def _listen(self) -> None:
        """Wake the relay on PostgreSQL ``NOTIFY mentoring_outbox`` (commits of other replicas)."""
        while self._running:
            try:
                raw = self.store.engine.raw_connection()
                try:
                    dbapi = raw.driver_connection
                    if dbapi is None:
                        raise RuntimeError("the pool handed out a connection already closed")
                    dbapi.autocommit = True
                    with dbapi.cursor() as cursor:
                        cursor.execute("LISTEN mentoring_outbox")
                    while self._running:
                        try:
                            eventlet.hubs.trampoline(dbapi.fileno(), read=True, timeout=30,
                                                     timeout_exc=TimeoutError)
                        except TimeoutError:
                            continue
                        dbapi.poll()
                        if dbapi.notifies:
                            dbapi.notifies.clear()
                            self.wake()
                finally:
                    raw.invalidate()
            except Exception as exc:  # pragma: no cover - database restarting
                log.debug("outbox listener: %s", exc)
                eventlet.sleep(1)
