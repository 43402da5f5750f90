"""Fixtures of the notifications tests: the real registration service (people registered over
HTTP, their contacts given over its RPC), a stand-in matching (its store, relay and catch-up
feed: the test appends the ``PairingConfirmed`` it wants) and notifications, over the real
broker and PostgreSQL, sending to a real SMTP server (aiosmtpd) on loopback.

One broker vhost, three databases, the services and the mail server per test module; every
test opens its own tenant, so tests do not see each other.
"""
from __future__ import annotations

import contextlib
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, Dict, Iterator, List

import pytest
from aiosmtpd.controller import Controller
from kombu import Connection
from nameko.containers import ServiceContainer

from services.notifications.service import NotificationsService
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import Store
from services.platform_core.envelope import EVENTS_EXCHANGE
from services.platform_core.events import DomainEvent
from services.platform_core.outbox import ConfirmingPublisher, declare_exchanges
from services.platform_core.store import EventStore
from services.platform_core.testing import HttpClient, assert_valid_event, temporary_database, temporary_vhost, wait_for
from services.registration.service import RegistrationService
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN, PLATFORM_SECRET, START, free_port


class MatchingFeed(CatchUpFeed):
    """Stands in for the matching service: its store, outbox relay and catch-up feed."""

    name = "matching"
    store = Store()


class Mailbox:
    """An SMTP server's handler: keeps what it accepted; refuses for good (550) any recipient
    whose address starts with ``reject``."""

    def __init__(self):
        self.messages: List[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> List[EmailMessage]:
        return [m for m in self.messages if any(a.addr_spec == address for a in m["To"].addresses)]


class Platform:
    def __init__(self, amqp_uri, matching_store, registration, notifications, smtp: Controller, mailbox: Mailbox):
        self.amqp_uri, self.matching_store, self.smtp, self.mailbox = amqp_uri, matching_store, smtp, mailbox
        self.registration = HttpClient(f"http://{registration.config['WEB_SERVER_ADDRESS']}")
        self.api = HttpClient(f"http://{notifications.config['WEB_SERVER_ADDRESS']}")
        self.notifications = notifications
        self.queue = f"watcher-{uuid.uuid4().hex[:8]}"
        self.seen: List[Dict[str, Any]] = []
        with Connection(amqp_uri) as conn:
            declare_exchanges(conn.default_channel)
            conn.default_channel.queue_declare(self.queue, durable=False, auto_delete=False)
            conn.default_channel.queue_bind(self.queue, EVENTS_EXCHANGE, "*.notification.*")

    def smtp_down(self) -> None:
        self.smtp.stop()

    def smtp_up(self) -> None:
        """A new server on the same port (a stopped controller cannot start again)."""
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp.port)
        self.smtp.start()

    def events(self, tenant: str, event_type: str) -> List[Dict[str, Any]]:
        with Connection(self.amqp_uri) as conn:
            while True:
                message = conn.default_channel.basic_get(self.queue, no_ack=True)
                if message is None:
                    break
                self.seen.append(assert_valid_event(message))  # each against its contract
        return [e for e in self.seen if e["tenant_id"] == tenant and e["event_type"] == event_type]

    def school(self, *, mentee_email: str = "jonas@example.lt") -> "School":
        slug = f"school-{uuid.uuid4().hex[:8]}"
        created = self.registration.post("/tenants", OPERATOR_TOKEN, {
            "slug": slug, "name": "Vilniaus gimnazija", "kind": "school", "default_language": "lv",
            "time_zone": "Europe/Vilnius"})
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]
        settings = builders.school_settings()
        settings["matching"]["mode"] = "automatic"
        programme = self.registration.post(f"/tenants/{slug}/programmes", key, settings)
        assert programme.status_code == 201, programme.text
        programme_id = programme.json()["id"]
        mentor = self.registration.post(f"/tenants/{slug}/programmes/{programme_id}/mentors", key, {
            "personal": builders.adult(), "profile": builders.profile(community=["parent"])})
        mentee = self.registration.post(f"/tenants/{slug}/programmes/{programme_id}/mentees", key, {
            "personal": builders.pupil(email=mentee_email), "profile": builders.profile(community=[])})
        assert mentor.status_code == mentee.status_code == 201, (mentor.text, mentee.text)
        school = School(self, slug, key, programme_id, mentor.json()["person_id"], mentee.json()["person_id"])
        wait_for(lambda: self.api.get(school.log_url, key).status_code == 200, timeout=20,
                 message="notifications to know the programme")
        return school


class School:
    def __init__(self, platform: Platform, slug: str, key: str, programme_id: str, mentor: str, mentee: str):
        self.platform, self.slug, self.key = platform, slug, key
        self.programme_id, self.mentor, self.mentee = programme_id, mentor, mentee
        self.log_url = f"/tenants/{slug}/programmes/{programme_id}/notifications"

    def pair(self):
        """Matching's PairingConfirmed for the mentor and the mentee, stored and published."""
        pairing_id = str(uuid.uuid4())
        [envelope] = self.platform.matching_store.append(self.slug, [DomainEvent(
            "PairingConfirmed", "pairing", pairing_id, {
                "programme_id": self.programme_id, "mentor_id": self.mentor, "mentee_id": self.mentee,
                "mode": "automatic", "origin": "placement", "score": 10, "parts": {"areas": 10}, "percent": 100,
                "confirmed_by": "automatic", "confirmed_at": START.isoformat()})],
            expected={("pairing", pairing_id): 0})
        return envelope

    def log(self) -> List[Dict[str, Any]]:
        response = self.platform.api.get(self.log_url, self.key)
        assert response.status_code == 200, response.text
        return response.json()["notifications"]


@contextlib.contextmanager
def running_platform() -> Iterator[Platform]:
    with temporary_vhost() as amqp_uri, temporary_database() as registration_db, \
            temporary_database() as matching_db, temporary_database() as notifications_db:
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        config = {"AMQP_URI": amqp_uri, "DATABASES": {"registration": registration_db, "matching": matching_db,
                                                      "notifications": notifications_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET,
                  "OUTBOX_POLL_SECONDS": 0.1, "EVENT_RETRY_DELAY_SECONDS": 0.3, "SCHEDULER_POLL_SECONDS": 0,
                  "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
                  "SMTP_SENDER": "Mentoring <mentoring@school.example>",
                  "SMTP_RETRY_SECONDS": 0.2, "SMTP_RETRY_MAX_SECONDS": 0.5, "SMTP_MAX_ATTEMPTS": 100,
                  "SMTP_TIMEOUT_SECONDS": 5, "max_workers": 10}
        config["CLOCK"] = ManualClock(START)
        matching_store = EventStore(make_engine(matching_db), service="matching")
        matching_store.create_schema()
        containers = [ServiceContainer(cls, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
                      for cls in (RegistrationService, MatchingFeed, NotificationsService)]
        platform = None
        for container in containers:
            container.start()
        try:
            platform = Platform(amqp_uri, matching_store, containers[0], containers[2], smtp, mailbox)
            yield platform
        finally:
            for container in reversed(containers):
                container.stop()
            with contextlib.suppress(Exception):
                (platform.smtp if platform is not None else smtp).stop()
            matching_store.engine.dispose()


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform() as value:
        yield value


def settled_log(school: School, count: int = 3) -> List[Dict[str, Any]]:
    """The school's log once it holds ``count`` messages, none pending."""
    def check():
        rows = school.log()
        return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
    return wait_for(check, timeout=30, message="every message settled")


def republish(platform: Platform, envelope) -> None:
    """The same event delivered once more (as after a relay that died before deleting it)."""
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        publisher.publish([(EVENTS_EXCHANGE, envelope)])
    finally:
        publisher.close()
