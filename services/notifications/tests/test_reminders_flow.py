"""Reminders over the real broker and PostgreSQL to a real SMTP server, on a manual clock: the
consent reminder repeated, then stopped when the consent is given; a reminder held in a quiet
period and sent after it; the training reminder dropped when the training is recorded; a pair at
risk held for the morning and dropped when the pairing ends; every scheduled message claimed once
by two schedulers; notices sent only inside the sending window; bad notification settings refused
with the path of the field."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import eventlet
import pytest
from sqlalchemy import select

from services.notifications import reminders
from services.notifications.domain import message_id
from services.platform_core.dependencies import store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.scheduler import JobRunner, list_jobs
from services.platform_core.testing import wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import START

pytestmark = pytest.mark.integration

MENTOR, MENTEE, GUARDIAN = "ona@example.lt", "jonas@example.lt", "rasa@example.lt"


@pytest.fixture(autouse=True)
def _reset_clock(platform):
    platform.clock.set(START)  # 12:00 in Vilnius, the tenant's zone: inside the sending window


def settings(**notifications: Any) -> Dict[str, Any]:
    value = builders.school_settings()  # consent for all, a seminar on 14 Feb, mentees close on 1 Feb
    value["matching"]["mode"] = "automatic"
    value["notifications"] = notifications
    return value


def store(platform):
    return store_engine_of(platform.notifications).require_store()


def waiting(platform, school, kind: str) -> List[Dict[str, Any]]:
    """The school's messages of ``kind`` in ``notif_reminders`` (waiting, recorded or cancelled)."""
    table = reminders.reminders
    with store(platform).transaction(school.slug) as tx:
        return [dict(r) for r in tx.conn.execute(select(table).where(
            table.c.tenant_id == school.slug, table.c.kind == kind).order_by(table.c.occurrence)).mappings()]


def sent(school, kind: str, count: int) -> List[Dict[str, Any]]:
    def check():
        rows = [r for r in school.log(kind) if r["status"] == "sent"]
        return rows if len(rows) == count and all(r["status"] != "pending" for r in school.log(kind)) else None
    return wait_for(check, timeout=30, message=f"{count} {kind} sent")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_the_consent_reminder_is_repeated_then_stops_once_the_consent_is_given(platform):
    school = platform.school(settings=settings(consent_reminder={"every_days": 2, "at_most": 3}))
    received = sent(school, "registration_received", 3)  # the mentor, the mentee and the guardian, now
    assert {r["role"] for r in received} == {"mentor", "mentee", "guardian"}
    rows = wait_for(lambda: len(waiting(platform, school, "consent_missing")) == 3
                    and waiting(platform, school, "consent_missing"), message="three reminders scheduled")
    assert [r["due_at"] for r in rows] == [START + timedelta(days=2 * n) for n in (1, 2, 3)]
    assert {(r["recipient_id"], r["role"], r["status"]) for r in rows} == {(school.mentee, "guardian", "waiting")}

    platform.clock.set(START + timedelta(days=2, minutes=1))
    assert platform.run_due() == [(reminders.JOB, rows[0]["message_id"], "done")]
    platform.clock.set(START + timedelta(days=4, minutes=1))
    assert platform.run_due() == [(reminders.JOB, rows[1]["message_id"], "done")]
    first, second = sent(school, "consent_missing", 2)
    assert (first["occurrence"], second["occurrence"]) == (1, 2)
    assert first["cause_event_id"] == second["cause_event_id"]  # one cause, two occurrences
    assert second["message_id"] == message_id(first["cause_event_id"], school.mentee, "guardian", "consent_missing", 2)
    mails = platform.mailbox.to(GUARDIAN, [first["message_id"], second["message_id"]])
    assert len(mails) == 2 and "Jonas Jonaitis" in mails[0].get_body(("plain",)).get_content()

    given = platform.registration.post(f"/tenants/{school.slug}/people/{school.mentee}/consent", school.key,
                                       {"programme_id": school.programme_id, "given_by": "guardian"})
    assert given.status_code == 200, given.text
    third = wait_for(lambda: [r for r in waiting(platform, school, "consent_missing")
                              if r["occurrence"] == 3 and r["status"] == "cancelled"], message="the third dropped")
    assert third[0]["settled_by"] == "ConsentGiven"
    with store(platform).transaction(school.slug) as tx:
        assert not [j for j in list_jobs(tx, kind=reminders.JOB, pending_only=True) if j.key == rows[2]["message_id"]]
    platform.clock.set(START + timedelta(days=30))
    assert not [o for o in platform.run_due() if o[1] == rows[2]["message_id"]]
    assert len(school.log("consent_missing")) == 2


def test_a_reminder_is_held_in_a_quiet_period_and_sent_after_it(platform):
    school = platform.school(settings=settings(registration_closing={"days_before": 7}))
    # mentees' registration closes on 1 Feb: the mentor is reminded on 25 Jan, 08:00 in Vilnius
    [row] = wait_for(lambda: waiting(platform, school, "registration_closing"), message="the reminder scheduled")
    assert (row["recipient_id"], row["due_at"]) == (school.mentor, at("2025-01-25T08:00:00+02:00"))

    holidays = {"notifications": {"quiet_periods": [{"from": "2025-01-24", "until": "2025-01-26", "name": "break"}]}}
    updated = platform.registration.patch(f"/tenants/{school.slug}/programmes/{school.programme_id}", school.key,
                                          holidays, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    moved = wait_for(lambda: [r for r in waiting(platform, school, "registration_closing")
                              if r["due_at"] == at("2025-01-27T08:00:00+02:00")], message="moved past the break")
    assert moved[0]["status"] == "waiting"

    platform.clock.set(at("2025-01-25T12:00:00+02:00"))  # in the break: nothing goes
    assert not [o for o in platform.run_due() if o[1] == row["message_id"]]
    platform.clock.set(at("2025-01-27T07:59:00+02:00"))  # after it, but before the window opens
    assert not [o for o in platform.run_due() if o[1] == row["message_id"]]
    platform.clock.set(at("2025-01-27T08:00:00+02:00"))
    assert (reminders.JOB, row["message_id"], "done") in platform.run_due()
    [delivered] = sent(school, "registration_closing", 1)
    [mail] = platform.mailbox.to(MENTOR, [delivered["message_id"]])
    assert "2025-02-01" in str(mail["Subject"]) and delivered["language"] == "lt"


def test_the_training_reminder_is_dropped_when_the_training_is_recorded(platform):
    school = platform.school(settings=settings(training_reminder={"days_before": 3}))
    [row] = wait_for(lambda: waiting(platform, school, "training_reminder"), message="the reminder scheduled")
    assert row["due_at"] == at("2025-02-11T08:00:00+02:00")  # three days before the seminar of 14 Feb
    done = platform.registration.post(f"/tenants/{school.slug}/people/{school.mentor}/training", school.key,
                                      {"programme_id": school.programme_id, "completed_on": "2025-01-15"})
    assert done.status_code == 200, done.text
    wait_for(lambda: waiting(platform, school, "training_reminder")[0]["status"] == "cancelled",
             message="the reminder dropped")
    assert waiting(platform, school, "training_reminder")[0]["settled_by"] == "TrainingCompleted"
    platform.clock.set(at("2025-02-12T12:00:00+02:00"))
    assert not [o for o in platform.run_due() if o[1] == row["message_id"]]
    assert school.log("training_reminder") == []


def test_outside_the_window_a_notice_waits_for_it_and_two_schedulers_send_it_once(platform):
    platform.clock.set(at("2025-01-15T21:30:00+02:00"))  # the evening: the window has closed
    school = platform.school(settings=settings(sending_window={"start": "09:00", "end": "17:00"}))
    rows = wait_for(lambda: len(waiting(platform, school, "registration_received")) == 3
                    and waiting(platform, school, "registration_received"), message="notices held")
    assert {r["due_at"] for r in rows} == {at("2025-01-16T09:00:00+02:00")}
    assert school.log("registration_received") == []

    platform.clock.set(at("2025-01-16T09:00:00+02:00"))
    ours = {r["message_id"] for r in rows}
    runners = [JobRunner(store(platform), platform.clock, holder=name) for name in ("replica-a", "replica-b")]
    handlers = {reminders.JOB: lambda job, tx: reminders.run_job(tx, job)}
    passes = [eventlet.spawn(runner.run_due, handlers) for runner in runners for _ in range(2)]
    outcomes = [outcome for thread in passes for outcome in thread.wait() if outcome[1] in ours]
    assert sorted(key for _, key, result in outcomes if result == "done") == sorted(ours)  # each once
    with store(platform).transaction(school.slug) as tx:  # the delivery log holds each once
        logged = [r for r in tx.conn.execute(select(reminders.read_model.deliveries)).mappings()
                  if r["message_id"] in ours]
    assert len(logged) == 3  # the sender finds them on its next poll
    assert {r["role"] for r in sent(school, "registration_received", 3)} == {"mentor", "mentee", "guardian"}


def test_bad_notification_settings_are_refused_with_the_path_of_the_field(platform):
    school = platform.school()
    response = platform.registration.patch(
        f"/tenants/{school.slug}/programmes/{school.programme_id}", school.key,
        {"notifications": {"sending_window": {"start": "18:00", "end": "09:00"},
                           "quiet_periods": [{"from": "2025-02-23", "until": "2025-02-17"}]}},
        headers={"If-Match": '"1"'})
    assert response.status_code == 400, response.text
    details = response.json()["details"]
    assert "notifications.sending_window.end" in details and "notifications.quiet_periods.0.until" in details
    malformed = platform.registration.patch(
        f"/tenants/{school.slug}/programmes/{school.programme_id}", school.key,
        {"notifications": {"sending_window": {"start": "8am"}}}, headers={"If-Match": '"1"'})
    assert malformed.status_code == 400 and "notifications.sending_window.start" in malformed.json()["details"]


def test_a_pair_at_risk_held_for_the_morning_is_dropped_when_the_pairing_ends(platform):
    school = platform.school()
    confirmed = school.pair()
    sent(school, "introduction", 3)
    platform.clock.set(at("2025-01-20T22:00:00+02:00"))  # the watch runs at night
    watch_id = str(uuid.uuid4())
    platform.sessions_store.append(school.slug, [DomainEvent("PairingAtRisk", "pairwatch", watch_id, {
        "pairing_id": confirmed.stream_id, "programme_id": school.programme_id, "mentor_id": school.mentor,
        "mentee_id": school.mentee, "towards_cadence_last_30_days": 0, "min_per_month": 2,
        "days_since_last_meeting": None, "assessed_at": platform.clock.now().isoformat(),
        "reasons": ["no_meeting_for_too_long"]})], expected={("pairwatch", watch_id): 0})
    rows = wait_for(lambda: len(waiting(platform, school, "pairing_at_risk")) == 2
                    and waiting(platform, school, "pairing_at_risk"), message="both sides reminded in the morning")
    assert {(r["recipient_id"], r["role"], r["due_at"]) for r in rows} == {
        (school.mentor, "mentor", at("2025-01-21T08:00:00+02:00")),
        (school.mentee, "mentee", at("2025-01-21T08:00:00+02:00"))}
    platform.matching_store.append(school.slug, [DomainEvent("PairingEnded", "pairing", confirmed.stream_id, {
        "programme_id": school.programme_id, "mentor_id": school.mentor, "mentee_id": school.mentee,
        "reason": "closed_early", "ended_by": "coordinator", "ended_at": platform.clock.now().isoformat()})],
        expected={("pairing", confirmed.stream_id): 1})
    wait_for(lambda: {r["status"] for r in waiting(platform, school, "pairing_at_risk")} == {"cancelled"},
             message="both dropped")
    platform.clock.set(at("2025-01-21T09:00:00+02:00"))
    assert not [o for o in platform.run_due() if o[1] in {r["message_id"] for r in rows}]
    assert school.log("pairing_at_risk") == []
