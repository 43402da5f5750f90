"""Fixtures of the notifications tests: the real registration service (people registered over
HTTP, their contacts given over its RPC), a stand-in matching (its store, relay and catch-up
feed: the test appends the ``PairingConfirmed`` it wants), a stand-in sessions (likewise) and
notifications, over the real broker and PostgreSQL, sending to a real SMTP server (aiosmtpd) on
loopback. The clock is a ``ManualClock``; scheduled jobs run when a test says (``run_due``).

One broker vhost, three databases, the services and the mail server per test module; every
test opens its own tenant, so tests do not see each other.
"""
from __future__ import annotations

import contextlib
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, Dict, Iterable, Iterator, List, Optional

import pytest
from aiosmtpd.controller import Controller
from kombu import Connection
from nameko.containers import ServiceContainer

from services.notifications import read_model, reminders
from services.notifications.service import NotificationsService, sender_of
from services.platform_core.catchup import CatchUpFeed
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import Store, store_engine_of
from services.platform_core.envelope import EVENTS_EXCHANGE
from services.platform_core.events import DomainEvent
from services.platform_core.outbox import ConfirmingPublisher, declare_exchanges
from services.platform_core.scheduler import scheduler_of
from services.platform_core.store import EventStore
from services.platform_core.testing import HttpClient, assert_valid_event, temporary_database, temporary_vhost, wait_for
from services.registration.service import RegistrationService
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN, PLATFORM_SECRET, START, free_port


class MatchingFeed(CatchUpFeed):
    """Stands in for the matching service: its store, outbox relay and catch-up feed."""

    name = "matching"
    store = Store()


class SessionsFeed(CatchUpFeed):
    """Stands in for the sessions service: its store, outbox relay and catch-up feed."""

    name = "sessions"
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

    def received(self, message_ids: Iterable[str]) -> int:
        """How many mails of these messages (the log's ids) arrived, repeats counted: the same
        message sent twice carries the same Message-ID. Other mails (a registration's notices
        arriving meanwhile) do not count."""
        wanted = set(message_ids)
        return sum(1 for m in self.messages if m["Message-ID"].strip("<>").split("@")[0] in wanted)

    def to(self, address: str, message_ids: Optional[Iterable[str]] = None) -> List[EmailMessage]:
        """What ``address`` got (only the messages of ``message_ids``, the log's ids, if given)."""
        wanted = None if message_ids is None else set(message_ids)
        return [m for m in self.messages if any(a.addr_spec == address for a in m["To"].addresses)
                and (wanted is None or m["Message-ID"].strip("<>").split("@")[0] in wanted)]


class Platform:
    def __init__(self, amqp_uri, matching_store, registration, notifications, smtp: Controller, mailbox: Mailbox,
                 sessions_store=None):
        self.amqp_uri, self.matching_store, self.smtp, self.mailbox = amqp_uri, matching_store, smtp, mailbox
        self.sessions_store = sessions_store
        self.clock: ManualClock = notifications.config["CLOCK"]
        self.registration = HttpClient(f"http://{registration.config['WEB_SERVER_ADDRESS']}")
        self.api = HttpClient(f"http://{notifications.config['WEB_SERVER_ADDRESS']}")
        self.notifications = notifications  # the container
        self.queue = f"watcher-{uuid.uuid4().hex[:8]}"
        self.seen: List[Dict[str, Any]] = []
        with Connection(amqp_uri) as conn:
            declare_exchanges(conn.default_channel)
            conn.default_channel.queue_declare(self.queue, durable=False, auto_delete=False)
            conn.default_channel.queue_bind(self.queue, EVENTS_EXCHANGE, "*.notification.*")

    def notifications_sender(self):
        return sender_of(self.notifications)

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

    def run_due(self):
        """Run the notifications' scheduled jobs due by the manual clock, once; the outcomes of
        the waiting notices' jobs (the log's daily pruning runs too, unreported)."""
        return [outcome for outcome in scheduler_of(self.notifications).run_due() if outcome[0] == reminders.JOB]

    def school(self, *, mentee_email: str = "jonas@example.lt", settings: Optional[Dict[str, Any]] = None
               ) -> "School":
        slug = f"school-{uuid.uuid4().hex[:8]}"
        created = self.registration.post("/tenants", OPERATOR_TOKEN, {
            "slug": slug, "name": "Vilniaus gimnazija", "kind": "school", "default_language": "lv",
            "time_zone": "Europe/Vilnius"})
        assert created.status_code == 201, created.text
        key = created.json()["api_key"]
        if settings is None:
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

    def add_coordinator(self, email: str, language: str) -> str:
        """A coordinator on the programme's staff (over registration's HTTP API), once
        notifications knows them; their person id."""
        response = self.platform.registration.post(f"/tenants/{self.slug}/programmes/{self.programme_id}/staff",
                                                   self.key, {"role": "coordinator", "language": language,
                                                              "personal": {"name": "Rūta Kazlauskienė",
                                                                           "email": email}})
        assert response.status_code == 201, response.text
        person_id = response.json()["staff_member"]["person_id"]
        wait_for(lambda: (person_id, "coordinator") in self.staff_known(), timeout=20,
                 message="notifications to know the coordinator")
        return person_id

    def staff_known(self):
        """The programme's staff as notifications knows them: (person id, role) pairs."""
        with store_engine_of(self.platform.notifications).require_store().transaction(self.slug) as tx:
            return read_model.staff_of(tx.conn, self.slug, self.programme_id)

    def end(self, pairing_id: str, reason: str = "withdrew"):
        """Matching's PairingEnded of a confirmed pairing, stored and published."""
        [envelope] = self.platform.matching_store.append(self.slug, [DomainEvent(
            "PairingEnded", "pairing", pairing_id, {
                "programme_id": self.programme_id, "mentor_id": self.mentor, "mentee_id": self.mentee,
                "reason": reason, "ended_by": "coordinator", "ended_at": START.isoformat()})],
            expected={("pairing", pairing_id): 1})
        return envelope

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

    def log(self, kind: Optional[str] = None) -> List[Dict[str, Any]]:
        """The programme's delivery log (of one ``kind`` of message, if given)."""
        response = self.platform.api.get(self.log_url, self.key)
        assert response.status_code == 200, response.text
        return [row for row in response.json()["notifications"] if kind is None or row["kind"] == kind]


@contextlib.contextmanager
def running_platform() -> Iterator[Platform]:
    with temporary_vhost() as amqp_uri, temporary_database() as registration_db, \
            temporary_database() as matching_db, temporary_database() as notifications_db, \
            temporary_database() as sessions_db:
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        config = {"AMQP_URI": amqp_uri, "DATABASES": {"registration": registration_db, "matching": matching_db,
                                                      "notifications": notifications_db, "sessions": sessions_db},
                  "OPERATOR_TOKEN": OPERATOR_TOKEN, "PLATFORM_SECRET": PLATFORM_SECRET,
                  "OUTBOX_POLL_SECONDS": 0.1, "EVENT_RETRY_DELAY_SECONDS": 0.3, "SCHEDULER_POLL_SECONDS": 0,
                  "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
                  "SMTP_SENDER": "Mentoring <mentoring@school.example>",
                  "SMTP_RETRY_SECONDS": 0.2, "SMTP_RETRY_MAX_SECONDS": 0.5, "SMTP_MAX_ATTEMPTS": 100,
                  "SMTP_TIMEOUT_SECONDS": 5, "max_workers": 10}
        config["CLOCK"] = ManualClock(START)
        matching_store = EventStore(make_engine(matching_db), service="matching")
        matching_store.create_schema()
        sessions_store = EventStore(make_engine(sessions_db), service="sessions")
        sessions_store.create_schema()
        containers = [ServiceContainer(cls, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
                      for cls in (RegistrationService, MatchingFeed, NotificationsService, SessionsFeed)]
        platform = None
        for container in containers:
            container.start()
        try:
            platform = Platform(amqp_uri, matching_store, containers[0], containers[2], smtp, mailbox,
                                sessions_store)
            yield platform
        finally:
            for container in reversed(containers):
                container.stop()
            with contextlib.suppress(Exception):
                (platform.smtp if platform is not None else smtp).stop()
            matching_store.engine.dispose()
            sessions_store.engine.dispose()


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform() as value:
        yield value


def settled_log(school: School, count: int = 3, kind: str = "introduction") -> List[Dict[str, Any]]:
    """The school's log of ``kind`` messages once it holds ``count`` of them, none pending."""
    def check():
        rows = school.log(kind)
        return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
    return wait_for(check, timeout=30, message="every message settled")


def republish(platform: Platform, envelope) -> None:
    """The same event delivered once more (as after a relay that died before deleting it)."""
    publisher = ConfirmingPublisher(platform.amqp_uri)
    try:
        publisher.publish([(EVENTS_EXCHANGE, envelope)])
    finally:
        publisher.close()
