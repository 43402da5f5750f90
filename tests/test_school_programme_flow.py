"""A whole school programme set up over HTTP, watched from the broker as a subscriber would.

The real registration and matching services run against their own PostgreSQL databases
on one RabbitMQ vhost. A subscriber bound to one tenant's routing keys sees that tenant's
events, in order, with personal data only as ciphertext and credential hashes never, each as
its published contract (docs/contracts) describes it; the matching service, listening to the
same events, pairs the pupil with the parent exactly once.
"""
import json
import socket
from datetime import datetime, timezone
from typing import Any, List

import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer

from services.matching.service import MatchingService
from services.platform_core.envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, Envelope
from services.platform_core.scheduler import scheduler_of
from services.platform_core.testing import assert_valid_event, temporary_database, wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN, PLATFORM_SECRET, running_service

pytestmark = pytest.mark.integration

PERSONAL_WORDS = ("Jonas", "jonas@example.lt", "Rasa", "rasa@example.lt", "Ona", "ona@example.lt",
                  "2008-09-10", "1980-05-17")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subscribe(amqp_uri, name, key, exchange=EVENTS_EXCHANGE):
    with Connection(amqp_uri) as conn:
        Queue(name, Exchange(exchange, "topic", durable=True), routing_key=key,
              durable=True)(conn.default_channel).declare()


def received(amqp_uri, queue, into):
    with Connection(amqp_uri) as conn:
        while True:
            message = conn.default_channel.basic_get(queue, no_ack=True)
            if message is None:
                return into
            assert_valid_event(message)  # every event seen is as its published contract says
            into.append(message)


@pytest.fixture
def platform(amqp_uri):
    with temporary_database() as registration_db, temporary_database() as matching_db:
        for name, key, exchange in (("watch-school", "vjg.#", EVENTS_EXCHANGE),
                                    ("watch-other", "other-ngo.#", EVENTS_EXCHANGE),
                                    ("watch-internal", "#", INTERNAL_EXCHANGE)):
            subscribe(amqp_uri, name, key, exchange)
        with running_service(registration_db, amqp_uri) as api:
            matching = ServiceContainer(MatchingService, {
                "AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                "DATABASES": {"matching": matching_db}, "OPERATOR_TOKEN": OPERATOR_TOKEN,
                "PLATFORM_SECRET": PLATFORM_SECRET, "CLOCK": api.clock, "OUTBOX_POLL_SECONDS": 0.2,
                "SCHEDULER_POLL_SECONDS": 0})  # the test runs due jobs itself
            matching.start()
            try:
                yield api, amqp_uri, matching
            finally:
                matching.stop()


def test_a_school_programme_set_up_as_a_subscriber_sees_it(platform):
    api, amqp_uri, matching = platform
    school = api.post("/tenants", OPERATOR_TOKEN, {"slug": "vjg", "name": "Vilniaus gimnazija",
                                                   "kind": "school", "default_language": "lt",
                                                   "time_zone": "Europe/Vilnius"})
    assert school.status_code == 201, school.text
    other = api.post("/tenants", OPERATOR_TOKEN, {"slug": "other-ngo", "name": "Other", "kind": "ngo",
                                                  "default_language": "lv", "time_zone": "Europe/Riga"})
    assert other.status_code == 201, other.text
    key = school.json()["api_key"]
    base = "/tenants/vjg"

    settings = builders.school_settings()
    settings["matching"]["mode"] = "automatic"
    programme = api.post(f"{base}/programmes", key, settings)
    assert programme.status_code == 201, programme.text
    pid = programme.json()["id"] if "id" in programme.json() else programme.json()["programme_id"]

    parent = api.post(f"{base}/programmes/{pid}/mentors", key, {
        "personal": builders.adult(), "profile": builders.profile(community=["parent"], areas=["studies"])})
    assert parent.status_code == 201, parent.text
    pupil = api.post(f"{base}/programmes/{pid}/mentees", key, {
        "personal": builders.pupil(), "profile": builders.profile(community=[], areas=["studies", "career"])})
    assert pupil.status_code == 201, pupil.text
    pupil_id, parent_id = pupil.json()["person_id"], parent.json()["person_id"]
    trained = api.post(f"/tenants/vjg/people/{parent_id}/training", key,
                       {"programme_id": pid, "completed_on": "2025-01-14"})
    assert trained.status_code == 200, trained.text
    consent = api.post(f"/tenants/vjg/people/{pupil_id}/consent", key,
                       {"programme_id": pid, "given_by": "guardian"})
    assert consent.status_code == 200, consent.text

    # nothing is paired before the programme's round date (21 Feb): then the round runs
    school_messages: List[Any] = []
    wait_for(lambda: any(Envelope.from_message(m.body).payload.get("reason") == "awaiting_round"
                         for m in received(amqp_uri, "watch-school", school_messages)),
             timeout=20, message="the pupil to wait for the round")
    api.clock.set(datetime(2025, 2, 21, 8, 0, tzinfo=timezone.utc))
    scheduler_of(matching).run_due()
    wait_for(lambda: any(m.properties["type"] == "PairingConfirmed"
                         for m in received(amqp_uri, "watch-school", school_messages)),
             timeout=20, message="the pairing to be published")
    envelopes = [Envelope.from_message(m.body) for m in school_messages]
    types = [e.event_type for e in envelopes]

    # the whole set-up, in the order it happened, each event once
    registration_events = [e for e in envelopes if e.source == "registration"]
    assert [e.event_type for e in registration_events] == [
        "TenantCreated", "ProgrammeCreated", "PersonRegistered", "MentorRegistered",
        "PersonRegistered", "MenteeRegistered", "TrainingCompleted", "ConsentGiven"]
    assert len({e.event_id for e in envelopes}) == len(envelopes)
    positions = [e.global_position for e in registration_events]
    assert None not in positions  # stored events have their position
    assert positions == sorted(p for p in positions if p is not None)
    assert all(e.tenant_id == "vjg" for e in envelopes)
    assert registration_events[0].actor.kind == "operator"
    assert {e.actor.kind for e in registration_events[1:]} == {"coordinator"}

    # matching paired the pupil with the parent, once, and said why
    [confirmed] = [e for e in envelopes if e.event_type == "PairingConfirmed"]
    assert (confirmed.payload["mentor_id"], confirmed.payload["mentee_id"]) == (parent_id, pupil_id)
    assert confirmed.source == "matching" and confirmed.occurred_at.date().isoformat() == "2025-02-21"
    waits = [e for e in envelopes if e.event_type == "MenteeWaitlisted"]
    assert [w.payload["reason"] for w in waits][-1] == "awaiting_round"  # once consent was there
    assert all(w.causation_id is not None for w in waits)  # caused by the registration events
    assert "score" in json.dumps(confirmed.payload)
    assert types.count("PairingConfirmed") == 1

    # personal data travels only as ciphertext; credential hashes never on the public exchange
    for message in school_messages:
        body = message.body.decode() if isinstance(message.body, bytes) else message.body
        for word in PERSONAL_WORDS:
            assert word not in body, f"{word!r} travelled in clear in {json.loads(body)['event_type']}"
    assert "TenantKeyRotated" not in types
    internal = [Envelope.from_message(m.body) for m in received(amqp_uri, "watch-internal", [])]
    assert {e.tenant_id for e in internal if e.event_type == "TenantKeyRotated"} == {"vjg", "other-ngo"}

    # a subscriber of the other tenant sees that tenant only
    others = [Envelope.from_message(m.body) for m in received(amqp_uri, "watch-other", [])]
    assert [(e.tenant_id, e.event_type) for e in others] == [("other-ngo", "TenantCreated")]
