"""Consuming domain events: durable, idempotent, ordered per stream, with retries and a
dead-letter queue.

``@consume("MentorRegistered", "MenteeRegistered", source="registration")`` on a method
``def on_registration(self, tx, event)`` of a nameko service makes it a consumer:

- **Declared at start.** Its durable queue ``<service>.<method>`` and the bindings
  ``<tenant>.<stream_type>.<EventType>`` (on the public or internal exchange, by the event
  type's visibility) are declared when the service starts, before anything is consumed;
  so is its retry queue ``….retry`` and its dead-letter queue ``….dead-letter``.
- **Idempotent.** The handler runs inside a store transaction of the event's tenant (the
  ``tx`` it receives) in which the event id is also recorded in the ``inbox``; both
  commit together, so a redelivered event finds itself there and changes nothing.
- **In stream order.** A cursor per upstream stream records the last position handled;
  it is locked for the transaction, so events of one stream are handled one at a time even
  across workers and replicas. An event further ahead than the next one is a gap: the
  missing events are loaded from the producer's catch-up feed and handled first; an event
  at or behind the cursor is a duplicate.
- **Outages waited out.** A failure of the infrastructure (the database cannot be reached, a
  connection dies under the transaction: :mod:`.faults`) is not the event's: the message is
  held and tried again with back-off for up to ``EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS``,
  then dead-lettered with the reason ``infrastructure_timeout`` (and ``/health`` says
  degraded). It never counts towards ``max_retries``.
- **Retried, then dead-lettered.** A failing handler's message goes to the retry queue,
  whose TTL sends it back after the delay, up to ``max_retries`` times; then it goes to
  the dead-letter queue with the reason in its headers, and the queue moves on. A message
  that is not an event envelope at all goes to the dead-letter queue at once. Nothing is
  acknowledged before its retry or dead-letter copy is confirmed by the broker.
- **Caught up.** At start the consumer loads, from the producer's catch-up feed, every
  event of its types after the last position it caught up to (the first time: all of
  them), so a consumer that starts late misses nothing; duplicates are dropped as above.
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
from eventlet.greenpool import GreenPool
from kombu import Connection
from nameko.extensions import Entrypoint, ProviderCollector, SharedExtension
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import settings
from .dependencies import store_engine_of
from .envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, Envelope, MalformedEvent
from .events import CATALOGUE, payload_problems
from .faults import is_infrastructure_failure
from .health import condition_of
from .metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_RETRIED, FAILURES, HANDLER_SECONDS
from .outbox import ConfirmingPublisher, declare_exchanges
from .store import ALL_TENANTS, EventStore, StoreTransaction, catchup_positions_table, inbox_table, stream_cursors_table

log = logging.getLogger(__name__)

RETRY_COUNT = "x-retry-count"
HEARTBEAT_SECONDS = 20
REASON = "x-dead-letter-reason"
ORIGINAL_KEY = "x-original-routing-key"
ORIGINAL_EXCHANGE = "x-original-exchange"


class HandlerFailed(Exception):
    pass


def _insert(store: EventStore):
    return pg_insert if store.postgres else sqlite_insert


def _cursor_lock(insert_of):
    table = stream_cursors_table
    return insert_of(table).values(
        consumer=bindparam("consumer"), tenant_id=bindparam("tenant_id"),
        stream_type=bindparam("stream_type"), stream_id=bindparam("stream_id"), position=0,
    ).on_conflict_do_update(index_elements=list(table.primary_key.columns),
                            set_={"position": table.c.position}).returning(table.c.position)


def _inbox_claim(insert_of):
    return insert_of(inbox_table).values(
        consumer=bindparam("consumer"), event_id=bindparam("event_id"), tenant_id=bindparam("tenant_id"),
        handled_at=bindparam("handled_at", type_=inbox_table.c.handled_at.type)).on_conflict_do_nothing()


#: the bookkeeping of each delivered event, built once (keyed by "is it PostgreSQL")
_CURSOR_LOCK = {True: _cursor_lock(pg_insert), False: _cursor_lock(sqlite_insert)}
_INBOX_CLAIM = {True: _inbox_claim(pg_insert), False: _inbox_claim(sqlite_insert)}
_CURSOR_ADVANCE = update(stream_cursors_table).where(  # (an UPDATE's parameters may not be named as columns)
    stream_cursors_table.c.consumer == bindparam("b_consumer"),
    stream_cursors_table.c.tenant_id == bindparam("b_tenant_id"),
    stream_cursors_table.c.stream_type == bindparam("b_stream_type"),
    stream_cursors_table.c.stream_id == bindparam("b_stream_id"),
).values(position=bindparam("b_position"))


class EventHub(SharedExtension, ProviderCollector):
    """One AMQP connection per service container, consuming every ``@consume`` queue."""

    def __init__(self):
        super().__init__()
        self._connection: Optional[Connection] = None
        self._channel = None
        self._running = False
        self._write_lock = threading.Lock()
        self._started = Event()
        self._publisher: Optional[ConfirmingPublisher] = None
        self._rpc = None
        self._rpc_lock = threading.Lock()
        self._stopped = False

    def publisher(self) -> ConfirmingPublisher:
        """Publishes retry and dead-letter copies (made in :meth:`setup`; a method: nameko
        inspects properties before setup)."""
        if self._publisher is None:
            raise RuntimeError("the event hub is not set up yet")
        return self._publisher

    @property
    def amqp_uri(self) -> str:
        return self.container.config["AMQP_URI"]

    def setup(self):
        self._publisher = ConfirmingPublisher(self.amqp_uri)
        self.pool = GreenPool(settings.value(self.container.config, "MAX_WORKERS"))

    def start(self):
        self._stopped = False
        # every queue and binding exists before the first message is taken
        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            declare_exchanges(channel)
            for provider in self._providers:
                provider.declare(channel)
        self._running = True
        self.container.spawn_managed_thread(self._consume_forever, identifier=f"{self.container.service_name}.events")
        for provider in self._providers:
            self.container.spawn_managed_thread(provider.catch_up, identifier=f"{provider.queue}.catch-up")

    def stop_consuming(self):
        """Take no more messages (unacknowledged ones go back to the queue)."""
        if self._running:
            self._running = False
            self._close()

    def stop(self):
        self.stop_consuming()
        self.pool.waitall()
        self._close()
        self.publisher().close()
        # a catch-up or gap-fill call may be reading from the RPC connection: wait for it (it
        # ends within CATCHUP_TIMEOUT) rather than close the socket under it
        self._stopped = True
        with self._rpc_lock:
            if self._rpc is not None:
                try:
                    self._rpc.stop()
                except Exception as exc:  # pragma: no cover - already broken
                    log.info("closing the catch-up RPC: %s", exc)
                self._rpc = None
        self.wait_for_providers()

    def kill(self):
        self._running = False
        self._close()

    def _close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # pragma: no cover - already gone
                pass
        self._connection = self._channel = None

    # -- the consuming loop ---------------------------------------------------------------------
    def _consume_forever(self):
        backoff = 0.5
        while self._running:
            try:
                # heartbeats (checked every second below) find a connection that died silently
                self._connection = Connection(self.amqp_uri, heartbeat=HEARTBEAT_SECONDS, connect_timeout=5)
                self._connection.ensure_connection(max_retries=1)
                channel = self._connection.channel()
                prefetch = int(settings.value(self.container.config, "EVENT_PREFETCH"))
                channel.basic_qos(0, prefetch, False)
                self._channel = channel
                for provider in self._providers:
                    channel.basic_consume(provider.queue, callback=self._on_message(provider),
                                          consumer_tag=f"{provider.queue}.{id(self)}")
                self._started.send(True) if not self._started.ready() else None
                backoff = 0.5
                while self._running:
                    try:
                        self._connection.drain_events(timeout=1)
                    except TimeoutError:
                        pass
                    self._connection.heartbeat_check()
            except Exception as exc:
                if not self._running:
                    break
                FAILURES.labels(service=self.container.service_name, where="consumer_connection").inc()
                log.warning("event consumer of %s lost its connection: %s", self.container.service_name, exc)
                self._close()
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 10)

    def _on_message(self, provider: "EventConsumer"):
        channel = self._channel

        def on_message(message: amqp.Message):
            self.pool.spawn_n(provider.process, message, channel)

        return on_message

    def ack(self, message: amqp.Message, channel) -> None:
        try:
            with self._write_lock:
                channel.basic_ack(message.delivery_tag)
        except Exception as exc:
            # the connection broke under us: the broker redelivers what was not acknowledged
            # (handled already: a duplicate), and a fresh connection is made at once instead of
            # reading on from a socket that may never answer again
            log.warning("%s could not acknowledge a message (%s); reconnecting",
                        self.container.service_name, exc)
            if channel is self._channel:
                self._close()

    def requeue(self, message: amqp.Message, channel) -> None:
        try:
            with self._write_lock:
                channel.basic_reject(message.delivery_tag, requeue=True)
        except Exception as exc:  # the channel is gone: the broker redelivers it anyway
            log.info("could not give a message back (%s); the broker redelivers it", exc)

    def wait_until_consuming(self, timeout: float = 10) -> None:
        with eventlet.Timeout(timeout):
            self._started.wait()

    # -- calling the producers' catch-up feeds -------------------------------------------------------
    def call(self, service: str, method: str, **kwargs):
        from nameko.standalone.rpc import ClusterRpcProxy

        with self._rpc_lock:
            if self._rpc is None:
                if self._stopped:
                    raise RuntimeError("the event consumer is stopping")
                self._rpc = ClusterRpcProxy(self.container.config,
                                            timeout=float(settings.value(self.container.config, "CATCHUP_TIMEOUT")))
                self._proxy = self._rpc.start()
            try:
                return getattr(getattr(self._proxy, service), method)(**kwargs)
            except Exception:
                self._rpc.stop()
                self._rpc = None
                raise


class EventConsumer(Entrypoint):
    hub = EventHub()

    def __init__(self, *event_types: str, source: str, tenant: str = "*", max_retries: Optional[int] = None,
                 retry_delay: Optional[float] = None, **kwargs):
        if not event_types:
            raise ValueError("@consume needs at least one event type")
        self.event_types = tuple(event_types)
        self.source = source
        self.tenant = tenant
        self._max_retries = max_retries
        self._retry_delay = retry_delay
        super().__init__(**kwargs)

    # -- names and bindings ---------------------------------------------------------------------------
    @property
    def queue(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    @property
    def retry_queue(self) -> str:
        return f"{self.queue}.retry"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dead-letter"

    @property
    def max_retries(self) -> int:
        if self._max_retries is not None:
            return self._max_retries
        return int(settings.value(self.container.config, "EVENT_MAX_RETRIES"))

    @property
    def retry_delay(self) -> float:
        if self._retry_delay is not None:
            return self._retry_delay
        return float(settings.value(self.container.config, "EVENT_RETRY_DELAY_SECONDS"))

    def bindings(self) -> List[tuple]:
        result = []
        for name in self.event_types:
            registered = CATALOGUE.find(name)
            stream_type = registered.stream_type if registered else "*"
            exchange = INTERNAL_EXCHANGE if registered and registered.visibility == "internal" else EVENTS_EXCHANGE
            result.append((exchange, f"{self.tenant}.{stream_type}.{name}"))
        return result

    def setup(self):
        self.hub.register_provider(self)

    def stop(self):
        self.hub.stop_consuming()
        self.hub.pool.waitall()
        self.hub.unregister_provider(self)

    def declare(self, channel) -> None:
        channel.queue_declare(self.queue, durable=True, auto_delete=False)
        for exchange, key in self.bindings():
            channel.queue_bind(self.queue, exchange, key)
        channel.queue_declare(self.retry_queue, durable=True, auto_delete=False, arguments={
            "x-message-ttl": int(self.retry_delay * 1000),
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.queue})
        channel.queue_declare(self.dead_letter_queue, durable=True, auto_delete=False)

    def event_store(self) -> EventStore:
        """The service's store (a method: nameko inspects an entrypoint's properties when it
        binds it, before there is a store)."""
        return store_engine_of(self.container).require_store()

    @property
    def consumer_name(self) -> str:
        return self.queue

    # -- one message ------------------------------------------------------------------------------------
    def process(self, message: amqp.Message, channel) -> None:
        try:
            self._process(message, channel)
        except Exception as exc:
            # the retry or dead-letter copy could not be published (the broker went away, a
            # header we cannot read): give the message back rather than hold it forever
            FAILURES.labels(service=self.container.service_name, where="consumer").inc()
            log.warning("%s could not finish a message (%s); it goes back to the queue",
                        self.queue, exc)
            eventlet.sleep(1.0)
            self.hub.requeue(message, channel)

    def _process(self, message: amqp.Message, channel) -> None:
        service = self.container.service_name
        headers = dict(message.properties.get("application_headers") or {})
        try:
            envelope = Envelope.from_message(message.body)
        except MalformedEvent as exc:
            self._give_up(message, channel, headers, f"malformed: {exc}", "malformed")
            return
        if envelope.event_type not in self.event_types:
            self.hub.ack(message, channel)
            return
        problems = payload_problems(envelope.event_type, envelope.payload)
        if problems:  # no retry will make a wrong payload right
            self._give_up(message, channel, headers,
                          f"malformed: the payload of {envelope.event_type} does not match its schema: "
                          f"{problems}", "malformed")
            return
        started = time.perf_counter()
        try:
            outcome = self._deliver_waiting_out(envelope)
        except _Stopping:
            self.hub.requeue(message, channel)  # another worker or replica takes it
            return
        except InfrastructureTimeout as exc:
            condition_of(service).gave_up(self.queue, envelope.event_id)
            self._give_up(message, channel, headers, str(exc), "infrastructure_timeout")
            return
        except SourceUnavailable as exc:
            # not the event's fault: it waits for the producer (retried, never dead-lettered)
            log.warning("%s: %s; retrying", self.queue, exc)
            self._retry(message, channel, headers, _count(headers.get(RETRY_COUNT)), str(exc))
            return
        except Exception as exc:
            attempts = _count(headers.get(RETRY_COUNT)) + 1
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("%s failed on %s %s (attempt %d): %s", self.queue, envelope.event_type,
                        envelope.event_id, attempts, reason)
            if attempts <= self.max_retries:
                self._retry(message, channel, headers, attempts, reason)
            else:
                self._give_up(message, channel, headers,
                              f"handler failed {attempts} times; last error: {reason}", "handler_failed")
            return
        HANDLER_SECONDS.labels(service=service, consumer=self.method_name).observe(time.perf_counter() - started)
        EVENTS_CONSUMED.labels(service=service, consumer=self.method_name, outcome=outcome).inc()
        self.hub.ack(message, channel)

    @property
    def infrastructure_timeout(self) -> float:
        return float(settings.value(self.container.config, "EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS"))

    @property
    def infrastructure_backoff_max(self) -> float:
        return float(settings.value(self.container.config, "EVENT_INFRASTRUCTURE_RETRY_MAX_SECONDS"))

    def _deliver_waiting_out(self, envelope: Envelope) -> str:
        """Deliver; while the infrastructure fails (the database cannot be reached, a
        connection dies under the transaction, a deadlock), hold the message and try again
        with back-off, for as long as ``EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS``. Such
        failures never count towards the dead-letter limit: only the event's own do. A held
        message keeps its place (it is not acknowledged), so the prefetch window holds the
        queue back while the database is away, and nothing is lost if the process dies."""
        service = self.container.service_name
        condition = condition_of(service)
        first_failure, delay = None, 0.25
        try:
            while True:
                try:
                    return self.deliver(envelope)
                except SourceUnavailable:
                    raise
                except Exception as exc:
                    if not is_infrastructure_failure(exc):
                        raise
                    now = time.monotonic()
                    first_failure = first_failure if first_failure is not None else now
                    waited = now - first_failure
                    why = f"{type(exc).__name__}: {_first_line(exc)}"
                    if waited >= self.infrastructure_timeout:
                        raise InfrastructureTimeout(
                            f"infrastructure_timeout: the infrastructure failed for {waited:.0f} s "
                            f"(EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS={self.infrastructure_timeout:g}); "
                            f"last error: {why}") from None
                    FAILURES.labels(service=service, where="consumer_infrastructure").inc()
                    condition.waiting_out(envelope.event_id, why)
                    log.warning("%s: %s %s waits out an infrastructure failure (%.0f s so far): %s",
                                self.queue, envelope.event_type, envelope.event_id, waited, why)
                    self._pause(min(delay, self.infrastructure_timeout - waited))
                    delay = min(delay * 2, self.infrastructure_backoff_max)
        finally:
            condition.recovered(envelope.event_id)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + max(seconds, 0.0)
        while True:
            if not self.hub._running:
                raise _Stopping()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            eventlet.sleep(min(left, 0.25))

    def _original(self, message: amqp.Message, headers: dict) -> dict:
        return {ORIGINAL_KEY: headers.get(ORIGINAL_KEY, message.delivery_info.get("routing_key", "")),
                ORIGINAL_EXCHANGE: headers.get(ORIGINAL_EXCHANGE, message.delivery_info.get("exchange", ""))}

    def _copy(self, message: amqp.Message, headers: dict) -> amqp.Message:
        # a retried or dead-lettered copy must not expire on the way (nothing is behind the
        # dead-letter queue): the publisher's per-message TTL is not copied
        properties = {k: v for k, v in message.properties.items()
                      if k not in ("application_headers", "expiration")}
        properties["delivery_mode"] = 2
        return amqp.Message(message.body, application_headers=headers, **properties)

    def _retry(self, message, channel, headers, attempts, reason) -> None:
        new_headers = {**headers, **self._original(message, headers), RETRY_COUNT: attempts,
                       "x-last-error": reason[:1000]}
        self.hub.publisher().publish_raw([("", self.retry_queue, self._copy(message, new_headers))])
        EVENTS_RETRIED.labels(service=self.container.service_name, consumer=self.method_name).inc()
        self.hub.ack(message, channel)

    def _give_up(self, message, channel, headers, reason, kind) -> None:
        new_headers = {**headers, **self._original(message, headers), REASON: reason[:4000],
                       "x-consumer": self.queue, "x-dead-lettered-at": datetime.now(timezone.utc).isoformat()}
        self.hub.publisher().publish_raw([("", self.dead_letter_queue, self._copy(message, new_headers))])
        EVENTS_DEAD_LETTERED.labels(service=self.container.service_name, consumer=self.method_name,
                                    reason=kind).inc()
        log.error("%s dead-lettered a message: %s", self.queue, reason)
        self.hub.ack(message, channel)

    # -- delivering one event, exactly once and in stream order --------------------------------------------
    def deliver(self, envelope: Envelope, *, from_feed: bool = False) -> str:
        """Run the handler for ``envelope`` unless it was handled already; returns the outcome.

        Three statements of bookkeeping around the handler: the cursor locked and read (one
        upsert), the event claimed in the inbox (an insert that does nothing for an event
        handled before: a duplicate), the cursor advanced. The inbox row is written before the
        handler runs, in the same transaction: a handler that fails takes it with it."""
        store = self.event_store()
        with store.transaction(envelope.tenant_id) as tx:
            cursor = self._lock_cursor(tx, envelope)
            if envelope.stream_position <= cursor or not self._claim(tx, envelope):
                return "duplicate"
            if envelope.stream_position > cursor + 1 and not from_feed:
                for earlier in self._missing(envelope, cursor):
                    if earlier.event_type in self.event_types and self._claim(tx, earlier):
                        self._run_handler(tx, earlier)
            self._run_handler(tx, envelope)
            self._advance(tx, envelope)
        return "handled"

    def _lock_cursor(self, tx: StoreTransaction, envelope: Envelope) -> int:
        """The stream's cursor, made if missing and locked until the transaction ends (on
        PostgreSQL the upsert's update locks the row; SQLite serialises writers anyway)."""
        return tx.conn.execute(_CURSOR_LOCK[tx.store.postgres], {
            "consumer": self.consumer_name, "tenant_id": envelope.tenant_id,
            "stream_type": envelope.stream_type, "stream_id": envelope.stream_id}).scalar_one()

    def _advance(self, tx: StoreTransaction, envelope: Envelope) -> None:
        tx.conn.execute(_CURSOR_ADVANCE, {
            "b_consumer": self.consumer_name, "b_tenant_id": envelope.tenant_id,
            "b_stream_type": envelope.stream_type, "b_stream_id": envelope.stream_id,
            "b_position": envelope.stream_position})

    def _claim(self, tx: StoreTransaction, envelope: Envelope) -> bool:
        """Record the event in the inbox; False if it was there already (handled before)."""
        return tx.conn.execute(_INBOX_CLAIM[tx.store.postgres], {
            "consumer": self.consumer_name, "event_id": envelope.event_id,
            "tenant_id": envelope.tenant_id, "handled_at": datetime.now(timezone.utc)}).rowcount == 1

    def _missing(self, envelope: Envelope, cursor: int) -> List[Envelope]:
        try:
            messages = self.hub.call(self.source, "stream_events", tenant_id=envelope.tenant_id,
                                     stream_type=envelope.stream_type, stream_id=envelope.stream_id,
                                     after=cursor, before=envelope.stream_position,
                                     event_types=list(self.event_types))
        except Exception as exc:
            raise SourceUnavailable(f"cannot fill the gap before {envelope.stream_type}/"
                                    f"{envelope.stream_id}@{envelope.stream_position} from "
                                    f"{self.source}: {type(exc).__name__}: {exc}") from None
        earlier = [Envelope.from_message(message) for message in messages]
        # a malformed one was dead-lettered when it came; it does not take effect here either
        return [e for e in earlier if not payload_problems(e.event_type, e.payload)]

    def _run_handler(self, tx: StoreTransaction, envelope: Envelope) -> None:
        done = Event()

        def handle_result(worker_ctx, result, exc_info):
            done.send((result, exc_info))
            return result, exc_info

        context = {"correlation_id": envelope.correlation_id, "causation_id": envelope.event_id}
        self.container.spawn_worker(self, (tx, envelope), {}, context_data=context, handle_result=handle_result)
        _result, exc_info = done.wait()
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])

    # -- catching up at start -------------------------------------------------------------------------------
    def catch_up(self, page_size: int = 500) -> int:
        """Load every event of our types after our last caught-up position from the producer."""
        handled, backoff = 0, 0.5
        while True:
            try:
                position = self._catchup_position()
                tenant = ALL_TENANTS if self.tenant == "*" else self.tenant
                page = self.hub.call(self.source, "events_after", tenant_id=tenant,
                                     after=position, limit=page_size, event_types=list(self.event_types))
            except Exception as exc:
                if not self.hub._running:
                    return handled
                log.info("%s cannot catch up from %s yet (%s); retrying", self.queue, self.source, exc)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            try:
                handled += self._catch_up_page(page["events"])
                self._save_catchup_position(page["next"])
            except Exception as exc:  # the broker or the database went away: again from the
                if not self.hub._running:  # position saved (what was handled is a duplicate)
                    return handled
                FAILURES.labels(service=self.container.service_name, where="catch_up").inc()
                log.warning("%s: catch-up interrupted (%s); retrying", self.queue, exc)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            if not page["more"]:
                return handled

    def _catch_up_page(self, messages: List[dict]) -> int:
        """Deliver a page of the feed; an event that fails goes to the queue (the usual
        checks, retries and dead letters apply), and so do the later events of its stream,
        which must not take effect before it (from the queue they fill the gap first)."""
        handled = 0
        held: set = set()
        for message in messages:
            envelope = Envelope.from_message(message)
            stream = (envelope.tenant_id, envelope.stream_type, envelope.stream_id)
            try:
                if stream in held:
                    raise HandlerFailed("an earlier event of its stream is waiting in the queue")
                if payload_problems(envelope.event_type, envelope.payload):
                    raise HandlerFailed("its payload does not match its schema")
                if self.deliver(envelope, from_feed=True) == "handled":
                    handled += 1
                    EVENTS_CONSUMED.labels(service=self.container.service_name,
                                           consumer=self.method_name, outcome="handled").inc()
            except Exception as exc:
                held.add(stream)
                log.warning("%s: %s during catch-up; handed to the queue", self.queue, exc)
                self.hub.publisher().publish_raw([("", self.queue, amqp.Message(
                    envelope.to_json(), content_type="application/json", delivery_mode=2,
                    message_id=envelope.event_id))])
        return handled

    def _catchup_position(self) -> int:
        with self.event_store().transaction() as tx:
            value = tx.conn.execute(select(catchup_positions_table.c.position).where(
                catchup_positions_table.c.consumer == self.consumer_name,
                catchup_positions_table.c.source == self.source)).scalar()
        return value or 0

    def _save_catchup_position(self, position: int) -> None:
        table = catchup_positions_table
        with self.event_store().transaction() as tx:
            stmt = _insert(self.event_store())(table).values(consumer=self.consumer_name, source=self.source,
                                                     position=position)
            tx.conn.execute(stmt.on_conflict_do_update(index_elements=["consumer", "source"],
                                                       set_={"position": position}))


class SourceUnavailable(Exception):
    """The producer's catch-up feed cannot be reached to fill a gap in a stream."""


class InfrastructureTimeout(Exception):
    """The infrastructure failed for longer than ``EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS``."""


class _Stopping(Exception):
    """The consumer stops while a message waits out an outage: the message goes back."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _count(value) -> int:
    """A retry count from a header (anything odd reads as 0)."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


consume = EventConsumer.decorator
