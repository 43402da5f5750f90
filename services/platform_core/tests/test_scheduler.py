"""Scheduled work: due jobs run once across replicas, on the injected clock, crash-safe."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import func, select

from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import Store, store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.metrics import SCHEDULED_JOBS
from services.platform_core.scheduler import (
    DONE,
    FAILED,
    LOST,
    RETRY,
    JobRunner,
    Scheduler,
    cancel,
    get_job,
    schedule,
    scheduled,
    scheduler_of,
)
from services.platform_core.store import EventStore, events_table
from services.platform_core.testing import wait_for

pytestmark = pytest.mark.integration

START = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
TENANT = "school-a"

#: how often the "flaky" handler should still fail before it succeeds (set per test)
FLAKY = {"fail_times": 0, "calls": 0}


class JobService:
    name = "jobs"
    store = Store()
    scheduler = Scheduler()

    @scheduled("reminder")
    def send_reminder(self, tx, job):
        tx.append([DomainEvent("ReminderSent", "person", job.payload["person"],
                               {"job": job.key, "due_at": job.due_at.isoformat()})])

    @scheduled("flaky")
    def flaky(self, tx, job):
        FLAKY["calls"] += 1
        tx.append([DomainEvent("FlakyRan", "person", job.key, {"call": FLAKY["calls"]})])
        if FLAKY["calls"] <= FLAKY["fail_times"]:
            raise RuntimeError(f"mail server away (call {FLAKY['calls']})")


def config_for(url, clock, **extra):
    config = {"DATABASES": {"jobs": url}, "CLOCK": clock, "SCHEDULER_POLL_SECONDS": 0,
              "SCHEDULER_RETRY_SECONDS": 0.2}
    config.update(extra)
    return config


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def containers():
    started = []

    def start(url, clock, **extra):
        container = ServiceContainer(JobService, config_for(url, clock, **extra))
        container.start()
        started.append(container)
        return container

    yield start
    for container in started:
        container.stop()


def store_of(container) -> EventStore:
    store = store_engine_of(container).store
    assert store is not None  # set once the container started
    return store


def count(store, event_type):
    with store.transaction() as tx:
        return tx.conn.execute(select(func.count()).where(events_table.c.event_type == event_type)).scalar_one()


def schedule_reminder(store, key, due_at, person="ann", tenant=TENANT):
    with store.transaction(tenant) as tx:
        return schedule(tx, tenant_id=tenant, kind="reminder", key=key, due_at=due_at,
                        payload={"person": person})


def job(store, kind, key):
    with store.transaction() as tx:
        return get_job(tx, kind, key)


def test_a_job_runs_once_when_due_and_not_before(database_url, clock, containers):
    container = containers(database_url, clock)
    store, scheduler = store_of(container), scheduler_of(container)
    assert schedule_reminder(store, "r-1", START + timedelta(days=7))

    assert scheduler.run_due() == []  # the clock has not moved: nothing is due
    clock.advance(days=6, hours=23)
    assert scheduler.run_due() == []
    assert count(store, "ReminderSent") == 0

    clock.advance(hours=1)
    assert scheduler.run_due() == [("reminder", "r-1", DONE)]
    assert scheduler.run_due() == []  # done is done
    assert count(store, "ReminderSent") == 1
    done = job(store, "reminder", "r-1")
    assert done.done_at == START + timedelta(days=7)  # on the injected clock
    assert done.attempts == 1 and done.last_error is None
    # scheduling a done job again changes nothing
    assert not schedule_reminder(store, "r-1", START + timedelta(days=9))
    clock.advance(days=5)
    assert scheduler.run_due() == []


def test_rescheduling_by_key_moves_the_due_time_and_cancel_removes_it(database_url, clock, containers):
    container = containers(database_url, clock)
    store, scheduler = store_of(container), scheduler_of(container)
    schedule_reminder(store, "r-1", START + timedelta(days=1), person="ann")
    schedule_reminder(store, "r-1", START + timedelta(days=3), person="bob")  # same key: moved
    schedule_reminder(store, "r-2", START + timedelta(days=1))
    with store.transaction(TENANT) as tx:
        assert cancel(tx, "reminder", "r-2")
        assert not cancel(tx, "reminder", "nothing-here")

    clock.advance(days=2)
    assert scheduler.run_due() == []  # r-1 was moved, r-2 cancelled
    clock.advance(days=1)
    assert scheduler.run_due() == [("reminder", "r-1", DONE)]
    with store.transaction() as tx:
        [event] = tx.read_after(0, event_types=["ReminderSent"])
    assert event.stream_id == "bob" and event.tenant_id == TENANT  # the latest payload
    assert job(store, "reminder", "r-2") is None


def test_scheduling_commits_or_rolls_back_with_the_command(database_url, clock, containers):
    container = containers(database_url, clock)
    store = store_of(container)
    with pytest.raises(RuntimeError):
        with store.transaction(TENANT) as tx:
            tx.append([DomainEvent("RoundOpened", "round", "r1", {})])
            schedule(tx, tenant_id=TENANT, kind="reminder", key="r-1", due_at=START, payload={"person": "a"})
            raise RuntimeError("the command failed after scheduling")
    assert job(store, "reminder", "r-1") is None
    with pytest.raises(ValueError):
        with store.transaction(TENANT) as tx:
            schedule(tx, tenant_id=TENANT, kind="reminder", key="x", due_at=datetime(2025, 1, 1), payload={})


def test_a_failing_job_is_retried_with_backoff_then_succeeds(database_url, clock, containers):
    FLAKY.update(fail_times=1, calls=0)
    container = containers(database_url, clock)
    store, scheduler = store_of(container), scheduler_of(container)
    with store.transaction(TENANT) as tx:
        schedule(tx, tenant_id=TENANT, kind="flaky", key="f-1", due_at=START, payload={})
    retried = SCHEDULED_JOBS.labels(service="jobs", kind="flaky", outcome=RETRY)._value.get()

    assert scheduler.run_due() == [("flaky", "f-1", RETRY)]
    failed = job(store, "flaky", "f-1")
    assert failed.attempts == 1 and "mail server away" in failed.last_error and failed.done_at is None
    assert count(store, "FlakyRan") == 0  # the failed attempt's effects were rolled back
    assert SCHEDULED_JOBS.labels(service="jobs", kind="flaky", outcome=RETRY)._value.get() == retried + 1

    assert scheduler.run_due() == []  # backing off (wall-clock time)
    time.sleep(0.25)
    assert scheduler.run_due() == [("flaky", "f-1", DONE)]
    assert count(store, "FlakyRan") == 1
    assert job(store, "flaky", "f-1").attempts == 2


def test_a_job_that_keeps_failing_is_left_failed_and_counted(sqlite_url, clock, containers):
    FLAKY.update(fail_times=100, calls=0)
    container = containers(sqlite_url, clock, SCHEDULER_MAX_ATTEMPTS=2, SCHEDULER_RETRY_SECONDS=0.01)
    store, scheduler = store_of(container), scheduler_of(container)
    with store.transaction(TENANT) as tx:
        schedule(tx, tenant_id=TENANT, kind="flaky", key="f-1", due_at=START, payload={})
    gave_up = SCHEDULED_JOBS.labels(service="jobs", kind="flaky", outcome=FAILED)._value.get()
    assert scheduler.run_due() == [("flaky", "f-1", RETRY)]
    time.sleep(0.05)
    assert scheduler.run_due() == [("flaky", "f-1", FAILED)]
    time.sleep(0.05)
    assert scheduler.run_due() == []  # bounded: left failed
    failed = job(store, "flaky", "f-1")
    assert failed.attempts == 2 and failed.done_at is None and failed.last_error
    assert SCHEDULED_JOBS.labels(service="jobs", kind="flaky", outcome=FAILED)._value.get() == gave_up + 1
    # rescheduling gives it a fresh set of attempts
    FLAKY.update(fail_times=0)
    with store.transaction(TENANT) as tx:
        schedule(tx, tenant_id=TENANT, kind="flaky", key="f-1", due_at=START, payload={})
    assert scheduler.run_due() == [("flaky", "f-1", DONE)]


def test_two_replicas_run_each_due_job_exactly_once(pg_url, clock, containers):
    # Two containers of the same service on one database, both polling, one shared clock.
    first = containers(pg_url, clock, SCHEDULER_POLL_SECONDS=0.02)
    containers(pg_url, clock, SCHEDULER_POLL_SECONDS=0.02)  # the second: the fixture stops it
    store = store_of(first)
    keys = [f"r-{i}" for i in range(20)]
    for i, key in enumerate(keys):
        schedule_reminder(store, key, START + timedelta(hours=1, minutes=i), person=f"p{i}")

    eventlet.sleep(0.2)
    assert count(store, "ReminderSent") == 0  # not due yet, however often they poll
    clock.advance(hours=2)
    wait_for(lambda: count(store, "ReminderSent") == len(keys), timeout=10, message="every reminder sent")
    eventlet.sleep(0.3)  # give a duplicate every chance to appear
    with store.transaction() as tx:
        sent = [e.payload["job"] for e in tx.read_after(0, event_types=["ReminderSent"])]
    assert sorted(sent) == sorted(keys)
    with store.transaction() as tx:
        jobs = [get_job(tx, "reminder", key) for key in keys]
    assert all(job is not None for job in jobs)
    holders = {job.claimed_by for job in jobs if job is not None}
    assert len(holders) >= 1 and all(holders)


def test_a_replica_that_lost_its_claim_writes_nothing(database_url, clock):
    engine = make_engine(database_url)
    store = EventStore(engine, service="jobs", clock=clock)
    store.create_schema()
    schedule_reminder(store, "r-1", START)

    def handler(job, tx):
        tx.append([DomainEvent("ReminderSent", "person", "ann", {"job": job.key})])

    slow = JobRunner(store, clock, holder="slow", claim_seconds=0.1)
    fast = JobRunner(store, clock, holder="fast")
    claimed = slow.claim_job(slow.due(["reminder"], START)[0], ["reminder"], START)
    assert claimed is not None
    assert fast.run_due({"reminder": handler}) == []  # the claim is held
    time.sleep(0.15)
    assert fast.run_due({"reminder": handler}) == [("reminder", "r-1", DONE)]
    assert slow.execute(claimed, handler) == LOST  # too late: nothing is written
    assert count(store, "ReminderSent") == 1
    engine.dispose()


CRASHING_REPLICA = textwrap.dedent('''
    import eventlet; eventlet.monkey_patch()
    import os, signal, sys
    from datetime import datetime, timezone
    from nameko.containers import ServiceContainer
    from services.platform_core.clock import ManualClock
    from services.platform_core.dependencies import Store
    from services.platform_core.events import DomainEvent
    from services.platform_core.scheduler import Scheduler, scheduled, scheduler_of

    class JobService:
        name = "jobs"
        store = Store()
        scheduler = Scheduler()

        @scheduled("reminder")
        def send_reminder(self, tx, job):
            tx.append([DomainEvent("ReminderSent", "person", "ann", {"job": job.key})])
            print("claimed and half-done", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # dies before the commit

    clock = ManualClock(datetime(2025, 3, 2, tzinfo=timezone.utc))
    container = ServiceContainer(JobService, {"DATABASES": {"jobs": sys.argv[1]}, "CLOCK": clock,
                                              "SCHEDULER_POLL_SECONDS": 0, "SCHEDULER_CLAIM_SECONDS": 1})
    container.start()
    scheduler_of(container).run_due()
''')


def test_a_replica_that_dies_mid_job_leaves_it_to_another_once_the_claim_expires(pg_url, clock, containers):
    container = containers(pg_url, clock)
    store, scheduler = store_of(container), scheduler_of(container)
    schedule_reminder(store, "r-1", START)
    done = subprocess.run([sys.executable, "-c", CRASHING_REPLICA, pg_url], capture_output=True, text=True,
                          timeout=60, cwd=os.getcwd())
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "half-done" in done.stdout
    crashed = job(store, "reminder", "r-1")
    assert crashed.claimed_by and crashed.done_at is None and crashed.attempts == 1
    assert count(store, "ReminderSent") == 0  # nothing half-done

    assert scheduler.run_due() == []  # its claim has not expired yet
    wait_for(lambda: scheduler.run_due() == [("reminder", "r-1", DONE)], timeout=5, interval=0.1,
             message="another replica to take the job over")
    assert count(store, "ReminderSent") == 1


def test_a_running_job_keeps_its_claim_past_its_term(pg_url, clock):
    """A job that runs longer than its claim (a large cohort round) is not taken over while
    its replica lives: the claim is renewed while the handler runs."""
    engine = make_engine(pg_url)
    store = EventStore(engine, service="jobs", clock=clock)
    store.create_schema()
    schedule_reminder(store, "r-1", START)
    long = JobRunner(store, clock, holder="long", claim_seconds=0.3)
    other = JobRunner(store, clock, holder="other")
    claimed = long.claim_job(long.due(["reminder"], START)[0], ["reminder"], START)
    assert claimed is not None and claimed.claimed_until is not None
    first_term = claimed.claimed_until

    def renewed() -> bool:
        with store.transaction() as tx:
            held = get_job(tx, "reminder", "r-1")
        return held is not None and held.claimed_until is not None and held.claimed_until > first_term + \
            timedelta(seconds=0.3)

    def handler(job, tx):
        wait_for(renewed, timeout=10, message="the claim renewed twice over its first term")
        assert other.run_due({"reminder": handler}) == []  # held: not taken over
        tx.append([DomainEvent("ReminderSent", "person", "ann", {"job": job.key})])

    assert long.execute(claimed, handler) == DONE
    assert count(store, "ReminderSent") == 1
    engine.dispose()


def test_a_job_is_run_at_once_by_its_kind_and_key(database_url, clock):
    engine = make_engine(database_url)
    store = EventStore(engine, service="jobs", clock=clock)
    store.create_schema()
    schedule_reminder(store, "r-1", START)
    schedule_reminder(store, "r-2", START + timedelta(days=1))
    runner = JobRunner(store, clock)

    def handler(job, tx):
        tx.append([DomainEvent("ReminderSent", "person", "ann", {"job": job.key})])

    assert runner.run_one("reminder", "r-2", handler) is None  # not due yet
    assert runner.run_one("reminder", "nope", handler) is None
    assert runner.run_one("reminder", "r-1", handler) == DONE
    assert runner.run_one("reminder", "r-1", handler) is None  # done: once
    assert count(store, "ReminderSent") == 1
    engine.dispose()
