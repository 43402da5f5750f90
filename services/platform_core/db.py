"""Database engines for a service's own store: PostgreSQL in production, SQLite embedded.

PostgreSQL runs through psycopg2 with psycogreen's wait callback, so a blocking query
yields to other green threads instead of stalling the whole nameko process. SQLite runs in
WAL mode with ``BEGIN IMMEDIATE`` transactions: writers queue for the one write lock instead
of failing with "database is locked" half-way through a read-then-write.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.types import TypeDecorator

_GREEN_PATCHED = False


def _make_psycopg2_green() -> None:
    global _GREEN_PATCHED
    if _GREEN_PATCHED:
        return
    try:
        import eventlet.patcher

        if not eventlet.patcher.is_monkey_patched("socket"):
            return
    except ImportError:  # pragma: no cover - eventlet is a dependency
        return
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _GREEN_PATCHED = True


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def insert_for(conn: Connection):
    """The ``insert`` of the connection's dialect, whose ``on_conflict_do_*`` make upserts
    (one statement where a read and a write, or a delete and an insert, did one job)."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` (``postgresql://…`` or ``sqlite:///path``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        _make_psycopg2_green()
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg2")
        # no ping per checkout: a dead connection fails the first statement of a transaction,
        # which is tried once more on a fresh one (EventStore._begin)
        return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, future=True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               future=True)
        _serialise_sqlite_writers(engine)
        return engine
    raise ValueError(f"unsupported database {url!r}: use postgresql:// or sqlite:///")


def _serialise_sqlite_writers(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def default_sqlite_url(service: str) -> str:
    data = Path(os.environ.get("MENTORING_DATA_DIR", "data")).resolve()
    return f"sqlite:///{data / (service + '.sqlite3')}"


class UtcDateTime(TypeDecorator):
    """A moment, stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"a timezone-aware datetime is needed, not {value!r}")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
