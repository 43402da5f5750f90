"""The fault-injection harness: the platform as real processes, a load of registrations over
HTTP, faults, and the check of the outcome from the stores themselves.

* :func:`running_platform` makes a test's own vhost (or uses a broker it is given) and its
  own two PostgreSQL databases, puts a :class:`~faults.proxy.TcpProxy` in front of each
  database (and, if asked, of RabbitMQ), and runs ``mentoring run-one registration`` and
  ``mentoring run-one matching`` as child processes whose database URLs point at the
  proxies.
* :class:`Load`: a coordinator opens an ``automatic`` programme; client threads register
  mentors and mentees over HTTP, each request with an ``Idempotency-Key``; a 503 (after its
  ``Retry-After``) or a connection error is retried with the same key, for at most
  :data:`PER_REGISTRATION_SECONDS`; only a 2xx acknowledges a registration. Every answer is
  counted.
* :func:`terminate_backends`: ``pg_terminate_backend`` of every backend of the test's
  databases, through a direct admin connection.
* :meth:`Platform.outcome`: waits (bounded) until the platform is quiet, then reads both
  services' tables directly and lists every violation, each saying what was seen.
"""
from __future__ import annotations

import collections
import contextlib
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Sequence
from urllib.parse import urlsplit, urlunsplit

import requests
from kombu import Connection
from service_process import free_port, mentoring, output_of, service_env, stop
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from services.matching.service import REGISTRATION_EVENTS
from services.platform_core.testing import (
    PG_ADMIN_URL,
    RABBIT_HOST,
    RABBIT_PORT,
    list_queues,
    temporary_database,
    temporary_vhost,
)

from .proxy import TcpProxy

OPERATOR_TOKEN = "op-faults-" + "f" * 32
PLATFORM_SECRET = "faults-platform-secret-" + "s" * 20
SERVICES = ("registration", "matching")
CONSUMER = "matching.on_registration"
#: pairings that hold a mentor's place and a mentee
ACTIVE = ("proposed", "confirmed")

#: how long one logical registration may take, retries included
PER_REGISTRATION_SECONDS = 60.0
#: how long the whole load may take (then the clients are stopped)
LOAD_SECONDS = 180.0
#: how long the platform may take to become quiet after the load
QUIET_SECONDS = 120.0
#: ... and gives up sooner when nothing moved for this long
STALL_SECONDS = 60.0
#: statuses the client retries with the same Idempotency-Key (besides connection errors);
#: anything else but a 2xx ends the registration as failed
RETRIED_STATUSES = (503,)
#: how many items a violation lists before "... and N more"
SHOWN = 8


def _listing(items: Iterable[Any], shown: int = SHOWN) -> str:
    listed = list(items)
    text_ = "; ".join(str(i) for i in listed[:shown])
    return text_ + (f"; ... and {len(listed) - shown} more" if len(listed) > shown else "")


# ---------------------------------------------------------------------------------------------
# The services as processes
# ---------------------------------------------------------------------------------------------

class ServiceProcess:
    """``mentoring run-one NAME`` as a child process; its output goes to ``log_path`` (read
    all the time, so a chatty service never blocks on a full pipe)."""

    def __init__(self, name: str, env: dict, http_port: int, log_path: Path):
        self.name = name
        self.http_port = http_port
        self.log_path = log_path
        self.tail: collections.deque = collections.deque(maxlen=60)
        self.errors: List[str] = []
        self.process = mentoring("run-one", name, env=env)
        self._drainer = threading.Thread(target=self._drain, name=f"{name}-output", daemon=True)
        self._drainer.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def _drain(self) -> None:
        with open(self.log_path, "w") as log:
            for line in output_of(self.process):
                log.write(line)
                log.flush()
                self.tail.append(line.rstrip())
                if " ERROR " in line and len(self.errors) < 200:
                    self.errors.append(line.rstrip())

    def output_tail(self, lines: int = 30) -> str:
        return "\n".join(list(self.tail)[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise AssertionError(f"{self.name} exited with {self.process.returncode} before answering "
                                     f"/health:\n{self.output_tail()}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not answer /health within {timeout:.0f}s:\n"
                                     f"{self.output_tail()}")
            time.sleep(0.2)

    def stop(self) -> Optional[str]:
        """Stop it (SIGTERM, killed after 20 s); a note when it did not stop by itself."""
        note = None
        try:
            stop(self.process, timeout=20)
        except Exception:  # noqa: BLE001 - killed; stop() then reads the output our drainer reads
            note = f"{self.name} did not stop within 20s of SIGTERM and was killed"
        finally:
            if self.process.poll() is None:  # pragma: no cover - stop() kills it already
                self.process.kill()
                self.process.wait()
        self._drainer.join(timeout=10)
        if note is None and self.process.returncode not in (0, -15):
            note = f"{self.name} stopped with status {self.process.returncode}"
        return note


# ---------------------------------------------------------------------------------------------
# The broker the services use, as the test inspects it
# ---------------------------------------------------------------------------------------------

class Broker(Protocol):
    """The broker the services use, as the test inspects it."""

    @property
    def amqp_uri(self) -> str: ...

    def queue_names(self) -> List[str]: ...


class SharedBroker:
    """A vhost of the machine's RabbitMQ (queues listed through the management API)."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri

    def queue_names(self) -> List[str]:
        return list_queues(self.amqp_uri)


def queue_states(amqp_uri: str, queues: Sequence[str]) -> Dict[str, tuple]:
    """Queue -> (messages ready, consumers) now (a passive declare: not the management
    API's figures, which lag)."""
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.channel()
        try:
            return {queue: tuple(channel.queue_declare(queue, passive=True)[1:3]) for queue in queues}
        finally:
            channel.close()


def peek_dead_letters(amqp_uri: str, queue: str, limit: int = 20) -> List[str]:
    """What the first messages of a dead-letter queue say (left in the queue)."""
    out = []
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.channel()
        try:
            for _ in range(limit):
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                headers = dict(message.properties.get("application_headers") or {})
                reason = headers.get("x-dead-letter-reason")
                reason = reason.decode() if isinstance(reason, bytes) else reason
                out.append(f"{headers.get('event_type') or message.properties.get('type') or '?'} "
                           f"{message.properties.get('message_id') or '-'}: {reason}")
        finally:
            channel.close()  # unacknowledged: they go back to the queue
    return out


# ---------------------------------------------------------------------------------------------
# The platform of one test
# ---------------------------------------------------------------------------------------------

@dataclass
class Platform:
    amqp_uri: str  # what the test uses (direct)
    broker: Broker
    databases: Dict[str, str]  # service -> direct URL (the test's own connections)
    db_proxies: Dict[str, TcpProxy]
    amqp_proxy: Optional[TcpProxy]
    services: Dict[str, ServiceProcess]
    engines: Dict[str, Engine]
    notes: List[str] = field(default_factory=list)

    @property
    def registration_url(self) -> str:
        return self.services["registration"].url

    # -- faults -----------------------------------------------------------------------------------
    def terminate_backends(self) -> int:
        return terminate_backends(self.databases.values())

    def cut_databases(self) -> int:
        return sum(proxy.cut() for proxy in self.db_proxies.values())

    def databases_down(self) -> int:
        return sum(proxy.down() for proxy in self.db_proxies.values())

    def databases_up(self) -> None:
        for proxy in self.db_proxies.values():
            proxy.up()

    def proxy_stats(self) -> Dict[str, dict]:
        stats = {f"db:{name}": proxy.stats() for name, proxy in self.db_proxies.items()}
        if self.amqp_proxy is not None:
            stats["amqp"] = self.amqp_proxy.stats()
        return stats

    # -- the load ---------------------------------------------------------------------------------
    def start_load(self, registrations: Optional[List["Registration"]] = None, clients: int = 4) -> "Load":
        """A new programme, and ``clients`` threads registering ``registrations`` (default:
        :func:`plan`) in it."""
        return Load(self.registration_url, open_programme(self.registration_url),
                    plan() if registrations is None else registrations, clients=clients,
                    give_up=self.a_service_died).start()

    def a_service_died(self) -> bool:
        return any(not service.alive() for service in self.services.values())

    def strike_under_load(self, action: Callable[[], int], times: int, **when) -> "Outcome":
        """The default load, ``action`` struck ``times`` times during it (see
        :func:`strike_during`), then the outcome; the strikes are in ``outcome.strikes``."""
        load = self.start_load()
        strikes = strike_during(load, times, action, **when)
        load.join()
        outcome = self.outcome(load)
        outcome.strikes = strikes
        return outcome

    # -- the outcome --------------------------------------------------------------------------------
    def dead_letters(self) -> Dict[str, List[str]]:
        """Dead-letter queue -> what its messages say (only queues holding some)."""
        queues = [q for q in self.broker.queue_names() if q.endswith(".dead-letter")]
        states = queue_states(self.amqp_uri, queues)
        return {queue: peek_dead_letters(self.amqp_uri, queue) or [f"{n} message(s)"]
                for queue, (n, _consumers) in states.items() if n}

    def pending(self, load: "Load") -> List[str]:
        """What the platform still has to do (empty: quiet)."""
        out = []
        for name, service in self.services.items():
            if not service.alive():
                out.append(f"{name} exited with {service.process.returncode}:\n{service.output_tail()}")
        reg, match = self.engines["registration"], self.engines["matching"]
        with reg.connect() as conn:
            expected: Dict[str, str] = dict(conn.execute(
                text("SELECT event_id, event_type FROM events WHERE event_type = ANY(:types)"),
                {"types": list(REGISTRATION_EVENTS)}).all())
            reg_outbox = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        with match.connect() as conn:
            handled = set(conn.execute(text("SELECT event_id FROM inbox WHERE consumer = :consumer"),
                                       {"consumer": CONSUMER}).scalars())
            match_outbox = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            known = set(conn.execute(text("SELECT person_id FROM match_participants")).scalars())
        missing = {event_id: kind for event_id, kind in expected.items() if event_id not in handled}
        if missing:
            out.append(f"{len(missing)} of registration's {len(expected)} events not yet handled by "
                       f"{CONSUMER}: {dict(collections.Counter(missing.values()))}")
        if reg_outbox:
            out.append(f"registration's outbox holds {reg_outbox} event(s)")
        if match_outbox:
            out.append(f"matching's outbox holds {match_outbox} event(s)")
        unknown = [r for r in load.acknowledged() if r.person_id not in known]
        if unknown:
            out.append(f"{len(unknown)} acknowledged registration(s) not in matching's participants")
        states = queue_states(self.amqp_uri, [CONSUMER, f"{CONSUMER}.retry"])
        out += [f"{queue} holds {n} message(s), {consumers} consumer(s)"
                for queue, (n, consumers) in states.items() if n]
        return out

    def settle(self, load: "Load", timeout: float = QUIET_SECONDS, stall: float = STALL_SECONDS) -> List[str]:
        """Wait until the platform is quiet; stop early when something is dead-lettered, a
        service died or nothing moved for ``stall`` seconds. Returns the violations seen on
        the way (empty: quiet)."""
        started = time.monotonic()
        last, moved_at = None, started
        while True:
            try:
                dead = self.dead_letters()
                pending = self.pending(load)
            except Exception as exc:  # noqa: BLE001 - the broker or database is still coming back
                dead, pending = {}, [f"could not look: {type(exc).__name__}: {exc}"]
            if dead:
                return [f"dead-lettered in {queue}: {_listing(reasons)}" for queue, reasons in dead.items()]
            if not pending:
                return []
            now = time.monotonic()
            if pending != last:
                last, moved_at = pending, now
            why = ("a service died" if self.a_service_died() else
                   f"not quiet within {timeout:.0f}s" if now - started > timeout else
                   f"nothing moved for {stall:.0f}s" if now - moved_at > stall else None)
            if why:
                return [f"{why} after the load (and no dead-letters replay was done): " + " | ".join(pending)]
            time.sleep(0.5)

    def outcome(self, load: "Load", settle_timeout: float = QUIET_SECONDS) -> "Outcome":
        """Wait for quiet, then check everything; the outcome lists every violation."""
        violations = self.settle(load, settle_timeout)
        seen: dict = {"quiet": not violations}  # if not, the checks below saw a platform still at work
        violations += check_answers(load)
        violations += check_stores(self.engines, load, seen)
        return Outcome(violations, load, self, seen)


@dataclass
class Outcome:
    violations: List[str]
    load: "Load"
    platform: Platform
    seen: dict = field(default_factory=dict)
    strikes: List["Strike"] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.violations

    def __repr__(self) -> str:
        return f"<Outcome: {len(self.violations)} violation(s)>"

    def assert_struck(self, what: str) -> None:
        """The strikes hit something (each returned how many ``what``) while the load ran:
        otherwise the test proved nothing."""
        hits = [strike.result for strike in self.strikes]
        assert sum(hits) > 0 and any(strike.load_running for strike in self.strikes), (
            f"the fault hit nothing: {what} per strike {hits}, load still running at each "
            f"{[strike.load_running for strike in self.strikes]}\n{self}")

    def __str__(self) -> str:
        lines = [f"{len(self.violations)} violation(s):"] + [f"  - {v}" for v in self.violations]
        took = (self.load.finished_at or time.monotonic()) - (self.load.started_at or time.monotonic())
        lines.append(f"  answers ({len(self.load.registrations)} registrations in {took:.1f}s): "
                     f"{self.load.answers.summary()}")
        lines.append(f"  seen: {self.seen}")
        lines.append(f"  proxies: {self.platform.proxy_stats()}")
        for name, service in self.platform.services.items():
            if service.errors:
                lines.append(f"  {name} logged {len(service.errors)} ERROR line(s), first: {service.errors[0][:400]}")
        lines += [f"  note: {note}" for note in self.platform.notes]
        return "\n".join(lines)


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool, future=True)


def _through(proxy: TcpProxy, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    return make_url(url).set(drivername="postgresql", host="127.0.0.1", port=proxy.port) \
        .render_as_string(hide_password=False)


@contextlib.contextmanager
def running_platform(tmp_path: Path, *, broker: Optional[Broker] = None, amqp_proxy: bool = False,
                     extra_env: Optional[dict] = None) -> Iterator[Platform]:
    """Registration and matching as processes, on the test's own databases (through proxies)
    and vhost (or ``broker``: anything with ``amqp_uri`` and ``queue_names()``)."""
    with contextlib.ExitStack() as stack:
        if broker is None:
            broker = SharedBroker(stack.enter_context(temporary_vhost(prefix="mentoring-faults")))
        amqp_uri = broker.amqp_uri
        databases = {name: stack.enter_context(temporary_database(prefix=f"faults_{name}")) for name in SERVICES}
        engines = {name: _engine(url) for name, url in databases.items()}
        for engine in engines.values():
            stack.callback(engine.dispose)
        admin_url = make_url(PG_ADMIN_URL)
        db_proxies = {name: stack.enter_context(TcpProxy(admin_url.host or "127.0.0.1", admin_url.port or 5432,
                                                         name=f"db-{name}"))
                      for name in SERVICES}
        service_amqp_uri, proxy = amqp_uri, None
        if amqp_proxy:
            parts = urlsplit(amqp_uri)
            proxy = stack.enter_context(TcpProxy(parts.hostname or RABBIT_HOST, parts.port or RABBIT_PORT,
                                                 name="amqp"))
            credentials = parts.netloc.rpartition("@")[0]
            service_amqp_uri = urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}"))
        ports = {name: free_port() for name in SERVICES}
        env = service_env(
            AMQP_URI=service_amqp_uri,
            REGISTRATION_DATABASE_URL=_through(db_proxies["registration"], databases["registration"]),
            MATCHING_DATABASE_URL=_through(db_proxies["matching"], databases["matching"]),
            REGISTRATION_HTTP_PORT=ports["registration"], MATCHING_HTTP_PORT=ports["matching"],
            REGISTRATION_METRICS_PORT=0, MATCHING_METRICS_PORT=0,
            OPERATOR_TOKEN=OPERATOR_TOKEN, PLATFORM_SECRET=PLATFORM_SECRET,
            OUTBOX_POLL_SECONDS=0.2, EVENT_RETRY_DELAY_SECONDS=0.5,
            EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS=300,
            MENTORING_DATA_DIR=tmp_path / "data", LOG_LEVEL="INFO",
            # as deployed: the suite's check of every kept programme state (conftest) would turn
            # a stale state into a failed handler instead of the wrong decision we look for
            MATCHING_VERIFY_STATE="0", **(extra_env or {}))
        platform = Platform(amqp_uri, broker, databases, db_proxies, proxy, {}, engines)
        try:
            for name in SERVICES:
                platform.services[name] = ServiceProcess(name, env, ports[name], tmp_path / f"{name}.log")
            for service in platform.services.values():
                service.wait_healthy()
            yield platform
        finally:
            for db_proxy in db_proxies.values():  # a test that failed mid-outage: let them stop cleanly
                db_proxy.up()
            for service in platform.services.values():
                note = service.stop()
                if note:
                    platform.notes.append(note)


def terminate_backends(database_urls) -> int:
    """``pg_terminate_backend`` every backend of these databases (a direct admin
    connection, not a proxy); returns how many were terminated."""
    names = [make_url(url).database for url in database_urls]
    admin = create_engine(PG_ADMIN_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            return len([ok for ok in conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"), {"names": names}).scalars() if ok])
    finally:
        admin.dispose()


# ---------------------------------------------------------------------------------------------
# The load: a coordinator, a programme, and clients registering people over HTTP
# ---------------------------------------------------------------------------------------------

LANGUAGES = ["lv", "en"]
AREAS = [("education", "Education"), ("finance", "Financial literacy"), ("goals", "Goal setting")]


def programme_settings(today: Optional[date] = None) -> dict:
    """An automatic programme open now, in which every mentor suits every mentee: adults
    who need no consent, one language and one area that everybody has."""
    start = (today or date.today()) + timedelta(days=30)
    return {
        "name": "Fault injection",
        "dates": {"meetings_start": start.isoformat(),
                  "meetings_end": (start + timedelta(days=365)).isoformat(),
                  "rolling_registration": True},
        "people": {"mentor_capacity": {"min": 1, "max": 3, "default": 2},
                   "mentor_min_age": 20, "mentee_min_age": 16, "mentee_max_age": 40},
        "rules": {"consent": {"rule": "guardian_for_minors"}},
        "content": {"areas": [{"id": i, "labels": {"en": en}} for i, en in AREAS],
                    "languages": LANGUAGES, "remote_allowed": True},
        "matching": {"mode": "automatic", "participant_kind": "individual"},
    }


@dataclass
class Programme:
    tenant: str
    api_key: str
    programme_id: str


def _answer(method: str, url: str, **kwargs) -> requests.Response:
    """A set-up call, retried while the service is only just up (connection errors)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.request(method, url, timeout=30, **kwargs)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def open_programme(base: str) -> Programme:
    slug = f"faults-{uuid.uuid4().hex[:8]}"
    response = _answer("POST", f"{base}/tenants", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}, json={
        "slug": slug, "name": "Fault injection foundation", "kind": "foundation",
        "default_language": "lv", "time_zone": "Europe/Riga"})
    assert response.status_code == 201, f"creating the tenant: {response.status_code} {response.text}"
    api_key = response.json()["api_key"]
    response = _answer("POST", f"{base}/tenants/{slug}/programmes", headers={"Authorization": f"Bearer {api_key}"},
                       json=programme_settings())
    assert response.status_code == 201, f"creating the programme: {response.status_code} {response.text}"
    return Programme(slug, api_key, response.json()["id"])


@dataclass
class Registration:
    """One logical registration (one Idempotency-Key, however many requests it takes)."""

    role: str  # mentor | mentee
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    capacity: Optional[int] = None
    person_id: Optional[str] = None
    attempts: int = 0
    failure: Optional[str] = None  # why it was never acknowledged (a kind of failure)
    last_answer: Optional[str] = None

    def fail(self, why: str, last_answer: str) -> None:
        self.failure, self.last_answer = why, last_answer

    @property
    def email(self) -> str:
        return f"{self.key}@faults.example.org"

    @property
    def path(self) -> str:
        return f"{self.role}s"

    def body(self) -> dict:
        personal = {"name": f"{self.role.title()} {self.key[:8]}", "email": self.email,
                    "date_of_birth": "1980-05-17" if self.role == "mentor" else "2000-03-01"}
        profile = {"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": True, "community": []}
        if self.capacity is not None:
            profile["capacity"] = self.capacity
        return {"personal": personal, "profile": profile}

    def __str__(self) -> str:
        who = self.person_id or f"key {self.key}"
        return f"{self.role} {who}"


#: the load of every test: 40 mentors of capacity 2 (80 places) and 260 adult mentees
MENTORS, MENTEES, CAPACITY = 40, 260, 2


def plan(mentors: int = MENTORS, mentees: int = MENTEES, capacity: int = CAPACITY, mentors_in_load: bool = True,
         seed: int = 7) -> List[Registration]:
    """The registrations of a run: ``mentors`` of ``capacity`` and ``mentees``; with
    ``mentors_in_load`` the mentors are spread through the whole load (the first few come
    first), otherwise they all come first."""
    mentor_list = [Registration("mentor", capacity=capacity) for _ in range(mentors)]
    mentee_list = [Registration("mentee") for _ in range(mentees)]
    if not mentors_in_load:
        return mentor_list + mentee_list
    rnd = random.Random(seed)
    head, rest = mentor_list[:3], mentor_list[3:] + mentee_list
    rnd.shuffle(rest)
    return head + rest


class Answers:
    """Every HTTP answer (or failure to answer) the clients got, with when."""

    def __init__(self):
        self._lock = threading.Lock()
        self.log: List[tuple] = []  # (monotonic time, status or error kind, registration key)
        self.without_retry_after: List[str] = []
        self.server_errors: List[str] = []

    def record(self, what, key: str, response: Optional[requests.Response] = None) -> None:
        with self._lock:
            self.log.append((time.monotonic(), what, key))
            if response is not None and response.status_code == 503 and not response.headers.get("Retry-After"):
                self.without_retry_after.append(f"{key}: {response.text[:200]}")
            if response is not None and response.status_code >= 500 and response.status_code != 503:
                self.server_errors.append(f"{response.status_code} {response.text[:300]}")

    def counts(self, since: float = float("-inf"), until: float = float("inf")) -> collections.Counter:
        with self._lock:
            return collections.Counter(what for at, what, _ in self.log if since <= at <= until)

    def summary(self) -> str:
        return ", ".join(f"{what}: {n}" for what, n in sorted(self.counts().items(), key=lambda i: str(i[0])))


class Load:
    """Client threads registering ``plan`` in ``programme`` over HTTP."""

    def __init__(self, base: str, programme: Programme, registrations: List[Registration], clients: int = 4,
                 per_registration: float = PER_REGISTRATION_SECONDS, give_up: Callable[[], bool] = lambda: False):
        self.base = base
        self.give_up = give_up  # e.g. a service died: no point waiting for the load any more
        self.programme = programme
        self.registrations = registrations
        self.answers = Answers()
        self.per_registration = per_registration
        self._next = iter(registrations)
        self._lock = threading.Lock()
        self._stopping = False
        self._done = 0
        self.started_at: Optional[float] = None
        self.finished_at: Optional[float] = None
        self.clients = [threading.Thread(target=self._client, name=f"client-{k}", daemon=True)
                        for k in range(clients)]

    def start(self) -> "Load":
        self.started_at = time.monotonic()
        for client in self.clients:
            client.start()
        return self

    def _take(self) -> Optional[Registration]:
        with self._lock:
            return None if self._stopping else next(self._next, None)

    def _client(self) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.programme.api_key}"}
        url = f"{self.base}/tenants/{self.programme.tenant}/programmes/{self.programme.programme_id}/"
        while True:
            registration = self._take()
            if registration is None:
                return
            try:
                self._register(session, url + registration.path, headers, registration)
            except Exception as exc:  # noqa: BLE001 - a bug of ours must not stop the client
                registration.fail(f"the client failed: {type(exc).__name__}", str(exc))
            with self._lock:
                self._done += 1

    def _register(self, session, url: str, headers: dict, registration: Registration) -> None:
        deadline = time.monotonic() + self.per_registration
        body = registration.body()
        last = "no answer"
        while not self._stopping:
            registration.attempts += 1
            try:
                response = session.post(url, json=body, headers={**headers, "Idempotency-Key": registration.key},
                                        timeout=(3, 20))
            except requests.RequestException as exc:  # refused, reset, timed out: the same key again
                kind = "timeout" if isinstance(exc, requests.Timeout) else "connection_error"
                self.answers.record(kind, registration.key)
                last, pause = f"{kind}: {exc}", 0.2
                session = requests.Session()
            else:
                self.answers.record(response.status_code, registration.key, response)
                last = f"{response.status_code} {response.text[:300]}"
                if 200 <= response.status_code < 300:
                    try:
                        registration.person_id = response.json()["person_id"]
                    except (ValueError, KeyError, TypeError):
                        registration.fail(f"answered {response.status_code} without a person_id", last)
                    return
                if response.status_code not in RETRIED_STATUSES:
                    registration.fail(f"answered {response.status_code}", last)
                    return
                pause = _retry_after(response)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                registration.fail(f"no 2xx within {self.per_registration:.0f}s", last)
                return
            time.sleep(min(pause, remaining))
        registration.fail("the load was stopped", last)

    # -- progress ----------------------------------------------------------------------------------
    @property
    def done(self) -> int:
        return self._done

    @property
    def running(self) -> bool:
        return any(client.is_alive() for client in self.clients)

    def acknowledged(self) -> List[Registration]:
        return [r for r in self.registrations if r.person_id is not None]

    def wait_for_progress(self, fraction: float, timeout: float = 120.0) -> None:
        """Until ``fraction`` of the registrations are done (the moment to strike)."""
        wanted = int(len(self.registrations) * fraction)
        deadline = time.monotonic() + timeout
        while self._done < wanted:
            if time.monotonic() > deadline:
                raise AssertionError(f"the load did only {self._done} of {len(self.registrations)} "
                                     f"registrations in {timeout:.0f}s; answers: {self.answers.summary()}")
            if self.give_up():  # a service died: the outcome will say so
                return
            if not self.running:
                raise AssertionError(f"every client stopped after {self._done} registrations; "
                                     f"answers: {self.answers.summary()}")
            time.sleep(0.05)

    def remaining(self) -> int:
        return len(self.registrations) - self._done

    def join(self, timeout: float = LOAD_SECONDS) -> bool:
        """Wait for every client; False (and the clients stopped) after ``timeout`` or as
        soon as ``give_up()`` says so."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline and not self.give_up():
            time.sleep(0.1)
        finished = not self.running
        if not finished:
            self._stopping = True
            for client in self.clients:
                client.join(30)  # a request in flight ends within its own timeout
        self.finished_at = time.monotonic()
        return finished


def _retry_after(response: requests.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "0.5")), 0.05), 5.0)
    except ValueError:
        return 0.5


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

def check_answers(load: Load) -> List[str]:
    """Every registration acknowledged; no 500; every 503 said when to come back."""
    out = []
    lost = [r for r in load.registrations if r.person_id is None]
    if lost:
        why = collections.Counter(r.failure or "never tried" for r in lost)
        examples = [f"{r} after {r.attempts} attempt(s), last answer {r.last_answer}" for r in lost]
        out.append(f"{len(lost)} of {len(load.registrations)} registrations were never acknowledged with a 2xx "
                   f"({dict(why)}): {_listing(examples, 3)}")
    counts = load.answers.counts()
    server_errors = {status: n for status, n in counts.items()
                     if isinstance(status, int) and status >= 500 and status != 503}
    if server_errors:
        out.append(f"registration answered {server_errors} (never a 500: a fault is a 503 with Retry-After); "
                   f"bodies: {_listing(load.answers.server_errors, 3)}")
    if load.answers.without_retry_after:
        out.append(f"{len(load.answers.without_retry_after)} 503 answer(s) without Retry-After: "
                   f"{_listing(load.answers.without_retry_after, 3)}")
    return out


@dataclass
class Stores:
    """What the two stores hold about the load's programme, read from their tables (by name,
    with a superuser connection: no tenant wall)."""

    people: list  # (person_id, email) rows of registration's people
    reg_roles: Dict[str, str]  # person -> role, registration's participations
    reg_profiles: Dict[str, dict]  # person -> profile, registration's participations
    match_rows: Dict[str, Any]  # person -> row of matching's match_participants
    pairings: list  # matching's pairings (any status)
    waiting: Dict[str, str]  # mentee -> reason, matching's waiting list

    @classmethod
    def read(cls, engines: Dict[str, Engine], load: Load) -> "Stores":
        where = {"tenant": load.programme.tenant, "programme": load.programme.programme_id}
        with engines["registration"].connect() as conn:
            people = conn.execute(text("SELECT person_id, email FROM people WHERE tenant_id = :tenant"),
                                  where).all()
            participations = conn.execute(text("SELECT person_id, role, profile FROM participations "
                                               "WHERE programme_id = :programme"), where).all()
        with engines["matching"].connect() as conn:
            match_rows = {row.person_id: row for row in conn.execute(text(
                "SELECT person_id, role FROM match_participants WHERE programme_id = :programme"), where)}
            pairings = conn.execute(text("SELECT pairing_id, mentor_id, mentee_id, status FROM match_pairings "
                                         "WHERE programme_id = :programme"), where).all()
            waiting: Dict[str, str] = dict(conn.execute(text("SELECT mentee_id, reason FROM match_waiting "
                                                             "WHERE programme_id = :programme"), where).all())
        return cls(
            people=list(people),
            reg_roles={row.person_id: row.role for row in participations},
            reg_profiles={row.person_id: json.loads(row.profile) if isinstance(row.profile, str) else row.profile
                          for row in participations},
            match_rows=match_rows, pairings=list(pairings), waiting=waiting)


@dataclass
class ActivePairings:
    """The pairings that hold a place, by mentee and by mentor."""

    pairings: list
    per_mentee: Dict[str, list] = field(default_factory=dict)
    per_mentor: Dict[str, list] = field(default_factory=dict)

    @classmethod
    def of(cls, stores: Stores) -> "ActivePairings":
        active = cls([p for p in stores.pairings if p.status in ACTIVE])
        for p in active.pairings:
            active.per_mentee.setdefault(p.mentee_id, []).append(p)
            active.per_mentor.setdefault(p.mentor_id, []).append(p)
        return active


def check_stores(engines: Dict[str, Engine], load: Load, seen: Optional[dict] = None) -> List[str]:
    """The stores after the run: nothing lost, nobody twice, nobody over capacity. ``seen``
    (a dict) receives the figures looked at."""
    seen = {} if seen is None else seen
    stores = Stores.read(engines, load)
    acknowledged = load.acknowledged()
    out = check_registrations_known(stores, acknowledged)
    out += check_registered_once(stores, load, acknowledged, seen)
    active = ActivePairings.of(stores)
    seen.update({"acknowledged": len(acknowledged), "known to matching": len(stores.match_rows),
                 "active pairings": len(active.pairings), "waiting": len(stores.waiting)})
    capacity_of = {r.person_id: _capacity(stores, r.person_id, r.capacity)
                   for r in acknowledged if r.role == "mentor" and r.person_id is not None}
    out += check_pairings(stores, acknowledged, active, capacity_of)
    out += check_matching_caught_up(stores, acknowledged, active, capacity_of)
    return out


def _capacity(stores: Stores, mentor: str, asked: Optional[int]) -> int:
    """A mentor's capacity: as registered, else (the programme's default) what registration
    holds, else 2."""
    if asked is not None:
        return asked
    return (stores.reg_profiles.get(mentor) or {}).get("capacity") or 2


def check_registrations_known(stores: Stores, acknowledged: List[Registration]) -> List[str]:
    """Every acknowledged registration is in registration's store and known to matching, in
    its role."""
    out = []
    not_in_registration = [r for r in acknowledged
                           if r.person_id is None or stores.reg_roles.get(r.person_id) != r.role]
    if not_in_registration:
        out.append(f"{len(not_in_registration)} acknowledged registration(s) missing from registration's "
                   f"participations (or in another role): {_listing(not_in_registration)}")
    unknown = [r for r in acknowledged if r.person_id not in stores.match_rows]
    if unknown:
        out.append(f"{len(unknown)} acknowledged registration(s) unknown to matching (match_participants): "
                   f"{_listing(unknown)}")
    wrong_role = [f"{r} is a {stores.match_rows[r.person_id].role} there" for r in acknowledged
                  if r.person_id in stores.match_rows and stores.match_rows[r.person_id].role != r.role]
    if wrong_role:
        out.append(f"matching has people in the wrong role: {_listing(wrong_role)}")
    return out


def check_registered_once(stores: Stores, load: Load, acknowledged: List[Registration],
                          seen: dict) -> List[str]:
    """One person per logical registration (a retried request must not register twice), and
    none stored that the client was told failed."""
    out = []
    by_email = collections.Counter(email for _, email in stores.people)
    ours = {r.email for r in load.registrations}
    seen["people in registration (ours)"] = sum(n for email, n in by_email.items() if email in ours)
    if acknowledged and not seen["people in registration (ours)"]:
        out.append("registration's people table shows none of the e-mails sent: duplicates cannot be checked")
    twice = {email: n for email, n in by_email.items() if n > 1 and email in ours}
    if twice:
        out.append(f"{len(twice)} registration(s) were stored more than once (Idempotency-Key not honoured): "
                   f"{_listing(f'{email} x{n}' for email, n in twice.items())}")
    told_failed = [f"{r.email} (last answer {r.last_answer})" for r in load.registrations
                   if r.person_id is None and by_email.get(r.email)]
    if told_failed:
        out.append(f"{len(told_failed)} registration(s) stored although the client was told they failed: "
                   f"{_listing(told_failed, 3)}")
    return out


def check_pairings(stores: Stores, acknowledged: List[Registration], active: ActivePairings,
                   capacity_of: Dict[str, int]) -> List[str]:
    """One active pairing per mentee, no mentor over capacity, only known people."""
    out = []
    if acknowledged and not active.pairings:
        out.append("matching holds no active pairing at all: it paired nobody")
    doubled = {m: ps for m, ps in active.per_mentee.items() if len(ps) > 1}
    if doubled:
        out.append(f"{len(doubled)} mentee(s) with more than one active pairing: " + _listing(
            f"{m}: {[(p.pairing_id, p.mentor_id, p.status) for p in ps]}" for m, ps in doubled.items()))
    over = []
    for mentor, ps in active.per_mentor.items():
        # not one of ours (registered twice?): what registration holds
        capacity = capacity_of[mentor] if mentor in capacity_of else _capacity(stores, mentor, None)
        if len(ps) > capacity:
            known = "known to matching" if mentor in stores.match_rows else "UNKNOWN to matching"
            over.append(f"mentor {mentor} ({known}) has {len(ps)} active pairings, capacity {capacity}")
    if over:
        out.append(f"{len(over)} mentor(s) above capacity: {_listing(over)}")
    strangers = sorted({(p.pairing_id, role, person) for p in active.pairings
                        for role, person in (("mentor", p.mentor_id), ("mentee", p.mentee_id))
                        if person not in stores.match_rows}, key=str)
    if strangers:
        out.append(f"{len(strangers)} active pairing side(s) name people matching does not know: "
                   f"{_listing(strangers)}")
    return out


def check_matching_caught_up(stores: Stores, acknowledged: List[Registration], active: ActivePairings,
                             capacity_of: Dict[str, int]) -> List[str]:
    """Every mentee paired or waiting, nobody waiting while a mentor has room."""
    out = []
    waiting = stores.waiting
    mentees = [r for r in acknowledged if r.role == "mentee" and r.person_id in stores.match_rows]
    unplaced = [r for r in mentees if r.person_id not in active.per_mentee and r.person_id not in waiting]
    if unplaced:
        out.append(f"{len(unplaced)} mentee(s) neither paired nor waiting: {_listing(unplaced)}")
    room = {m: capacity_of[m] - len(active.per_mentor.get(m, ())) for m in capacity_of if m in stores.match_rows}
    with_room = {m: n for m, n in room.items() if n > 0}
    waiting_ours = [r.person_id for r in mentees if r.person_id in waiting and r.person_id not in active.per_mentee]
    if with_room and waiting_ours:
        reasons = dict(collections.Counter(waiting[m] for m in waiting_ours))
        out.append(f"{len(waiting_ours)} mentee(s) wait ({reasons}) "
                   f"while {len(with_room)} mentor(s) have room: {_listing(with_room.items())}")
    return out


@dataclass
class Strike:
    """One blow of a fault: when it fell (registrations done, whether the load still ran)
    and what the action returned."""

    done: int
    load_running: bool
    result: int


def strike_during(load: Load, times: int, action: Callable[[], int], *, start: float = 0.1,
                  end: float = 0.8, min_gap: float = 1.0, timeout: float = 120.0) -> List[Strike]:
    """``action`` ``times`` times during ``load``: at evenly spaced points of its progress
    from ``start`` to ``end`` (fractions of the registrations done), at least ``min_gap``
    seconds apart. A load that ends early does not stop the strikes (the rest fall
    ``min_gap`` apart, on the platform catching up)."""
    total = len(load.registrations)
    points = [start + (end - start) * k / max(times - 1, 1) for k in range(times)]
    strikes: List[Strike] = []
    last = None
    for fraction in points:
        deadline = time.monotonic() + timeout
        while load.done < int(total * fraction) and load.running:
            if load.give_up():  # a service died: the outcome will say so
                return strikes
            if time.monotonic() > deadline:
                raise AssertionError(f"the load did only {load.done} of {total} registrations in {timeout:.0f}s; "
                                     f"answers: {load.answers.summary()}")
            time.sleep(0.02)
        if last is not None:
            time.sleep(max(0.0, min_gap - (time.monotonic() - last)))
        running = load.running
        strikes.append(Strike(load.done, running, action()))
        last = time.monotonic()
    return strikes


