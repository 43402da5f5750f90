"""Fixtures of the matching service tests: the service in-process over the real broker and
PostgreSQL, fed by a 'registration' producer store whose events are built with the
registration domain itself (the same payloads the registration service appends).

One broker vhost, two databases and one running service per test module; every test opens
its own tenant, so tests do not see each other.
"""
from __future__ import annotations

import contextlib
import socket
import uuid
from datetime import date, datetime, timezone
from typing import Any, Dict, Iterator, List, Optional

import pytest
from kombu import Connection
from nameko.runners import ServiceRunner

from services.matching.service import MatchingService
from services.platform_core import tenancy
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import Store, store_engine_of
from services.platform_core.envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, Actor, Envelope
from services.platform_core.events import CATALOGUE
from services.platform_core.outbox import declare_exchanges, to_amqp_message
from services.platform_core.store import EventStore
from services.platform_core.testing import HttpClient, assert_valid_event, temporary_database, temporary_vhost, wait_for
from services.registration.domain import Person, Programme, Tenant
from services.registration.tests import builders

OPERATOR_TOKEN = "op-" + "m" * 40
PLATFORM_SECRET = "matching-test-secret-" + "z" * 20
REGISTERED_AT = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)
MATCHING_NOW = datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)
COORDINATOR = Actor("coordinator", "k")


class RegistrationFeed(CatchUpFeed):
    """Stands in for the registration service: its store, outbox relay and catch-up feed."""

    name = "registration"
    store = Store()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def programme_settings(mode: str = "automatic", **matching: Any) -> Dict[str, Any]:
    """Seed 000 (youth mentoring), without training and vetting unless a test adds them."""
    settings = builders.youth_mentoring_settings()
    settings["rules"] = {"consent": {"rule": "guardian_for_minors"}}
    settings["people"]["mentor_capacity"] = {"min": 1, "max": 3, "default": 1}
    settings["matching"] = {"mode": mode, "participant_kind": "individual", **matching}
    return settings


def mentor_profile(**changes: Any) -> Dict[str, Any]:
    return {"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": False,
            "community": [], **changes}


def mentee_profile(**changes: Any) -> Dict[str, Any]:
    return {"languages": ["lv"], "areas": ["education"], "place": "Riga", "remote": False,
            "community": [], **changes}


class Registration:
    """Appends registration events for one tenant, exactly as the registration service's
    domain makes them, to the producer store (its relay publishes them)."""

    def __init__(self, store: EventStore, amqp_uri: str, slug: Optional[str] = None):
        self.store = store
        self.amqp_uri = amqp_uri
        self.slug = slug or f"t-{uuid.uuid4().hex[:10]}"
        self.envelopes: List[Envelope] = []
        tenant = Tenant(self.slug)
        events = tenant.create(name="Tenant", kind="foundation", default_language="lv",
                               time_zone="Europe/Riga", now=REGISTERED_AT)
        tenant.apply_all(events)
        self.key_id, self.api_key = tenancy.new_api_key()
        events += tenant.rotate_key(key_id=self.key_id, api_key=self.api_key, now=REGISTERED_AT)
        self.tenant = tenant.apply_all(events[1:])
        self._append(events)
        self.people: Dict[str, Person] = {}

    def _append(self, events) -> List[Envelope]:
        envelopes = self.store.append(self.slug, events, actor=COORDINATOR)
        self.envelopes += envelopes
        return envelopes

    def programme(self, settings: Dict[str, Any]) -> Programme:
        programme = Programme(str(uuid.uuid4()))
        events = programme.create(tenant=self.tenant, settings=settings, now=REGISTERED_AT)
        self._append(events)
        return programme.apply_all(events)

    def update_programme(self, programme: Programme, changes: Dict[str, Any]) -> None:
        events = programme.update(changes=changes, now=REGISTERED_AT)
        self._append(events)
        programme.apply_all(events)

    def _person_command(self, person: Person, events) -> List[Envelope]:
        envelopes = self._append(events)
        person.apply_all(events)
        return envelopes

    def mentor(self, programme: Programme, born: str = "1985-04-01", **profile: Any) -> str:
        person = Person(str(uuid.uuid4()))
        self.people[person.id] = person
        self._person_command(person, person.register(
            programme=programme, role="mentor", profile=mentor_profile(**profile),
            personal=builders.adult(born=born), now=REGISTERED_AT))
        return person.id

    def mentee(self, programme: Programme, born: str = "2008-09-10", consent: bool = True,
               **profile: Any) -> str:
        person = Person(str(uuid.uuid4()))
        self.people[person.id] = person
        self._person_command(person, person.register(
            programme=programme, role="mentee", profile=mentee_profile(**profile),
            personal=builders.pupil(born=born), now=REGISTERED_AT))
        if consent:
            self.consent(programme, person.id)
        return person.id

    def consent(self, programme: Programme, person_id: str) -> None:
        person = self.people[person_id]
        self._person_command(person, person.give_consent(programme=programme, given_by="guardian",
                                                         now=REGISTERED_AT))

    def withdraw_consent(self, programme: Programme, person_id: str) -> None:
        person = self.people[person_id]
        self._person_command(person, person.withdraw_consent(programme=programme, now=REGISTERED_AT))

    def training(self, programme: Programme, person_id: str) -> None:
        person = self.people[person_id]
        self._person_command(person, person.complete_training(
            programme=programme, completed_on=date(2025, 1, 14), now=REGISTERED_AT))

    def vetting(self, programme: Programme, person_id: str, cleared: bool = True) -> None:
        person = self.people[person_id]
        self._person_command(person, person.record_vetting(
            programme=programme, cleared=cleared, checked_on=date(2025, 1, 10), now=REGISTERED_AT))

    def update_profile(self, programme: Programme, person_id: str, **profile: Any) -> None:
        person = self.people[person_id]
        self._person_command(person, person.update_profile(programme=programme, profile=profile,
                                                           now=REGISTERED_AT))

    def withdraw(self, programme: Programme, person_id: str) -> None:
        person = self.people[person_id]
        self._person_command(person, person.withdraw(programme_id=programme.id, now=REGISTERED_AT))

    def erase(self, person_id: str) -> None:
        person = self.people[person_id]
        self._person_command(person, person.erase(now=REGISTERED_AT))

    def publish_again(self, envelopes: Optional[List[Envelope]] = None) -> None:
        """Deliver events a second time, as a broker may."""
        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            for envelope in envelopes if envelopes is not None else self.envelopes:
                kind = CATALOGUE.find(envelope.event_type)
                exchange = INTERNAL_EXCHANGE if kind and kind.visibility == "internal" else EVENTS_EXCHANGE
                channel.basic_publish(to_amqp_message(envelope), exchange=exchange,
                                      routing_key=envelope.routing_key)


class PairingWatcher:
    """An external subscriber of the published pairing events (a queue bound on the exchange)."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.queue = f"watcher-{uuid.uuid4().hex[:8]}"
        self.seen: List[Dict[str, Any]] = []
        with Connection(amqp_uri) as conn:
            channel = conn.default_channel
            declare_exchanges(channel)
            channel.queue_declare(self.queue, durable=False, auto_delete=False)
            channel.queue_bind(self.queue, EVENTS_EXCHANGE, "*.pairing.*")
            channel.queue_bind(self.queue, EVENTS_EXCHANGE, "*.matchmentee.*")
            channel.queue_bind(self.queue, EVENTS_EXCHANGE, "*.matchround.*")

    def drain(self) -> List[Dict[str, Any]]:

        with Connection(self.amqp_uri) as conn:
            channel = conn.default_channel
            while True:
                message = channel.basic_get(self.queue, no_ack=True)
                if message is None:
                    break
                self.seen.append(assert_valid_event(message))  # each event, against its contract
        return self.seen

    def of(self, tenant: str, event_type: str) -> List[Dict[str, Any]]:
        return [m for m in self.drain() if m["tenant_id"] == tenant and m["event_type"] == event_type]


class Api(HttpClient):
    """The matching service's HTTP API."""


class Platform:
    def __init__(self, amqp_uri: str, producer: EventStore, api: Api, clock: ManualClock, runner):
        self.amqp_uri = amqp_uri
        self.producer = producer
        self.api = api
        self.clock = clock
        self.runner = runner
        self.watcher = PairingWatcher(amqp_uri)

    @property
    def matching_store(self) -> EventStore:
        for container in self.runner.containers:
            if container.service_name == "matching":
                store = store_engine_of(container).store
                assert store is not None  # set once the container started
                return store
        raise LookupError("matching")

    def tenant(self) -> Registration:
        registration = Registration(self.producer, self.amqp_uri)
        # the coordinator key reaches matching through the internal exchange
        wait_for(lambda: self.api.get(f"/tenants/{registration.slug}/programmes/{uuid.uuid4()}/pairings",
                                      registration.api_key).status_code == 404,
                 timeout=15, message="the tenant's key to reach matching")
        return registration

    def pairings(self, reg: Registration, programme_id: str, status: Optional[str] = None):
        path = f"/tenants/{reg.slug}/programmes/{programme_id}/pairings"
        if status:
            path += f"?status={status}"
        response = self.api.get(path, reg.api_key)
        if response.status_code == 404:
            return []
        assert response.status_code == 200, response.text
        return response.json()["pairings"]

    def wait_pairings(self, reg, programme_id, count, status=None, timeout=15):
        return wait_for(lambda: (lambda rows: rows if len(rows) >= count else None)(
            self.pairings(reg, programme_id, status)), timeout=timeout,
            message=f"{count} {status or ''} pairings")

    def reserve(self, reg, programme_id):
        response = self.api.get(f"/tenants/{reg.slug}/programmes/{programme_id}/reserve", reg.api_key)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()

    def wait_reserve(self, reg, programme_id, predicate, timeout=15, message="the reserve"):
        def check():
            reserve = self.reserve(reg, programme_id)
            return reserve if reserve is not None and predicate(reserve) else None
        return wait_for(check, timeout=timeout, message=message)

    def wait_mentors_known(self, reg, programme_id, mentor_ids, timeout=15):
        """Wait until matching has consumed these mentors' registrations.

        Registrations of different people are separate streams, consumed concurrently: a
        mentee registered right after two mentors may be placed before the second is known
        (rolling placement takes the best mentor known at that moment). A test that asserts
        which mentor is best waits for them all first."""
        wanted = set(mentor_ids)
        return self.wait_reserve(
            reg, programme_id, lambda r: wanted <= {m["id"] for m in r["mentors"]},
            timeout=timeout, message=f"matching to know mentors {sorted(wanted)}")


@contextlib.contextmanager
def running_platform(matching_database: Optional[str] = None, **overrides: Any) -> Iterator[Platform]:
    """Matching (on PostgreSQL, or on ``matching_database``) beside a stand-in registration."""
    with temporary_vhost() as amqp_uri, temporary_database() as producer_db, \
            temporary_database() as matching_pg:
        matching_db = matching_database or matching_pg
        port = free_port()
        clock = ManualClock(MATCHING_NOW)
        config = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                  "DATABASES": {"registration": producer_db, "matching": matching_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET,
                  "CLOCK": clock, "OUTBOX_POLL_SECONDS": 0.1, "EVENT_RETRY_DELAY_SECONDS": 0.3,
                  "max_workers": 10, **overrides}
        producer = EventStore(make_engine(producer_db), service="registration")
        producer.create_schema()
        # the stand-in registration serves the HTTP events feed too: on a port of its own, or
        # the two containers would share one (SO_REUSEPORT) and split the requests between them
        feed = ServiceRunner({**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
        feed.add_service(RegistrationFeed)
        runner = ServiceRunner(config)
        runner.add_service(MatchingService)
        feed.start()
        runner.start()
        try:
            yield Platform(amqp_uri, producer, Api(f"http://127.0.0.1:{port}"), clock, runner)
        finally:
            runner.stop()
            feed.stop()
            producer.engine.dispose()


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform() as value:
        yield value


@pytest.fixture(autouse=True)
def _reset_clock(request):
    if "platform" in request.fixturenames:
        request.getfixturevalue("platform").clock.set(MATCHING_NOW)
    yield
