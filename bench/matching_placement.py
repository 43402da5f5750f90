"""Benchmark: placing one late mentee on the matching service's read model.

    python bench/matching_placement.py            # a programme of 100,000 people
    python bench/matching_placement.py --quick    # 10,000 people

On the local PostgreSQL (a temporary database), the matching service's read model holds one
automatic programme of ``--people`` people: 40 % mentors (capacity 1-3, profiles of
``bench/matching.py``), 60 % mentees, most of them already paired so most mentors are busy.
The rows are bulk-inserted (replaying 100,000 registrations through the consumer would
take minutes and measure something else); the late mentees then arrive as the service
receives them: their ``MenteeRegistered`` event into the read model and its change log
(``read_model.consume_registration``), then ``decisions.placement.place`` — the service's placement
decision, with its programme turn, state, ``place_one``, guard streams, append and
projection — in one transaction, committed.

Figures (milliseconds, ``time.perf_counter``):

1. the first decision of a process, which loads the programme whole from the read model;
2. each late mentee, registration to committed pairing, with the programme state kept in
   memory between decisions (``services.matching.programme_state``);
3. the baseline, measured in the same run: the same decision loading the programme whole
   each time, as every decision did before the state was kept;
4. ``place_one`` alone on the kept index (the domain function, no database);
5. the memory a kept programme state holds (``tracemalloc`` around a whole load).

It only prints.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from matching import make_people  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from services.matching import read_model  # noqa: E402
from services.matching.decisions import UnitOfWork, placement  # noqa: E402
from services.matching.domain import place_one  # noqa: E402
from services.matching.programme_state import load_whole, states_of, today_in  # noqa: E402
from services.matching.tests.conftest import MATCHING_NOW, Registration, programme_settings  # noqa: E402
from services.platform_core import tenancy  # noqa: E402
from services.platform_core.clock import ManualClock  # noqa: E402
from services.platform_core.db import make_engine  # noqa: E402
from services.platform_core.store import EventStore  # noqa: E402
from services.platform_core.testing import temporary_database  # noqa: E402


def line(label, value):
    print(f"  {label:<52} {value}")


def summary(seconds):
    values = sorted(1000 * s for s in seconds)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"{statistics.median(values):.1f} / {p95:.1f} / {values[-1]:.1f}"


def profile_of(person, mentor: bool):
    profile = {"languages": sorted(person.languages), "place": person.place, "remote": person.remote,
               "community": [], "never_pair_with": sorted(person.never_pair_with)}
    if mentor:
        return {**profile, "areas": sorted(person.areas), "capacity": person.capacity}
    return {**profile, "areas": list(person.areas), "preferred_mentors": list(person.preferred_mentor_ids),
            "excluded_mentors": sorted(person.excluded_mentor_ids)}


def fill(store: EventStore, tenant: str, programme_id: str, people: int, seed: int) -> dict:
    """Bulk-insert a programme's people and pairings into the read model."""
    n_mentors = int(people * 0.4)
    mentors, mentees = make_people(people - n_mentors, n_mentors, seed)
    rng = np.random.default_rng(seed)
    when = MATCHING_NOW.isoformat()
    participants, persons, pairings = [], [], []
    for m in mentors:
        participants.append({"person_id": m.id, "programme_id": programme_id, "tenant_id": tenant,
                             "role": "mentor", "age": max(m.age, 20), "profile": profile_of(m, True),
                             "consent_required": False, "training": True, "team_need": None,
                             "withdrawn": False, "registered_at": when})
        persons.append({"person_id": m.id, "tenant_id": tenant, "vetting_cleared": True, "erased": False})
    places = [(m.id, c) for m in mentors for c in range(m.capacity)]
    order = rng.permutation(len(places))
    paired = 0
    for k, t in enumerate(mentees):
        participants.append({"person_id": t.id, "programme_id": programme_id, "tenant_id": tenant,
                             "role": "mentee", "age": 18, "profile": profile_of(t, False),
                             "consent_required": False, "training": False, "team_need": None,
                             "withdrawn": False, "registered_at": when})
        persons.append({"person_id": t.id, "tenant_id": tenant, "vetting_cleared": None, "erased": False})
        if k < int(0.9 * len(places)):  # most places are taken
            mentor_id = places[order[k]][0]
            pairings.append({"pairing_id": str(uuid.uuid4()), "tenant_id": tenant,
                             "programme_id": programme_id, "mentor_id": mentor_id, "mentee_id": t.id,
                             "status": "confirmed", "mode": "automatic", "origin": "round", "score": 20,
                             "parts": {"areas": 20}, "percent": 50, "created_at": when,
                             "confirmed_at": when, "confirmed_by": "automatic", "version": 1})
            paired += 1
    with store.transaction("*") as tx:
        for table, rows in ((read_model.participants, participants), (read_model.people, persons),
                            (read_model.pairings, pairings)):
            for start in range(0, len(rows), 5000):
                tx.conn.execute(insert(table), rows[start:start + 5000])
        read_model.record_changes(tx.conn, tenant, programme_id, ())
    with store.engine.connect() as conn:  # as autovacuum would after such a load
        conn.execute(text("ANALYZE"))
        conn.commit()
    return {"mentors": n_mentors, "mentees": len(mentees), "pairings": paired}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--late", type=int, default=100, help="late mentees placed with the kept state")
    ap.add_argument("--baseline", type=int, default=5, help="decisions loading the programme whole")
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    if args.quick:
        args.people, args.late, args.baseline = 10_000, 50, 5

    with temporary_database() as producer_url, temporary_database() as matching_url:
        producer = EventStore(make_engine(producer_url), service="registration")
        producer.create_schema()
        store = EventStore(make_engine(matching_url), service="matching", clock=ManualClock(MATCHING_NOW))
        store.create_schema([read_model.metadata, tenancy.metadata])
        try:
            run(args, producer, store)
        finally:
            producer.engine.dispose()
            store.engine.dispose()


def run(args, producer: EventStore, store: EventStore) -> None:
    reg = Registration(producer, amqp_uri="unused")
    programme = reg.programme(programme_settings("automatic"))
    with store.transaction(reg.slug) as tx:
        for envelope in reg.envelopes:
            read_model.consume_registration(tx.conn, envelope)
    consumed = len(reg.envelopes)
    t = time.perf_counter()
    counts = fill(store, reg.slug, programme.id, args.people, args.seed)
    print(f"placement on the read model: one automatic programme of {args.people} people "
          f"({counts['mentors']} mentors, {counts['mentees']} mentees, {counts['pairings']} paired)")
    line("bulk insert (s)", f"{time.perf_counter() - t:.1f}")

    rng = np.random.default_rng(args.seed + 1)

    def late_mentee():
        nonlocal consumed
        person = reg.mentee(programme, born="2000-05-01", consent=False,
                            languages=["lv"], areas=[str(a) for a in rng.choice(
                                ["education", "finance", "goals", "peers", "health"], 2, replace=False)],
                            place=f"place{int(rng.integers(0, 20)):02d}")
        envelopes, consumed = reg.envelopes[consumed:], len(reg.envelopes)
        return person, envelopes

    def decide(person, envelopes):
        with store.transaction(reg.slug) as tx:
            for envelope in envelopes:
                read_model.consume_registration(tx.conn, envelope)
            return placement.place(UnitOfWork(tx), programme.id, person)

    states = states_of(store)
    person, envelopes = late_mentee()
    t = time.perf_counter()
    decide(person, envelopes)
    first = time.perf_counter() - t
    line("1. first decision, programme loaded whole (ms)", f"{1000 * first:.0f}")

    kept, placed = [], 0
    reloaded = states.reloaded_people
    for _ in range(args.late):
        person, envelopes = late_mentee()
        t = time.perf_counter()
        placed += bool(decide(person, envelopes))
        kept.append(time.perf_counter() - t)
    line("2. late mentee, registration to pairing, kept state", "median / p95 / max (ms)")
    line(f"   {args.late} mentees ({placed} paired)", summary(kept))
    line("   loaded whole / people reloaded", f"{states.loads_whole} / {states.reloaded_people - reloaded}")

    whole = []
    for _ in range(args.baseline):
        person, envelopes = late_mentee()
        states.forget(reg.slug, programme.id)
        t = time.perf_counter()
        decide(person, envelopes)
        whole.append(time.perf_counter() - t)
    line("3. baseline: the same, programme loaded whole (ms)", summary(whole))
    line("   baseline / kept state (medians)", f"{statistics.median(whole) / statistics.median(kept):.0f}x")

    states.forget(reg.slug, programme.id)
    gc.collect()
    tracemalloc.start()
    with store.transaction(reg.slug) as tx:
        row = read_model.programme_row(tx.conn, reg.slug, programme.id)
        assert row is not None
        state = load_whole(tx.conn, reg.slug, row, today_in(tx, row))
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    index = state.index()
    domain = []
    for mentee_id in list(state.mentees)[:200]:
        mentee = state.mentees[mentee_id]
        t = time.perf_counter()
        place_one(state.rules, index, mentee, state.today)
        domain.append(time.perf_counter() - t)
    line("4. place_one alone on the kept index (ms)", summary(domain))
    line("5. memory of the kept state (MB, tracemalloc)", f"{held / 2**20:.0f}  "
         f"({held / max(1, len(state.rows)):.0f} bytes a person)")


if __name__ == "__main__":
    main()
