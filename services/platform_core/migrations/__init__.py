"""Upgrading a service's database: Alembic for what is kept, rebuilds for what is derived.

Two kinds of tables live in a service's database, and each changes in its own way:

* **Kept tables** hold what cannot be derived: the platform's tables (events, outbox, leases,
  inbox, stream cursors, catch-up positions, scheduled jobs, idempotency keys, the read
  models' fingerprints) and the per-person keys of crypto-shredding. They change only through
  Alembic revisions (``versions/``: branch ``platform``, branch ``person_keys``, branch
  ``notifications`` for its delivery log, failing addresses, waiting reminders and group introductions), which a
  service applies before it starts (:meth:`EventStore.create_schema`) and ``mentoring migrate``
  applies on demand. A database made before the revisions existed is recognised by its tables
  and stamped with the revision it matches, then upgraded, so nothing in it is lost.
* **Read models** are projections of the events. Each carries a fingerprint of its tables
  (names, columns, types, keys, indexes, and the projection's own ``version``) in
  ``read_model_schemas``. When the code's fingerprint differs from the stored one, the
  projection's tables are dropped, created anew and rebuilt from the events
  (:func:`refresh_read_models`): a column added to a read model reaches every existing
  database with its data, and nobody drops tables by hand.

Row-level security is (re)installed after every upgrade (:meth:`EventStore.create_schema`).
"""
from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, delete, insert, inspect, select, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-upgrade chatter

HERE = Path(__file__).resolve().parent
_ALEMBIC = threading.RLock()
PLATFORM = "platform"
PERSON_KEYS = "person_keys"
NOTIFICATIONS = "notifications"
#: the tables a kept branch creates (a database made before Alembic is recognised by them)
BRANCH_TABLES = {PLATFORM: "events", PERSON_KEYS: "person_keys", NOTIFICATIONS: "notif_deliveries"}
#: the kept tables of a branch a service needs when it declares them all
KEPT_BY_BRANCH = {PERSON_KEYS: {"person_keys"},
                  NOTIFICATIONS: {"notif_deliveries", "notif_failing_addresses", "notif_reminders", "notif_turns",
                                  "notif_pairings", "notif_rounds"}}
#: how the revisions of each branch are named (``p001``, ``k001``, ``n001``)
REVISION_PREFIX = {PLATFORM: "p", PERSON_KEYS: "k", NOTIFICATIONS: "n"}
#: the revision of a branch whose tables were made at start before the branch existed
LEGACY_REVISION = {PERSON_KEYS: "k001", NOTIFICATIONS: "n001"}


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = conn
    return config


def _legacy_revision(conn: Connection, branch: str) -> Optional[str]:
    """The revision a database made before Alembic matches (None: the branch's tables are
    not there: a fresh database)."""
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    if BRANCH_TABLES[branch] not in tables:
        return None
    if branch in LEGACY_REVISION:
        return LEGACY_REVISION[branch]
    if "idempotency_keys" in tables:
        return "p003"
    key = inspector.get_pk_constraint("stream_cursors").get("constrained_columns") or []
    return "p002" if "tenant_id" in key else "p001"


def upgrade(conn: Connection, branches: Sequence[str]) -> None:
    """Bring the kept tables of ``branches`` to their newest revision, in ``conn``'s
    transaction (the caller holds the schema lock)."""
    config = _config(conn)
    with _ALEMBIC:  # its op and context are module globals: one upgrade at a time per process
        current = set(MigrationContext.configure(conn).get_current_heads())
        for branch in branches:
            if not any(head.startswith(REVISION_PREFIX[branch]) for head in current):
                legacy = _legacy_revision(conn, branch)
                if legacy is not None:
                    log.info("database made before migrations: stamping %s at %s", branch, legacy)
                    command.stamp(config, legacy)
            command.upgrade(config, f"{branch}@head")


def branches_for(metadatas: Iterable[MetaData]) -> List[str]:
    """The kept branches a service needs besides the platform's (by the tables it declares)."""
    names = {table.name for metadata in metadatas for table in metadata.sorted_tables}
    return [PLATFORM] + [branch for branch, tables in KEPT_BY_BRANCH.items() if tables <= names]


def kept_tables() -> set:
    return {name for tables in KEPT_BY_BRANCH.values() for name in tables}


# -- read models -----------------------------------------------------------------------------

def fingerprint(projection) -> str:
    """What a projection's tables look like, and its own ``version``, as one hash."""
    parts = [f"version={getattr(projection, 'version', 1)}"]
    for table in sorted(projection.metadata.sorted_tables, key=lambda t: t.name):
        parts.append(f"table {table.name}")
        for column in table.columns:
            parts.append(f"  {column.name} {column.type!r} null={column.nullable} pk={column.primary_key}")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            parts.append(f"  index {index.name} {[c.name for c in index.columns]} unique={index.unique}")
        for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
            columns = [c.name for c in getattr(constraint, "columns", [])]
            parts.append(f"  constraint {type(constraint).__name__} {constraint.name} {columns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _matches_database(conn: Connection, projection) -> bool:
    """For a read model built before fingerprints: do its tables in the database match the
    code (Alembic's comparison, restricted to its tables)?"""
    from alembic.autogenerate import compare_metadata

    names = {table.name for table in projection.metadata.sorted_tables}
    if not names <= set(inspect(conn).get_table_names()):
        return False
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    diffs = compare_metadata(context, projection.metadata)

    def about_ours(diff) -> bool:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item:
            table = getattr(part, "table", None)
            name = getattr(table, "name", None) or getattr(part, "name", None)
            if name in names or (isinstance(part, str) and part in names):
                return True
        return False

    return not any(about_ours(diff) and not _is_removal_of_other(diff, names) for diff in diffs)


def _is_removal_of_other(diff, names) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    return item[0] == "remove_table" and item[1].name not in names


def refresh_read_models(store, projections: Sequence, *, has_history: Callable[[object, object], bool],
                        **how) -> Dict[str, str]:
    """Rebuild each projection whose tables changed since it was built, each in one
    transaction that holds the schema lock (a replica starting beside finds it done).
    ``has_history(tx, p)``: are there events it should hold, when its old tables held no
    rows (else its new tables are only recorded); ``how``: passed to ``p.history(...)`` (e.g.
    ``amqp_uri`` for a consumed one).
    Returns ``{projection: what was done}``."""
    from ..store import ALL_TENANTS, StoreTransaction
    from ..store import read_model_schemas_table as schemas

    done: Dict[str, str] = {}
    for projection in projections:
        wanted = fingerprint(projection)
        with store.engine.begin() as conn:  # as the tables' owner: it drops and creates them
            schema_lock(conn)
            if store.postgres:
                conn.execute(text("SELECT set_config('app.tenant_id', '*', true)"))
            stored = conn.execute(select(schemas.c.fingerprint).where(
                schemas.c.projection == projection.name)).scalar()
            if stored == wanted:
                continue
            tx = StoreTransaction(store, conn, ALL_TENANTS)
            if stored is None and _matches_database(conn, projection):
                what = "recorded (its tables already matched)"
            else:
                existing = set(inspect(conn).get_table_names())
                held_rows = any(conn.execute(select(text("1")).select_from(table).limit(1)).first()
                                for table in projection.metadata.sorted_tables if table.name in existing)
                for table in reversed(projection.metadata.sorted_tables):
                    table.drop(conn, checkfirst=True)
                projection.metadata.create_all(conn)
                if store.postgres:
                    store.install_row_level_security(conn, [projection.metadata])
                if held_rows or has_history(tx, projection):
                    log.warning("read model %s of %s changed shape: rebuilding it from the events",
                                projection.name, store.service)
                    with projection.history(**how) as source:
                        what = f"rebuilt from {projection.replay(tx, source=source)} events"
                else:
                    what = "created"
            conn.execute(delete(schemas).where(schemas.c.projection == projection.name))
            conn.execute(insert(schemas).values(projection=projection.name, fingerprint=wanted,
                                                built_at=datetime.now(timezone.utc)))
        done[projection.name] = what
    return done


def schema_lock(conn: Connection) -> None:
    """One process at a time changes a database's schema (a transaction-scoped lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('mentoring-schema'))"))


def is_feed_failure(exc: BaseException) -> bool:
    """A source service's catch-up feed did not answer (nameko's RPC timed out or failed)."""
    return type(exc).__module__.startswith(("nameko", "kombu", "amqp")) or isinstance(exc, (TimeoutError, OSError))
