"""Two replicas of the notifications service on one broker and one database send each message
once: a burst of pairings (and the registrations before them) consumed by both replicas' workers
from the shared durable queues, every message recorded once in the delivery log, sent once to a
real SMTP server on loopback (one sender holds the lease at a time), and both replicas alive at
the end."""
from __future__ import annotations

import uuid
from collections import Counter
from typing import List

import pytest
from nameko.containers import ServiceContainer

from services.notifications.service import NotificationsService
from services.platform_core.events import DomainEvent
from services.platform_core.testing import HttpClient, wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN, START, free_port

pytestmark = pytest.mark.integration

PAIRS = 15


@pytest.fixture
def second_replica(platform):
    """Another NotificationsService on the same database, broker and mail server."""
    container = ServiceContainer(NotificationsService, {**platform.notifications.config,
                                                        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
    container.start()
    try:
        yield container
    finally:
        container.stop()


def counting(container, handled: List[int], k: int) -> None:
    spawn_worker = container.spawn_worker

    def spawn(*args, **kwargs):
        handled[k] += 1
        return spawn_worker(*args, **kwargs)
    container.spawn_worker = spawn


def test_two_replicas_send_each_message_once(platform, second_replica):
    replicas = [platform.notifications, second_replica]
    handled = [0, 0]
    for k, container in enumerate(replicas):
        counting(container, handled, k)
    slug = f"replicas-{uuid.uuid4().hex[:8]}"
    created = platform.registration.post("/tenants", OPERATOR_TOKEN, {
        "slug": slug, "name": "Kauno gimnazija", "kind": "school",
        "default_language": "lt", "time_zone": "Europe/Vilnius"})
    assert created.status_code == 201, created.text
    key = created.json()["api_key"]
    settings = builders.school_settings()
    settings["matching"]["mode"] = "automatic"
    programme = platform.registration.post(f"/tenants/{slug}/programmes", key, settings)
    assert programme.status_code == 201, programme.text
    programme_id = programme.json()["id"]
    people = []
    for k in range(PAIRS):
        mentor = platform.registration.post(f"/tenants/{slug}/programmes/{programme_id}/mentors", key, {
            "personal": builders.adult(name=f"Mentorius {k}", email=f"mentor{k}@example.lt"),
            "profile": builders.profile(community=["parent"])})
        mentee = platform.registration.post(f"/tenants/{slug}/programmes/{programme_id}/mentees", key, {
            "personal": builders.pupil(name=f"Mokinys {k}", email=f"mentee{k}@example.lt"),
            "profile": builders.profile(community=[])})
        assert mentor.status_code == mentee.status_code == 201, (mentor.text, mentee.text)
        people.append((mentor.json()["person_id"], mentee.json()["person_id"]))
    log_url = f"/tenants/{slug}/programmes/{programme_id}/notifications"
    wait_for(lambda: platform.api.get(log_url, key).status_code == 200, timeout=20,
             message="notifications to know the programme")

    events, expected = [], {}
    for mentor_id, mentee_id in people:  # the burst: every pairing in one append, published at once
        pairing_id = str(uuid.uuid4())
        events.append(DomainEvent("PairingConfirmed", "pairing", pairing_id, {
            "programme_id": programme_id, "mentor_id": mentor_id, "mentee_id": mentee_id, "mode": "automatic",
            "origin": "placement", "score": 10, "parts": {"areas": 10}, "percent": 100,
            "confirmed_by": "automatic", "confirmed_at": START.isoformat()}))
        expected[("pairing", pairing_id)] = 0
    platform.matching_store.append(slug, events, expected=expected)

    def settled():
        rows = platform.api.get(log_url, key).json()["notifications"]
        introductions = [r for r in rows if r["kind"] == "introduction"]
        done = len(introductions) == 3 * PAIRS and all(r["status"] != "pending" for r in rows)
        return rows if done else None
    rows = wait_for(settled, timeout=60, interval=0.2, message="every introduction settled")
    assert {r["status"] for r in rows} == {"sent"}, Counter(r["status"] for r in rows)
    received = Counter(mail["Message-ID"].strip("<>").split("@")[0] for mail in platform.mailbox.messages)
    ids = [r["message_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 3 * PAIRS + 3 * PAIRS  # registration received (and the guardian's)
    assert {message_id: received[message_id] for message_id in ids} == {message_id: 1 for message_id in ids}
    sent_events = wait_for(lambda: len(platform.events(slug, "NotificationSent")) >= len(ids)
                           and platform.events(slug, "NotificationSent"), message="every NotificationSent published")
    assert sorted(e["payload"]["message_id"] for e in sent_events) == sorted(ids)  # one outcome a message

    assert all(handled), f"one replica consumed every event: {handled}"
    for container in replicas:  # both alive and answering
        assert not container._died.ready()
        address = container.config["WEB_SERVER_ADDRESS"]
        assert HttpClient(f"http://{address}").get("/health").status_code == 200
