"""Databases made by earlier releases upgrade to today's schema and lose nothing.

``tests/migrations/release-<commit>.sql`` are a registration store and the matching store
that consumed it, made by that release's own code (``tests/migrations/make_fixture.py``,
run in a checkout of the release): events, pairings made by its matcher, read models,
cursors, inbox. Each is loaded into fresh databases and started with today's code, as a
deployment would be: the kept tables go through Alembic's revisions (a database from before
them is recognised and stamped), read models whose shape changed are rebuilt from the
events (matching's participants from registration's feed, over the broker), and then the
databases must hold what they held, in today's shape.
"""
from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Dict

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from nameko.runners import ServiceRunner
from sqlalchemy import MetaData, inspect, text

from services.matching import read_model
from services.matching.decisions import UnitOfWork
from services.matching.tests.conftest import MATCHING_NOW, RegistrationFeed
from services.platform_core import tenancy
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import upgrade_database
from services.platform_core.store import EventStore
from services.platform_core.store import metadata as platform_metadata
from services.platform_core.testing import temporary_database

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent / "migrations"
KEPT = ("events", "outbox", "inbox", "stream_cursors", "catchup_positions", "scheduled_jobs")
READ = ("match_participants", "match_people", "match_consents", "match_programmes", "match_pairings",
        "match_waiting")


def load(url: str, sql: str) -> None:
    database = url.rsplit("/", 1)[1]
    done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q",
                           "-v", "ON_ERROR_STOP=1"], input=sql, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def rows(url: str, table: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            found = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table}")).mappings().all()
            return sorted((tuple(sorted((k, _text(v)) for k, v in row.items())) for row in found))
    finally:
        engine.dispose()


def _text(value) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def differences(url: str, *metadatas: MetaData) -> list:
    combined = MetaData()
    for metadata in metadatas:
        for table in metadata.sorted_tables:
            table.to_metadata(combined)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), combined)
    finally:
        engine.dispose()
    return [d for d in found if not (isinstance(d, tuple) and d[0] == "remove_table"
                                     and d[1].name == "alembic_version")]


@pytest.mark.parametrize("release, rebuilt", [
    ("b3fa2e6", {"participants", "pairings"}),  # before the change log and the places
    ("7fd10bd", {"pairings"}),                  # before the places only
])
def test_databases_made_by_an_earlier_release_upgrade_and_lose_nothing(release, rebuilt, amqp_uri):
    registration_sql, matching_sql = (FIXTURES / f"release-{release}.sql").read_text(
        encoding="utf-8").split("-- database: matching\n")
    with temporary_database() as registration_url, temporary_database() as matching_url:
        load(registration_url, registration_sql)
        load(matching_url, matching_sql)
        kept = {table: rows(matching_url, table) for table in KEPT}
        read = {table: rows(matching_url, table) for table in READ}
        assert kept["events"] and read["match_pairings"], "the fixture holds a history"

        feed = ServiceRunner({"AMQP_URI": amqp_uri, "DATABASES": {"registration": registration_url},
                              "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "OUTBOX_RELAY": "off"})
        feed.add_service(RegistrationFeed)  # registration's catch-up feed, upgraded itself
        feed.start()
        try:
            matching = EventStore(make_engine(matching_url), service="matching", clock=ManualClock(MATCHING_NOW))
            done = upgrade_database(matching, [read_model.metadata, tenancy.metadata],
                                    read_model.PROJECTIONS, amqp_uri)
        finally:
            feed.stop()
        assert {name for name, what in done.items() if what.startswith("rebuilt")} == rebuilt, done

        for table in KEPT:
            if table == "stream_cursors":  # keyed with the tenant since 7fd10bd: same rows
                assert len(rows(matching_url, table)) == len(kept[table])
                continue
            assert rows(matching_url, table) == kept[table], f"{table} changed"
        for table in READ:
            now = rows(matching_url, table)
            assert now == read[table], (f"read model {table} differs after the rebuild: "
                                        f"{set(read[table]) ^ set(now)}")
        assert differences(matching_url, platform_metadata, read_model.metadata, tenancy.metadata) == []
        assert differences(registration_url, platform_metadata) == []

        # the upgraded database takes decisions: the places the old pairings hold are counted
        with matching.transaction("old-release") as tx:
            programme = tx.conn.execute(text("SELECT programme_id FROM match_programmes")).scalar_one()
            state = UnitOfWork(tx).existing_state(programme)
            loads = read_model.loads(tx.conn, "old-release", programme)
            held: Dict[str, int] = dict(tx.conn.execute(text("SELECT mentor_id, taken FROM match_places")).all())
        assert held == loads and sum(held.values()) == len(state.placed) > 0
        # and a second start changes nothing
        assert upgrade_database(matching, [read_model.metadata, tenancy.metadata], read_model.PROJECTIONS,
                                amqp_uri) == {}
        matching.engine.dispose()


def test_a_fresh_database_gets_todays_schema_on_both_kinds(database_url):
    store = EventStore(make_engine(database_url), service="matching")
    done = upgrade_database(store, [read_model.metadata, tenancy.metadata], read_model.PROJECTIONS, None)
    assert done == {"participants": "created", "pairings": "created"}
    with store.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == {"p004"}
    if database_url.startswith("postgresql"):
        assert differences(database_url, platform_metadata, read_model.metadata, tenancy.metadata) == []
    store.engine.dispose()



def test_notifications_delivery_log_made_at_start_is_stamped_and_upgraded(database_url):
    """Before its revisions, notifications made ``notif_deliveries`` at start: such a database is
    recognised (stamped ``n001``), upgraded (``n002``: the address version, the log's age index,
    the failing addresses; ``n003``: the occurrence in the key, the waiting reminders) and keeps
    its log."""
    from datetime import datetime, timezone

    from sqlalchemy import Index, Table, UniqueConstraint

    from services.notifications import service as notifications

    metadatas = [notifications.read_model.metadata, notifications.read_model.deliveries_metadata,
                 notifications.read_model.STAFF.metadata, notifications.reminders.metadata,
                 notifications.introductions.metadata,
                 notifications.reminders.CONSENTS.metadata,
                 notifications.tenant_templates.metadata, notifications.preferences.metadata, tenancy.metadata,
                 notifications.waiting.PARTICIPANTS.metadata, notifications.waiting.PAIRS.metadata]
    today = notifications.read_model.deliveries
    later = ("address_version", "occurrence")
    legacy = Table(today.name, MetaData(), *[c.copy() for c in today.columns if c.name not in later],
                   UniqueConstraint("cause_event_id", "recipient_id", "role", "kind", name="uq_notif_deliveries_key"))
    for index in today.indexes:
        if index.name != "ix_notif_deliveries_recorded":
            Index(index.name, *[legacy.c[c.name] for c in index.columns])
    store = EventStore(make_engine(database_url), service="notifications")
    store.create_schema()  # the platform's tables, as that release made them too
    with store.engine.begin() as conn:
        legacy.create(conn)
        conn.execute(legacy.insert().values(
            message_id="m1", tenant_id="old", cause_event_id="e1", cause_event_type="PairingConfirmed",
            recipient_id="p1", role="mentee", kind="introduction", programme_id="prog", pairing_id="pair",
            facts={"mentor_id": "p0", "mentee_id": "p1"}, status="sent", language="lv", attempts=1,
            recorded_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    try:
        upgrade_database(store, metadatas, notifications.PROJECTIONS, None)
        with store.engine.connect() as conn:
            assert set(MigrationContext.configure(conn).get_current_heads()) == {"p004", "n004"}
            kept = conn.execute(text("SELECT message_id, status, address_version, occurrence FROM notif_deliveries"))
            assert [tuple(r) for r in kept] == [("m1", "sent", None, 1)]
        if database_url.startswith("postgresql"):
            assert differences(database_url, platform_metadata, *metadatas) == []
        assert upgrade_database(store, metadatas, notifications.PROJECTIONS, None) == {}  # a second start: nothing
    finally:
        store.engine.dispose()
