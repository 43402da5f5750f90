"""An e-course's deadline reminder (plain Python): the student reminded of the task they have not
finished, the waiting reminder dropped by that student's completion or extension of that task and
by nothing else, never sent after the deadline, a reminder the student may turn off, and the
message in every language with the task, the local deadline and its diacritics."""
from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from services.contracts import notifications as contracts
from services.contracts.sessions import PAYLOAD_SCHEMAS
from services.notifications import rendering, tenant_templates
from services.notifications.domain import KINDS, LANGUAGES, message_id
from services.notifications.domain.course import (
    COURSE_EVENTS,
    TASK_DEADLINE,
    cancellations,
    plans_for,
    shown_facts,
    too_late,
)
from services.notifications.domain.preferences import group_of
from services.notifications.domain.reminders import Cancel, due_moment, notice_context, notice_programme
from services.notifications.domain.schedule import sending_times
from services.platform_core.events import CATALOGUE
from services.registration.tests import builders

VILNIUS = ZoneInfo("Europe/Vilnius")
APPROACHING = {"programme_id": "prog-1", "task_id": "essay-1", "title": "Esė: mano tikslai",
               "student_id": "student-1", "mentor_id": "mentor-1", "deadline": "2025-03-14T21:59:59+00:00",
               "days_before": 3, "noticed_at": "2025-03-11T01:00:00+00:00"}
STUDENT = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "phone": None, "minor": True}
PROGRAMME = notice_programme(builders.school_settings(), "E-kursas <pavasaris>")
#: each language's words for: the task; the mentor (said only when the student has one)
WORDS = {"en": ("task", "mentor"), "lv": ("uzdevuma", "mentoru"), "lt": ("užduoties", "mentoriumi"),
         "nl": ("opdracht", "mentor")}


def test_the_kind_is_published_and_every_course_event_is_read():
    assert tuple(KINDS) == contracts.KINDS and contracts.KINDS[-1] == TASK_DEADLINE
    assert COURSE_EVENTS == ("CourseTaskSet", "TaskCompleted", "DeadlineExtended", "TaskDeadlineApproaching")
    course = {name for name in PAYLOAD_SCHEMAS if CATALOGUE.get(name).stream_type == "course"}
    assert course == set(COURSE_EVENTS)  # a new event on the stream must be read here too


def test_the_student_is_reminded_of_the_task_and_its_deadline():
    [planned] = plans_for("TaskDeadlineApproaching", APPROACHING)
    assert (planned.kind, planned.recipient_id, planned.role, planned.about_id) == (
        TASK_DEADLINE, "student-1", "mentee", "essay-1")
    assert planned.facts == {"task_id": "essay-1", "title": "Esė: mano tikslai",
                             "deadline": "2025-03-14T21:59:59+00:00", "days_before": 3, "has_mentor": True}
    [alone] = plans_for("TaskDeadlineApproaching", {**APPROACHING, "mentor_id": None})
    assert alone.facts["has_mentor"] is False
    for other in ("CourseTaskSet", "TaskCompleted", "DeadlineExtended"):
        assert plans_for(other, APPROACHING) == []
    # one message per cause: a redelivered event makes the same key
    assert message_id("e-1", planned.recipient_id, planned.role, planned.kind, planned.occurrence) == \
        message_id("e-1", "student-1", "mentee", TASK_DEADLINE)


def test_a_completion_or_an_extension_of_that_task_drops_the_students_waiting_reminder():
    done = {"programme_id": "prog-1", "task_id": "essay-1", "student_id": "student-1",
            "finished_at": "2025-03-12T10:00:00+00:00", "on_time": True, "source": "api"}
    extended = {"programme_id": "prog-1", "task_id": "essay-1", "student_id": "student-1", "mentor_id": "mentor-1",
                "deadline": "2025-03-21T21:59:59+00:00", "previous_deadline": "2025-03-14T21:59:59+00:00",
                "extended_at": "2025-03-12T10:00:00+00:00"}
    expected = [Cancel((TASK_DEADLINE,), "student-1", "prog-1", about_id="essay-1")]
    assert cancellations("TaskCompleted", done) == expected
    assert cancellations("DeadlineExtended", extended) == expected
    assert cancellations("TaskDeadlineApproaching", APPROACHING) == []
    assert cancellations("CourseTaskSet", {"programme_id": "prog-1", "task_id": "essay-1"}) == []


def test_held_in_the_sending_window_and_never_sent_after_the_deadline():
    settings = builders.school_settings()
    times = sending_times(settings, "Europe/Vilnius")
    night = datetime(2025, 3, 11, 1, 0, tzinfo=VILNIUS)
    due = due_moment(TASK_DEADLINE, 1, cause_at=night, now=night, settings=settings, times=times)
    assert due is not None and due > night and due.astimezone(VILNIUS).date() == night.date()
    facts = plans_for("TaskDeadlineApproaching", APPROACHING)[0].facts
    deadline = datetime.fromisoformat(str(APPROACHING["deadline"]))
    assert not too_late(TASK_DEADLINE, facts, due)
    assert too_late(TASK_DEADLINE, facts, deadline) and too_late(TASK_DEADLINE, facts, deadline + timedelta(hours=1))
    assert not too_late("pairing_at_risk", facts, deadline + timedelta(days=1))


def test_the_student_may_turn_it_off():
    assert group_of(TASK_DEADLINE) == "reminders"


def context(has_mentor=True):
    facts = shown_facts({**plans_for("TaskDeadlineApproaching", APPROACHING)[0].facts, "has_mentor": has_mentor},
                        lambda moment: moment.astimezone(VILNIUS))
    return notice_context(kind=TASK_DEADLINE, role="mentee", occurrence=1, person=STUDENT, other=None,
                          programme=PROGRAMME, facts=facts, local_day=lambda moment: moment.date())


def test_the_deadline_is_shown_in_the_programmes_time():
    shown = context()["facts"]
    assert (shown["deadline"], shown["deadline_time"]) == ("2025-03-14", "23:59")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reminder_in_every_language_names_the_task_and_the_local_deadline(language):
    mail = rendering.mail(kind=TASK_DEADLINE, language=language, context=context(),
                          sender="Mentoring <m@school.example>",
                          message_id=message_id("event-1", "student-1", "mentee", TASK_DEADLINE),
                          unsubscribe_url="https://example.org/u/x")
    message = message_from_bytes(mail.as_bytes(), policy=default)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    plain, page, subject = text.get_content(), html.get_content(), str(message["Subject"])
    assert message["Content-Language"] == language and message["To"].addresses[0].addr_spec == "jonas@example.lt"
    for body in (plain, page, subject):
        assert "{{" not in body and "{%" not in body and "None" not in body
    assert "Esė: mano tikslai" in subject and "2025-03-14" in subject
    assert "Esė: mano tikslai" in plain and "2025-03-14" in plain and "23:59" in plain and "Jonas Jonaitis" in plain
    assert WORDS[language][0] in plain.lower() and WORDS[language][1] in plain
    assert "E-kursas <pavasaris>" in plain and "E-kursas &lt;pavasaris&gt;" in page
    assert f'<html lang="{language}">' in page and "List-Unsubscribe" in message
    alone = rendering.render(TASK_DEADLINE, language, context(has_mentor=False))
    assert WORDS[language][1] not in alone["text"].replace("E-kursas", "")


def test_the_translations_are_written_with_their_diacritics():
    rendered = {language: rendering.render(TASK_DEADLINE, language, context())["text"] for language in LANGUAGES}
    assert "izpildīts" in rendered["lv"] and "Lūdzu" in rendered["lv"]
    assert "Prašome" in rendered["lt"] and "užduotį" in rendered["lt"]
    assert "afgerond" in rendered["nl"]


def test_a_tenant_may_write_its_own_task_deadline_templates():
    assert list(tenant_templates.samples(TASK_DEADLINE)) == ["mentee"]
    assert tenant_templates.problems(TASK_DEADLINE, "en", "subject",
                                     "{{ facts.title }} by {{ facts.deadline }} {{ facts.deadline_time }}") == []
    assert "other" in tenant_templates.problems(TASK_DEADLINE, "en", "text", "{{ other }}")[0]
