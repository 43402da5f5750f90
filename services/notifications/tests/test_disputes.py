"""A disputed meeting told to the programme's coordinators (plain Python): who is told, what the
message keeps of the dispute (never its reason), the message in every language with the pair,
the meeting in the programme's local time and who disputed it, and a side erased since."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from services.notifications import rendering, tenant_templates
from services.notifications.domain import LANGUAGES, NoOneToTell, message_id
from services.notifications.domain.preferences import group_of
from services.notifications.domain.reminders import MEETING_DISPUTED, dispute_context, notice_programme, plans_for
from services.registration.tests import builders

RIGA = ZoneInfo("Europe/Riga")
SECRET = "he never came, and he lied about it"
DISPUTED = {"pairing_id": "pair-1", "programme_id": "prog-1", "by_person_id": "mentee-1", "by_role": "mentee",
            "meeting_id": "meeting-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
            "logged_by_person_id": "mentor-1", "logged_by_role": "mentor",
            "started_at": "2025-03-12T16:00:00+00:00", "minutes": 45, "mode": "remote",
            "disputed_at": "2025-03-14T09:30:00+00:00", "personal": {"reason": SECRET}}
MENTOR = {"name": "Ona Petraitienė", "email": "ona@example.lt", "phone": None, "minor": False}
MENTEE = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "phone": None, "minor": True}
COORDINATOR = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt", "phone": None, "language": "lt"}
PROGRAMME = notice_programme(builders.school_settings(), "Mentorystė <pavasaris>")
#: each language's words for: the meeting was remote; someone's data was erased
WORDS = {"en": ("remote", "(data erased)"), "lv": ("attālināti", "(dati dzēsti)"),
         "lt": ("nuotoliu", "(duomenys ištrinti)"), "nl": ("op afstand", "(gegevens gewist)")}


def planned(coordinators=("coord-2", "coord-1", "coord-2")):
    staff = [(person_id, "coordinator") for person_id in coordinators] + [("teacher-1", "teacher")]
    return plans_for("MeetingDisputed", DISPUTED, stream_id="meeting-1", settings=builders.school_settings(),
                     staff=staff)


def context(mentor=MENTOR, mentee=MENTEE, to=COORDINATOR):
    [first, _] = planned()
    return dispute_context(to=to, mentor=mentor, mentee=mentee, programme=PROGRAMME, facts=first.facts,
                           local_time=lambda moment: moment.astimezone(RIGA))


def test_each_coordinator_is_told_once_and_the_message_keeps_no_reason():
    plans = planned()
    assert [(p.kind, p.recipient_id, p.role, p.about_id) for p in plans] == [
        (MEETING_DISPUTED, "coord-1", "coordinator", "pair-1"), (MEETING_DISPUTED, "coord-2", "coordinator", "pair-1")]
    assert plans[0].facts == {"mentor_id": "mentor-1", "mentee_id": "mentee-1", "meeting_id": "meeting-1",
                              "started_at": "2025-03-12T16:00:00+00:00", "minutes": 45, "mode": "remote",
                              "logged_by_role": "mentor", "disputed_by_role": "mentee",
                              "disputed_at": "2025-03-14T09:30:00+00:00"}
    assert SECRET not in repr(plans)
    # the key: one message per cause and coordinator
    ids = {message_id("event-1", p.recipient_id, p.role, p.kind, p.occurrence) for p in plans + planned()}
    assert len(ids) == 2
    assert planned(coordinators=()) == []


def test_a_dispute_notice_cannot_be_turned_off():
    assert group_of(MEETING_DISPUTED) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coordinators_message_in_every_language_names_the_pair_the_meeting_and_who_disputed(language):
    mail = rendering.mail(kind=MEETING_DISPUTED, language=language, context=context(),
                          sender="Mentoring <m@school.example>",
                          message_id=message_id("event-1", "coord-1", "coordinator", MEETING_DISPUTED))
    message = message_from_bytes(mail.as_bytes(), policy=default)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    plain, page, subject = text.get_content(), html.get_content(), str(message["Subject"])
    assert message["Content-Language"] == language and message["To"].addresses[0].addr_spec == "ruta@example.lt"
    for body in (plain, page, subject):
        assert "{{" not in body and "{%" not in body and "None" not in body and SECRET not in body
    assert "Ona Petraitienė" in subject and "Jonas Jonaitis" in subject
    # the meeting in the programme's time: 16:00 UTC is 18:00 in Riga; 45 minutes, remote
    assert "2025-03-12" in plain and "18:00" in plain and "45" in plain and WORDS[language][0] in plain
    # who disputed (the mentee) comes first, and who logged it (the mentor) is named
    lead = [line for line in plain.splitlines() if line.strip()][1]  # after the greeting
    assert lead.startswith("Jonas Jonaitis") and "Ona Petraitienė" in lead
    assert "Mentorystė <pavasaris>" in plain and "Mentorystė &lt;pavasaris&gt;" in page
    assert f'<html lang="{language}">' in page and "List-Unsubscribe" not in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_side_erased_since_is_named_as_erased(language):
    rendered = rendering.render(MEETING_DISPUTED, language, context(mentee=None))
    assert WORDS[language][1] in rendered["subject"] and WORDS[language][1] in rendered["text"]
    assert "Ona Petraitienė" in rendered["text"]


def test_no_coordinator_to_tell():
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        context(to=None)
    with pytest.raises(NoOneToTell, match="no_address"):
        context(to={**COORDINATOR, "email": None})


def test_a_tenant_may_write_its_own_dispute_templates_checked_against_sample_data():
    [role] = tenant_templates.samples(MEETING_DISPUTED)
    assert role == "coordinator"
    assert {"mentor", "mentee", "meeting", "disputed_by", "logged_by"} <= \
        set(tenant_templates.variables(MEETING_DISPUTED))
    assert tenant_templates.problems(MEETING_DISPUTED, "en", "subject",
                                     "{{ disputed_by.name }} disputes {{ meeting.date }}") == []
    assert "reason" in tenant_templates.problems(MEETING_DISPUTED, "en", "text", "{{ reason }}")[0]
