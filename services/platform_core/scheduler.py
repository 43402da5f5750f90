"""Scheduled work: deadlines, expiries, reminders and round dates, run once across replicas.

nameko's ``@timer`` fires in every replica, so the platform never uses it for domain work.
Instead a command stores a *job* (``scheduled_jobs``) with its due time, in the same
transaction as its events, and whichever replica claims the job first runs it::

    class MatchingService:
        store = Store()
        scheduler = Scheduler()

        @api("POST", "/rounds")
        def open_round(self, request):
            with self.store.transaction(tenant) as tx:
                tx.append(events)
                self.scheduler.schedule(tx, tenant_id=tenant, kind="round-closes",
                                        key=round_id, due_at=closes_at, payload={"round": round_id})

        @scheduled("round-closes")
        def close_round(self, tx, job):
            tx.append([DomainEvent("RoundClosed", "round", job.payload["round"])])

How a job runs
    A polling loop (one managed thread per service container, every ``SCHEDULER_POLL_SECONDS``)
    compares due times with the **injected clock** (``CLOCK``), so a ``ManualClock`` moves a
    programme through its deadlines without waiting. Each due job is *claimed* with a
    conditional ``UPDATE`` (not done, and unclaimed or its claim expired): exactly one replica
    wins. The claim is held on wall-clock time (``SCHEDULER_CLAIM_SECONDS``), like a lease: it
    is about processes, not programmes. The winner then opens a store transaction of the job's
    tenant, marks the job done in it (only if it still holds the claim, which also locks the
    row), runs the handler through ``container.spawn_worker`` with that transaction, and
    commits: the handler's effects and the job's completion commit together or not at all.
    While the handler runs, the claim is renewed every third of its term, so a long job (a
    large cohort round) is not taken over while its replica lives.
    A replica that dies before committing leaves nothing behind but its claim, which expires,
    and another replica runs the job again. A command that needs its job run at once (a round
    asked with ``Prefer: respond-async``) calls ``scheduler.run_soon_after(tx, kind, key)``:
    once its transaction commits, the job is claimed and run in a managed thread of its own.
    A replica that lost its claim (it was too slow, or the job was rescheduled meanwhile)
    writes nothing.

Failures
    A handler that raises rolls its transaction back; the job's ``attempts`` (counted when it
    is claimed, so a job that crashes its process is counted too) and ``last_error`` are
    recorded and it is retried after an exponential backoff (``SCHEDULER_RETRY_SECONDS``
    doubled per attempt, at most ``SCHEDULER_RETRY_MAX_SECONDS``, on wall-clock time). After
    ``SCHEDULER_MAX_ATTEMPTS`` attempts it is left failed (not done) for an operator to look
    at, and counted in ``mentoring_scheduled_jobs_total{outcome="failed"}``. A failure of the
    infrastructure (:mod:`.faults`: the database away) gives its attempt back and is retried
    after ``SCHEDULER_RETRY_SECONDS``: only the job's own failures count.

Keys
    A job is identified by ``(kind, key)`` across the whole store, so keys should be ids that
    are unique across tenants (uuids), or include the tenant. Scheduling the same key again
    moves the due time and replaces the payload (unless the job is done already), and
    :func:`cancel` deletes a job that has not run.

Configuration keys: ``SCHEDULER_POLL_SECONDS`` (1; 0 or less: no background loop, only
:meth:`Scheduler.run_due`), ``SCHEDULER_MAX_ATTEMPTS`` (5), ``SCHEDULER_CLAIM_SECONDS`` (60),
``SCHEDULER_RETRY_SECONDS`` (5), ``SCHEDULER_RETRY_MAX_SECONDS`` (600),
``SCHEDULER_BATCH`` (100).
"""
from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider, Entrypoint, SharedExtension
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import settings
from .dependencies import clock_from, store_engine_of
from .envelope import TENANT_ID, new_id
from .faults import is_infrastructure_failure
from .lease import process_identity
from .metrics import FAILURES, SCHEDULED_JOBS
from .store import ALL_TENANTS, EventStore, StoreTransaction, TenantMismatch, scheduled_jobs_table

log = logging.getLogger(__name__)

jobs = scheduled_jobs_table

DONE, RETRY, FAILED, LOST = "done", "retry", "failed", "lost"


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    return None if moment is None else _utc_moment(moment)


def _utc_moment(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes (stored in UTC)
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _wall_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Job:
    """A scheduled job as its handler sees it."""

    job_id: str
    tenant_id: str
    kind: str
    key: str
    due_at: datetime
    payload: Dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_error: Optional[str] = None
    claimed_by: Optional[str] = None
    claimed_until: Optional[datetime] = None
    done_at: Optional[datetime] = None

    @classmethod
    def from_row(cls, row) -> "Job":
        return cls(job_id=row["job_id"], tenant_id=row["tenant_id"], kind=row["kind"],
                   key=row["job_key"], due_at=_utc_moment(row["due_at"]), payload=json.loads(row["payload"]),
                   attempts=row["attempts"] or 0, last_error=row["last_error"],
                   claimed_by=row["claimed_by"], claimed_until=_utc(row["claimed_until"]),
                   done_at=_utc(row["done_at"]))


# -- the functions a command uses (inside its own transaction) ------------------------------------

def schedule(tx: StoreTransaction, *, kind: str, key: str, due_at: datetime,
             payload: Optional[Dict[str, Any]] = None, tenant_id: Optional[str] = None) -> bool:
    """Schedule job ``(kind, key)`` of ``tenant_id`` (default: the transaction's) at ``due_at``.

    Idempotent by ``(kind, key)``: scheduling it again moves its due time, replaces its
    payload and gives it a fresh set of attempts, unless it is done already. Returns True if
    the job is now pending at ``due_at``, False if it was done already (nothing changed).
    """
    tenant = tenant_id or tx.tenant_id
    if tenant == ALL_TENANTS or not TENANT_ID.match(tenant or ""):
        raise ValueError(f"a job needs the tenant it belongs to, not {tenant!r}")
    if tx.tenant_id not in (ALL_TENANTS, tenant):
        raise TenantMismatch(f"a transaction of tenant {tx.tenant_id!r} cannot schedule for {tenant!r}")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    body = json.dumps(payload or {}, sort_keys=True)
    due = due_at.astimezone(timezone.utc)
    insert = pg_insert if tx.store.postgres else sqlite_insert
    statement = insert(jobs).values(
        job_id=new_id(), tenant_id=tenant, kind=kind, job_key=key, due_at=due, payload=body,
        attempts=0)
    statement = statement.on_conflict_do_update(
        index_elements=[jobs.c.kind, jobs.c.job_key],
        set_={"due_at": due, "payload": body, "attempts": 0, "last_error": None,
              "claimed_by": None, "claimed_until": None},
        where=jobs.c.done_at.is_(None))
    return bool(tx.conn.execute(statement).rowcount)


def cancel(tx: StoreTransaction, kind: str, key: str) -> bool:
    """Delete job ``(kind, key)`` if it has not run; True if there was one to cancel. The job
    this transaction is running is not cancelled: it completes."""
    query = delete(jobs).where(jobs.c.kind == kind, jobs.c.job_key == key, jobs.c.done_at.is_(None))
    running = tx.context.get(RUNNING_JOB)
    if running is not None:
        query = query.where(jobs.c.job_id != running)
    return bool(tx.conn.execute(query).rowcount)


def get_job(tx: StoreTransaction, kind: str, key: str) -> Optional[Job]:
    row = tx.conn.execute(select(jobs).where(jobs.c.kind == kind, jobs.c.job_key == key)).mappings().first()
    return Job.from_row(row) if row else None


def list_jobs(tx: StoreTransaction, *, kind: Optional[str] = None, pending_only: bool = False) -> List[Job]:
    query = select(jobs)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    if pending_only:
        query = query.where(jobs.c.done_at.is_(None))
    return [Job.from_row(row) for row in tx.conn.execute(query.order_by(jobs.c.due_at)).mappings()]


# -- the runner ------------------------------------------------------------------------------------

#: ``tx.context`` key: the job a transaction is running (it does not cancel itself)
RUNNING_JOB = "scheduler.running_job"


class _ClaimLost(Exception):
    """The job is no longer this runner's to complete: its effects roll back."""


class JobRunner:
    """Claims due jobs of the kinds it has handlers for and runs them; no nameko needed.

    ``run(job, tx)`` is called for each claimed job inside the job's tenant transaction, which
    then marks the job done (if it is still this runner's: else everything rolls back);
    raising rolls both back.
    """

    def __init__(self, store: EventStore, clock, *, holder: Optional[str] = None,
                 max_attempts: int = 5, claim_seconds: float = 60.0, retry_seconds: float = 5.0,
                 retry_max_seconds: float = 600.0, batch: int = 100):
        self.store = store
        self.clock = clock
        self.holder = holder or process_identity(store.service)
        self.max_attempts = max(1, int(max_attempts))
        self.claim = timedelta(seconds=float(claim_seconds))
        self.retry_seconds = float(retry_seconds)
        self.retry_max_seconds = float(retry_max_seconds)
        self.batch = int(batch)

    def _claimable(self, kinds, now: datetime, wall: datetime):
        return and_(jobs.c.done_at.is_(None), jobs.c.kind.in_(list(kinds)), jobs.c.due_at <= now,
                    jobs.c.attempts < self.max_attempts,
                    or_(jobs.c.claimed_until.is_(None), jobs.c.claimed_until <= wall))

    def due(self, kinds, now: datetime) -> List[str]:
        if not kinds:
            return []
        with self.store.transaction(ALL_TENANTS) as tx:
            return list(tx.conn.execute(
                select(jobs.c.job_id).where(self._claimable(kinds, now, _wall_now()))
                .order_by(jobs.c.due_at, jobs.c.job_id).limit(self.batch)).scalars())

    def claim_job(self, job_id: str, kinds, now: datetime) -> Optional[Job]:
        """Claim one job for this holder; None if another replica has it (or it moved)."""
        wall = _wall_now()
        with self.store.transaction(ALL_TENANTS) as tx:
            won = tx.conn.execute(update(jobs).where(
                jobs.c.job_id == job_id, self._claimable(kinds, now, wall)
            ).values(claimed_by=self.holder, claimed_until=wall + self.claim,
                     attempts=jobs.c.attempts + 1)).rowcount
            if not won:
                return None
            row = tx.conn.execute(select(jobs).where(jobs.c.job_id == job_id)).mappings().one()
        return Job.from_row(row)

    def execute(self, job: Job, run) -> str:
        """Run a claimed job: effects and completion commit together. Returns the outcome.
        The claim is renewed while the handler runs (:meth:`_hold`), so a job that runs longer
        than ``SCHEDULER_CLAIM_SECONDS`` (a large cohort round) is not taken over while it is
        alive; once its process dies, nobody renews it and it expires."""
        finished = Event()
        eventlet.spawn(self._hold, job, finished)
        try:
            return self._execute(job, run)
        finally:
            finished.send(True)

    def _hold(self, job: Job, finished: Event) -> None:
        """Renew this holder's claim of ``job`` every third of its term until ``finished``."""
        every = max(self.claim.total_seconds() / 3, 0.01)
        while True:
            with eventlet.Timeout(every, False):
                finished.wait()
            if finished.ready():
                return
            try:
                with self.store.transaction(ALL_TENANTS) as tx:
                    tx.conn.execute(update(jobs).where(
                        jobs.c.job_id == job.job_id, jobs.c.claimed_by == self.holder,
                        jobs.c.done_at.is_(None)).values(claimed_until=_wall_now() + self.claim))
            except Exception as exc:  # the database away: the claim may expire, as it would
                log.info("scheduled job %s/%s: its claim was not renewed (%s)", job.kind, job.key, exc)

    def _execute(self, job: Job, run) -> str:
        try:
            with self.store.transaction(job.tenant_id) as tx:
                # the handler first, the job's row last: a handler takes its own locks (a
                # programme's turn) in the order the service's commands take them, and a
                # command holding one may cancel this job meanwhile without a deadlock
                tx.context[RUNNING_JOB] = job.job_id
                run(job, tx)
                still_ours = tx.conn.execute(update(jobs).where(
                    jobs.c.job_id == job.job_id, jobs.c.claimed_by == self.holder,
                    jobs.c.done_at.is_(None),
                ).values(done_at=tx.now, claimed_until=None, last_error=None)).rowcount
                if not still_ours:
                    raise _ClaimLost()
        except _ClaimLost:
            log.info("scheduled job %s/%s: claim lost (cancelled, rescheduled, or taken over "
                     "after the claim expired); what it did here is rolled back", job.kind, job.key)
            return LOST
        except Exception as exc:
            return self._failed(job, exc)
        SCHEDULED_JOBS.labels(service=self.store.service, kind=job.kind, outcome=DONE).inc()
        return DONE

    def _failed(self, job: Job, exc: BaseException) -> str:
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        if is_infrastructure_failure(exc):
            # not the job's fault: the attempt is given back (if the database lets us; if not,
            # the claim expires and the attempt counts)
            try:
                with self.store.transaction(ALL_TENANTS) as tx:
                    tx.conn.execute(update(jobs).where(
                        jobs.c.job_id == job.job_id, jobs.c.claimed_by == self.holder,
                        jobs.c.done_at.is_(None)).values(
                        last_error=error, claimed_by=None, attempts=jobs.c.attempts - 1,
                        claimed_until=_wall_now() + timedelta(seconds=self.retry_seconds)))
            except Exception as again:
                log.info("scheduled job %s/%s: the infrastructure is still away (%s)", job.kind, job.key, again)
            FAILURES.labels(service=self.store.service, where="scheduler_infrastructure").inc()
            log.warning("scheduled job %s/%s waits out an infrastructure failure: %s", job.kind, job.key, error)
            return RETRY
        gave_up = job.attempts >= self.max_attempts
        backoff = min(self.retry_seconds * 2 ** max(job.attempts - 1, 0), self.retry_max_seconds)
        with self.store.transaction(ALL_TENANTS) as tx:
            tx.conn.execute(update(jobs).where(
                jobs.c.job_id == job.job_id, jobs.c.claimed_by == self.holder, jobs.c.done_at.is_(None),
            ).values(last_error=error, claimed_by=None,
                     claimed_until=_wall_now() + timedelta(seconds=backoff)))
        outcome = FAILED if gave_up else RETRY
        SCHEDULED_JOBS.labels(service=self.store.service, kind=job.kind, outcome=outcome).inc()
        if gave_up:
            log.error("scheduled job %s/%s failed %d times, giving up: %s", job.kind, job.key,
                      job.attempts, error)
        else:
            log.warning("scheduled job %s/%s failed (attempt %d of %d, retry in %.1fs): %s",
                        job.kind, job.key, job.attempts, self.max_attempts, backoff, error)
        return outcome

    def run_one(self, kind: str, key: str, run, now: Optional[datetime] = None) -> Optional[str]:
        """Claim and run job ``(kind, key)`` now if it is due and nobody holds it; its outcome,
        or None if it was not this runner's to run."""
        now = (now or self.clock.now()).astimezone(timezone.utc)
        with self.store.transaction(ALL_TENANTS) as tx:
            job_id = tx.conn.execute(select(jobs.c.job_id).where(
                jobs.c.kind == kind, jobs.c.job_key == key)).scalar()
        job = self.claim_job(job_id, [kind], now) if job_id else None
        return None if job is None else self.execute(job, run)

    def run_due(self, handlers: Dict[str, Any], now: Optional[datetime] = None) -> List[Tuple[str, str, str]]:
        """One pass: claim and run every due job of the kinds in ``handlers``
        (``{kind: run(job, tx)}``). Returns ``[(kind, key, outcome)]``."""
        now = (now or self.clock.now()).astimezone(timezone.utc)
        outcomes = []
        kinds = sorted(handlers)
        for job_id in self.due(kinds, now):
            job = self.claim_job(job_id, kinds, now)
            if job is None:
                continue
            outcomes.append((job.kind, job.key, self.execute(job, handlers[job.kind])))
        return outcomes


# -- the nameko extension -----------------------------------------------------------------------------

class SchedulerLoop(SharedExtension):
    """One per service container: the polling loop shared by ``Scheduler`` and ``@scheduled``."""

    def __init__(self):
        self.entrypoints: Dict[str, "ScheduledEntrypoint"] = {}
        self.runner: Optional[JobRunner] = None
        self._running = False
        self._thread = None
        self._wake = Event()
        self._pass = Semaphore(1)

    def register(self, entrypoint: "ScheduledEntrypoint") -> None:
        other = self.entrypoints.get(entrypoint.kind)
        if other is not None and other is not entrypoint:
            raise ValueError(f"{self.container.service_name}: two handlers for scheduled jobs of kind "
                             f"{entrypoint.kind!r} ({other.method_name}, {entrypoint.method_name})")
        self.entrypoints[entrypoint.kind] = entrypoint

    def unregister(self, entrypoint: "ScheduledEntrypoint") -> None:
        if self.entrypoints.get(entrypoint.kind) is entrypoint:
            del self.entrypoints[entrypoint.kind]
        if not self.entrypoints:
            self._halt()

    @property
    def config(self) -> dict:
        return self.container.config

    def _runner(self) -> JobRunner:
        if self.runner is None:
            config = self.config
            store = store_engine_of(self.container).store
            if store is None:
                raise RuntimeError("the scheduler needs the service's store, which is not set up yet")
            self.runner = JobRunner(
                store, clock_from(config),
                max_attempts=int(settings.value(config, "SCHEDULER_MAX_ATTEMPTS")),
                claim_seconds=float(settings.value(config, "SCHEDULER_CLAIM_SECONDS")),
                retry_seconds=float(settings.value(config, "SCHEDULER_RETRY_SECONDS")),
                retry_max_seconds=float(settings.value(config, "SCHEDULER_RETRY_MAX_SECONDS")),
                batch=int(settings.value(config, "SCHEDULER_BATCH")))
        return self.runner

    def start(self):
        interval = float(settings.value(self.config, "SCHEDULER_POLL_SECONDS"))
        if self.entrypoints:
            self._runner()  # fails the start at once if the service declares no Store
        if self.entrypoints and interval > 0 and self._thread is None:
            self._running = True
            self._thread = self.container.spawn_managed_thread(
                lambda: self._loop(interval), identifier=f"{self.container.service_name}.scheduler")

    def _loop(self, interval: float) -> None:
        failures = 0
        while self._running:
            try:
                self.run_due()
                failures = 0
            except Exception as exc:  # the database may be away: keep polling
                failures += 1
                FAILURES.labels(service=self.container.service_name, where="scheduler").inc()
                log.warning("scheduler of %s: %s (will retry)", self.container.service_name, exc)
            if not self._running:
                break
            with eventlet.Timeout(interval if not failures else min(interval * 2 ** failures, 30.0), False):
                self._wake.wait()
            self._wake = Event()

    def run_due(self, now: Optional[datetime] = None) -> List[Tuple[str, str, str]]:
        """Claim and run every job due at ``now`` (default: the injected clock's now), once."""
        with self._pass:
            handlers = {kind: entrypoint.run for kind, entrypoint in self.entrypoints.items()}
            return self._runner().run_due(handlers, now)

    def run_soon(self, kind: str, key: str) -> None:
        """Run job ``(kind, key)`` at once in a managed thread of its own (not waiting for the
        next pass, nor holding it up); call it once the transaction that scheduled the job has
        committed. Should this process die meanwhile, another replica runs the job once its
        claim expires."""
        entrypoint = self.entrypoints.get(kind)
        if entrypoint is None:
            raise LookupError(f"{self.container.service_name} has no handler for jobs of kind {kind!r}")

        def run() -> None:
            try:
                self._runner().run_one(kind, key, entrypoint.run)
            except Exception as exc:  # the database away: the polling loop runs it later
                log.warning("scheduled job %s/%s could not be run at once: %s", kind, key, exc)

        self.container.spawn_managed_thread(run, identifier=f"{self.container.service_name}.job.{kind}")

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def _halt(self) -> None:
        """Stop polling and wait for the job in hand (if any) to finish."""
        self._running = False
        thread, self._thread = self._thread, None
        if thread is not None:
            self.wake()
            try:
                thread.wait()
            except Exception:  # pragma: no cover - it logged already
                pass

    def stop(self):
        self._halt()

    def kill(self):
        self._running = False
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.kill()


class ScheduledEntrypoint(Entrypoint):
    """``@scheduled("kind")`` on ``def handler(self, tx, job)``: runs due jobs of that kind."""

    loop = SchedulerLoop()

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def setup(self):
        self.loop.register(self)

    def stop(self):
        self.loop.unregister(self)

    def run(self, job: Job, tx: StoreTransaction) -> None:
        """Run the service method in a nameko worker, with the job's transaction; raise its error."""
        finished = Event()

        def handle_result(worker_ctx, result, exc_info):
            finished.send((result, exc_info))
            return result, exc_info

        worker_ctx = self.container.spawn_worker(self, (tx, job), {},
                                                 context_data={"scheduled_job": job.job_id},
                                                 handle_result=handle_result)
        thread = getattr(self.container, "_worker_threads", {}).get(worker_ctx)
        if thread is not None:  # a worker that dies before its handler ran must not hang us
            thread.link(lambda _gt: finished.ready() or finished.send(
                (None, (RuntimeError, RuntimeError("the worker died before finishing"), None))))
        _result, exc_info = finished.wait()
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])


scheduled = ScheduledEntrypoint.decorator


class SchedulerHandle:
    """What a worker gets from ``Scheduler``: schedule and cancel inside its own transaction."""

    def __init__(self, loop: SchedulerLoop):
        self._loop = loop

    def schedule(self, tx: StoreTransaction, *, kind: str, key: str, due_at: datetime,
                 payload: Optional[Dict[str, Any]] = None, tenant_id: Optional[str] = None) -> bool:
        return schedule(tx, kind=kind, key=key, due_at=due_at, payload=payload, tenant_id=tenant_id)

    def cancel(self, tx: StoreTransaction, kind: str, key: str) -> bool:
        return cancel(tx, kind, key)

    def get(self, tx: StoreTransaction, kind: str, key: str) -> Optional[Job]:
        return get_job(tx, kind, key)

    def run_soon_after(self, tx: StoreTransaction, kind: str, key: str) -> None:
        """Once ``tx`` (which scheduled the job, due now) commits, run it at once here."""
        tx.on_commit(lambda: self._loop.run_soon(kind, key))


class Scheduler(DependencyProvider):
    """``scheduler = Scheduler()`` on a service with a ``Store``: schedule/cancel in workers,
    and the polling loop that runs the service's ``@scheduled`` handlers."""

    loop = SchedulerLoop()

    def get_dependency(self, worker_ctx):
        return SchedulerHandle(self.loop)

    def run_due(self, now: Optional[datetime] = None) -> List[Tuple[str, str, str]]:
        return self.loop.run_due(now)


def scheduler_of(container) -> Scheduler:
    """The ``Scheduler`` dependency of a running container (tests: ``.run_due()``)."""
    for dependency in container.dependencies:
        if isinstance(dependency, Scheduler):
            return dependency
    raise LookupError(f"service {container.service_name!r} declares no Scheduler dependency")
