"""Two replicas of the matching service on one broker and one database, under load.

Two separate nameko runners of :class:`MatchingService` share the vhost, the matching
database and therefore the durable queue ``matching.on_registration``; each has its own web
port. A 'registration' producer store (the conftest's stand-in, with its relay and catch-up
feed, on a port of its own) is fed a few hundred registrations of two automatic programmes
in a seeded random order: mentors of capacity 1-3 arriving among the mentees, Russian-only
mentees few mentors can take, adults who need no consent, minors whose consent comes later
(or never), withdrawals of mentors and mentees while the rest is still being matched.

Once the system is quiet (every registration event in the consumer's inbox, nothing in the
retry or dead-letter queue, both outboxes empty) the outcome is checked from the read model
and from the events published on ``mentoring.events`` (the conftest's ``PairingWatcher``):
no mentor above capacity, no mentee with two active pairings, one published
``PairingConfirmed`` per confirmed pairing, every mentee paired or waiting with a recorded
reason, and nobody waiting who could be placed. Then every registration event is published
again: nothing changes.
"""
from __future__ import annotations

import contextlib
import random
from collections import Counter
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import pytest
from kombu import Connection
from nameko.runners import ServiceRunner
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from services.matching import read_model
from services.matching.decisions import UnitOfWork
from services.matching.decisions.waiting import with_bars
from services.matching.domain import waiting_reason
from services.matching.service import REGISTRATION_EVENTS, MatchingService
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import store_engine_of
from services.platform_core.store import EventStore, events_table, inbox_table, outbox_table
from services.platform_core.testing import temporary_database, temporary_vhost, wait_for

from .conftest import (
    MATCHING_NOW,
    OPERATOR_TOKEN,
    PLATFORM_SECRET,
    PairingWatcher,
    Registration,
    RegistrationFeed,
    free_port,
    programme_settings,
)

pytestmark = pytest.mark.integration

CONSUMER = "matching.on_registration"
SEED = 20250210
MENTORS_PER_PROGRAMME = 30
MENTEES_PER_PROGRAMME = 125


class Cluster:
    """The producer, two matching replicas and a subscriber of matching's public events."""

    def __init__(self, amqp_uri: str, producer: EventStore, replicas: List[ServiceRunner]):
        self.amqp_uri = amqp_uri
        self.producer = producer
        self.replicas = replicas
        self.watcher = PairingWatcher(amqp_uri)  # bound to pairing/matchmentee/matchround
        self.handled_by = [0] * len(replicas)  # events each replica's workers handled
        for k, runner in enumerate(replicas):
            [container] = runner.containers
            container.spawn_worker = self._counting(container.spawn_worker, k)

    def _counting(self, spawn_worker, k):
        def spawn(*args, **kwargs):
            self.handled_by[k] += 1
            return spawn_worker(*args, **kwargs)
        return spawn

    @property
    def matching(self) -> EventStore:
        [container] = self.replicas[0].containers
        store = store_engine_of(container).store
        assert store is not None  # set once the container started
        return store

    def ready(self, queue: str) -> int:
        """Messages waiting in ``queue`` now (not the management API's delayed figures)."""
        with Connection(self.amqp_uri) as conn:
            return conn.default_channel.queue_declare(queue, passive=True).message_count

    def dead_letters(self) -> List[str]:
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            out: List[str] = []
            while True:
                message = channel.basic_get(f"{CONSUMER}.dead-letter", no_ack=True)
                if message is None:
                    return out
                headers = message.properties.get("application_headers") or {}
                out.append(f"{headers.get('event_type')}: {headers.get('x-dead-letter-reason')}")

    def quiet(self, expected_ids: Set[str]) -> bool:
        """Every event of ``expected_ids`` handled once, nothing left to retry or publish."""
        dead = self.ready(f"{CONSUMER}.dead-letter")
        assert dead == 0, f"{dead} registration events were dead-lettered: {self.dead_letters()}"
        with self.matching.transaction() as tx:
            handled = set(tx.conn.execute(select(inbox_table.c.event_id).where(
                inbox_table.c.consumer == CONSUMER)).scalars())
            matching_outbox = tx.conn.execute(select(func.count()).select_from(outbox_table)).scalar_one()
        with self.producer.transaction() as tx:
            producer_outbox = tx.conn.execute(select(func.count()).select_from(outbox_table)).scalar_one()
        return (expected_ids <= handled and not matching_outbox and not producer_outbox
                and self.ready(CONSUMER) == 0 and self.ready(f"{CONSUMER}.retry") == 0)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    with temporary_vhost() as amqp_uri, temporary_database() as producer_db, \
            temporary_database() as matching_db:
        config = {"AMQP_URI": amqp_uri, "DATABASES": {"registration": producer_db, "matching": matching_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET,
                  "CLOCK": ManualClock(MATCHING_NOW), "OUTBOX_POLL_SECONDS": 0.1,
                  "EVENT_RETRY_DELAY_SECONDS": 0.3, "max_workers": 10}  # the default retry budget
        producer = EventStore(make_engine(producer_db), service="registration")
        producer.create_schema()
        runners = []
        for service in (RegistrationFeed, MatchingService, MatchingService):
            runner = ServiceRunner({**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
            runner.add_service(service)
            runners.append(runner)
        try:
            for runner in runners:  # one at a time: each sets up the schema it needs
                runner.start()
            yield Cluster(amqp_uri, producer, runners[1:])
        finally:
            for runner in reversed(runners):
                runner.stop()
            producer.engine.dispose()


def feed(reg: Registration, rnd: random.Random) -> Dict[str, Any]:
    """A few hundred registrations of two automatic programmes, in a random order."""
    programmes = [reg.programme(programme_settings("automatic")) for _ in range(2)]
    people: Dict[str, Any] = {"mentors": {}, "mentees": {}, "programme_of": {}}
    steps: List[Tuple[str, Any, Dict[str, Any]]] = []
    for programme in programmes:
        for k in range(MENTORS_PER_PROGRAMME):
            languages = ["ru", "lv"] if k % 10 == 0 else ["lv"]
            steps.append(("mentor", programme, dict(
                capacity=rnd.randint(1, 3), languages=languages,
                areas=rnd.sample(["education", "finance", "peers", "goals"], rnd.randint(1, 3)),
                place=rnd.choice(["Riga", "Cesis", "Liepaja"]))))
        for k in range(MENTEES_PER_PROGRAMME):
            steps.append(("mentee", programme, dict(
                languages=["ru"] if k % 12 == 0 else ["en"] if k % 25 == 7 else  # no mentor speaks en only
                rnd.choice([["lv"], ["lv"], ["lv", "en"]]),
                areas=rnd.sample(["education", "finance", "peers", "goals", "health"], rnd.randint(1, 3)),
                place=rnd.choice(["Riga", "Cesis", "Liepaja"]),
                born="2004-03-01" if k % 5 == 0 else "2008-09-10",  # adults need no consent
                consent=k % 5 != 1)))
    rnd.shuffle(steps)
    late_consent = []
    for kind, programme, profile in steps:
        if kind == "mentor":
            person = reg.mentor(programme, **profile)
            people["mentors"][person] = profile["capacity"]
        else:
            person = reg.mentee(programme, **profile)
            people["mentees"][person] = programme.id
            if not profile["consent"]:
                late_consent.append((programme, person))
        people["programme_of"][person] = programme.id
    # most missing consents arrive later, a few never do
    for programme, person in late_consent[: len(late_consent) * 3 // 4]:
        reg.consent(programme, person)
    # people leave while the rest is still being matched
    by_id = {p.id: p for p in programmes}
    leaving = rnd.sample(sorted(people["mentors"]), 4) + rnd.sample(sorted(people["mentees"]), 8)
    for person in leaving:
        reg.withdraw(by_id[people["programme_of"][person]], person)
    people["withdrawn"] = set(leaving)
    people["programmes"] = [p.id for p in programmes]
    return people


def outcome(cluster: Cluster, tenant: str, programme_ids: List[str]):
    """The read model: every pairing row, and the recorded waiting reasons."""
    with cluster.matching.transaction(tenant) as tx:
        rows = [r for pid in programme_ids for r in read_model.pairing_rows(tx.conn, tenant, pid)]
        waiting = {m: w for pid in programme_ids for m, w in read_model.waiting_rows(tx.conn, tenant, pid).items()}
    return rows, waiting


def check(cluster: Cluster, reg: Registration, people: Dict[str, Any]) -> Dict[str, Any]:
    tenant, programme_ids = reg.slug, people["programmes"]
    rows, waiting = outcome(cluster, tenant, programme_ids)
    active = [r for r in rows if r["status"] in ("proposed", "confirmed")]
    assert all(r["status"] in ("confirmed", "ended") for r in rows), "automatic mode proposes nothing"

    # no mentor above capacity, no withdrawn person in an active pairing
    load = Counter(r["mentor_id"] for r in active)
    over = {m: (n, people["mentors"][m]) for m, n in load.items() if n > people["mentors"][m]}
    assert not over, f"mentors above capacity (active, capacity): {over}"
    assert not [r for r in active if {r["mentor_id"], r["mentee_id"]} & people["withdrawn"]]
    assert all(people["programme_of"][r["mentor_id"]] == people["programme_of"][r["mentee_id"]]
               == r["programme_id"] for r in rows)

    # no mentee paired twice
    per_mentee = Counter(r["mentee_id"] for r in active)
    assert [m for m, n in per_mentee.items() if n > 1] == []

    # every mentee taking part is paired or waits with a reason; nobody waits who could be placed
    paired = set(per_mentee)
    staying = set(people["mentees"]) - people["withdrawn"]
    unaccounted = staying - paired - set(waiting)
    assert not unaccounted, f"{len(unaccounted)} mentees neither paired nor waiting"
    assert not paired & set(waiting), "a paired mentee is still on the waiting list"
    assert all(waiting[m]["reason"] for m in staying - paired)
    live: Dict[str, Optional[str]] = {}
    for pid in programme_ids:
        with cluster.matching.transaction(tenant) as tx:
            state = UnitOfWork(tx).existing_state(pid)
            live.update({m.id: waiting_reason(state.rules, with_bars(state, m),
                                              state.mentors.values(), state.today) for m in state.pool()})
    assert set(live) == staying - paired
    placeable = [m for m, reason in live.items() if reason is None]
    assert placeable == [], f"mentees waiting while a suitable mentor has room: {placeable}"

    # the published events say the same: one PairingConfirmed per confirmed pairing
    published = {e["event_id"]: e for e in cluster.watcher.drain() if e["tenant_id"] == tenant}
    confirmed = [e for e in published.values() if e["event_type"] == "PairingConfirmed"]
    assert Counter(e["stream_id"] for e in confirmed) == Counter(
        r["pairing_id"] for r in rows if r["confirmed_at"]), "published confirmations != read model"
    assert Counter(e["payload"]["mentee_id"] for e in confirmed) == Counter(
        r["mentee_id"] for r in rows if r["confirmed_at"])
    ended = {e["stream_id"] for e in published.values() if e["event_type"] == "PairingEnded"}
    assert ended == {r["pairing_id"] for r in rows if r["status"] == "ended"}
    assert Counter(e["payload"]["mentor_id"] for e in confirmed if e["stream_id"] not in ended) == load
    last_wait = {}
    for e in sorted(published.values(), key=lambda e: e["global_position"]):
        if e["event_type"] == "MenteeWaitlisted":
            last_wait[e["stream_id"]] = e["payload"]["reason"]
    assert {m: last_wait.get(m) for m in waiting} == {m: w["reason"] for m, w in waiting.items()}
    return {"rows": rows, "waiting": waiting, "paired": len(paired), "reasons": Counter(live.values()),
            "published": len(published)}


def consumed(outcome_: str) -> float:
    return REGISTRY.get_sample_value("mentoring_events_consumed_total", {
        "service": "matching", "consumer": "on_registration", "outcome": outcome_}) or 0.0


def test_two_replicas_pair_a_few_hundred_registrations_exactly_once():
    with cluster() as c:
        reg = Registration(c.producer, c.amqp_uri)
        people = feed(reg, random.Random(SEED))
        consumed_types = set(REGISTRATION_EVENTS)
        expected = {e.event_id for e in reg.envelopes if e.event_type in consumed_types}
        assert len(people["mentees"]) == 2 * MENTEES_PER_PROGRAMME and len(expected) > 500
        wait_for(lambda: c.quiet(expected), timeout=45, interval=0.2,
                 message="every registration event handled and every matching event published")

        first = check(c, reg, people)
        # enough happened to mean something: pairs, mentors leaving, every kind of wait
        assert first["paired"] > 100
        assert any(r["status"] == "ended" for r in first["rows"])
        assert {"no_capacity", "no_consent", "no_suitable_mentor"} <= set(first["reasons"]), first["reasons"]
        assert all(c.handled_by), f"one replica did all the work: {c.handled_by}"

        # the broker delivers every registration event a second time: nothing changes
        with c.matching.transaction() as tx:
            before = tx.conn.execute(select(func.max(events_table.c.global_position))).scalar_one()
        duplicates, handled = consumed("duplicate"), consumed("handled")
        reg.publish_again()
        redelivered = sum(1 for e in reg.envelopes if e.event_type in consumed_types)
        wait_for(lambda: consumed("duplicate") - duplicates >= redelivered and c.quiet(expected),
                 timeout=30, interval=0.2, message="the redelivered events consumed")
        assert consumed("handled") == handled
        with c.matching.transaction() as tx:
            assert tx.conn.execute(select(func.max(events_table.c.global_position))).scalar_one() == before
        again = check(c, reg, people)
        assert again["rows"] == first["rows"] and again["waiting"] == first["waiting"]
        assert again["published"] == first["published"]
