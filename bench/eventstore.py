"""Benchmark of the event store against the ``eventsourcing`` library and bare SQL.

    python bench/eventstore.py            # full run (about a minute and a half)
    python bench/eventstore.py --quick    # a short run (a few seconds of measuring)

Three contenders, measured in the same run, each in its own fresh temporary PostgreSQL
database (``services.platform_core.testing.temporary_database``):

* ours        -- ``EventStore`` on PostgreSQL through ``make_engine`` (SQLAlchemy, psycopg2):
                 the real append path (tenant role and setting, table lock, version check
                 per stream, one INSERT per event, outbox rows, NOTIFY) and the real read path
                 (``read_after``, decoding into envelopes).
* eventsourcing -- the ``eventsourcing`` library's ``PostgresApplicationRecorder`` (psycopg 3),
                 made by its infrastructure factory (``PERSISTENCE_MODULE=eventsourcing.postgres``)
                 and driven directly: ``insert_events`` of ``StoredEvent``s (JSON bytes as the
                 state) and ``select_notifications``, then ``json.loads`` of each state.
* plain SQL   -- the floor: psycopg2, a bare table (identity column + text payload), one
                 INSERT per event in transactions of the same sizes, no version check.

Every event carries the same ~300-byte JSON payload (serialised inside the timed loop by
every contender). Figures are medians over a few timed rounds after a short warm-up, in
one thread; appends are one writer at a time (the two event stores serialise writers with
a table lock anyway). Nothing here asserts anything: it only prints.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from importlib import metadata
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import warnings  # noqa: E402

# The store's metrics module imports nameko, which imports eventlet (nothing is monkey-patched
# here: plain threads); keep its deprecation notice out of the figures.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import psycopg2  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.events import DomainEvent  # noqa: E402
from services.platform_core.store import EventStore  # noqa: E402
from services.platform_core.testing import temporary_database  # noqa: E402

TENANT = "bench-tenant"
STREAM_TYPE = "bench"
EVENT_TYPE = "bench_event_recorded"
ES_TOPIC = "bench.eventstore:BenchEventRecorded"
PAGE = 1000
HOT_STREAMS = 100  # the 1-event appends go round these existing streams

_TEMPLATE = {
    "person_id": "", "programme_id": "4b0c5f3e-2f7a-4d6e-9a51-0c8e1d2b7f30",
    "given_name": "Anna", "family_name": "Bērziņa", "email": "anna.b@example.org",
    "languages": ["lv", "en"], "support_areas": ["education", "careers", "goals"],
    "place": "place07", "remote": True, "capacity": 2,
    "seq": 0,
}


def make_payload(seq: int) -> Dict:
    payload = dict(_TEMPLATE)
    payload["person_id"] = f"p-{seq:010d}"
    payload["seq"] = seq
    return payload


def payload_size() -> int:
    return len(json.dumps(make_payload(1), sort_keys=True).encode())


def _new_id() -> str:
    return str(uuid.uuid4())


# -- contenders ------------------------------------------------------------------------------
class Contender:
    """One store under test. Every method is one transaction (or one page read)."""

    name = "?"

    def __init__(self) -> None:
        self.seq = 0
        self.hot: List[Tuple[str, int]] = []  # (stream id, version) of the hot streams
        self.hot_next = 0

    def _payloads(self, n: int) -> List[Dict]:
        start = self.seq
        self.seq += n
        return [make_payload(start + k) for k in range(n)]

    def _take_hot(self) -> int:
        index = self.hot_next
        self.hot_next = (index + 1) % len(self.hot)
        return index

    def create_hot_streams(self) -> None:
        for _ in range(HOT_STREAMS):
            stream_id = self.new_stream_id()
            self.append_to(stream_id, 0, 1)
            self.hot.append((stream_id, 1))

    def append_existing(self, n: int) -> None:
        """``n`` events to one existing stream, with its expected version."""
        index = self._take_hot()
        stream_id, version = self.hot[index]
        self.append_to(stream_id, version, n)
        self.hot[index] = (stream_id, version + n)

    # to implement
    def new_stream_id(self):
        raise NotImplementedError

    def append_to(self, stream_id, version: int, n: int) -> None:
        raise NotImplementedError

    def append_new_streams(self, n: int) -> None:
        """``n`` events, each opening a new stream (expected version 0)."""
        raise NotImplementedError

    def max_position(self) -> int:
        raise NotImplementedError

    def read_page(self, after: int, limit: int) -> Tuple[int, int]:
        """Read up to ``limit`` events after ``after``, payloads decoded: (count, last position)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class Ours(Contender):
    name = "ours"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.engine = make_engine(url)
        self.store = EventStore(self.engine, service="bench")
        self.store.create_schema()

    def new_stream_id(self):
        return _new_id()

    def append_to(self, stream_id, version, n):
        events = [DomainEvent(EVENT_TYPE, STREAM_TYPE, stream_id, p) for p in self._payloads(n)]
        self.store.append(TENANT, events, expected={(STREAM_TYPE, stream_id): version})

    def append_new_streams(self, n):
        events = [DomainEvent(EVENT_TYPE, STREAM_TYPE, _new_id(), p) for p in self._payloads(n)]
        self.store.append(TENANT, events, expected={(STREAM_TYPE, e.stream_id): 0 for e in events})

    def max_position(self):
        return self.store.max_position()

    def read_page(self, after, limit):
        envelopes = self.store.read_after(after, limit=limit)
        return len(envelopes), (envelopes[-1].global_position if envelopes else after)

    def close(self):
        self.engine.dispose()


class EventsourcingLib(Contender):
    name = "eventsourcing"

    def __init__(self, url: str) -> None:
        super().__init__()
        from eventsourcing.persistence import InfrastructureFactory, StoredEvent

        self.StoredEvent = StoredEvent
        parsed = make_url(url)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parsed.database, "POSTGRES_HOST": parsed.host or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432), "POSTGRES_USER": parsed.username or "postgres",
            "POSTGRES_PASSWORD": parsed.password or "",
        }
        self.factory = InfrastructureFactory.construct(env)
        self.recorder = self.factory.application_recorder()  # creates its table

    def new_stream_id(self):
        return uuid.uuid4()

    def _stored(self, stream_id, version, payload):
        return self.StoredEvent(originator_id=stream_id, originator_version=version, topic=ES_TOPIC,
                                state=json.dumps(payload, sort_keys=True).encode())

    def append_to(self, stream_id, version, n):
        # The library's optimistic concurrency: the primary key (originator_id, version).
        self.recorder.insert_events([self._stored(stream_id, version + 1 + k, p)
                                     for k, p in enumerate(self._payloads(n))])

    def append_new_streams(self, n):
        self.recorder.insert_events([self._stored(uuid.uuid4(), 1, p) for p in self._payloads(n)])

    def max_position(self):
        return self.recorder.max_notification_id() or 0

    def read_page(self, after, limit):
        notifications = self.recorder.select_notifications(after, limit, inclusive_of_start=False)
        for notification in notifications:
            json.loads(notification.state)
        return len(notifications), (notifications[-1].id if notifications else after)

    def close(self):
        self.factory.close()


class PlainSQL(Contender):
    name = "plain SQL"

    def __init__(self, url: str) -> None:
        super().__init__()
        parsed = make_url(url)
        self.conn = psycopg2.connect(dbname=parsed.database, host=parsed.host or "127.0.0.1",
                                     port=parsed.port or 5432, user=parsed.username or "postgres",
                                     password=parsed.password or None)
        with self.conn, self.conn.cursor() as cur:
            cur.execute("CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        "payload text NOT NULL)")

    def new_stream_id(self):
        return None  # no streams: the floor does no version bookkeeping

    def _insert(self, n):
        with self.conn, self.conn.cursor() as cur:  # one transaction, n INSERT statements
            for payload in self._payloads(n):
                cur.execute("INSERT INTO events (payload) VALUES (%s)", (json.dumps(payload, sort_keys=True),))

    def append_to(self, stream_id, version, n):
        self._insert(n)

    def append_new_streams(self, n):
        self._insert(n)

    def max_position(self):
        with self.conn, self.conn.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM events")
            return cur.fetchone()[0]

    def read_page(self, after, limit):
        with self.conn, self.conn.cursor() as cur:
            cur.execute("SELECT id, payload FROM events WHERE id > %s ORDER BY id LIMIT %s", (after, limit))
            rows = cur.fetchall()
        for _id, payload in rows:
            json.loads(payload)
        return len(rows), (rows[-1][0] if rows else after)

    def close(self):
        self.conn.close()


CONTENDERS = [Ours, EventsourcingLib, PlainSQL]


# -- measuring ----------------------------------------------------------------------------------
@dataclass
class Settings:
    warmup: float  # seconds of untimed work before each figure
    seconds: float  # length of one timed round
    rounds: int
    read_events: int  # events read per read round


QUICK = Settings(warmup=0.15, seconds=0.3, rounds=3, read_events=5_000)
FULL = Settings(warmup=0.5, seconds=2.5, rounds=3, read_events=20_000)


@dataclass
class Figure:
    median: float
    low: float
    high: float
    units: int  # operations counted over all timed rounds


def timed_rate(op: Callable[[], int], settings: Settings) -> Figure:
    """Run ``op`` (returning how many units it did) for timed rounds; units per second."""
    deadline = time.perf_counter() + settings.warmup
    while time.perf_counter() < deadline:
        op()
    rates, total = [], 0
    for _ in range(settings.rounds):
        gc.collect()
        units = 0
        start = time.perf_counter()
        while True:
            units += op()
            elapsed = time.perf_counter() - start
            if elapsed >= settings.seconds:
                break
        rates.append(units / elapsed)
        total += units
    return Figure(statistics.median(rates), min(rates), max(rates), total)


def read_rate(contender: Contender, settings: Settings) -> Figure:
    """Read the last ``read_events`` events after a position, page by page, each round."""
    while contender.max_position() < settings.read_events + PAGE:  # top up if appends wrote few
        contender.append_existing(100)
    start_at = contender.max_position() - settings.read_events

    def read_all(limit_pages: Optional[int] = None) -> int:
        after, count, pages = start_at, 0, 0
        while limit_pages is None or pages < limit_pages:
            got, after = contender.read_page(after, PAGE)
            count += got
            pages += 1
            if got < PAGE:
                break
        return count

    read_all(limit_pages=3)  # warm-up
    rates, total = [], 0
    for _ in range(settings.rounds):
        gc.collect()
        start = time.perf_counter()
        count = read_all()
        elapsed = time.perf_counter() - start
        rates.append(count / elapsed)
        total += count
    return Figure(statistics.median(rates), min(rates), max(rates), total)


FIGURES = [
    ("append_1", "append, 1 event/tx, existing stream + expected version", "tx/s"),
    ("append_100_new", "append, 100 events/tx, 100 new streams (expected 0)", "events/s"),
    ("append_100_one", "append, 100 events/tx, one existing stream + expected version", "events/s"),
    ("read", f"read all after a position, pages of {PAGE}, payloads decoded", "events/s"),
]


def _counted(append: Callable[[int], None], n: int) -> Callable[[], int]:
    def run() -> int:
        append(n)
        return n
    return run


def measure(cls, settings: Settings) -> Tuple[Dict[str, Figure], float]:
    started = time.perf_counter()
    with temporary_database("bench_eventstore") as url:
        contender = cls(url)
        try:
            contender.create_hot_streams()
            results = {
                "append_1": timed_rate(_counted(contender.append_existing, 1), settings),
                "append_100_new": timed_rate(_counted(contender.append_new_streams, 100), settings),
                "append_100_one": timed_rate(_counted(contender.append_existing, 100), settings),
            }
            results["read"] = read_rate(contender, settings)
        finally:
            contender.close()
    return results, time.perf_counter() - started


# -- reporting ----------------------------------------------------------------------------------
def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str:
    try:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain"], capture_output=True,
                               text=True, timeout=5).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "") if head else "-"
    except Exception:
        return "-"


def server_facts() -> Dict[str, str]:
    from services.platform_core.testing import PG_ADMIN_URL

    parsed = make_url(PG_ADMIN_URL)
    conn = psycopg2.connect(dbname=parsed.database, host=parsed.host, port=parsed.port or 5432,
                            user=parsed.username, password=parsed.password or None)
    try:
        with conn.cursor() as cur:
            facts = {}
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers"):
                cur.execute(f"SHOW {name}")
                facts[name] = cur.fetchone()[0]
            facts["where"] = f"{parsed.host}:{parsed.port or 5432}"
            return facts
    finally:
        conn.close()


def print_header(settings: Settings, mode: str) -> None:
    server = server_facts()
    usable: Optional[int]  # None: unknown
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print(f"event-store benchmark ({mode}: {settings.rounds} rounds of {settings.seconds:g}s per append "
          f"figure after {settings.warmup:g}s warm-up; reads of {settings.read_events:,} events x "
          f"{settings.rounds})")
    print(f"  machine     {_cpu_model()}; {os.cpu_count()} cores ({usable} usable); {platform.platform()}")
    print(f"  python      {platform.python_version()}; SQLAlchemy {_version('SQLAlchemy')}, "
          f"psycopg2 {_version('psycopg2-binary')}, psycopg {_version('psycopg')} "
          f"(pool {_version('psycopg-pool')}), eventsourcing {_version('eventsourcing')}")
    print(f"  postgresql  {server['server_version']} at {server['where']} (synchronous_commit="
          f"{server['synchronous_commit']}, fsync={server['fsync']}, shared_buffers={server['shared_buffers']})")
    print(f"  repository  {_git_commit()}")
    print(f"  payload     {payload_size()} bytes of JSON per event; one writer/reader thread; "
          f"each contender in its own fresh database")
    print()


def _fmt(figure: Figure) -> str:
    spread = (figure.high - figure.low) / 2 / figure.median * 100 if figure.median else 0
    return f"{figure.median:>9,.0f} ±{spread:>2.0f}%"


def print_table(results: Dict[str, Dict[str, Figure]]) -> None:
    names = [cls.name for cls in CONTENDERS]
    width = max(len(label) + len(unit) + 3 for _, label, unit in FIGURES)
    header = f"{'figure':<{width}}" + "".join(f"{n:>15}" for n in names) + f"{'ours/es':>10}{'ours/plain':>12}"
    print(header)
    print("-" * len(header))
    for key, label, unit in FIGURES:
        row = f"{label + ' (' + unit + ')':<{width}}"
        for name in names:
            row += f"{_fmt(results[name][key]):>15}"
        ours = results["ours"][key].median
        es, plain = results["eventsourcing"][key].median, results["plain SQL"][key].median
        row += f"{ours / es:>9.2f}x" if es else f"{'-':>10}"
        row += f"{ours / plain:>11.2f}x" if plain else f"{'-':>12}"
        print(row)
    print()
    print("Figures are medians of the timed rounds (± half the spread between the slowest and fastest "
          "round).\nRatios are ours divided by the other: below 1.00x ours is slower.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a short run of a few seconds")
    ap.add_argument("--seconds", type=float, help="length of one timed round of an append figure")
    ap.add_argument("--rounds", type=int, help="timed rounds per figure")
    args = ap.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.seconds or args.rounds:
        settings = Settings(settings.warmup, args.seconds or settings.seconds, args.rounds or settings.rounds,
                            settings.read_events)
    print_header(settings, "quick" if args.quick else "full")
    results: Dict[str, Dict[str, Figure]] = {}
    for cls in CONTENDERS:
        print(f"measuring {cls.name} ...", end=" ", flush=True)
        results[cls.name], took = measure(cls, settings)
        print(f"{took:.1f}s")
    print()
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
