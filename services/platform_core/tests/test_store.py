"""The event store on PostgreSQL and SQLite: appends, conflicts, reads, safe global order."""
import threading

import eventlet
import pytest
from sqlalchemy import select, text

from services.platform_core.db import make_engine
from services.platform_core.envelope import Actor
from services.platform_core.events import DomainEvent
from services.platform_core.store import (
    ANY,
    ConcurrencyConflict,
    EventStore,
    TenantMismatch,
    events_table,
    outbox_table,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    store = EventStore(engine, service="test")
    store.create_schema()
    yield store
    engine.dispose()


def registered(person, n=1):
    return [DomainEvent("NoteTaken", "person", person, {"n": i}) for i in range(1, n + 1)]


def count_rows(store, table):
    with store.transaction() as tx:
        return len(tx.conn.execute(select(table)).all())


def test_append_to_several_streams_in_one_transaction(store):
    coordinator = Actor("coordinator", "key-1")
    appended = store.append("school-a", [
        DomainEvent("ProgrammeCreated", "programme", "p1", {"name": "Spring"}),
        DomainEvent("NoteTaken", "person", "ann", {"n": 1}),
        DomainEvent("NoteTaken", "person", "ann", {"n": 2}),
    ], expected={("programme", "p1"): 0, ("person", "ann"): 0}, actor=coordinator)

    assert [(e.stream_id, e.stream_position) for e in appended] == [("p1", 1), ("ann", 1), ("ann", 2)]
    assert [e.global_position for e in appended] == sorted(e.global_position for e in appended)
    assert len({e.correlation_id for e in appended}) == 1
    stream = store.read_stream("school-a", "person", "ann")
    assert [e.payload for e in stream] == [{"n": 1}, {"n": 2}]
    assert stream[0].actor == coordinator and stream[0].tenant_id == "school-a"
    assert stream[0].source == "test" and stream[0].occurred_at.tzinfo is not None
    assert count_rows(store, outbox_table) == 3


def test_one_stale_version_refuses_the_whole_append(store):
    store.append("school-a", registered("ann", 2), expected={("person", "ann"): 0})
    with pytest.raises(ConcurrencyConflict) as refused:
        store.append("school-a", [
            DomainEvent("ProgrammeCreated", "programme", "p9", {}),
            DomainEvent("NoteTaken", "person", "ann", {"n": 3}),
        ], expected={("programme", "p9"): 0, ("person", "ann"): 1})
    assert "person/ann was expected at version 1 but is at version 2" in str(refused.value)
    assert store.read_stream("school-a", "programme", "p9") == []
    assert count_rows(store, events_table) == 2
    assert count_rows(store, outbox_table) == 2


def test_two_concurrent_writers_one_wins_the_other_writes_nothing(store):
    store.append("school-a", registered("ann"), expected={("person", "ann"): 0})
    both_read = threading.Barrier(2)
    outcomes = []

    def writer(name):
        try:
            version = len(store.read_stream("school-a", "person", "ann"))
            both_read.wait(timeout=10)  # both decided on the same version
            with store.transaction("school-a") as tx:
                tx.append([DomainEvent("NoteTaken", "person", "ann", {"by": name})],
                          expected={("person", "ann"): version})
            outcomes.append(("won", name))
        except ConcurrencyConflict:
            outcomes.append(("conflict", name))

    threads = [eventlet.spawn(writer, name) for name in ("w1", "w2")]
    for thread in threads:
        thread.wait()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "won"]
    winner = next(name for kind, name in outcomes if kind == "won")
    assert [e.payload for e in store.read_stream("school-a", "person", "ann")][1:] == [{"by": winner}]
    assert count_rows(store, events_table) == 2


def test_read_after_a_position_pages_in_global_order_per_tenant(store):
    for i in range(5):
        store.append("school-a", registered(f"a{i}"))
        store.append("ngo-b", registered(f"b{i}"))
    everything = store.read_after(0, limit=100)
    assert len(everything) == 10
    first_page = store.read_after(0, tenant_id="school-a", limit=3)
    second_page = store.read_after(first_page[-1].global_position, tenant_id="school-a", limit=3)
    assert [e.stream_id for e in first_page + second_page] == [f"a{i}" for i in range(5)]
    assert store.read_after(0, event_types=["Nothing"]) == []


def test_a_tenant_transaction_cannot_write_another_tenants_events(store):
    with pytest.raises(TenantMismatch):
        with store.transaction("school-a") as tx:
            tx.append(registered("x"), tenant_id="ngo-b")
    assert count_rows(store, events_table) == 0


def test_a_reader_after_n_never_skips_an_event_whose_commit_is_late(store):
    """Writer A appends and holds its commit open; writer B appends meanwhile. A reader of
    'after N' running at the same time must never see B without A before it (it would
    then move past A for good); once both commit it sees both, in order."""
    store.append("school-a", registered("before"))
    start = store.max_position()
    a_appended, release_a = eventlet.event.Event(), eventlet.event.Event()

    def slow_writer():
        with store.transaction("school-a") as tx:
            tx.append([DomainEvent("NoteTaken", "person", "a", {})])
            a_appended.send()
            release_a.wait()

    def fast_writer():
        store.append("school-a", [DomainEvent("NoteTaken", "person", "b", {})])

    def reader():
        return [e.stream_id for e in store.read_after(start)]

    a = eventlet.spawn(slow_writer)
    a_appended.wait()
    b = eventlet.spawn(fast_writer)
    eventlet.sleep(0.3)  # B has had every chance to commit ahead of A
    concurrent_read = eventlet.spawn(reader)  # PostgreSQL: reads now; SQLite: waits its turn
    eventlet.sleep(0.3)
    release_a.send()
    a.wait()
    b.wait()
    seen_meanwhile = concurrent_read.wait()
    seen_after = store.read_after(start)

    assert [e.stream_id for e in seen_after] == ["a", "b"]
    assert seen_after[0].global_position < seen_after[1].global_position
    assert seen_meanwhile == ["a", "b"][:len(seen_meanwhile)]  # a prefix: never B alone
    if store.postgres:
        assert seen_meanwhile == []  # B waited for A's lock: nothing was visible yet


def test_row_level_security_walls_off_other_tenants_on_postgres(store):
    if not store.postgres:
        pytest.skip("row-level security is a PostgreSQL feature")
    store.append("school-a", registered("ann"))
    store.append("ngo-b", registered("bob"))
    with store.transaction("school-a") as tx:
        # even a query that forgets its tenant filter only sees its own tenant's rows
        rows = tx.conn.execute(text("SELECT stream_id FROM events")).scalars().all()
        outbox = tx.conn.execute(text("SELECT tenant_id FROM outbox")).scalars().all()
    assert rows == ["ann"] and outbox == ["school-a"]
    with pytest.raises(Exception, match="row-level security"):
        with store.transaction("school-a") as tx:
            tx.conn.execute(text(
                "INSERT INTO inbox (consumer, event_id, tenant_id, handled_at) "
                "VALUES ('c', 'e', 'ngo-b', now())"))


def test_any_expected_version_appends_wherever_the_stream_is(store):
    store.append("school-a", registered("ann", 2))
    appended = store.append("school-a", registered("ann"), expected={("person", "ann"): ANY})
    assert appended[0].stream_position == 3


LOGIN_ROLE = "mentoring_login_test"


def test_a_service_logging_in_as_an_ordinary_role_works_and_cannot_step_out_of_the_wall(pg_url):
    """As deploy/postgres-init.sh sets it up: the services' login owns the database but is no
    superuser and cannot bypass row-level security, whatever role its SQL resets to."""
    from sqlalchemy import create_engine

    from services.platform_core.testing import PG_ADMIN_URL

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    database = pg_url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f"DO $$ BEGIN CREATE ROLE {LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
                          f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        conn.execute(text("DO $$ BEGIN CREATE ROLE mentoring_app NOLOGIN; "
                          "EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        conn.execute(text(f"GRANT mentoring_app TO {LOGIN_ROLE}"))
        conn.execute(text(f'ALTER DATABASE "{database}" OWNER TO {LOGIN_ROLE}'))
    admin.dispose()
    engine = make_engine(pg_url.replace("//postgres@", f"//{LOGIN_ROLE}@"))
    try:
        store = EventStore(engine, service="test")
        store.create_schema()  # tables, grants and policies, without a superuser
        store.append("school-a", registered("ann"))
        store.append("ngo-b", registered("bob"))
        with store.transaction("school-a") as tx:
            assert tx.conn.execute(text("SELECT stream_id FROM events")).scalars().all() == ["ann"]
            tx.conn.execute(text("RESET ROLE"))  # what injected SQL might try: the login is
            # a member of mentoring_app, so the same policy still walls it in
            assert tx.conn.execute(text("SELECT stream_id FROM events")).scalars().all() == ["ann"]
        with engine.connect() as conn:  # outside any tenant's transaction: nothing at all
            assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.integration
def test_a_pooled_connection_that_died_is_replaced_by_the_first_statement_without_a_ping(pg_url):
    """No pre-ping per checkout (a round trip per transaction): a connection whose backend
    was terminated while it sat in the pool fails the transaction's first statement, which is
    tried once more on a fresh connection; the caller sees nothing."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    engine = make_engine(pg_url)
    assert not engine.pool._pre_ping
    store = EventStore(engine, service="test")
    store.create_schema()
    try:
        with store.transaction() as tx:  # a connection, now idle in the pool
            pid = tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        admin.dispose()
        store.append("t-ping", [DomainEvent("Registered", "person", "p-1", {"n": 1})])
        with store.transaction() as tx:
            assert tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
        assert [e.payload for e in store.read_stream("t-ping", "person", "p-1")] == [{"n": 1}]
    finally:
        engine.dispose()
