"""Introductions over the real broker to a real SMTP server: one mail per recipient, once per
cause even when the cause comes twice, retried while the server is down, failed (and said so)
when it refuses for good, and nothing for an erased person."""
from __future__ import annotations

import time

import pytest

from services.platform_core.testing import wait_for

from .conftest import republish

pytestmark = pytest.mark.integration

MENTOR, MENTEE, GUARDIAN = "ona@example.lt", "jonas@example.lt", "rasa@example.lt"


def settled(school, count=3):
    def check():
        rows = school.log("introduction")
        return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
    return wait_for(check, timeout=30, message="every message settled")


def test_a_pairing_introduces_each_side_once_even_when_delivered_twice(platform):
    school = platform.school()
    envelope = school.pair()
    rows = settled(school)
    assert {(r["role"], r["status"], r["language"]) for r in rows} == {
        ("mentor", "sent", "lt"), ("mentee", "sent", "lt"), ("guardian", "sent", "lt")}
    assert all(r["cause_event_id"] == envelope.event_id and r["attempts"] == 1 for r in rows)
    ids = [r["message_id"] for r in rows]
    [to_mentor], [to_mentee], [to_guardian] = (platform.mailbox.to(a, ids) for a in (MENTOR, MENTEE, GUARDIAN))
    mentor_text = to_mentor.get_body(("plain",)).get_content()
    assert GUARDIAN in mentor_text and MENTEE not in mentor_text  # a minor's own address stays theirs
    assert "Ona Petraitienė" in to_mentee.get_body(("plain",)).get_content()
    assert to_mentor["Content-Language"] == "lt"
    def introductions_sent():
        sent = [e for e in platform.events(school.slug, "NotificationSent") if e["payload"]["kind"] == "introduction"]
        return len(sent) == 3 and sent
    sent = wait_for(introductions_sent, message="NotificationSent")
    assert {e["payload"]["role"] for e in sent} == {"mentor", "mentee", "guardian"}
    assert all("@" not in str(e["payload"]) for e in sent)  # ids, never an address

    republish(platform, envelope)  # the same cause once more
    time.sleep(1.5)  # long enough for the consumer and the sender to have acted on it
    assert platform.mailbox.received(ids) == 3 and len(school.log("introduction")) == 3
    person = platform.api.get(f"/tenants/{school.slug}/people/{school.mentee}/notifications", school.key).json()
    assert {r["role"] for r in person["notifications"] if r["kind"] == "introduction"} == {"mentee", "guardian"}
    assert "@" not in str(person)


def test_the_mail_arrives_once_the_server_is_back_and_the_log_shows_the_attempts(platform):
    school = platform.school()
    platform.smtp_down()
    try:
        school.pair()
        def tried_twice():  # one read of the log: an empty one is not "all tried"
            rows = school.log("introduction")
            return rows if len(rows) == 3 and all(r["attempts"] >= 2 for r in rows) else None
        waiting = wait_for(tried_twice, timeout=20, message="attempts while the server is down")
        assert all(r["status"] == "pending" and r["last_error"] and r["smtp_code"] is None for r in waiting), waiting
        assert any("ConnectionRefused" in r["last_error"] for r in waiting), waiting
    finally:
        platform.smtp_up()
    rows = settled(school)
    assert all(r["status"] == "sent" and r["attempts"] >= 3 for r in rows)
    assert len(platform.mailbox.to(MENTOR)) >= 1


def test_a_refusal_for_good_fails_the_message_and_says_so(platform):
    school = platform.school(mentee_email="reject-me@example.lt")
    school.pair()
    rows = {r["role"]: r for r in settled(school)}
    assert (rows["mentee"]["status"], rows["mentee"]["smtp_code"], rows["mentee"]["attempts"]) == ("failed", 550, 1)
    assert "reject-me" not in rows["mentee"]["last_error"]  # the address masked
    assert rows["mentor"]["status"] == rows["guardian"]["status"] == "sent"
    [failed] = wait_for(lambda: [e for e in platform.events(school.slug, "NotificationFailed")
                                 if e["payload"]["kind"] == "introduction"], message="NotificationFailed")
    assert (failed["payload"]["reason"], failed["payload"]["recipient_id"]) == ("rejected", school.mentee)


def test_an_erased_person_gets_nothing(platform):
    school = platform.school(mentee_email="erased@example.lt")
    erased = platform.registration.post(f"/tenants/{school.slug}/people/{school.mentee}/erase", school.key, {})
    assert erased.status_code == 200, erased.text
    school.pair()
    rows = {r["role"]: r for r in settled(school)}
    assert rows["mentee"]["status"] == rows["guardian"]["status"] == "skipped"
    assert rows["mentee"]["last_error"] == "recipient_erased"
    assert not platform.mailbox.to("erased@example.lt", [r["message_id"] for r in rows.values()])
