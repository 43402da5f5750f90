"""Read models built from events, and rebuilt from them at any time.

A :class:`Projection` names the read-model tables it owns (a SQLAlchemy ``MetaData``) and
one function per event type it reads. A service applies it to the events it appends in
the same transaction (so its read model is never behind its own writes), or to the events
it consumes from other services (in the consumer's transaction, with the inbox). Rebuilding
empties its tables and replays the whole store through it: ``mentoring rebuild SERVICE``.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Callable, Dict, Iterable, Iterator, List, Optional

from sqlalchemy import BigInteger, Column, MetaData, String, Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .envelope import Envelope
from .store import ALL_TENANTS, EventStore, StoreTransaction, events_table

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Envelope], None]
#: told how far a rebuild got: ``progress(events_done, events_in_all)`` (None: not known)
Progress = Callable[[int, Optional[int]], None]


class Projection:
    def __init__(self, name: str, metadata: MetaData, *, version: int = 1):
        """``version``: raise it when the projection's logic changes without its tables
        changing, so every existing database rebuilds it (:mod:`.migrations`)."""
        self.name = name
        self.metadata = metadata
        self.version = version
        self.handlers: Dict[str, Handler] = {}
        #: called with the connection once a rebuild has replayed everything (in its transaction)
        self.after_rebuild: Optional[Callable[[Connection], None]] = None

    def handles(self, *event_types: str):
        """Decorator: ``@projection.handles("MentorRegistered")`` on ``fn(conn, envelope)``."""

        def register(fn: Handler) -> Handler:
            for event_type in event_types:
                self.handlers[event_type] = fn
            return fn

        return register

    @property
    def event_types(self) -> Iterable[str]:
        return sorted(self.handlers)

    def apply(self, conn: Connection, envelope: Envelope) -> None:
        handler = self.handlers.get(envelope.event_type)
        if handler is not None:
            handler(conn, envelope)

    def apply_all(self, conn: Connection, envelopes: Iterable[Envelope]) -> None:
        for envelope in envelopes:
            self.apply(conn, envelope)

    def rebuild(self, store: EventStore, batch: int = 1000,
                source: Optional[Callable[[int, int], list]] = None, *,
                progress: Optional[Progress] = None) -> int:
        """Empty the read model and replay events into it, in one transaction.

        ``source(after, limit)`` yields the events to replay; by default the service's own
        store (a consumer's projection passes the upstream service's catch-up feed).
        ``progress`` is told how far it got after each page.
        """
        with store.transaction(ALL_TENANTS) as tx:
            return self.replay(tx, batch=batch, source=source, progress=progress)

    def _total(self, tx: StoreTransaction, source) -> Optional[int]:
        """How many events a replay will read: counted in the store, or asked of the source."""
        if source is None:
            return tx.conn.execute(select(func.count()).select_from(events_table).where(
                events_table.c.event_type.in_(list(self.event_types)))).scalar_one()
        total = getattr(source, "total", None)
        return total() if callable(total) else None

    def replay(self, tx: StoreTransaction, batch: int = 1000,
               source: Optional[Callable[[int, int], list]] = None, *,
               progress: Optional[Progress] = None) -> int:
        """:meth:`rebuild` inside a transaction the caller holds."""
        count = 0
        total = self._total(tx, source) if progress is not None else None
        if progress is not None:
            progress(0, total)
        for page in self.emptied_then_pages(tx, batch, source):
            for envelope in page:
                self.apply(tx.conn, envelope)
                count += 1
            if progress is not None:
                progress(count, total)
        if self.after_rebuild is not None:
            self.after_rebuild(tx.conn)
        log.info("rebuilt %s from %d events", self.name, count)
        return count

    def emptied_then_pages(self, tx: StoreTransaction, batch: int = 1000,
                           source: Optional[Callable[[int, int], list]] = None) -> Iterator[List[Envelope]]:
        """Empty the read model's tables, then yield the events to replay, a page at a time."""
        for table in reversed(self.metadata.sorted_tables):
            tx.conn.execute(delete(table))
        position = 0
        while True:
            page = (source(position, batch) if source else
                    tx.read_after(position, limit=batch, event_types=self.event_types))
            if not page:
                return
            yield page
            last = page[-1].global_position
            if last is None:
                raise ValueError(f"{self.name}: a replayed event has no global position")
            position = last

    @contextlib.contextmanager
    def history(self, **_how) -> Iterator[Optional[Callable[[int, int], list]]]:
        """Where a rebuild reads the events from: ``None``, the service's own store."""
        yield None


class TrackedProjection(Projection):
    """A projection of the service's own events that keeps its tracking position: the global
    position of the last event it applied, in its own table (``<tracking>``), written in the
    transaction that applies the events. Events at or before it are passed over, so every event
    counts once (applied twice in one transaction, replayed, or caught up after a rebuild). The
    service's appends are serialised (the store's lock), so its own events arrive in position order.

    Subclasses apply a batch at a time (:meth:`apply_batch`); a rebuild empties the tables, the
    position with them, and replays from 0.
    """

    def __init__(self, name: str, metadata: MetaData, *, tracking: str, version: int = 1):
        super().__init__(name, metadata, version=version)
        self.tracking = Table(tracking, metadata, Column("projection", String(80), primary_key=True),
                              Column("position", BigInteger, nullable=False))

    def position(self, conn: Connection) -> int:
        found = conn.execute(select(self.tracking.c.position).where(
            self.tracking.c.projection == self.name)).scalar()
        return int(found or 0)

    def _advance(self, conn: Connection, position: int) -> None:
        if not conn.execute(update(self.tracking).where(self.tracking.c.projection == self.name)
                            .values(position=position)).rowcount:
            conn.execute(insert(self.tracking).values(projection=self.name, position=position))

    def apply(self, conn: Connection, envelope: Envelope) -> None:
        self.apply_all(conn, [envelope])

    def apply_all(self, conn: Connection, envelopes: Iterable[Envelope]) -> None:
        after = self.position(conn)
        fresh = [e for e in envelopes if (e.global_position or 0) > after]
        if fresh:
            self.apply_batch(conn, fresh)
            self._advance(conn, max(e.global_position or 0 for e in fresh))

    def apply_batch(self, conn: Connection, envelopes: List[Envelope]) -> None:
        """Apply events not applied before, in position order."""
        for envelope in envelopes:
            handler = self.handlers.get(envelope.event_type)
            if handler is not None:
                handler(conn, envelope)


class ConsumedProjection(Projection):
    """A projection of another service's events: rebuilt from that service's catch-up feed
    (over RPC on ``amqp_uri``, else ``AMQP_URI`` of the environment) unless a ``source`` is
    given."""

    def __init__(self, name: str, metadata: MetaData, source_service: str, *, version: int = 1):
        super().__init__(name, metadata, version=version)
        self.source_service = source_service

    def rebuild(self, store: EventStore, batch: int = 1000,
                source: Optional[Callable[[int, int], list]] = None, *,
                progress: Optional[Progress] = None,
                amqp_uri: Optional[str] = None, timeout: Optional[float] = None) -> int:
        if source is not None:
            return super().rebuild(store, batch=batch, source=source, progress=progress)
        with self.history(amqp_uri=amqp_uri, timeout=timeout) as feed:
            return super().rebuild(store, batch=batch, source=feed, progress=progress)

    @contextlib.contextmanager
    def history(self, *, amqp_uri: Optional[str] = None, timeout: Optional[float] = None, **_how):
        """The source service's catch-up feed, over RPC."""
        import os

        from nameko.standalone.rpc import ClusterRpcProxy

        from . import settings

        config = {"AMQP_URI": amqp_uri or os.environ.get("AMQP_URI") or settings.DEFAULT_AMQP_URI}
        if timeout is None:
            timeout = (settings.read(os.environ, "REBUILD_RPC_TIMEOUT")
                       or settings.BY_NAME["REBUILD_RPC_TIMEOUT"].default)
        with ClusterRpcProxy(config, timeout=float(timeout)) as cluster:
            feed = getattr(cluster, self.source_service)

            def from_feed(after: int, limit: int):
                page = feed.events_after(after=after, limit=limit, event_types=list(self.event_types))
                return [Envelope.from_message(m) for m in page["events"]] or (
                    [] if not page["more"] else from_feed(page["next"], limit))

            def total() -> Optional[int]:
                """How many events the feed holds for it (None: a source too old to say)."""
                try:
                    return int(feed.events_count(event_types=list(self.event_types)))
                except Exception as exc:  # noqa: BLE001 - only a progress line's total
                    log.info("%s cannot count its events (%s): the rebuild goes on without a total",
                             self.source_service, exc)
                    return None

            from_feed.total = total  # type: ignore[attr-defined]
            yield from_feed
