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
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Tuple

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

    def replay_folded(self, tx: StoreTransaction, fold: "Fold", batch: int = 1000,
                      source: Optional[Callable[[int, int], list]] = None, *,
                      progress: Optional[Progress] = None) -> Tuple[int, int]:
        """A replay that folds the events in memory (``fold.add``) and writes what the fold has
        done with (``fold.flush(conn, done=False)`` after each page, ``done=True`` at the end),
        instead of a statement or two per event; (events replayed, position of the last)."""
        count, position = 0, 0
        total = self._total(tx, source) if progress is not None else None
        if progress is not None:
            progress(0, total)
        for page in self.emptied_then_pages(tx, batch, source):
            for envelope in page:
                fold.add(envelope)
            count += len(page)
            position = page[-1].global_position or position
            fold.flush(tx.conn, done=False)
            if progress is not None:
                progress(count, total)
        fold.flush(tx.conn, done=True)
        if self.after_rebuild is not None:
            self.after_rebuild(tx.conn)
        log.info("rebuilt %s from %d events", self.name, count)
        return count, position


class Fold(Protocol):
    """A replay's state in memory (:meth:`Projection.replay_folded`)."""

    def add(self, envelope: Envelope) -> None: ...

    def flush(self, conn: Connection, *, done: bool) -> None: ...


def insert_in_batches(conn: Connection, table: Table, rows: List[Dict[str, Any]], size: int = 5000) -> None:
    """Insert ``rows`` (each with the same columns) a batch of ``size`` at a time."""
    for start in range(0, len(rows), size):
        conn.execute(insert(table), rows[start:start + size])


@dataclass(frozen=True)
class RowChange:
    """What one event does to one row of a read model: the row of ``table`` whose ``key``
    column is ``key_value`` takes ``values``; a missing row is inserted with them if ``create``
    (else it stays missing)."""

    table: Table
    key: str
    key_value: Any
    values: Dict[str, Any]
    create: bool = True


RowHandler = Callable[[Envelope], Optional[RowChange]]


class RowProjection(Projection):
    """A projection each event of which changes (at most) one row, said by a :class:`RowChange`
    (its handlers, registered with :meth:`changes`, are pure functions of the event).

    * Live (:meth:`apply`): per event, the row updated, then inserted if it was missing.
    * Replay: the rows folded in memory, by the same changes, and inserted in batches; a row
      not changed for a while (the least recently changed beyond :attr:`kept_rows`) is written,
      and a later change to it takes the live path, so memory stays bounded and the result is
      the same.
    """

    #: rows a replay keeps in memory before writing the least recently changed half
    kept_rows = 100_000

    def __init__(self, name: str, metadata: MetaData, *, version: int = 1):
        super().__init__(name, metadata, version=version)
        self.row_handlers: Dict[str, RowHandler] = {}

    def changes(self, *event_types: str):
        """Decorator: ``@projection.changes("MeetingLogged")`` on ``fn(envelope) -> RowChange | None``."""

        def register(fn: RowHandler) -> RowHandler:
            def live(conn: Connection, envelope: Envelope) -> None:
                write_change(conn, fn(envelope))

            for event_type in event_types:
                self.row_handlers[event_type] = fn
                self.handlers[event_type] = live
            return fn

        return register

    def replay(self, tx: StoreTransaction, batch: int = 1000,
               source: Optional[Callable[[int, int], list]] = None, *,
               progress: Optional[Progress] = None) -> int:
        return self.replay_folded(tx, _RowFold(self.row_handlers, self.kept_rows), batch, source,
                                  progress=progress)[0]


def write_change(conn: Connection, change: Optional[RowChange]) -> None:
    """A row change as the live path makes it: an update, then an insert if the row is missing."""
    if change is None:
        return
    table = change.table
    found = conn.execute(update(table).where(table.c[change.key] == change.key_value)
                         .values(**change.values)).rowcount
    if not found and change.create:
        conn.execute(insert(table).values(**{change.key: change.key_value, **change.values}))


class _RowFold:
    """A :class:`RowProjection`'s rows in memory during a replay, least recently changed first."""

    def __init__(self, handlers: Dict[str, RowHandler], kept: int):
        self.handlers = handlers
        self.kept = kept
        self.rows: Dict[Tuple[str, Any], Tuple[Table, Dict[str, Any]]] = {}
        self.written: set = set()  # rows in the database already: changed by the live path
        self.live: List[RowChange] = []  # their changes in this page, in order

    def add(self, envelope: Envelope) -> None:
        handler = self.handlers.get(envelope.event_type)
        change = handler(envelope) if handler is not None else None
        if change is None:
            return
        at = (change.table.name, change.key_value)
        if at in self.written:
            self.live.append(change)
            return
        kept = self.rows.pop(at, None)
        if kept is not None:
            kept[1].update(change.values)
            self.rows[at] = kept
        elif change.create:
            self.rows[at] = (change.table, {change.key: change.key_value, **change.values})

    def flush(self, conn: Connection, *, done: bool) -> None:
        for change in self.live:
            write_change(conn, change)
        self.live.clear()
        if not done and len(self.rows) <= self.kept:
            return
        keys = list(self.rows)
        if not done:
            keys = keys[:len(keys) // 2]
        by_shape: Dict[Tuple[Table, Tuple[str, ...]], List[Dict[str, Any]]] = {}
        for at in keys:
            table, row = self.rows.pop(at)
            by_shape.setdefault((table, tuple(sorted(row))), []).append(row)
            if not done:
                self.written.add(at)
        for (table, _), rows in by_shape.items():
            insert_in_batches(conn, table, rows)


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
