"""The event store: each service's own append-only history, on SQLAlchemy.

One store per service, in that service's own database. Appending writes the events of one
or more streams and queues the publishable ones in the outbox, in one transaction; each
stream has an expected version, and one stale version fails the whole append with
:class:`ConcurrencyConflict` and writes nothing.

Global order is safe for readers: on PostgreSQL an append takes ``LOCK TABLE events IN
EXCLUSIVE MODE`` (readers are not blocked, other appenders wait), so global positions
become visible in the order they were assigned and a reader of "everything after N" can
never skip an event whose transaction commits late (the approach of the ``eventsourcing``
library's PostgreSQL recorder). On SQLite every write transaction is ``BEGIN IMMEDIATE``,
which serialises writers in the same way.

Row-level security on ``tenant_id`` is a second wall behind the application's own checks
on PostgreSQL: every transaction runs as the ``mentoring_app`` role with the setting
``app.tenant_id`` naming its tenant (``*`` for the platform's own cross-tenant work such as
the outbox relay and rebuilds), and the policies only show rows of that tenant.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from .clock import Clock, SystemClock
from .db import UtcDateTime, is_postgres
from .envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, SYSTEM, TENANT_ID, Actor, Envelope, new_id
from .events import CATALOGUE, DomainEvent
from .faults import CommitOutcomeUnknown, is_infrastructure_failure
from .metrics import EVENTS_APPENDED

log = logging.getLogger(__name__)

ALL_TENANTS = "*"
APP_ROLE = "mentoring_app"

metadata = MetaData()
_BigId = BigInteger().with_variant(Integer, "sqlite")

events_table = Table(
    "events", metadata,
    Column("global_position", _BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("stream_type", String(40), nullable=False),
    Column("stream_id", String(64), nullable=False),
    Column("stream_position", Integer, nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor_id", String(64)),
    Column("correlation_id", String(64), nullable=False),
    Column("causation_id", String(64)),
    Column("source", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    UniqueConstraint("stream_type", "stream_id", "stream_position", name="uq_events_stream_position"),
    Index("ix_events_tenant_position", "tenant_id", "global_position"),
)

outbox_table = Table(
    "outbox", metadata,
    Column("global_position", _BigId, primary_key=True, autoincrement=False),
    Column("tenant_id", String(64), nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("enqueued_at", UtcDateTime(), nullable=False),
)

leases_table = Table(
    "leases", metadata,
    Column("name", String(120), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

inbox_table = Table(
    "inbox", metadata,
    Column("consumer", String(120), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("handled_at", UtcDateTime(), nullable=False),
)

stream_cursors_table = Table(
    "stream_cursors", metadata,
    Column("consumer", String(120), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),  # a stream is a tenant's
    Column("stream_type", String(40), primary_key=True),
    Column("stream_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

catchup_positions_table = Table(
    "catchup_positions", metadata,
    Column("consumer", String(120), primary_key=True),
    Column("source", String(40), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

scheduled_jobs_table = Table(
    "scheduled_jobs", metadata,
    Column("job_id", String(36), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(80), nullable=False),
    Column("job_key", String(200), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("payload", Text, nullable=False),
    Column("claimed_by", String(120)),
    Column("claimed_until", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("done_at", UtcDateTime()),
    UniqueConstraint("kind", "job_key", name="uq_scheduled_jobs_kind_key"),
    Index("ix_scheduled_jobs_due", "done_at", "due_at"),
)

#: the Idempotency-Key of each POST that changed something, and its answer (see
#: :mod:`.idempotency`)
idempotency_table = Table(
    "idempotency_keys", metadata,
    Column("scope", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer),
    Column("body", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_idempotency_keys_created", "created_at"),
)

#: the schema fingerprint each read model was built with (see :mod:`.migrations`)
read_model_schemas_table = Table(
    "read_model_schemas", metadata,
    Column("projection", String(80), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("built_at", UtcDateTime(), nullable=False),
)

#: Tables whose rows belong to one tenant and are walled off by row-level security.
TENANT_TABLES = ("events", "outbox", "inbox", "stream_cursors", "scheduled_jobs", "idempotency_keys")


class ConcurrencyConflict(Exception):
    """A stream moved on since it was read: the whole append was refused."""

    def __init__(self, stream_type: str, stream_id: str, expected: int, actual: Optional[int]):
        self.stream_type, self.stream_id = stream_type, stream_id
        self.expected, self.actual = expected, actual
        found = "a concurrent writer" if actual is None else f"version {actual}"
        super().__init__(f"stream {stream_type}/{stream_id} was expected at version {expected} "
                         f"but is at {found}; nothing was written, read it again and retry")


class TenantMismatch(Exception):
    pass


ANY = -1  #: expected version meaning "wherever the stream is now"


@dataclass(frozen=True)
class StreamKey:
    stream_type: str
    stream_id: str


def _utcnow_from(clock: Clock) -> datetime:
    return clock.now().astimezone(timezone.utc)


class PayloadCodec:
    """Turns a payload into what is stored and back. The default keeps JSON as it is;
    the registration service plugs in one that encrypts personal data per person."""

    def encode(self, tenant_id: str, stream_type: str, stream_id: str, payload: Dict,
               conn: Optional[Connection] = None) -> Dict:
        """``conn`` is the appending transaction's connection (a codec may keep keys there)."""
        return payload

    def decode(self, conn: Connection, envelope: Envelope) -> Envelope:
        return envelope


class EventStore:
    def __init__(self, engine: Engine, service: str, clock: Optional[Clock] = None,
                 codec: Optional[PayloadCodec] = None):
        self.engine = engine
        self.service = service
        self.clock = clock or SystemClock()
        self.codec = codec or PayloadCodec()
        self.postgres = is_postgres(engine)
        self._after_commit: List[Callable[[List[Envelope]], None]] = []
        # SQLite blocks the whole OS thread while it waits for its write lock, which would
        # freeze every green thread of the process: take turns in-process instead.
        self._sqlite_turn = None if self.postgres else threading.RLock()

    # -- schema ---------------------------------------------------------------------------
    def create_schema(self, extra_metadata: Sequence[MetaData] = (), *, leave: Iterable[str] = ()) -> None:
        """Bring the kept tables to their newest revision (Alembic, :mod:`.migrations`: the
        platform's, and crypto-shredding's keys when ``extra_metadata`` declares them), then
        create a service's other tables that are missing, idempotently, but those named in
        ``leave`` (projections' tables: :func:`.migrations.refresh_read_models` creates them,
        and rebuilds them when their shape changed)."""
        from . import migrations

        with self.engine.begin() as conn:
            migrations.schema_lock(conn)  # one process at a time: replicas start together
            migrations.upgrade(conn, migrations.branches_for(extra_metadata))
            kept = migrations.kept_tables() | set(leave)
            for extra in extra_metadata:
                extra.create_all(conn, tables=[t for t in extra.sorted_tables if t.name not in kept])
            if self.postgres:
                self.install_row_level_security(conn, extra_metadata)

    def install_row_level_security(self, conn: Connection, extra_metadata: Sequence[MetaData]) -> None:
        # a service that logs in as an ordinary role (not a superuser) finds the role made
        # by deploy/postgres-init.sh: CREATE ROLE is tried only when it is missing
        conn.execute(text(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
            f"CREATE ROLE {APP_ROLE} NOLOGIN; END IF; "
            f"EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"))
        tables = list(TENANT_TABLES)
        for extra in extra_metadata:
            tables += [t.name for t in extra.sorted_tables if "tenant_id" in t.c]
        existing = set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
        all_tables = [t.name for t in metadata.sorted_tables]
        for extra in extra_metadata:
            all_tables += [t.name for t in extra.sorted_tables]
        all_tables = [name for name in all_tables if name in existing]
        tables = [name for name in tables if name in existing]
        for name in all_tables:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {APP_ROLE}"))
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
        # A replica starting beside running ones must not queue behind their table locks:
        # only tables without the wall yet get the (ACCESS EXCLUSIVE) DDL below.
        walled = set(conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname "
            "WHERE p.policyname = 'tenant_wall' AND c.relrowsecurity AND c.relforcerowsecurity"
        )).scalars())
        tables = [name for name in tables if name not in walled]
        for name in tables:
            conn.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
            conn.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))
            conn.execute(text(f"DROP POLICY IF EXISTS tenant_wall ON {name}"))
            conn.execute(text(
                f"CREATE POLICY tenant_wall ON {name} TO {APP_ROLE} "
                f"USING (current_setting('app.tenant_id', true) = '*' "
                f"OR tenant_id = current_setting('app.tenant_id', true)) "
                f"WITH CHECK (current_setting('app.tenant_id', true) = '*' "
                f"OR tenant_id = current_setting('app.tenant_id', true))"))

    # -- transactions -----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, tenant_id: str = ALL_TENANTS) -> Iterator["StoreTransaction"]:
        """A unit of work: everything done through it commits together or not at all."""
        if tenant_id != ALL_TENANTS and not TENANT_ID.match(tenant_id or ""):
            raise ValueError(f"not a tenant id: {tenant_id!r}")
        resources = contextlib.ExitStack()
        tx: Optional[StoreTransaction] = None
        try:
            resources.enter_context(self._turn())
            conn, transaction = self._begin(resources, tenant_id)
            try:
                try:
                    tx = StoreTransaction(self, conn, tenant_id)
                    yield tx
                except BaseException:
                    try:
                        transaction.rollback()
                    except Exception as exc:  # the connection is gone: so is the transaction
                        log.info("rollback on a lost connection: %s", exc)
                    raise
                if tx.answered_by is not None:
                    # an HTTP request with an Idempotency-Key claimed in this transaction: its
                    # answer is recorded in it too, and COMMIT waits for the answer (.idempotency)
                    tx.answered_by.defer(PendingCommit(self, tx, transaction, resources.pop_all()))
                    return
                _commit(transaction)
            except BaseException:
                if tx is not None:
                    tx.rolled_back()
                raise
        finally:
            resources.close()
        self._committed(tx)

    def _begin(self, resources: contextlib.ExitStack, tenant_id: str) -> Tuple[Connection, Any]:
        """A connection in a new transaction, with (on PostgreSQL) the role and the tenant set
        in one round trip. The pool does not ping a connection it hands out: one that died
        while it waited there (the server restarted, its backend was terminated) fails this
        first statement, before the transaction did anything, and it is tried once more on a
        fresh connection (the pool replaces every connection older than the failure)."""
        for attempt in (1, 2):
            conn = self.engine.connect()
            try:
                transaction = conn.begin()
                if self.postgres:
                    conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}; "
                                         f"SELECT set_config('app.tenant_id', %(t)s, true)", {"t": tenant_id})
            except DBAPIError as exc:
                conn.close()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                log.info("a pooled database connection was dead (%s); once more on a fresh one",
                         (str(exc.orig).strip().splitlines() or [""])[0])
                continue
            except BaseException:
                conn.close()
                raise
            resources.enter_context(conn)
            return conn, transaction
        raise AssertionError("unreachable")  # pragma: no cover

    def _committed(self, tx: "StoreTransaction") -> None:
        """COMMIT returned: what followed the transaction in memory may be seen, relays woken."""
        tx.committed()
        if tx.appended:
            for envelope in tx.appended:
                EVENTS_APPENDED.labels(service=self.service, event_type=envelope.event_type).inc()
            for callback in list(self._after_commit):
                try:
                    callback(tx.appended)
                except Exception:  # a wake-up hint failing must never fail the command
                    log.exception("after-commit callback failed")

    def _turn(self):
        return self._sqlite_turn if self._sqlite_turn is not None else contextlib.nullcontext()

    def on_commit(self, callback: Callable[[List[Envelope]], None]) -> None:
        """Call ``callback(envelopes)`` after every transaction that appended events."""
        self._after_commit.append(callback)

    # -- conveniences -------------------------------------------------------------------------
    def append(self, tenant_id: str, events: Sequence[DomainEvent], **kwargs) -> List[Envelope]:
        with self.transaction(tenant_id) as tx:
            return tx.append(events, **kwargs)

    def read_stream(self, tenant_id: str, stream_type: str, stream_id: str, after: int = 0) -> List[Envelope]:
        with self.transaction(tenant_id) as tx:
            return tx.read_stream(stream_type, stream_id, after=after)

    def read_after(self, position: int, *, tenant_id: str = ALL_TENANTS, limit: int = 1000,
                   event_types: Optional[Iterable[str]] = None) -> List[Envelope]:
        with self.transaction(tenant_id) as tx:
            return tx.read_after(position, limit=limit, event_types=event_types)

    def max_position(self) -> int:
        with self.transaction() as tx:
            return tx.conn.execute(select(func.coalesce(func.max(events_table.c.global_position), 0))).scalar_one()


class PendingCommit:
    """A transaction whose COMMIT waits for the answer to the request it serves (recorded in
    it by :mod:`.idempotency`); finished by :meth:`commit` or :meth:`rollback`, in the green
    thread that opened it."""

    def __init__(self, store: EventStore, tx: "StoreTransaction", transaction, resources) -> None:
        self.store, self.tx, self.transaction, self.resources = store, tx, transaction, resources

    def commit(self, before: Optional[Callable[[Connection], None]] = None) -> None:
        """``before(conn)`` (writing the answer), then COMMIT; a failure rolls back (or leaves
        the outcome unknown: :class:`CommitOutcomeUnknown`) and is raised."""
        try:
            try:
                if before is not None:
                    before(self.tx.conn)
            except BaseException:
                self._undo()
                raise
            try:
                _commit(self.transaction)
            except BaseException:
                self.tx.rolled_back()
                raise
        finally:
            self.resources.close()
        self.store._committed(self.tx)

    def rollback(self) -> None:
        try:
            self._undo()
        finally:
            self.resources.close()

    def _undo(self) -> None:
        try:
            self.transaction.rollback()
        except Exception as exc:  # the connection is gone: so is the transaction
            log.info("rollback on a lost connection: %s", exc)
        self.tx.rolled_back()


def _commit(transaction) -> None:
    """COMMIT; a connection lost while it was under way leaves the outcome unknown
    (:class:`~.faults.CommitOutcomeUnknown`), unlike a refusal (a serialization failure or a
    deferred constraint), after which nothing was written."""
    try:
        transaction.commit()
    except Exception as exc:
        if is_infrastructure_failure(exc) and not _refused_commit(exc):
            raise CommitOutcomeUnknown(exc) from exc
        raise


def _refused_commit(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    try:
        from psycopg2.extensions import TransactionRollbackError
    except ImportError:  # pragma: no cover - SQLite only
        return False
    return isinstance(orig, TransactionRollbackError)


class StoreTransaction:
    """The store as seen from inside one transaction (one tenant, or all of them)."""

    def __init__(self, store: EventStore, conn: Connection, tenant_id: str):
        self.store = store
        self.conn = conn
        self.tenant_id = tenant_id
        self.appended: List[Envelope] = []
        self._locked = False
        #: what adapters keep for the length of this transaction (e.g. a cache's undo notes)
        self.context: Dict[str, Any] = {}
        self._on_rollback: List[Callable[[], None]] = []
        self._on_commit: List[Callable[[], None]] = []
        #: the request whose Idempotency-Key this transaction claimed (see .idempotency)
        self.answered_by: Optional[Any] = None

    def on_rollback(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` if this transaction does not commit, or if its outcome is not
        known (a connection lost during COMMIT): an in-memory cache that followed the
        transaction's writes forgets them."""
        self._on_rollback.append(callback)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once COMMIT has returned, and only then: what memory keeps of
        this transaction's writes becomes visible to other transactions there."""
        self._on_commit.append(callback)

    def rolled_back(self) -> None:
        self._on_commit.clear()
        for callback in self._on_rollback:
            try:
                callback()
            except Exception:
                log.exception("rollback callback failed")
        self._on_rollback.clear()

    def committed(self) -> None:
        self._on_rollback.clear()
        for callback in self._on_commit:
            try:
                callback()
            except Exception:
                log.exception("commit callback failed")
        self._on_commit.clear()

    @property
    def now(self) -> datetime:
        return _utcnow_from(self.store.clock)

    # -- reading ---------------------------------------------------------------------------------
    def stream_version(self, stream_type: str, stream_id: str) -> int:
        return self.conn.execute(
            select(func.coalesce(func.max(events_table.c.stream_position), 0)).where(
                events_table.c.stream_type == stream_type, events_table.c.stream_id == stream_id)
        ).scalar_one()

    def read_stream(self, stream_type: str, stream_id: str, after: int = 0,
                    until: Optional[int] = None) -> List[Envelope]:
        query = select(events_table).where(
            events_table.c.stream_type == stream_type, events_table.c.stream_id == stream_id,
            events_table.c.stream_position > after)
        if until is not None:
            query = query.where(events_table.c.stream_position <= until)
        rows = self.conn.execute(query.order_by(events_table.c.stream_position)).mappings()
        return [self._decode(row) for row in rows]

    def read_after(self, position: int, *, limit: int = 1000,
                   event_types: Optional[Iterable[str]] = None,
                   tenant_id: Optional[str] = None) -> List[Envelope]:
        query = select(events_table).where(events_table.c.global_position > position)
        tenant = tenant_id or self.tenant_id
        if tenant != ALL_TENANTS:
            query = query.where(events_table.c.tenant_id == tenant)
        if event_types is not None:
            query = query.where(events_table.c.event_type.in_(list(event_types)))
        rows = self.conn.execute(query.order_by(events_table.c.global_position).limit(limit)).mappings()
        return [self._decode(row) for row in rows]

    def read_positions(self, positions: Sequence[int]) -> List[Envelope]:
        rows = self.conn.execute(select(events_table).where(
            events_table.c.global_position.in_(list(positions))).order_by(
            events_table.c.global_position)).mappings()
        return [self._decode(row) for row in rows]

    def _decode(self, row: Mapping) -> Envelope:
        envelope = row_to_envelope(row)
        return self.store.codec.decode(self.conn, envelope)

    # -- appending ---------------------------------------------------------------------------------
    def append(self, events: Sequence[DomainEvent], *, expected: Optional[Mapping[Tuple[str, str], int]] = None,
               actor: Actor = SYSTEM, correlation_id: Optional[str] = None,
               causation_id: Optional[str] = None, tenant_id: Optional[str] = None) -> List[Envelope]:
        """Append ``events`` (of one or more streams) and queue the publishable ones.

        ``expected`` maps ``(stream_type, stream_id)`` to the version the caller read (0 for
        a new stream; :data:`ANY` to skip the check). A stream left out is checked against
        nothing. One stale version raises :class:`ConcurrencyConflict`; the caller's
        transaction then rolls back, so nothing is written.
        """
        if not events:
            return []
        tenant = tenant_id or self.tenant_id
        if tenant == ALL_TENANTS or not TENANT_ID.match(tenant):
            raise ValueError(f"events need the tenant they belong to, not {tenant!r}")
        if self.tenant_id not in (ALL_TENANTS, tenant):
            raise TenantMismatch(f"a transaction of tenant {self.tenant_id!r} cannot append to {tenant!r}")
        _claim_request(self, tenant)  # the Idempotency-Key of the request this serves, if any
        self._lock_for_append()
        expected = dict(expected or {})
        versions = self.stream_versions({(e.stream_type, e.stream_id) for e in events})
        for key, current in versions.items():
            wanted = expected.get(key, ANY)
            if wanted != ANY and wanted != current:
                raise ConcurrencyConflict(key[0], key[1], wanted, current)
        now = self.now
        correlation_id = correlation_id or new_id()
        rows: List[Dict[str, Any]] = []
        for event in events:
            key = (event.stream_type, event.stream_id)
            versions[key] += 1
            registered = CATALOGUE.find(event.event_type)
            payload = self.store.codec.encode(tenant, event.stream_type, event.stream_id,
                                              dict(event.payload), conn=self.conn)
            rows.append({
                "event_id": new_id(), "tenant_id": tenant, "stream_type": event.stream_type,
                "stream_id": event.stream_id, "stream_position": versions[key],
                "event_type": event.event_type,
                "schema_version": registered.version if registered else 1,
                "occurred_at": now, "actor_kind": actor.kind, "actor_id": actor.id,
                "correlation_id": correlation_id, "causation_id": causation_id,
                "source": self.store.service, "payload": json.dumps(payload, sort_keys=True),
                "_visibility": registered.visibility if registered else "public",
                "_clear_payload": dict(event.payload),
            })
        try:
            values = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
            if len(values) == 1:
                positions = [self.conn.execute(insert(events_table).values(**values[0]).returning(
                    events_table.c.global_position)).scalar_one()]
            else:  # one multi-row INSERT, positions handed back in the order of the rows
                positions = list(self.conn.execute(insert(events_table).returning(
                    events_table.c.global_position, sort_by_parameter_order=True), values).scalars())
        except IntegrityError:
            # Another writer took the same stream position between our read and our insert.
            first: Tuple[str, str] = (rows[0]["stream_type"], rows[0]["stream_id"])
            raise ConcurrencyConflict(first[0], first[1], expected.get(first, ANY), None) from None
        wall_now = datetime.now(timezone.utc)  # the outbox's age is operational: wall time
        outbox_rows = [
            {"global_position": position, "tenant_id": tenant, "enqueued_at": wall_now,
             "exchange": EVENTS_EXCHANGE if row["_visibility"] == "public" else INTERNAL_EXCHANGE}
            for position, row in zip(positions, rows, strict=True) if row["_visibility"] != "private"]
        if outbox_rows:
            self.conn.execute(insert(outbox_table), outbox_rows)
        envelopes = [
            Envelope(event_id=row["event_id"], event_type=row["event_type"],
                     schema_version=row["schema_version"], tenant_id=tenant,
                     stream_type=row["stream_type"], stream_id=row["stream_id"],
                     stream_position=row["stream_position"], global_position=position,
                     occurred_at=now, actor=actor, correlation_id=correlation_id,
                     causation_id=causation_id, payload=row["_clear_payload"], source=self.store.service)
            for position, row in zip(positions, rows, strict=True)]
        self.appended.extend(envelopes)
        return envelopes

    def stream_versions(self, keys: Iterable[Tuple[str, str]]) -> Dict[Tuple[str, str], int]:
        """The current version of each ``(stream_type, stream_id)`` (0: no such stream), in
        one query per 500 streams whatever their types (the unique index on type, id and
        position serves ``type IN (...) AND id IN (...)``; pairs of the cross product that
        were not asked for are dropped here)."""
        wanted = set(keys)
        versions = {key: 0 for key in wanted}
        ordered = sorted(wanted)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            rows = self.conn.execute(_STREAM_VERSIONS, {
                "types": sorted({t for t, _ in chunk}), "ids": sorted({i for _, i in chunk})}).all()
            for stream_type, stream_id, version in rows:
                if (stream_type, stream_id) in wanted:
                    versions[(stream_type, stream_id)] = int(version)
        return versions

    def _lock_for_append(self) -> None:
        if self.store.postgres and not self._locked:
            # one round trip: the lock, and the relays' wake-up (delivered only on commit)
            self.conn.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE; "
                                      "SELECT pg_notify('mentoring_outbox', %(s)s)", {"s": self.store.service})
        self._locked = True


_STREAM_VERSIONS = select(events_table.c.stream_type, events_table.c.stream_id,
                          func.max(events_table.c.stream_position)).where(
    events_table.c.stream_type.in_(bindparam("types", expanding=True)),
    events_table.c.stream_id.in_(bindparam("ids", expanding=True)),
).group_by(events_table.c.stream_type, events_table.c.stream_id)


def row_to_envelope(row: Mapping) -> Envelope:
    occurred = row["occurred_at"]
    if occurred.tzinfo is None:  # SQLite hands back naive datetimes
        occurred = occurred.replace(tzinfo=timezone.utc)
    return Envelope(
        event_id=row["event_id"], event_type=row["event_type"], schema_version=row["schema_version"],
        tenant_id=row["tenant_id"], stream_type=row["stream_type"], stream_id=row["stream_id"],
        stream_position=row["stream_position"], global_position=row["global_position"],
        occurred_at=occurred.astimezone(timezone.utc), actor=Actor(row["actor_kind"], row["actor_id"]),
        correlation_id=row["correlation_id"], causation_id=row["causation_id"],
        payload=json.loads(row["payload"]), source=row["source"])


def _claim_request(tx: StoreTransaction, tenant_id: str) -> None:
    from .idempotency import claim_in  # it needs this module's tables

    claim_in(tx, tenant_id)
