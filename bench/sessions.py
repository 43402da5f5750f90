"""Benchmark of the sessions service's progress projections (issue 11).

    python bench/sessions.py                  # 10,000 pairs, about 1,000,000 events, PostgreSQL
    python bench/sessions.py --quick          # 1,000 pairs, about 100,000 events
    python bench/sessions.py --quick --sqlite # the same on the embedded default store (a SQLite file)
    python bench/sessions.py --pairs 2000 --events 300000
    python bench/sessions.py --keep bench_sessions_10k  # the database kept: filled once, measured again

With ``--keep NAME`` the store is a PostgreSQL database of that name (with ``--sqlite``: a file of
that name) that is not dropped: a first run fills it, a later one finds the programme there and
only measures (the size arguments are then those of the first run).

One programme of ``--pairs`` pairs (Europe/Riga, at least two meetings a month in person)
lives a year in sessions' store: each pair, introduced in January or February, logs a meeting
every few days to few weeks (a third with a private note, a quarter remote), the other side
confirms it the next day (or disputes it; an author sometimes corrects or withdraws one), goals
are set, reached or dropped, a tenth of the pairs end early and a fifth complete with a final
review. The events are made by the domain (the aggregates' commands) and appended by the
store, a day's events in one append with the store's clock at that day's evening, so each is
recorded after the meeting it tells of. The pairings and the programme (what matching and
registration would have sent) are written into sessions' read models directly.

Figures, measured in the same run:

1. the bare read (the baseline): every event of the store read back, pages of 1,000,
   decoded as the store decodes them (payloads parsed, private notes decrypted), nothing
   projected;
2. the replay: ``mentoring rebuild sessions`` for sessions' own projections (every projection
   of ``read_model.PROJECTIONS`` rebuilt from the store, not those of other services' events),
   and its ratio to the bare read (issue 11's goal: at least 0.3);
3. the programme report (``reports.programme_report``, JSON values, every pair) now, and as of
   a past date (1 July), milliseconds, median of ``--rounds`` (issue 11's goal: under 200 ms each
   at 10,000 pairs); the time to serialise the answer to JSON is shown beside it.

It only prints; nothing here is a test.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

from sqlalchemy import insert  # noqa: E402

from services.platform_core.clock import ManualClock  # noqa: E402
from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.events import DomainEvent  # noqa: E402
from services.platform_core.store import ALL_TENANTS, EventStore  # noqa: E402
from services.platform_core.testing import temporary_database  # noqa: E402
from services.sessions import personal_data, read_model, reports  # noqa: E402
from services.sessions.domain import FinalReview, Goal, Meeting, PairingFacts, ProgrammeRules  # noqa: E402

TENANT = "bench-sessions"
ZONE = "Europe/Riga"
SETTINGS = {"content": {"areas": [{"id": "education"}, {"id": "careers"}],
                        "cadence": {"min_per_month": 2, "max_per_month": 6, "meeting_minutes": 60,
                                    "remote_counts": False}}}
YEAR_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
DAYS = 365
PAST = datetime(2025, 7, 1, 12, tzinfo=timezone.utc)  # the as_of of the report "of a past date"
NOW = YEAR_START + timedelta(days=DAYS + 1)


def line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


class PairLife:
    """One pair's year, a day at a time: the events it records on a day."""

    def __init__(self, index: int, rng: random.Random, interval: float, programme_id: str):
        self.rng = rng
        self.mentor, self.mentee = str(uuid.uuid4()), str(uuid.uuid4())
        start_day = rng.randrange(0, 60)
        confirmed = YEAR_START + timedelta(days=start_day, hours=10)
        end_kind = rng.random()
        self.end_day: Optional[int] = None
        self.end_reason: Optional[str] = None
        if end_kind < 0.1:
            self.end_day, self.end_reason = rng.randrange(start_day + 40, DAYS - 20), "withdrew"
        elif end_kind < 0.3:
            self.end_day, self.end_reason = rng.randrange(max(start_day + 200, 280), DAYS - 5), "completed"
        self.facts = PairingFacts(str(uuid.uuid4()), programme_id, self.mentor, self.mentee,
                                  confirmed_at=confirmed)
        self.interval = interval * rng.uniform(0.6, 1.6)  # some pairs meet less: they fall behind
        self.next_meeting = start_day + rng.uniform(2, 10)
        self.next_goal = start_day + rng.uniform(5, 20)
        self.answers: List[Tuple[int, Meeting]] = []  # (day, meeting) the other side answers on
        self.open_goals: List[Tuple[int, Goal]] = []  # (day it closes, goal)

    def row(self) -> Dict:
        ended_at = None
        if self.end_day is not None:  # a completed pair ends after its final review (18:00 that day)
            ended_at = YEAR_START + timedelta(days=self.end_day, hours=20 if self.end_reason == "completed" else 11)
        ended = ended_at is not None
        return {"pairing_id": self.facts.pairing_id, "tenant_id": TENANT, "programme_id": self.facts.programme_id,
                "mentor_id": self.mentor, "mentee_id": self.mentee, "status": "ended" if ended else "confirmed",
                "confirmed_at": self.facts.confirmed_at.isoformat() if self.facts.confirmed_at else None,
                "ended_at": ended_at.isoformat() if ended_at else None,
                "end_reason": self.end_reason, "ended_by": "coordinator" if self.end_reason == "withdrew" else
                ("mentee" if ended else None)}

    def day(self, day: int, rules: ProgrammeRules, now: datetime) -> List[DomainEvent]:
        if self.facts.confirmed_at is None or now < self.facts.confirmed_at:
            return []
        if self.end_day is not None and day >= self.end_day:
            if day == self.end_day and self.end_reason == "completed":
                return FinalReview(self.facts.pairing_id).record(
                    pairing=self.facts, by=self.mentee, achievements="a plan", further_goals=["a job"],
                    next_steps="keep going", goals_reached=1, goals_open=0, now=now)
            return []
        rng, pairing, events = self.rng, self.facts, []
        for due, meeting in [a for a in self.answers if a[0] <= day]:
            self.answers.remove((due, meeting))
            other = self.mentee if meeting.author_id == self.mentor else self.mentor
            roll = rng.random()
            if roll < 0.85:
                made = meeting.confirm(pairing=pairing, by=other, now=now)
            elif roll < 0.90:
                made = meeting.dispute(pairing=pairing, by=other, reason="we did not meet", now=now)
            elif roll < 0.93 and meeting.author_id is not None:
                made = meeting.correct(pairing=pairing, rules=rules, by=meeting.author_id,
                                       started_at=meeting.started_at or now, minutes=45, mode="in_person",
                                       areas=["education"], now=now)
            elif roll < 0.95 and meeting.author_id is not None:
                made = meeting.withdraw(pairing=pairing, by=meeting.author_id, now=now)
            else:
                made = []
            meeting.apply_all(made)
            events += made
        if day >= self.next_meeting:
            self.next_meeting = day + max(1.0, rng.gauss(self.interval, self.interval / 3))
            meeting = Meeting(str(uuid.uuid4()))
            author = self.mentor if rng.random() < 0.6 else self.mentee
            started = now - timedelta(hours=rng.choice((2, 3, 4)))
            made = meeting.log(pairing=pairing, rules=rules, by=author, started_at=started,
                               minutes=rng.choice((30, 45, 60, 60, 90, 120)),
                               mode="remote" if rng.random() < 0.25 else "in_person",
                               areas=["education"] if rng.random() < 0.7 else ["education", "careers"],
                               note="talked about the exams" if rng.random() < 0.33 else None, now=now)
            meeting.apply_all(made)
            events += made
            self.answers.append((day + 1, meeting))
        if day >= self.next_goal:
            self.next_goal = day + rng.uniform(40, 80)
            goal = Goal(str(uuid.uuid4()))
            made = goal.set(pairing=pairing, by=self.mentee, title="pass the exam",
                            target_date=(now + timedelta(days=90)).date(), now=now)
            goal.apply_all(made)
            events += made
            self.open_goals.append((day + rng.randrange(20, 90), goal))
        for closes, goal in [g for g in self.open_goals if g[0] <= day]:
            self.open_goals.remove((closes, goal))
            made = (goal.reach(pairing=pairing, by=self.mentor, now=now) if rng.random() < 0.7
                    else goal.drop(pairing=pairing, by=self.mentee, now=now))
            goal.apply_all(made)
            events += made
        return events


def fill(store: EventStore, clock: ManualClock, pairs: int, events: int, seed: int) -> Tuple[str, int]:
    """A year of the programme's pairs, appended a day at a time; (programme id, events)."""
    rng = random.Random(seed)
    programme_id = str(uuid.uuid4())
    rules = ProgrammeRules.from_settings(SETTINGS, ZONE)
    per_pair = events / pairs
    # about 2.1 events a meeting (logged, answered) and one goal event a month
    interval = max(1.5, 0.85 * 300 / max(1.0, (per_pair - 10) / 2.1))
    lives = [PairLife(i, rng, interval, programme_id) for i in range(pairs)]
    with store.transaction(ALL_TENANTS) as tx:
        tx.conn.execute(insert(read_model.programmes).values(programme_id=programme_id, tenant_id=TENANT,
                                                             time_zone=ZONE, settings=SETTINGS))
        rows = [life.row() for life in lives]
        for start in range(0, len(rows), 1000):
            tx.conn.execute(insert(read_model.pairings), rows[start:start + 1000])
    total, began = 0, time.perf_counter()
    for day in range(DAYS):
        now = YEAR_START + timedelta(days=day, hours=18)
        clock.set(now)
        batch: List[DomainEvent] = []
        for life in lives:
            batch += life.day(day, rules, now)
        for start in range(0, len(batch), 2000):
            store.append(TENANT, batch[start:start + 2000])
        total += len(batch)
        if day % 60 == 59:
            print(f"    ... day {day + 1}: {total:,} events ({time.perf_counter() - began:.0f} s)", flush=True)
    return programme_id, total


def bare_read(store: EventStore) -> int:
    count, position = 0, 0
    with store.transaction(ALL_TENANTS) as tx:
        while True:
            page = tx.read_after(position, limit=1000)
            if not page:
                return count
            count += len(page)
            position = page[-1].global_position or position


def own_projections():
    return [p for p in read_model.PROJECTIONS if not hasattr(p, "source_service")]


SPLIT: Dict[str, float] = {}  # seconds of each projection's last rebuild


def replay(store: EventStore) -> int:
    count = 0
    for projection in own_projections():
        began = time.perf_counter()
        count += projection.rebuild(store)
        SPLIT[projection.name] = time.perf_counter() - began
    return count


def timed(fn, rounds: int) -> Tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        gc.collect()
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
        if times[-1] > 20:  # one slow round says enough
            break
    return statistics.median(times), result


def report_at(store: EventStore, programme_id: str, as_of: datetime):
    with store.transaction(TENANT) as tx:
        rules = read_model.programme_rules(tx.conn, TENANT, programme_id)
        assert rules is not None
        return reports.programme_report(tx, programme_id, rules, as_of)


@contextlib.contextmanager
def database(sqlite: bool, keep: Optional[str] = None) -> Iterator[str]:
    if keep and sqlite:
        yield f"sqlite:///{os.path.abspath(keep)}"
        return
    if keep:
        yield kept_database(keep)
        return
    if not sqlite:
        with temporary_database("bench_sessions") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/sessions.db"


def kept_database(name: str) -> str:
    """The URL of the PostgreSQL database ``name``, created if missing (never dropped)."""
    from sqlalchemy import create_engine, text

    from services.platform_core.testing import PG_ADMIN_URL

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def kept_programme(store: EventStore) -> Optional[Tuple[str, int]]:
    """The programme and the number of events of a kept store already filled (None: empty)."""
    from sqlalchemy import func, select

    from services.platform_core.store import events_table

    with store.transaction(ALL_TENANTS) as tx:
        programme_id = tx.conn.execute(select(read_model.programmes.c.programme_id)).scalar()
        events = tx.conn.execute(select(func.count()).select_from(events_table)).scalar_one()
    return (programme_id, events) if programme_id and events else None


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1,000 pairs, about 100,000 events")
    ap.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    ap.add_argument("--pairs", type=int)
    ap.add_argument("--events", type=int, help="about how many events (default: 100 a pair)")
    ap.add_argument("--rounds", type=int, default=5, help="reports timed (the median is shown)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--keep", metavar="NAME", help="a database (or SQLite file) kept: filled once, measured again")
    ap.add_argument("--fill-only", action="store_true", help="with --keep: fill the kept database, measure nothing")
    args = ap.parse_args(argv)
    pairs = args.pairs or (1_000 if args.quick else 10_000)
    wanted = args.events or pairs * 100
    print(f"sessions benchmark: {pairs:,} pairs, about {wanted:,} events, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}; Python {platform.python_version()}, "
          f"{os.cpu_count()} cores")
    with database(args.sqlite, args.keep) as url:
        engine = make_engine(url)
        clock = ManualClock(YEAR_START)
        store = EventStore(engine, service="sessions", clock=clock, codec=personal_data.codec())
        store.create_schema([read_model.metadata, personal_data.KEYS_METADATA])
        try:
            began = time.perf_counter()
            found = kept_programme(store) if args.keep else None
            if found is None:
                programme_id, events = fill(store, clock, pairs, wanted, args.seed)
                print(f"  filled: {events:,} events in {time.perf_counter() - began:.0f} s")
            else:
                programme_id, events = found
                print(f"  kept: {events:,} events in {args.keep}")
            if args.fill_only:
                return
            if found is None:
                replay(store)  # the read models as the service keeps them (and warm caches)
            clock.set(NOW)
            bare, read = timed(lambda: bare_read(store), 1 if events > 300_000 else 3)
            projected, applied = timed(lambda: replay(store), 1 if events > 300_000 else 3)
            print("1. replay against the bare read")
            line("bare read, decoded (events/s)", f"{read / bare:,.0f}  ({read:,} events, {bare:.1f} s)")
            line("replay of sessions' own projections (events/s)",
                 f"{events / projected:,.0f}  ({applied:,} applications, {projected:.1f} s)")
            line("ratio replay / bare read (goal >= 0.3)", f"{bare / projected:.2f}")
            for name, seconds in SPLIT.items():
                line(f"  of which {name} (s; its ratio alone)", f"{seconds:.1f}  ({bare / seconds:.2f})")
            print("2. the programme report")
            for label, as_of in (("now", NOW), (f"as of {PAST.date().isoformat()}", PAST)):
                seconds, report = timed(lambda at=as_of: report_at(store, programme_id, at), args.rounds)
                assert isinstance(report, dict)
                encoded, text = timed(lambda done=report: json.dumps(done), 1)
                line(f"{label}: {len(report['pairs']):,} pairs (ms, goal < 200)",
                     f"{1000 * seconds:,.0f}  (JSON encoding {1000 * encoded:,.0f} ms, "
                     f"{len(str(text)) / 1e6:.1f} MB)")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
