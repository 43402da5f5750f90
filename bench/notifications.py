"""Introductions a second (issue 10): ``PairingConfirmed`` on the broker to the mails received by an
SMTP server on loopback, beside a bare smtplib loop sending the same mails in the same run.

    python bench/notifications.py            # 500 pairings in one burst (PostgreSQL)
    python bench/notifications.py --quick    # 100 pairings
    python bench/notifications.py --pairs 300 --replicas 2

Registration and notifications run as ``mentoring run-one`` processes, as ``./dev up`` runs them,
with production settings, on temporary PostgreSQL databases (``TEST_PG_URL``) and a temporary
vhost of the local RabbitMQ (``services.platform_core.testing``); matching is stood in for by a
process of its own serving only matching's catch-up feed and publishing its store's outbox
(``--matching-feed``, the notifications tests' ``MatchingFeed``), so the pairings are exactly the
ones this script appends to that store. The mail server is aiosmtpd on loopback in this process,
keeping every message with the time it arrived.

1. **set-up**: a tenant, an adult programme whose sending window is the whole day, ``--pairs``
   mentors and as many mentees over HTTP (their ``registration_received`` notices are sent and
   counted out before the burst);
2. **burst**: ``--pairs`` ``PairingConfirmed`` appended to the stand-in matching store in one
   transaction, published by its relay; each seen on the broker by a queue of ours (bound to
   ``*.pairing.PairingConfirmed``) and timed from there to its two introductions (the mentor's and
   the mentee's) received by the SMTP server. Introductions a second (from the first
   ``PairingConfirmed`` seen to the last introduction received), pairings a second, latency
   p50 / p95 / p99, the CPU seconds of each service process and their RSS;
3. **bare smtplib**, same run, same server: the very mails received in the burst sent again from
   this process over one SMTP connection, one after another; mails a second, and the ratio of the
   service to it.

It only prints; it asserts nothing. Everything it made (processes, vhost, databases) is removed
in ``finally`` blocks.
"""
from __future__ import annotations

import sys

if "--matching-feed" in sys.argv:  # the stand-in's process: eventlet first, as ``run-one`` does
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import smtplib  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import warnings  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from email import message_from_bytes  # noqa: E402
from email.policy import default  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Optional, Tuple  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # nameko, imported below


def serve_matching_feed() -> None:
    """Matching's stand-in: its store, outbox relay and catch-up feed (``run-one``'s way)."""
    from services.platform_core import cli
    from services.platform_core.catchup import CatchUpFeed
    from services.platform_core.dependencies import Store

    class MatchingFeed(CatchUpFeed):
        name = "matching"
        store = Store()

    cli._setup_logging("matching-feed")
    cli._serve(MatchingFeed, cli.build_config("matching"))


if "--matching-feed" in sys.argv:
    serve_matching_feed()
    sys.exit(0)

import requests  # noqa: E402
from kombu import Connection  # noqa: E402
from pipeline import Programme, ServiceProcess, free_port, pct, row  # noqa: E402
from sqlalchemy import select  # noqa: E402

from services.notifications.domain import INTRODUCTION, message_id  # noqa: E402
from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.envelope import EVENTS_EXCHANGE  # noqa: E402
from services.platform_core.events import DomainEvent  # noqa: E402
from services.platform_core.outbox import declare_exchanges  # noqa: E402
from services.platform_core.store import EventStore, leases_table  # noqa: E402
from services.platform_core.testing import temporary_database, temporary_vhost  # noqa: E402

OPERATOR_TOKEN = "op-bench-" + "n" * 32
PLATFORM_SECRET = "bench-platform-secret-" + "n" * 20
QUEUE = "bench-notifications-pairings"
SENDER = "Mentoring <mentoring@bench.example.org>"


class FeedProcess(ServiceProcess):
    """This script with ``--matching-feed``: matching's stand-in, as a process of its own."""

    def __init__(self, env: dict, port: int, log_path: Path, store: EventStore):
        self.name, self.port, self.log_path, self.store = "matching-feed", port, log_path, store
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--matching-feed"],
                                        env=env, cwd=str(ROOT), stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """It serves no HTTP: ready once its outbox relay holds the lease."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            with self.store.transaction() as tx:
                if tx.conn.execute(select(leases_table.c.holder).where(leases_table.c.name == "outbox-relay")).first():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}'s relay did not start within {timeout:.0f}s")
            time.sleep(0.2)


# -- the mail server --------------------------------------------------------------------------

class Mailbox:
    """aiosmtpd's handler: every message's bytes and when it arrived (``time.perf_counter``)."""

    def __init__(self) -> None:
        self.received: List[Tuple[float, bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((time.perf_counter(), envelope.content))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def since(self, index: int) -> List[Tuple[float, bytes]]:
        with self.lock:
            return list(self.received[index:])


def wait_count(mailbox: Mailbox, target: int, idle: float) -> int:
    """Until ``target`` messages arrived, or none for ``idle`` s; how many arrived."""
    last, moved = -1, time.monotonic()
    while True:
        now = mailbox.count()
        if now >= target:
            return now
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > idle:
            return now
        time.sleep(0.05)


# -- what the broker says ---------------------------------------------------------------------

class Receiver(threading.Thread):
    """Our queue on ``mentoring.events``: when each ``PairingConfirmed`` was seen, by event id."""

    def __init__(self, amqp_uri: str):
        super().__init__(daemon=True)
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        declare_exchanges(channel)
        channel.queue_declare(QUEUE, durable=False, auto_delete=True)
        channel.queue_bind(QUEUE, EVENTS_EXCHANGE, "*.pairing.PairingConfirmed")
        channel.basic_consume(QUEUE, callback=self._on_message, no_ack=True)
        self.seen: Dict[str, float] = {}
        self.stopping = False

    def _on_message(self, message) -> None:
        self.seen.setdefault(json.loads(message.body)["event_id"], time.perf_counter())

    def run(self) -> None:
        while not self.stopping:
            try:
                self.connection.drain_events(timeout=0.5)
            except TimeoutError:
                pass
            except OSError:
                if not self.stopping:
                    raise

    def close(self) -> None:
        self.stopping = True
        self.join(timeout=5)
        self.connection.release()


# -- the programme and its people over HTTP ---------------------------------------------------

def programme_settings() -> dict:
    """Adults only (no guardian, no consent), no training: each pairing makes two introductions;
    the sending window the whole day, so the notices before the burst go at once."""
    from pipeline import programme_settings as pipeline_settings

    settings = pipeline_settings()
    settings["name"] = "Notifications benchmark"
    settings["notifications"] = {"sending_window": {"start": "00:00", "end": "23:59"}}
    return settings


def open_programme(base: str) -> Programme:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{base}/tenants", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}, timeout=30,
                             json={"slug": slug, "name": "Bench foundation", "kind": "foundation",
                                   "default_language": "lv", "time_zone": "Europe/Riga"})
    response.raise_for_status()
    api_key = response.json()["api_key"]
    response = requests.post(f"{base}/tenants/{slug}/programmes", headers={"Authorization": f"Bearer {api_key}"},
                             json=programme_settings(), timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"creating the programme: {response.status_code} {response.text}")
    return Programme(slug, api_key, response.json()["id"])


def register_people(base: str, programme: Programme, pairs: int, clients: int = 8) -> List[Tuple[str, str]]:
    """``pairs`` mentors and as many mentees; (mentor id, mentee id) pairs."""
    from pipeline import Sent, closed_loop

    mentors = [Sent("mentor", str(uuid.uuid4())) for _ in range(pairs)]
    mentees = [Sent("mentee", str(uuid.uuid4())) for _ in range(pairs)]
    closed_loop(base, programme, mentors + mentees, clients)
    failed = [s for s in mentors + mentees if s.person_id is None]
    if failed:
        raise RuntimeError(f"{len(failed)} registrations failed, e.g. {failed[0].status}")
    return [(m.person_id or "", e.person_id or "") for m, e in zip(mentors, mentees, strict=True)]


def confirmed(programme: Programme, mentor_id: str, mentee_id: str) -> DomainEvent:
    now = datetime.now(timezone.utc).isoformat()
    return DomainEvent("PairingConfirmed", "pairing", str(uuid.uuid4()), {
        "programme_id": programme.programme_id, "mentor_id": mentor_id, "mentee_id": mentee_id,
        "mode": "automatic", "origin": "placement", "score": 10, "parts": {"areas": 10}, "percent": 100,
        "confirmed_by": "automatic", "confirmed_at": now})


# -- the bare loop ----------------------------------------------------------------------------

def bare_smtplib(port: int, mails: List[bytes]) -> float:
    """The same mails sent again over one SMTP connection, one after another; seconds taken."""
    parsed = [message_from_bytes(raw, policy=default) for raw in mails]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for message in parsed:
            client.send_message(message, from_addr="mentoring@bench.example.org",
                                to_addrs=[a.addr_spec for a in message["To"].addresses])
    return time.perf_counter() - started


def message_key(raw: bytes) -> str:
    """A mail's Message-ID without its domain: the message's id in the delivery log."""
    return message_from_bytes(raw, policy=default)["Message-ID"].strip("<>").split("@")[0]


def burst(matching: EventStore, programme: Programme, people: List[Tuple[str, str]], mailbox: Mailbox,
          receiver: Receiver, processes: Dict[str, ServiceProcess]) -> Tuple[List[bytes], float]:
    """Every pairing confirmed at once; its figures printed; (the introductions received, their rate)."""
    before = mailbox.count()
    cpu0 = {name: p.cpu_seconds() for name, p in processes.items()}
    events = [confirmed(programme, mentor, mentee) for mentor, mentee in people]
    appended = matching.append(programme.tenant, events, expected={("pairing", e.stream_id): 0 for e in events})
    wanted: Dict[str, str] = {}  # introduction message id -> its cause event id
    for envelope in appended:
        for recipient, role in ((envelope.payload["mentor_id"], "mentor"), (envelope.payload["mentee_id"], "mentee")):
            wanted[message_id(envelope.event_id, recipient, role, INTRODUCTION)] = envelope.event_id
    wait_count(mailbox, before + len(wanted), idle=60)
    cpu = {name: p.cpu_seconds() - cpu0[name] for name, p in processes.items()}
    introductions = [(at, raw) for at, raw in mailbox.since(before) if message_key(raw) in wanted]
    arrived: Dict[str, float] = {}
    for at, raw in introductions:
        arrived.setdefault(message_key(raw), at)
    seen = receiver.seen
    first = min(seen.values(), default=float("nan"))
    took = max(arrived.values(), default=float("nan")) - first
    latencies = [at - seen[wanted[key]] for key, at in arrived.items() if wanted[key] in seen]
    sides: Dict[str, int] = {}
    for key in arrived:
        sides[wanted[key]] = sides.get(wanted[key], 0) + 1
    rate = len(arrived) / took if took > 0 else float("nan")
    row("PairingConfirmed seen on the broker / appended", f"{len(seen)} / {len(appended)}")
    row("introductions received / expected (duplicates)",
        f"{len(arrived)} / {len(wanted)} ({len(introductions) - len(arrived)})")
    row("first PairingConfirmed seen to last introduction received (s)", f"{took:,.2f}")
    row("**introductions a second**", f"{rate:,.1f}")
    row("pairings introduced (both sides) a second",
        f"{sum(1 for n in sides.values() if n == 2) / took:,.1f}" if took > 0 else "-")
    row("PairingConfirmed to introduction p50 / p95 / p99 (ms)",
        " / ".join(f"{1000 * pct(latencies, q):,.0f}" for q in (0.5, 0.95, 0.99)) if latencies else "-")
    row("CPU s during the burst: " + " / ".join(cpu), " / ".join(f"{v:.1f}" for v in cpu.values()))
    row("notifications CPU ms per introduction",
        f"{1000 * sum(v for n, v in cpu.items() if n.startswith('notifications')) / max(len(arrived), 1):,.1f}")
    for name, process in processes.items():
        row(f"RSS of {name} (MB)", f"{process.rss_mb():,.0f}")
    return [raw for _at, raw in introductions], rate


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 pairings")
    ap.add_argument("--pairs", type=int, default=500, help="pairings in the burst")
    ap.add_argument("--replicas", type=int, default=1, help="notifications processes (one sender holds the lease)")
    args = ap.parse_args(argv)
    if args.quick:
        args.pairs = 100
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        print("bench/notifications.py needs aiosmtpd (pip install -c constraints.txt -e '.[test]')")
        return 2
    print(f"notifications benchmark: {args.pairs} pairings in one burst, {args.replicas} notifications "
          f"process(es); PostgreSQL; python {sys.version.split()[0]}; cpus {os.cpu_count()}", flush=True)

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-notifications-")))
        amqp_uri = stack.enter_context(temporary_vhost("mentoring-bench"))
        urls = {name: stack.enter_context(temporary_database(f"bench_notif_{name}"))
                for name in ("registration", "matching", "notifications")}
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stack.callback(smtp.stop)
        matching = EventStore(make_engine(urls["matching"]), service="matching")
        matching.create_schema()
        stack.callback(matching.engine.dispose)

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update({"AMQP_URI": amqp_uri, "MENTORING_DATA_DIR": str(tmp), "OPERATOR_TOKEN": OPERATOR_TOKEN,
                    "PLATFORM_SECRET": PLATFORM_SECRET, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                    "SMTP_SENDER": SENDER, "MAIL_SINK": "off"})
        for name, url in urls.items():
            env.update({f"{name.upper()}_DATABASE_URL": url, f"{name.upper()}_METRICS_PORT": "0"})
        processes: Dict[str, ServiceProcess] = {}

        def stop_all() -> None:
            for process in reversed(list(processes.values())):
                process.stop()

        stack.callback(stop_all)
        port = free_port()
        processes["registration"] = ServiceProcess("registration", {**env, "REGISTRATION_HTTP_PORT": str(port)},
                                                   port, tmp / "registration.log")
        port = free_port()
        processes["matching-feed"] = FeedProcess({**env, "MATCHING_HTTP_PORT": str(port)}, port,
                                                 tmp / "matching-feed.log", matching)
        for k in range(args.replicas):
            port = free_port()
            processes[f"notifications-{k + 1}"] = ServiceProcess(
                "notifications", {**env, "NOTIFICATIONS_HTTP_PORT": str(port)}, port, tmp / f"notifications-{k}.log")
        for process in processes.values():
            process.wait_healthy()
        receiver = Receiver(amqp_uri)
        receiver.start()
        stack.callback(receiver.close)

        base = processes["registration"].url
        programme = open_programme(base)
        print(f"\n1. set-up: {args.pairs} mentors and {args.pairs} mentees over HTTP", flush=True)
        started = time.perf_counter()
        people = register_people(base, programme, args.pairs)
        got = wait_count(mailbox, 2 * args.pairs, idle=30)
        row("registered, and their notices received (s)", f"{time.perf_counter() - started:,.1f}")
        row("registration_received mails received / expected", f"{got} / {2 * args.pairs}")

        print(f"\n2. burst: {args.pairs} PairingConfirmed in one transaction of the matching store", flush=True)
        introductions, rate = burst(matching, programme, people, mailbox, receiver, processes)

        print(f"\n3. bare smtplib: the same {len(introductions)} mails over one connection, same server", flush=True)
        bare = bare_smtplib(smtp.port, introductions)
        bare_rate = len(introductions) / bare if bare > 0 else float("nan")
        row("mails a second", f"{bare_rate:,.0f}")

        print("\nsummary", flush=True)
        row("introductions a second, PairingConfirmed on the broker to mail received", f"{rate:,.1f}")
        row("bare smtplib loop, same mails, same run (mails a second)", f"{bare_rate:,.0f}")
        row("ratio service / bare loop", f"{rate / bare_rate:.3f}")
        print(f"  (service logs were in {tmp}, removed)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
