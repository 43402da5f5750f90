"""Read models built from events, and rebuilt from them at any time.

A :class:`Projection` names the read-model tables it owns (a SQLAlchemy ``MetaData``) and
one function per event type it reads. A service applies it to the events it appends in
the same transaction (so its read model is never behind its own writes), or to the events
it consumes from other services (in the consumer's transaction, with the inbox). Rebuilding
empties its tables and replays the whole store through it: ``mentoring rebuild SERVICE``.
"""
from __future__ import annotations

import logging
from typing import Callable, Dict, Iterable, Optional

from sqlalchemy import MetaData, delete
from sqlalchemy.engine import Connection

from .envelope import Envelope
from .store import ALL_TENANTS, EventStore

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Envelope], None]


class Projection:
    def __init__(self, name: str, metadata: MetaData):
        self.name = name
        self.metadata = metadata
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
                source: Optional[Callable[[int, int], list]] = None) -> int:
        """Empty the read model and replay events into it, in one transaction.

        ``source(after, limit)`` yields the events to replay; by default the service's own
        store (a consumer's projection passes the upstream service's catch-up feed).
        """
        count = 0
        with store.transaction(ALL_TENANTS) as tx:
            for table in reversed(self.metadata.sorted_tables):
                tx.conn.execute(delete(table))
            position = 0
            while True:
                page = (source(position, batch) if source else
                        tx.read_after(position, limit=batch, event_types=self.event_types))
                if not page:
                    break
                for envelope in page:
                    self.apply(tx.conn, envelope)
                    count += 1
                position = page[-1].global_position
            if self.after_rebuild is not None:
                self.after_rebuild(tx.conn)
        log.info("rebuilt %s from %d events", self.name, count)
        return count
