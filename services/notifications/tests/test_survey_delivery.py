"""A pair's surveys over the real broker to a real SMTP server, on a manual clock: a survey fallen
due invites both sides once (in their language, the survey's title and how to answer it, a
one-click unsubscribe), even when delivered twice; an invitation held for the morning is dropped
for the side that answered meanwhile; a fit concern reaches the programme's coordinator."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from services.contracts.default_surveys import FIT_CHECK
from services.notifications import reminders
from services.platform_core.dependencies import store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.metrics import EVENTS_CONSUMED
from services.platform_core.testing import wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import START

from .conftest import republish

pytestmark = pytest.mark.integration

MENTOR, MENTEE = "ona@example.lt", "jonas@example.lt"
OCCURRENCE = {"survey_id": "fit_check", "occurrence": "first_meeting"}


@pytest.fixture(autouse=True)
def _reset_clock(platform):
    platform.clock.set(START)  # 12:00 in Vilnius, the tenant's zone: inside the sending window


def surveyed_school(platform):
    settings = builders.school_settings()
    settings["matching"]["mode"] = "automatic"
    settings["surveys"] = {"enabled": True}
    school = platform.school(settings=settings)
    return school, school.pair().stream_id


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def pair_facts(school, pairing_id: str) -> Dict[str, Any]:
    return {"pairing_id": pairing_id, "programme_id": school.programme_id, "mentor_id": school.mentor,
            "mentee_id": school.mentee, **OCCURRENCE}


def due(school, pairing_id: str) -> DomainEvent:
    return DomainEvent("SurveyDue", "pairsurveys", pairing_id, {
        **pair_facts(school, pairing_id), "schedule": "after_first_meeting", "respondents": ["mentor", "mentee"],
        "respondent_ids": [school.mentor, school.mentee], "due_at": START.isoformat(),
        "announced_at": START.isoformat()})


def answered(school, pairing_id: str, answer: str) -> List[DomainEvent]:
    """The mentee's answer (and, for "not a fit", the concern sessions appends with it)."""
    by = {**pair_facts(school, pairing_id), "by_person_id": school.mentee, "by_role": "mentee",
          "answered_at": START.isoformat()}
    events = [DomainEvent("SurveyAnswered", "pairsurveys", pairing_id, {**by, "answers": {"fit": answer}})]
    if answer == "not_a_fit":
        events.append(DomainEvent("PairingFitConcern", "pairsurveys", pairing_id, {**by, "concerns": {"fit": answer}}))
    return events


def settled(school, kind: str, count: int) -> List[Dict[str, Any]]:
    def check():
        rows = school.log(kind)
        return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
    return wait_for(check, timeout=30, message=f"every {kind} settled")


def waiting(platform, school) -> List[Dict[str, Any]]:
    table = reminders.reminders
    with store_engine_of(platform.notifications).require_store().transaction(school.slug) as tx:
        return [dict(r) for r in tx.conn.execute(select(table).where(
            table.c.tenant_id == school.slug, table.c.kind == "survey_invitation")).mappings()]


def sessions_duplicates() -> float:
    return EVENTS_CONSUMED.labels(service="notifications", consumer="on_sessions", outcome="duplicate")._value.get()


def test_a_survey_fallen_due_invites_both_sides_once_though_delivered_twice(platform):
    school, pairing_id = surveyed_school(platform)
    settled(school, "introduction", 3)
    [cause] = platform.sessions_store.append(school.slug, [due(school, pairing_id)],
                                             expected={("pairsurveys", pairing_id): 0})

    rows = {r["role"]: r for r in settled(school, "survey_invitation", 2)}
    assert {(role, r["recipient_id"], r["status"], r["cause_event_id"]) for role, r in rows.items()} == {
        ("mentor", school.mentor, "sent", cause.event_id), ("mentee", school.mentee, "sent", cause.event_id)}
    for role, address in (("mentor", MENTOR), ("mentee", MENTEE)):  # the minor mentee: themself
        row = rows[role]
        [mail] = platform.mailbox.to(address, [row["message_id"]])
        title = FIT_CHECK["titles"][row["language"]]
        text = mail.get_body(("plain",)).get_content()
        assert title in text and title.split()[0] in str(mail["Subject"])
        assert f"POST /tenants/{school.slug}/pairings/{pairing_id}/surveys/fit_check/first_meeting" in text
        assert mail["List-Unsubscribe"]  # a reminder: it can be turned off
    assert {e["payload"]["role"] for e in platform.events(school.slug, "NotificationSent")
            if e["payload"]["kind"] == "survey_invitation"} == {"mentor", "mentee"}

    invited = [r["message_id"] for r in school.log("survey_invitation")]
    before, mails = sessions_duplicates(), platform.mailbox.received(invited)
    republish(platform, cause)
    wait_for(lambda: sessions_duplicates() >= before + 1, timeout=20, message="the repeat handled as a duplicate")
    assert len(school.log("survey_invitation")) == 2
    platform.notifications_sender().send_due()
    assert platform.mailbox.received(invited) == mails


def test_an_invitation_held_for_the_morning_is_dropped_for_the_side_that_answered(platform):
    school, pairing_id = surveyed_school(platform)
    settled(school, "introduction", 3)
    platform.clock.set(at("2025-01-15T22:00:00+02:00"))  # the watch runs at night
    platform.sessions_store.append(school.slug, [due(school, pairing_id)], expected={("pairsurveys", pairing_id): 0})
    rows = wait_for(lambda: len(waiting(platform, school)) == 2 and waiting(platform, school),
                    message="both invitations wait for the morning")
    assert {r["due_at"] for r in rows} == {at("2025-01-16T08:00:00+02:00")}

    platform.sessions_store.append(school.slug, answered(school, pairing_id, "good_fit"),
                                   expected={("pairsurveys", pairing_id): 1})
    wait_for(lambda: {(r["role"], r["status"]) for r in waiting(platform, school)} == {
        ("mentor", "waiting"), ("mentee", "cancelled")}, message="the mentee's invitation dropped")
    platform.clock.set(at("2025-01-16T08:00:00+02:00"))
    done = {o[1] for o in platform.run_due()}
    by_role = {r["role"]: r["message_id"] for r in rows}
    assert by_role["mentor"] in done and by_role["mentee"] not in done
    [row] = settled(school, "survey_invitation", 1)
    assert (row["role"], row["status"]) == ("mentor", "sent")
    assert platform.mailbox.to(MENTEE, [by_role["mentee"]]) == []


def test_a_fit_concern_reaches_the_coordinator_in_their_language(platform):
    school, pairing_id = surveyed_school(platform)
    coordinator_mail = f"coordinator-{school.slug}@example.lt"
    coordinator = school.add_coordinator(coordinator_mail, "lv")  # after the pairing: not introduced
    settled(school, "introduction", 3)
    platform.sessions_store.append(school.slug, [due(school, pairing_id)] + answered(school, pairing_id, "not_a_fit"),
                                   expected={("pairsurveys", pairing_id): 0})

    [row] = settled(school, "fit_concern", 1)
    assert (row["recipient_id"], row["role"], row["status"], row["language"]) == \
        (coordinator, "coordinator", "sent", "lv")
    [mail] = platform.mailbox.to(coordinator_mail, [row["message_id"]])
    text = mail.get_body(("plain",)).get_content()
    assert "Ona Petraitienė" in text and "Jonas Jonaitis (mentorējamais)" in text
    assert "„Vai mēs esam piemērots pāris?”" in text and "nav piemērots" in text
    assert "List-Unsubscribe" not in mail
    # the pair's own invitations went out too, once each; the coordinator got no invitation
    settled(school, "survey_invitation", 2)
    assert len(platform.mailbox.to(coordinator_mail)) == 1
