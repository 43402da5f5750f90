"""Leases: one holder at a time for a named piece of work, across processes and hosts.

A lease is a row in the service's own database (``leases``) naming its holder and when it
expires. The holder renews it well before then; a holder that dies simply stops renewing,
and another replica takes over once it has expired. Leases run on wall-clock time, not the
injected domain clock: they are about processes, not about programmes.
"""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .store import EventStore, leases_table


def process_identity(service: str) -> str:
    return f"{service}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Lease:
    def __init__(self, store: EventStore, name: str, holder: str, ttl_seconds: float = 10.0):
        self.store, self.name, self.holder = store, name, holder
        self.ttl = timedelta(seconds=ttl_seconds)
        self._renew_at = 0.0  # monotonic: when the lease held is renewed next (0: not held)

    def hold(self, now: float) -> bool:
        """Take the lease, or renew it once a third of its term has passed; True while this
        holder holds it. ``now``: the caller's monotonic clock. (Renewed on wall time in the
        database; the term is counted here from before the renewal, so this side believes in
        it no longer than the database does.)"""
        if self._renew_at and now < self._renew_at:
            return True
        self._renew_at = 0.0
        if not self.acquire():
            return False
        self._renew_at = now + self.ttl.total_seconds() / 3
        return True

    def acquire(self) -> bool:
        """Take or renew the lease; True while this holder has it."""
        now = datetime.now(timezone.utc)
        table = leases_table
        with self.store.transaction() as tx:
            taken = tx.conn.execute(update(table).where(and_(
                table.c.name == self.name,
                or_(table.c.holder == self.holder, table.c.expires_at < now),
            )).values(holder=self.holder, expires_at=now + self.ttl)).rowcount
            if taken:
                return True
            insert = pg_insert if self.store.postgres else sqlite_insert
            created = tx.conn.execute(insert(table).values(
                name=self.name, holder=self.holder, expires_at=now + self.ttl
            ).on_conflict_do_nothing(index_elements=["name"])).rowcount
            return bool(created)

    def forget(self) -> None:
        """Believe in the lease no longer: the next :meth:`hold` asks the database."""
        self._renew_at = 0.0

    def release(self) -> None:
        self.forget()
        with self.store.transaction() as tx:
            tx.conn.execute(delete(leases_table).where(
                leases_table.c.name == self.name, leases_table.c.holder == self.holder))
