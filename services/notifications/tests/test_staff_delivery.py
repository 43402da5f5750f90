"""A pairing's news over the real broker to a real SMTP server: the programme's coordinator gets
their own introduction in their language, and a pairing's end reaches both sides, the minor's
guardian and the coordinator; a meeting disputed in sessions reaches the coordinator; each
message once, even when its cause is delivered twice."""
from __future__ import annotations

import uuid

import pytest

from services.platform_core.events import DomainEvent
from services.platform_core.metrics import EVENTS_CONSUMED
from services.platform_core.testing import wait_for

from .conftest import republish

pytestmark = pytest.mark.integration

MENTOR, MENTEE, GUARDIAN = "ona@example.lt", "jonas@example.lt", "rasa@example.lt"


def duplicates() -> float:
    """Matching's events notifications found it had handled already (this process's counter)."""
    return EVENTS_CONSUMED.labels(service="notifications", consumer="on_matching", outcome="duplicate")._value.get()


def sessions_duplicates() -> float:
    """Sessions' events notifications found it had handled already (this process's counter)."""
    return EVENTS_CONSUMED.labels(service="notifications", consumer="on_sessions", outcome="duplicate")._value.get()


def settled(school, kind, count):
    def check():
        rows = [r for r in school.log() if r["kind"] == kind]
        return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
    return wait_for(check, timeout=30, message=f"every {kind} settled")


def only(messages, subject_part):
    found = [m for m in messages if subject_part in str(m["Subject"])]
    assert len(found) == 1, [str(m["Subject"]) for m in messages]
    return found[0]


def test_the_coordinator_is_told_of_the_pairing_and_everyone_of_its_end_once_each(platform):
    school = platform.school()
    coordinator_mail = f"coordinator-{school.slug}@example.lt"
    coordinator = school.add_coordinator(coordinator_mail, "nl")

    confirmed = school.pair()
    rows = {r["role"]: r for r in settled(school, "introduction", 4)}
    assert set(rows) == {"mentor", "mentee", "guardian", "coordinator"}
    assert (rows["coordinator"]["recipient_id"], rows["coordinator"]["status"], rows["coordinator"]["language"]) \
        == (coordinator, "sent", "nl")
    [to_coordinator] = platform.mailbox.to(coordinator_mail)
    assert str(to_coordinator["Subject"]).startswith("Nieuw koppel in ")
    assert to_coordinator["Content-Language"] == "nl"
    text = to_coordinator.get_body(("plain",)).get_content()
    assert "Ona Petraitienė" in text and "Jonas Jonaitis" in text and MENTOR in text and GUARDIAN in text

    ended = school.end(confirmed.stream_id, reason="withdrew")
    ending = {r["role"]: r for r in settled(school, "pairing_ended", 4)}
    assert set(ending) == {"mentor", "mentee", "guardian", "coordinator"}
    assert all(r["status"] == "sent" and r["cause_event_id"] == ended.event_id for r in ending.values())
    assert ending["mentor"]["language"] == "lt" and ending["coordinator"]["language"] == "nl"
    only(platform.mailbox.to(MENTOR), "Jūsų mentorystės pora baigė veiklą")
    only(platform.mailbox.to(GUARDIAN), "baigė veiklą")
    staff_end = only(platform.mailbox.to(coordinator_mail), "Koppel beëindigd")
    assert "teruggetrokken" in staff_end.get_body(("plain",)).get_content()  # the reason, for the staff
    def pairing_news():
        return [e for e in platform.events(school.slug, "NotificationSent")
                if e["payload"]["kind"] in ("introduction", "pairing_ended")]
    sent = wait_for(lambda: len(pairing_news()) == 8 and pairing_news(), message="NotificationSent")
    assert {(e["payload"]["kind"], e["payload"]["role"]) for e in sent} >= {
        ("introduction", "coordinator"), ("pairing_ended", "coordinator"), ("pairing_ended", "guardian")}

    # the same causes once more: each is seen as a duplicate, nothing new is recorded or sent
    before = duplicates()
    news = [r["message_id"] for kind in ("introduction", "pairing_ended") for r in school.log(kind)]
    mails = platform.mailbox.received(news)
    republish(platform, confirmed)
    republish(platform, ended)
    wait_for(lambda: duplicates() >= before + 2, timeout=20, message="both repeats handled as duplicates")
    assert len(school.log("introduction")) == len(school.log("pairing_ended")) == 4
    platform.notifications_sender().send_due()  # a pass of the sender: nothing is due
    assert platform.mailbox.received(news) == mails
    assert len(platform.mailbox.to(coordinator_mail)) == 2


def test_a_coordinator_taken_off_the_staff_is_no_longer_told(platform):
    school = platform.school()
    coordinator_mail = f"former-{school.slug}@example.lt"
    coordinator = school.add_coordinator(coordinator_mail, "lv")
    removed = platform.registration.post(
        f"/tenants/{school.slug}/programmes/{school.programme_id}/staff/{coordinator}/remove", school.key, {})
    assert removed.status_code == 200, removed.text
    wait_for(lambda: school.staff_known() == [], timeout=20, message="notifications to know of the removal")
    school.pair()
    rows = settled(school, "introduction", 3)
    assert "coordinator" not in {r["role"] for r in rows}
    assert not platform.mailbox.to(coordinator_mail)


def test_a_disputed_meeting_is_told_to_the_coordinator_once_in_their_language(platform):
    school = platform.school()
    coordinator_mail = f"coordinator-{school.slug}@example.lt"
    coordinator = school.add_coordinator(coordinator_mail, "lv")
    confirmed = school.pair()
    settled(school, "introduction", 4)

    # sessions: the mentor logs a meeting, the mentee disputes it (the stream as sessions writes it)
    meeting_id, reason = str(uuid.uuid4()), "he never came"
    act = {"pairing_id": confirmed.stream_id, "programme_id": school.programme_id}
    facts = {"started_at": "2025-01-14T15:00:00+00:00", "minutes": 45, "mode": "remote"}
    logged, disputed = platform.sessions_store.append(school.slug, [
        DomainEvent("MeetingLogged", "meeting", meeting_id, {
            **act, **facts, "by_person_id": school.mentor, "by_role": "mentor", "areas": [],
            "personal": {"plan": None, "note": None}, "goals_set": [], "goals_reached": [],
            "logged_at": "2025-01-14T17:00:00+00:00"}),
        DomainEvent("MeetingDisputed", "meeting", meeting_id, {
            **act, **facts, "by_person_id": school.mentee, "by_role": "mentee", "meeting_id": meeting_id,
            "mentor_id": school.mentor, "mentee_id": school.mentee, "logged_by_person_id": school.mentor,
            "logged_by_role": "mentor", "disputed_at": "2025-01-15T09:00:00+00:00",
            "personal": {"reason": reason}})], expected={("meeting", meeting_id): 0})

    [row] = settled(school, "meeting_disputed", 1)
    assert (row["recipient_id"], row["role"], row["status"], row["language"], row["cause_event_id"]) == \
        (coordinator, "coordinator", "sent", "lv", disputed.event_id)
    [mail] = platform.mailbox.to(coordinator_mail, [row["message_id"]])
    assert str(mail["Subject"]).startswith("Apstrīdēta tikšanās – Ona Petraitienė un Jonas Jonaitis")
    text = mail.get_body(("plain",)).get_content()
    # who disputed, the pair, the meeting in the tenant's time (Vilnius: 17:00), never the reason
    assert text.count("Jonas Jonaitis") >= 1 and "(mentorējamais)" in text and "2025-01-14 plkst. 17:00" in text
    assert "45 minūtes" in text and "attālināti" in text and reason not in text and reason not in str(mail)
    assert "List-Unsubscribe" not in mail
    assert [e for e in platform.events(school.slug, "NotificationSent") if e["payload"]["kind"] == "meeting_disputed"]
    assert platform.mailbox.to(MENTOR, [row["message_id"]]) == []  # the pair is not told by this

    # the dispute delivered once more: a duplicate, nothing new recorded or sent
    before = sessions_duplicates()
    told = [r["message_id"] for r in school.log("meeting_disputed")]
    mails = platform.mailbox.received(told)
    republish(platform, disputed)
    republish(platform, logged)
    wait_for(lambda: sessions_duplicates() >= before + 2, timeout=20, message="both repeats handled as duplicates")
    assert len(school.log("meeting_disputed")) == 1
    platform.notifications_sender().send_due()
    assert platform.mailbox.received(told) == mails
    assert len(platform.mailbox.to(coordinator_mail)) == 2  # the introduction and the dispute, once each
