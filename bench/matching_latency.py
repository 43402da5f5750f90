"""Benchmark of the matching service end to end: a late mentee's registration to its pairing.

    python bench/matching_latency.py            # 2,000 mentors, 50 late mentees (a few minutes)
    python bench/matching_latency.py --quick    # 200 mentors, 20 late mentees (under a minute)

Runs in one process, against the local RabbitMQ (a temporary vhost) and PostgreSQL (temporary
databases, ``services.platform_core.testing``): the 'registration' producer store of the
matching tests (its outbox relay and catch-up feed, events made by the registration domain)
and the real :class:`MatchingService`, both in-process nameko runners (production settings but
a manual clock inside the programme's dates).

1. Pre-loads one automatic programme with ``--mentors`` mentors (capacity 3, random areas and
   places, all speaking the mentees' language) and waits until matching has consumed them.
2. Then, one at a time, ``--mentees`` late mentees (adults: no consent needed, so their
   ``MenteeRegistered`` alone makes them placeable). Each is timed from just before the append
   of their registration to the producer store until ``PairingConfirmed`` for them arrives on
   a queue bound to ``mentoring.events``: producer append + relay + broker + matching's consumer
   (inbox, cursor, read model, decision, append) + matching's relay + broker + our consumer.
3. Baseline, interleaved with 2 in the same run: a bare event (a type nobody consumes) appended
   to the same producer store and received on the same queue: append + relay + broker +
   consume. The ratio of the medians shows matching's own cost (its decision, and its second
   store-and-relay hop).
4. Where matching's time goes, on its read model with the pre-loaded programme: one decision
   as ``decisions.placement.place`` takes it, without appending (guard-stream versions, programme state
   from the read model, ``MentorIndex``, ``place_one``), and ``place_one`` alone on a
   ``MentorIndex`` of 100,000 people (40,000 mentors, profiles of ``bench/matching.py``).

Figures are median / p95 / max in milliseconds (``time.perf_counter``). It only prints.
"""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402 - nameko services run in this process

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from typing import Dict, List  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from kombu import Connection  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from services.matching.decisions import UnitOfWork  # noqa: E402
from services.matching.decisions.waiting import with_bars  # noqa: E402
from services.matching.domain import MentorIndex, place_one  # noqa: E402
from services.matching.service import REGISTRATION_EVENTS, MatchingService  # noqa: E402
from services.matching.tests.conftest import (  # noqa: E402
    MATCHING_NOW,
    OPERATOR_TOKEN,
    PLATFORM_SECRET,
    Registration,
    RegistrationFeed,
    free_port,
    programme_settings,
)
from services.platform_core.clock import ManualClock  # noqa: E402
from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.dependencies import store_engine_of  # noqa: E402
from services.platform_core.envelope import EVENTS_EXCHANGE  # noqa: E402
from services.platform_core.events import DomainEvent  # noqa: E402
from services.platform_core.outbox import declare_exchanges  # noqa: E402
from services.platform_core.store import EventStore, inbox_table  # noqa: E402
from services.platform_core.testing import temporary_database, temporary_vhost, wait_for  # noqa: E402

AREAS = ["education", "adolescence", "relations", "free_time", "peers", "finance", "goals",
         "health", "self_care"]
PLACES = ["Riga", "Cesis", "Liepaja", "Valmiera", "Jelgava", "Ventspils"]
QUEUE = "bench-latency"


def ms_summary(seconds):
    values = sorted(1000 * s for s in seconds)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return statistics.median(values), p95, values[-1]


def line(label, value):
    print(f"  {label:<58} {value}", flush=True)


def fmt(summary):
    return "{:.1f} / {:.1f} / {:.1f}".format(*summary)


class Receiver:
    """Our queue on ``mentoring.events``: pairing confirmations and the bare events."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        declare_exchanges(channel)
        channel.queue_declare(QUEUE, durable=False, auto_delete=True)
        for key in ("*.pairing.PairingConfirmed", "*.bench.BenchPing"):
            channel.queue_bind(QUEUE, EVENTS_EXCHANGE, key)
        self.arrived = {}
        channel.basic_consume(QUEUE, callback=self._on_message, no_ack=True)

    def _on_message(self, message):
        body = json.loads(message.body)
        key = body["payload"].get("mentee_id") if body["event_type"] == "PairingConfirmed" else body["stream_id"]
        self.arrived[key] = time.perf_counter()

    def wait(self, key, timeout=30.0):
        deadline = time.monotonic() + timeout
        while key not in self.arrived:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing for {key} within {timeout}s")
            try:
                self.connection.drain_events(timeout=1)
            except TimeoutError:
                pass
        return self.arrived.pop(key)


def consumed(store, count):
    with store.transaction() as tx:
        return tx.conn.execute(select(func.count()).select_from(inbox_table).where(
            inbox_table.c.consumer == "matching.on_registration")).scalar_one() >= count


def decision_alone(store, tenant, programme_id, repeat):
    """``placement.place`` without its append, step by step: the guard-stream versions, the
    programme's state from the read model, its ``MentorIndex``, ``place_one``."""
    steps: Dict[str, List[float]] = {"versions": [], "state": [], "index": [], "place_one": [], "total": []}
    for _ in range(repeat):
        with store.transaction(tenant) as tx:
            uow = UnitOfWork(tx)
            marks = [time.perf_counter()]
            uow.guard_versions(programme_id)
            marks.append(time.perf_counter())
            state = uow.existing_state(programme_id)
            marks.append(time.perf_counter())
            index = state.index()
            marks.append(time.perf_counter())
            mentee = next(iter(state.mentees.values()))
            place_one(state.rules, index, with_bars(state, mentee), state.today)
            marks.append(time.perf_counter())
        for name, start, end in zip(steps, marks, marks[1:], strict=False):  # "total" is no step between marks
            steps[name].append(end - start)
        steps["total"].append(marks[-1] - marks[0])
    return steps, len(state.mentors) + len(state.mentees)


def place_one_alone(people, placements, seed):
    sys.path.insert(0, HERE)
    from matching import RULES, TODAY, make_people  # bench/matching.py: the same profiles

    mentors, mentees = make_people(placements, int(people * 0.4), seed, prefix="p")
    index = MentorIndex(RULES, mentors)
    times = []
    for mentee in mentees:
        started = time.perf_counter()
        place_one(RULES, index, mentee, TODAY)
        times.append(time.perf_counter() - started)
    return times, len(index)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 mentors, 20 late mentees")
    ap.add_argument("--mentors", type=int, default=2000)
    ap.add_argument("--mentees", type=int, default=50)
    ap.add_argument("--people", type=int, default=100_000, help="people of the place_one-alone programme")
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    if args.quick:
        args.mentors, args.mentees = 200, 20
    logging.basicConfig(level=logging.ERROR)
    rnd = random.Random(args.seed)
    print(f"matching latency benchmark ({args.mentors} mentors, {args.mentees} late mentees; "
          f"python {sys.version.split()[0]}; cpus {os.cpu_count()})", flush=True)

    with temporary_vhost("mentoring-bench") as amqp_uri, temporary_database("mentoring_bench") as producer_db, \
            temporary_database("mentoring_bench") as matching_db:
        config = {"AMQP_URI": amqp_uri, "DATABASES": {"registration": producer_db, "matching": matching_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET,
                  "CLOCK": ManualClock(MATCHING_NOW)}
        producer = EventStore(make_engine(producer_db), service="registration")
        producer.create_schema()
        runners = []
        for service in (RegistrationFeed, MatchingService):
            runner = ServiceRunner({**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
            runner.add_service(service)
            runner.start()
            runners.append(runner)
        try:
            [container] = runners[1].containers
            matching = store_engine_of(container).store
            receiver = Receiver(amqp_uri)
            reg = Registration(producer, amqp_uri)
            programme = reg.programme(programme_settings("automatic"))

            print(f"\n1. pre-loading {args.mentors} mentors", flush=True)
            started = time.perf_counter()
            for _ in range(args.mentors):
                reg.mentor(programme, capacity=3, areas=rnd.sample(AREAS, rnd.randint(1, 3)),
                           place=rnd.choice(PLACES), remote=rnd.random() < 0.3)
            appended = time.perf_counter() - started
            wanted = sum(1 for e in reg.envelopes if e.event_type in REGISTRATION_EVENTS)
            wait_for(lambda: consumed(matching, wanted), timeout=3600, interval=0.2,
                     message="matching to consume the mentors")
            line("appended / consumed by matching (s)", f"{appended:.1f} / {time.perf_counter() - started:.1f}")

            print(f"\n2-3. {args.mentees} late mentees one at a time, each after a bare event "
                  "(median / p95 / max ms)", flush=True)
            bare, pairing = [], []
            for k in range(args.mentees + 2):  # the first two warm up
                ping = str(uuid.uuid4())
                started = time.perf_counter()
                producer.append(reg.slug, [DomainEvent("BenchPing", "bench", ping, {"n": k})])
                bare.append(receiver.wait(ping) - started)
                started = time.perf_counter()
                mentee = reg.mentee(programme, born="2004-03-01", consent=False,
                                    areas=rnd.sample(AREAS, rnd.randint(1, 3)), place=rnd.choice(PLACES))
                pairing.append(receiver.wait(mentee) - started)
            bare, pairing = bare[2:], pairing[2:]
            line("bare event: append -> relay -> consume", fmt(ms_summary(bare)))
            line("mentee registered -> PairingConfirmed received", fmt(ms_summary(pairing)))
            line("ratio of the medians (matching / bare)",
                 f"{statistics.median(pairing) / statistics.median(bare):.1f}x")

            print("\n4. where the time goes (median / p95 / max ms)", flush=True)
            steps, people = decision_alone(matching, reg.slug, programme.id, 30)
            line(f"one decision on the read model ({people} people), no append", fmt(ms_summary(steps.pop("total"))))
            for name, times in steps.items():
                line(f"  of which {name}", fmt(ms_summary(times)))
        finally:
            for runner in reversed(runners):
                runner.stop()
            producer.engine.dispose()

    times, n_mentors = place_one_alone(args.people, 200, args.seed)
    line(f"place_one alone, {args.people:,} people ({n_mentors:,} mentors)", fmt(ms_summary(times)))


if __name__ == "__main__":
    main()
