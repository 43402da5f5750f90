"""An e-course's deadline reminders over the real broker and PostgreSQL to a real SMTP server, on
a manual clock: sessions' night watch announces three tasks' deadlines to a student; each reminder
waits for the morning's sending window; the student finishes one task and the mentor extends
another, which drops those two; the third goes out in the morning, in the student's language,
once, naming the task and its deadline; a deadline before the window opens makes none, and one
held past its deadline by a quiet period is not sent; every event of the course's stream is read
in order."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from services.notifications import reminders
from services.platform_core.dependencies import store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.testing import wait_for
from services.registration.tests.conftest import START

pytestmark = pytest.mark.integration

STUDENT = "jonas@example.lt"
DEADLINE = "2025-03-14T21:59:59+00:00"  # 23:59:59 in Vilnius


@pytest.fixture(autouse=True)
def _reset_clock(platform):
    platform.clock.set(START)  # registration open; each test moves the clock on itself


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def waiting(platform, school) -> List[Dict[str, Any]]:
    table = reminders.reminders
    with store_engine_of(platform.notifications).require_store().transaction(school.slug) as tx:
        return [dict(r) for r in tx.conn.execute(select(table).where(
            table.c.tenant_id == school.slug, table.c.kind == "task_deadline")).mappings()]


class Course:
    """Sessions' ``course`` stream of the school's programme, appended in the stand-in sessions."""

    def __init__(self, platform, school):
        self.platform, self.school, self.version = platform, school, 0

    def append(self, event_type: str, **payload: Any) -> None:
        key = ("course", self.school.programme_id)
        self.platform.sessions_store.append(self.school.slug, [DomainEvent(
            event_type, *key, {"programme_id": self.school.programme_id, **payload})],
            expected={key: self.version})
        self.version += 1

    def task(self, task_id: str, title: str) -> None:
        self.append("CourseTaskSet", task_id=task_id, title=title, deadline=DEADLINE, source="api",
                     set_at=self.platform.clock.now().isoformat())

    def approaching(self, task_id: str, title: str, deadline: str = DEADLINE) -> None:
        self.append("TaskDeadlineApproaching", task_id=task_id, title=title, student_id=self.school.mentee,
                     mentor_id=self.school.mentor, deadline=deadline, days_before=3,
                     noticed_at=self.platform.clock.now().isoformat())


def test_deadline_reminders_wait_for_the_morning_and_drop_when_finished_or_extended(platform):
    school = platform.school()
    platform.clock.set(at("2025-03-11T01:00:00+02:00"))  # the watch runs at night
    course = Course(platform, school)
    tasks = {"essay": "Esė: mano tikslai", "quiz": "Testas", "video": "Vaizdo įrašas"}
    for task_id, title in tasks.items():
        course.task(task_id, title)
    # due at dawn, before the window opens at 08:00: no reminder (it would come too late)
    course.approaching("dawn", "Rytinė užduotis", deadline="2025-03-11T07:00:00+02:00")
    for task_id, title in tasks.items():
        course.approaching(task_id, title)
    rows = wait_for(lambda: len(waiting(platform, school)) == 3 and waiting(platform, school),
                    message="three reminders waiting for the morning")
    assert {(r["recipient_id"], r["role"], r["about_id"], r["due_at"], r["status"]) for r in rows} == {
        (school.mentee, "mentee", task_id, at("2025-03-11T08:00:00+02:00"), "waiting") for task_id in tasks}

    course.append("TaskCompleted", task_id="quiz", student_id=school.mentee,
                  finished_at=platform.clock.now().isoformat(), on_time=True, source="import")
    course.append("DeadlineExtended", task_id="video", student_id=school.mentee, mentor_id=school.mentor,
                  deadline="2025-03-21T21:59:59+00:00", previous_deadline=DEADLINE,
                  extended_at=platform.clock.now().isoformat())

    def settled():
        found = {r["about_id"]: (r["status"], r["settled_by"]) for r in waiting(platform, school)}
        return found if found["quiz"][0] == found["video"][0] == "cancelled" else None
    assert wait_for(settled, message="the finished and the extended task dropped") == {
        "essay": ("waiting", None), "quiz": ("cancelled", "TaskCompleted"),
        "video": ("cancelled", "DeadlineExtended")}

    platform.clock.set(at("2025-03-11T08:00:00+02:00"))
    ours = {r["message_id"] for r in rows}  # (the school's registration reminders come due too)
    outcomes = [outcome for outcome in platform.run_due() if outcome[1] in ours]
    [essay] = [r for r in rows if r["about_id"] == "essay"]
    assert outcomes == [(reminders.JOB, essay["message_id"], "done")]
    [delivered] = wait_for(lambda: [r for r in school.log("task_deadline") if r["status"] == "sent"] or None,
                           timeout=30, message="the essay's reminder sent")
    assert delivered["message_id"] == essay["message_id"] and delivered["language"] == "lt"
    assert delivered["recipient_id"] == school.mentee
    [mail] = platform.mailbox.to(STUDENT, [delivered["message_id"]])
    plain = mail.get_body(("plain",)).get_content()
    assert "Esė: mano tikslai" in str(mail["Subject"]) and "2025-03-14" in plain and "23:59" in plain
    assert "List-Unsubscribe" in mail  # a reminder: the student may turn it off
    assert len(school.log("task_deadline")) == 1


def test_a_reminder_held_past_its_deadline_by_a_quiet_period_is_not_sent(platform):
    school = platform.school()
    platform.clock.set(at("2025-03-11T01:00:00+02:00"))
    course = Course(platform, school)
    course.task("essay", "Esė")
    course.approaching("essay", "Esė", deadline="2025-03-11T20:00:00+02:00")
    [row] = wait_for(lambda: waiting(platform, school), message="the reminder waiting for the morning")
    assert row["due_at"] == at("2025-03-11T08:00:00+02:00")
    # the day becomes a quiet period: the reminder moves to the 12th, after the deadline
    quiet = {"notifications": {"quiet_periods": [{"from": "2025-03-11", "until": "2025-03-11", "name": "exam day"}]}}
    updated = platform.registration.patch(f"/tenants/{school.slug}/programmes/{school.programme_id}", school.key,
                                          quiet, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    wait_for(lambda: waiting(platform, school)[0]["due_at"] == at("2025-03-12T08:00:00+02:00"),
             message="moved past the quiet day")
    platform.clock.set(at("2025-03-12T08:00:00+02:00"))
    assert (reminders.JOB, row["message_id"], "done") in platform.run_due()
    [settled] = waiting(platform, school)
    assert (settled["status"], settled["settled_by"]) == ("cancelled", "deadline_passed")
    assert school.log("task_deadline") == []
