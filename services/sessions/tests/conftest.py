"""Fixtures of the sessions service tests: sessions and the real matching service in-process
over the real broker and PostgreSQL, fed by a stand-in registration (its store, relay and
catch-up feed) whose events are made with the registration domain itself (matching's test
helpers). Matching pairs the people; sessions learns the pairings from its events.

One broker vhost, three databases and the running services per test module; every test opens
its own tenant, so tests do not see each other.
"""
from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from kombu import Connection
from nameko.containers import ServiceContainer

from services.matching.service import MatchingService
from services.matching.tests.conftest import (
    OPERATOR_TOKEN,
    PLATFORM_SECRET,
    Registration,
    RegistrationFeed,
    free_port,
)
from services.platform_core import tenancy
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import store_engine_of
from services.platform_core.envelope import EVENTS_EXCHANGE
from services.platform_core.outbox import declare_exchanges
from services.platform_core.scheduler import scheduler_of
from services.platform_core.store import EventStore
from services.platform_core.testing import (
    HttpClient,
    assert_valid_event,
    temporary_database,
    temporary_vhost,
    wait_for,
)
from services.sessions.service import SessionsService

START = datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)


class Watcher:
    """An external subscriber of what sessions (and matching, for pairings) publish."""

    KEYS = ("*.meeting.*", "*.goal.*", "*.finalreview.*", "*.pairwatch.*", "*.pairing.*", "*.analysismeeting.*",
            "*.pairsurveys.*", "*.course.*")

    def __init__(self, amqp_uri: str):
        self.amqp_uri, self.queue = amqp_uri, f"watcher-{uuid.uuid4().hex[:8]}"
        self.seen: List[Tuple[str, Dict[str, Any]]] = []  # (the body as sent, the event)
        with Connection(amqp_uri) as conn:
            channel = conn.default_channel
            declare_exchanges(channel)
            channel.queue_declare(self.queue, durable=False, auto_delete=False)
            for key in self.KEYS:
                channel.queue_bind(self.queue, EVENTS_EXCHANGE, key)

    def of(self, tenant: str, event_type: str) -> List[Dict[str, Any]]:
        with Connection(self.amqp_uri) as conn:
            while True:
                message = conn.default_channel.basic_get(self.queue, no_ack=True)
                if message is None:
                    break
                body = message.body.decode() if isinstance(message.body, bytes) else message.body
                self.seen.append((body, assert_valid_event(message)))  # each against its contract
        return [event for _, event in self.seen if event["tenant_id"] == tenant and event["event_type"] == event_type]

    def bodies(self, tenant: str) -> List[str]:
        return [body for body, event in self.seen if event["tenant_id"] == tenant]


class Pair:
    """A tenant with one mentor and one mentee that matching paired (and sessions knows)."""

    def __init__(self, platform: "Platform", reg: Registration, programme, mentor: str, mentee: str, pairing_id: str):
        self.platform, self.reg, self.programme = platform, reg, programme
        self.mentor, self.mentee, self.id = mentor, mentee, pairing_id
        config = {"PLATFORM_SECRET": PLATFORM_SECRET}
        self.mentor_token = tenancy.issue_participant_token(config, reg.slug, mentor, START)
        self.mentee_token = tenancy.issue_participant_token(config, reg.slug, mentee, START)
        self.stranger_token = tenancy.issue_participant_token(config, reg.slug, str(uuid.uuid4()), START)
        self.key = reg.api_key
        self.base = f"/tenants/{reg.slug}/pairings/{pairing_id}"


class Platform:
    def __init__(self, amqp_uri, producer, sessions, matching, clock):
        self.amqp_uri, self.producer, self.clock = amqp_uri, producer, clock
        self.sessions_container, self.matching_container = sessions, matching
        self.api = HttpClient(f"http://{sessions.config['WEB_SERVER_ADDRESS']}")
        self.matching_api = HttpClient(f"http://{matching.config['WEB_SERVER_ADDRESS']}")
        self.watcher = Watcher(amqp_uri)

    @property
    def store(self) -> EventStore:
        store = store_engine_of(self.sessions_container).store
        if store is None:
            raise RuntimeError("sessions has no store before its container starts")
        return store

    def run_due(self):
        return scheduler_of(self.sessions_container).run_due()

    def pair(self, settings: Dict[str, Any]) -> Pair:
        reg = Registration(self.producer, self.amqp_uri)
        programme = reg.programme(settings)
        mentor, mentee = reg.mentor(programme), reg.mentee(programme)

        def known():
            response = self.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/progress", reg.api_key)
            pairs = response.json().get("pairs") if response.status_code == 200 else None
            return pairs[0]["pairing_id"] if pairs else None
        pairing_id = wait_for(known, timeout=20, message="sessions to know the programme and the pairing")
        return Pair(self, reg, programme, mentor, mentee, pairing_id)


@contextlib.contextmanager
def running_platform() -> Iterator[Platform]:
    with temporary_vhost() as amqp_uri, temporary_database() as producer_db, \
            temporary_database() as matching_db, temporary_database() as sessions_db:
        clock = ManualClock(START)
        config = {"AMQP_URI": amqp_uri, "DATABASES": {"registration": producer_db, "matching": matching_db,
                                                      "sessions": sessions_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET, "CLOCK": clock,
                  "OUTBOX_POLL_SECONDS": 0.1, "EVENT_RETRY_DELAY_SECONDS": 0.3, "SCHEDULER_POLL_SECONDS": 0,
                  "max_workers": 10}
        producer = EventStore(make_engine(producer_db), service="registration")
        producer.create_schema()
        containers = [ServiceContainer(cls, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
                      for cls in (RegistrationFeed, MatchingService, SessionsService)]
        for container in containers:
            container.start()
        try:
            yield Platform(amqp_uri, producer, containers[2], containers[1], clock)
        finally:
            for container in reversed(containers):
                container.stop()
            producer.engine.dispose()


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform() as value:
        yield value


@pytest.fixture(autouse=True)
def _reset_clock(request):
    if "platform" in request.fixturenames:
        request.getfixturevalue("platform").clock.set(START)
    yield
