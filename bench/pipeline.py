"""Throughput end to end (issue 13): mentees registered over HTTP to their published pairing.

    python bench/pipeline.py            # 2,000 mentors; burst of 1,000; 100/s for 60 s (PostgreSQL)
    python bench/pipeline.py --quick    # 200 mentors; burst of 200; 20/s for 10 s
    python bench/pipeline.py --quick --sqlite   # the embedded default stores instead

Registration and matching run as ``mentoring run-one`` processes (``python -m
services.platform_core.cli run-one NAME``), one each, as ``./dev up`` runs them, with production
settings, on two temporary PostgreSQL databases (``TEST_PG_URL``; ``--sqlite``: SQLite files in a
temporary directory) and a temporary vhost of the local RabbitMQ (``services.platform_core.testing``).
Over HTTP, as a client would: a tenant, an automatic programme, ``--mentors`` mentors (capacity 5,
all suiting every mentee), then, once matching has consumed them all:

1. **burst** (closed loop): ``--mentees`` mentees from ``--clients`` threads, each posting its next
   registration as soon as the last one is answered. Pairings a second from the first POST to the
   last ``PairingConfirmed`` seen on the broker (a queue of ours bound to
   ``*.pairing.PairingConfirmed`` on ``mentoring.events``, matched to the mentee by the payload's
   ``mentee_id``); HTTP latency and POST-to-``PairingConfirmed`` latency, p50 / p95 / p99.
2. **open loop**: mentees offered at ``--rate`` a second for ``--seconds`` (each sent at its
   scheduled time by a pool of threads; latencies from the scheduled time, so a server that falls
   behind shows it), the same latencies.
3. The RSS of each service process after the run (``VmRSS``), and the CPU seconds each used
   during the burst (``/proc/<pid>/stat``).
4. **ceiling**, same run, same broker: raw kombu publish-with-confirms of as many messages as the
   burst had mentees (about the size of an event), then consuming them; messages a second, and
   the pipeline's ratio to it (issue 13's goal: at least 0.1).

It only prints; it asserts nothing. Everything it made (processes, vhost, databases) is removed
in ``finally`` blocks.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Iterator, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # nameko, imported below

import requests  # noqa: E402
from kombu import Connection, Producer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from services.matching.service import REGISTRATION_EVENTS  # noqa: E402
from services.platform_core.envelope import EVENTS_EXCHANGE  # noqa: E402
from services.platform_core.outbox import declare_exchanges  # noqa: E402
from services.platform_core.testing import temporary_database, temporary_vhost  # noqa: E402

OPERATOR_TOKEN = "op-bench-" + "b" * 32
PLATFORM_SECRET = "bench-platform-secret-" + "s" * 20
SERVICES = ("registration", "matching")
CONSUMER = "matching.on_registration"
QUEUE = "bench-pipeline-pairings"
CAPACITY = 5


# -- the services as processes ----------------------------------------------------------------

def free_port() -> int:
    import socket

    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """``mentoring run-one NAME``; its output goes to a log file."""

    def __init__(self, name: str, env: dict, port: int, log_path: Path):
        self.name, self.port, self.log_path = name, port, log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "services.platform_core.cli", "run-one", name],
                                        env=env, cwd=str(ROOT), stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer /health within {timeout:.0f}s")
            time.sleep(0.2)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            self.log.close()


# -- the programme and the registrations over HTTP --------------------------------------------

def programme_settings() -> dict:
    """An automatic programme open now in which every mentor suits every mentee (adults, one
    language, one area), mentors taking up to ``CAPACITY`` mentees."""
    start = date.today() + timedelta(days=30)
    return {
        "name": "Pipeline benchmark",
        "dates": {"meetings_start": start.isoformat(), "meetings_end": (start + timedelta(days=365)).isoformat(),
                  "rolling_registration": True},
        "people": {"mentor_capacity": {"min": 1, "max": CAPACITY, "default": CAPACITY},
                   "mentor_min_age": 20, "mentee_min_age": 16, "mentee_max_age": 40},
        "rules": {"consent": {"rule": "guardian_for_minors"}},
        "content": {"areas": [{"id": "education", "labels": {"lv": "Izglitiba", "en": "Education"}}],
                    "languages": ["lv"], "remote_allowed": True},
        "matching": {"mode": "automatic", "participant_kind": "individual"},
    }


@dataclass
class Programme:
    tenant: str
    api_key: str
    programme_id: str


def open_programme(base: str) -> Programme:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{base}/tenants", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}, timeout=30,
                             json={"slug": slug, "name": "Bench foundation", "kind": "foundation",
                                   "default_language": "lv", "time_zone": "Europe/Riga"})
    if response.status_code != 201:
        raise RuntimeError(f"creating the tenant: {response.status_code} {response.text}")
    api_key = response.json()["api_key"]
    response = requests.post(f"{base}/tenants/{slug}/programmes", headers={"Authorization": f"Bearer {api_key}"},
                             json=programme_settings(), timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"creating the programme: {response.status_code} {response.text}")
    return Programme(slug, api_key, response.json()["id"])


@dataclass
class Sent:
    """One registration: when it was due (open loop) or sent, when answered, what it got."""

    role: str
    key: str
    due: float = 0.0
    started: float = 0.0
    answered: float = 0.0
    status: object = None
    person_id: Optional[str] = None


def body(role: str, key: str) -> dict:
    personal = {"name": f"{role.title()} {key[:8]}", "email": f"{key}@bench.example.org",
                "date_of_birth": "1980-05-17" if role == "mentor" else "2000-03-01"}
    profile: dict = {"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": True, "community": []}
    if role == "mentor":
        profile["capacity"] = CAPACITY
    return {"personal": personal, "profile": profile}


class Client:
    """A thread's HTTP session; a 503 or connection error is retried with the same key."""

    def __init__(self, base: str, programme: Programme):
        self.session = requests.Session()
        self.url = f"{base}/tenants/{programme.tenant}/programmes/{programme.programme_id}/"
        self.headers = {"Authorization": f"Bearer {programme.api_key}"}

    def register(self, sent: Sent) -> None:
        sent.started = time.perf_counter()
        payload = body(sent.role, sent.key)
        for _ in range(20):
            try:
                response = self.session.post(self.url + sent.role + "s", json=payload, timeout=(3, 60),
                                             headers={**self.headers, "Idempotency-Key": sent.key})
            except requests.RequestException as exc:
                sent.status = type(exc).__name__
                self.session = requests.Session()
                time.sleep(0.2)
                continue
            sent.status = response.status_code
            if response.status_code == 503:
                time.sleep(min(float(response.headers.get("Retry-After") or 0.5), 5.0))
                continue
            if 200 <= response.status_code < 300:
                sent.person_id = response.json()["person_id"]
            break
        sent.answered = time.perf_counter()


def closed_loop(base: str, programme: Programme, items: List[Sent], clients: int) -> None:
    todo: "queue.Queue[Sent]" = queue.Queue()
    for item in items:
        todo.put(item)

    def work() -> None:
        client = Client(base, programme)
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            client.register(item)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def open_loop(base: str, programme: Programme, items: List[Sent], rate: float, workers: int) -> None:
    """Each item sent at ``start + k / rate`` (or as soon as a worker is free after it)."""
    start = time.perf_counter() + 0.2
    for k, item in enumerate(items):
        item.due = start + k / rate
    nexts = iter(items)
    lock = threading.Lock()

    def work() -> None:
        client = Client(base, programme)
        while True:
            with lock:
                item = next(nexts, None)
            if item is None:
                return
            time.sleep(max(0.0, item.due - time.perf_counter()))
            client.register(item)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- what the broker says ---------------------------------------------------------------------

class Receiver(threading.Thread):
    """Our queue on ``mentoring.events``: ``PairingConfirmed`` arrival time by mentee id."""

    def __init__(self, amqp_uri: str):
        super().__init__(daemon=True)
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        declare_exchanges(channel)
        channel.queue_declare(QUEUE, durable=False, auto_delete=True)
        channel.queue_bind(QUEUE, EVENTS_EXCHANGE, "*.pairing.PairingConfirmed")
        channel.basic_consume(QUEUE, callback=self._on_message, no_ack=True)
        self.arrived: Dict[str, float] = {}
        self.stopping = False

    def _on_message(self, message) -> None:
        self.arrived[json.loads(message.body)["payload"]["mentee_id"]] = time.perf_counter()

    def run(self) -> None:
        while not self.stopping:
            try:
                self.connection.drain_events(timeout=0.5)
            except TimeoutError:
                pass
            except OSError:
                if not self.stopping:
                    raise

    def wait_for(self, people: List[str], timeout: float) -> int:
        """Until every one of ``people`` is paired, or nothing new arrived for ``timeout`` s;
        how many are missing."""
        last, moved = -1, time.monotonic()
        while True:
            missing = sum(1 for p in people if p not in self.arrived)
            if not missing:
                return 0
            if missing != last:
                last, moved = missing, time.monotonic()
            elif time.monotonic() - moved > timeout:
                return missing
            time.sleep(0.05)

    def close(self) -> None:
        self.stopping = True
        self.join(timeout=5)
        self.connection.release()


def ceiling(amqp_uri: str, count: int) -> tuple:
    """Raw kombu on the same broker: ``count`` messages published with confirms (one at a time,
    persistent, to a durable queue), then consumed; (publish s, consume s)."""
    message = json.dumps({"event_type": "PairingConfirmed", "payload": {"x": "y" * 700}, "n": 0})
    name = f"bench-ceiling-{uuid.uuid4().hex[:6]}"
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        channel.queue_declare(name, durable=True, auto_delete=False)
        try:
            producer = Producer(channel)
            started = time.perf_counter()
            for _ in range(count):
                producer.publish(message, routing_key=name, delivery_mode=2, content_type="application/json")
            published = time.perf_counter()
            got = [0]

            def on_message(msg) -> None:
                got[0] += 1
                channel.basic_ack(msg.delivery_tag)

            channel.basic_qos(0, 200, False)
            channel.basic_consume(name, callback=on_message)
            while got[0] < count:
                connection.drain_events(timeout=10)
            return published - started, time.perf_counter() - published
        finally:
            channel.queue_delete(name)


# -- figures ----------------------------------------------------------------------------------

def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms3(values: List[float]) -> str:
    if not values:
        return "-"
    return " / ".join(f"{1000 * pct(values, q):,.0f}" for q in (0.5, 0.95, 0.99))


def row(label: str, value: str) -> None:
    print(f"  {label:<62} {value}", flush=True)


def answers(items: List[Sent]) -> str:
    counts: Dict[str, int] = {}
    for item in items:
        counts[str(item.status)] = counts.get(str(item.status), 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


@contextlib.contextmanager
def stores(sqlite: bool, tmp: Path) -> Iterator[Dict[str, str]]:
    if sqlite:
        yield {name: f"sqlite:///{tmp / (name + '.sqlite3')}" for name in SERVICES}
        return
    with temporary_database("bench_pipeline_registration") as reg, \
            temporary_database("bench_pipeline_matching") as match:
        yield {"registration": reg, "matching": match}


def consumed_all(urls: Dict[str, str]) -> tuple:
    """(registration events for matching, how many matching has handled)."""
    reg = create_engine(urls["registration"], poolclass=NullPool)
    match = create_engine(urls["matching"], poolclass=NullPool)
    try:
        types = ", ".join(f"'{t}'" for t in REGISTRATION_EVENTS)
        with reg.connect() as conn:
            wanted = conn.execute(text(f"SELECT count(*) FROM events WHERE event_type IN ({types})")).scalar_one()
        with match.connect() as conn:
            handled = conn.execute(text("SELECT count(*) FROM inbox WHERE consumer = :c"), {"c": CONSUMER}).scalar_one()
        return wanted, handled
    finally:
        reg.dispose()
        match.dispose()


def phase(label: str, items: List[Sent], receiver: Receiver, first: float) -> dict:
    people = [i.person_id for i in items if i.person_id]
    missing = receiver.wait_for(people, timeout=60)
    paired = [i for i in items if i.person_id in receiver.arrived]
    last_pairing = max((receiver.arrived[i.person_id] for i in paired if i.person_id), default=first)
    last_answer = max(i.answered for i in items)
    http = [i.answered - (i.due or i.started) for i in items]
    e2e = [receiver.arrived[i.person_id] - (i.due or i.started) for i in paired if i.person_id]
    took = last_pairing - first
    print(f"\n{label}", flush=True)
    row("answers", answers(items))
    row("paired (PairingConfirmed seen) / missing after 60 s without news", f"{len(paired)} / {missing}")
    row("registrations answered a second (first POST to last answer)", f"{len(items) / (last_answer - first):,.1f}")
    row("pairings a second (first POST to last PairingConfirmed)", f"{len(paired) / took:,.1f}")
    row("last answer to last PairingConfirmed (s)", f"{last_pairing - last_answer:,.2f}")
    row("HTTP latency p50 / p95 / p99 (ms)", ms3(http))
    row("POST to PairingConfirmed p50 / p95 / p99 (ms)", ms3(e2e))
    return {"rate": len(paired) / took, "http": http, "e2e": e2e}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 mentors, a burst of 200, 20/s for 10 s")
    ap.add_argument("--sqlite", action="store_true", help="the embedded default stores (SQLite files)")
    ap.add_argument("--mentors", type=int, default=2000)
    ap.add_argument("--mentees", type=int, default=1000, help="mentees of the burst")
    ap.add_argument("--clients", type=int, default=8, help="client threads of the burst")
    ap.add_argument("--rate", type=float, default=100.0, help="offered mentees a second, open loop")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the open loop")
    args = ap.parse_args(argv)
    if args.quick:
        args.mentors, args.mentees, args.rate, args.seconds = 200, 200, 20.0, 10.0
    open_count = int(args.rate * args.seconds)
    print(f"pipeline benchmark: {args.mentors} mentors (capacity {CAPACITY}), burst of {args.mentees} from "
          f"{args.clients} clients, open loop {args.rate:g}/s for {args.seconds:g} s; "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}; python {sys.version.split()[0]}; cpus {os.cpu_count()}",
          flush=True)
    if args.mentors * CAPACITY < args.mentees + open_count:
        print(f"  note: {args.mentors * CAPACITY} places for {args.mentees + open_count} mentees: some will wait")

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-pipeline-")))
        amqp_uri = stack.enter_context(temporary_vhost("mentoring-bench"))
        urls = stack.enter_context(stores(args.sqlite, tmp))
        ports = {name: free_port() for name in SERVICES}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update({"AMQP_URI": amqp_uri, "MENTORING_DATA_DIR": str(tmp),
                    "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET})
        for name in SERVICES:
            env.update({f"{name.upper()}_DATABASE_URL": urls[name], f"{name.upper()}_HTTP_PORT": str(ports[name]),
                        f"{name.upper()}_METRICS_PORT": "0"})
        services: Dict[str, ServiceProcess] = {}

        def stop_all() -> None:
            for service in reversed(list(services.values())):
                service.stop()

        stack.callback(stop_all)
        for name in SERVICES:
            services[name] = ServiceProcess(name, env, ports[name], tmp / f"{name}.log")
        for service in services.values():
            service.wait_healthy()
        base = services["registration"].url
        receiver = Receiver(amqp_uri)
        receiver.start()
        stack.callback(receiver.close)
        programme = open_programme(base)

        print(f"\n0. {args.mentors} mentors over HTTP ({args.clients} clients)", flush=True)
        mentors = [Sent("mentor", str(uuid.uuid4())) for _ in range(args.mentors)]
        started = time.perf_counter()
        closed_loop(base, programme, mentors, args.clients)
        registered = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while True:
            wanted, handled = consumed_all(urls)
            if handled >= wanted or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        row("answers", answers(mentors))
        row("registered / consumed by matching (s)", f"{registered:,.1f} / {time.perf_counter() - started:,.1f}")
        row("mentor registrations answered a second", f"{args.mentors / registered:,.1f}")

        cpu0 = {name: s.cpu_seconds() for name, s in services.items()}
        burst = [Sent("mentee", str(uuid.uuid4())) for _ in range(args.mentees)]
        first = time.perf_counter()
        closed_loop(base, programme, burst, args.clients)
        result = phase(f"1. burst: {args.mentees} mentees from {args.clients} clients, closed loop",
                       burst, receiver, first)
        wall = max(receiver.arrived.values(), default=first) - first
        cpu = {name: s.cpu_seconds() - cpu0[name] for name, s in services.items()}
        row("CPU s during the burst: registration / matching (of wall s)",
            f"{cpu['registration']:.1f} / {cpu['matching']:.1f} (of {wall:.1f})")

        offered = [Sent("mentee", str(uuid.uuid4())) for _ in range(open_count)]
        first = time.perf_counter() + 0.2
        open_loop(base, programme, offered, args.rate, workers=max(8, int(args.rate)))
        phase(f"2. open loop: {args.rate:g} mentees/s offered for {args.seconds:g} s "
              "(latencies from the scheduled time)", offered, receiver, first)

        print("\n3. memory after the run", flush=True)
        for name, service in services.items():
            row(f"RSS of {name} (pid {service.process.pid}) (MB)", f"{service.rss_mb():,.0f}")

        print(f"\n4. ceiling: raw kombu, {args.mentees} messages published with confirms, then consumed",
              flush=True)
        publish, consume = ceiling(amqp_uri, args.mentees)
        raw = args.mentees / (publish + consume)
        row("publish with confirms / consume (messages/s)",
            f"{args.mentees / publish:,.0f} / {args.mentees / consume:,.0f}")
        row("publish then consume (messages/s)", f"{raw:,.0f}")

        print("\nsummary", flush=True)
        row("burst pairings a second", f"{result['rate']:,.1f}")
        row("ceiling, same run (messages a second)", f"{raw:,.0f}")
        row("ratio pipeline / ceiling (issue 13's goal: >= 0.1)", f"{result['rate'] / raw:.3f}")
        row("issue 13's target: 300 pairings a second; ratio to it", f"{result['rate'] / 300:.2f}")
        print(f"  (service logs were in {tmp}, removed)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
