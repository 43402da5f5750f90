"""The e-course's rules (seed 004): deadlines per student with extensions, completions, who is
due a reminder (once per task, student and deadline), progress, and the CSV read all or nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.sessions.domain import RuleBroken
from services.sessions.domain.course import (
    Course,
    CourseTask,
    CsvRefused,
    deadline_of,
    group_progress,
    read_csv,
    student_counts,
)

NOW = datetime(2025, 3, 1, 6, 0, tzinfo=timezone.utc)
ZONE = "Europe/Riga"


def course_with(*tasks: CourseTask) -> Course:
    course = Course("programme-1")
    return course.apply_all(course.set_tasks(list(tasks), source="api", now=NOW))


def task(task_id="t1", days=2) -> CourseTask:
    return CourseTask(task_id, f"Task {task_id}", NOW + timedelta(days=days))


def test_a_deadline_is_a_days_end_or_a_moment_in_the_programmes_zone():
    assert deadline_of("2025-03-04", ZONE).isoformat() == "2025-03-04T23:59:59+02:00"
    assert deadline_of("2025-03-04T12:00", ZONE).isoformat() == "2025-03-04T12:00:00+02:00"
    assert deadline_of("2025-03-04T12:00Z", ZONE).isoformat() == "2025-03-04T12:00:00+00:00"
    with pytest.raises(ValueError):
        deadline_of("next tuesday", ZONE)


def test_reminders_go_exactly_to_the_students_who_have_not_finished_once_per_deadline():
    course = course_with(task("t1", days=2), task("t2", days=10))
    course.apply_all(course.complete([("t1", "anna", NOW - timedelta(hours=1))], source="api", now=NOW))
    due = course.due_reminders(["anna", "boris", "carla"], NOW, days_before=3)
    assert [(r.task.task_id, r.student_id) for r in due] == [("t1", "boris"), ("t1", "carla")]
    events = course.remind(due, mentors={"boris": "m1"}, days_before=3, now=NOW)
    assert [e.payload["mentor_id"] for e in events] == ["m1", None]
    course.apply_all(events)
    assert course.due_reminders(["anna", "boris", "carla"], NOW + timedelta(days=1), days_before=3) == []


def test_an_extension_moves_one_students_deadline_and_its_reminder_to_the_new_one():
    course = course_with(task("t1", days=2))
    course.apply_all(course.extend(task_id="t1", student_id="boris", mentor_id="m1",
                                   deadline=NOW + timedelta(days=9), now=NOW))
    assert [r.student_id for r in course.due_reminders(["boris", "carla"], NOW, 3)] == ["carla"]
    later = course.due_reminders(["boris", "carla"], NOW + timedelta(days=7), 3)
    assert [(r.student_id, r.deadline) for r in later] == [("boris", NOW + timedelta(days=9))]
    with pytest.raises(RuleBroken) as refused:
        course.extend(task_id="t1", student_id="boris", mentor_id="m1", deadline=NOW + timedelta(days=1), now=NOW)
    assert refused.value.codes == ["not_later"]
    with pytest.raises(RuleBroken) as unknown:
        course.extend(task_id="nope", student_id="boris", mentor_id="m1", deadline=NOW + timedelta(days=20), now=NOW)
    assert unknown.value.codes == ["unknown_task"]


def test_no_reminder_after_the_deadline_or_before_the_window():
    course = course_with(task("t1", days=5))
    assert course.due_reminders(["anna"], NOW, 3) == []
    assert course.due_reminders(["anna"], NOW + timedelta(days=6), 3) == []
    assert len(course.due_reminders(["anna"], NOW + timedelta(days=2), 3)) == 1


def test_progress_counts_on_time_late_and_open_per_student_and_per_group():
    course = course_with(task("t1", days=-3), task("t2", days=-1), task("t3", days=4))
    course.apply_all(course.complete([("t1", "anna", NOW - timedelta(days=4)),
                                      ("t2", "anna", NOW - timedelta(hours=2)),
                                      ("t1", "boris", NOW - timedelta(days=1))], source="import", now=NOW))
    assert student_counts(course, "anna", NOW).to_dict() == {"on_time": 1, "late": 1, "open": 1, "overdue": 0}
    assert student_counts(course, "boris", NOW).to_dict() == {"on_time": 0, "late": 1, "open": 2, "overdue": 1}
    [group, alone] = group_progress(course, {"anna": "m1", "boris": "m1", "carla": None}, NOW)
    assert (group.mentor_id, group.students, group.counts.to_dict()) == (
        "m1", ["anna", "boris"], {"on_time": 1, "late": 2, "open": 3, "overdue": 1})
    assert (alone.mentor_id, alone.counts.open, alone.counts.overdue) == (None, 3, 2)


def test_a_completion_counts_once_and_not_for_an_unknown_task_or_in_the_future():
    course = course_with(task("t1"))
    first = course.complete([("t1", "anna", NOW), ("t1", "anna", NOW)], source="api", now=NOW)
    assert len(first) == 1 and first[0].payload["on_time"] is True
    course.apply_all(first)
    assert course.complete([("t1", "anna", NOW)], source="api", now=NOW) == []
    with pytest.raises(RuleBroken):
        course.complete([("t9", "anna", NOW)], source="api", now=NOW)
    with pytest.raises(RuleBroken):
        course.complete([("t1", "boris", NOW + timedelta(hours=1))], source="api", now=NOW)


def test_setting_a_task_again_unchanged_records_nothing():
    course = course_with(task("t1"))
    assert course.set_tasks([task("t1")], source="import", now=NOW) == []
    assert len(course.set_tasks([task("t1", days=3)], source="import", now=NOW)) == 1


def test_a_tasks_csv_is_read_with_its_columns_in_any_order():
    found = read_csv("deadline,task_id,title\n2025-03-04,t1,Week 1\n\n2025-03-11T18:00,t2,\"Week 2, quiz\"\n",
                     ZONE, NOW)
    assert found.kind == "tasks"
    assert [(t.task_id, t.title, t.deadline.isoformat()) for t in found.tasks] == [
        ("t1", "Week 1", "2025-03-04T23:59:59+02:00"), ("t2", "Week 2, quiz", "2025-03-11T18:00:00+02:00")]


def test_a_completions_csv_names_rows_by_their_line():
    found = read_csv("external_id,task_id,finished_at\ns-1,t1,2025-02-27T10:00Z\n", ZONE, NOW)
    assert found.kind == "completions" and found.completions[0][:3] == (2, "s-1", "t1")


@pytest.mark.parametrize("text, row, column", [
    ("task_id,title,deadline\nt1,Week 1,2025-03-04\nt2,Week 2,someday\n", 3, "deadline"),
    ("task_id,title,deadline\nt1,,2025-03-04\n", 2, "title"),
    ("task_id,title,deadline\nt 1,Week,2025-03-04\n", 2, "task_id"),
    ("task_id,title,deadline\nt1,A,2025-03-04\nt1,B,2025-03-05\n", 3, "task_id"),
    ("task_id,title,deadline\nt1,A\n", 2, None),
    ("external_id,task_id,finished_at\ns1,t1,2030-01-01\n", 2, "finished_at"),
    ("student,task,when\ns1,t1,2025-01-01\n", 1, None),
    ("", 1, None),
])
def test_a_bad_row_refuses_the_whole_file_naming_its_row_and_column(text, row, column):
    with pytest.raises(CsvRefused) as refused:
        read_csv(text, ZONE, NOW)
    first = refused.value.problems[0]
    assert (first["row"], first["column"]) == (row, column)
    assert f"row {row}" in str(refused.value) and "nothing was imported" in str(refused.value)


def test_a_student_who_leaves_or_is_erased_is_no_longer_known_by_their_external_id():
    from sqlalchemy import create_engine

    from services.platform_core.envelope import SYSTEM, Envelope
    from services.sessions import course

    def event(event_type, payload):
        return Envelope(event_id=event_type, event_type=event_type, schema_version=1, tenant_id="school",
                        stream_type="person", stream_id="student-1", stream_position=1, global_position=1,
                        occurred_at=datetime(2025, 1, 1, tzinfo=timezone.utc), actor=SYSTEM, correlation_id="c",
                        causation_id=None, payload=payload)

    engine = create_engine("sqlite://")
    course.STUDENTS.metadata.create_all(engine)
    with engine.begin() as conn:
        for programme in ("p1", "p2"):
            course.STUDENTS.apply(conn, event("MenteeRegistered", {"programme_id": programme,
                                                                   "profile": {"external_id": "lms-7"}}))
        assert course.external_ids(conn, "school", "p1") == {"lms-7": "student-1"}
        course.STUDENTS.apply(conn, event("ParticipantWithdrew", {"programme_id": "p1"}))
        assert course.external_ids(conn, "school", "p1") == {}
        assert course.external_ids(conn, "school", "p2") == {"lms-7": "student-1"}
        course.STUDENTS.apply(conn, event("PersonErased", {}))
        assert course.external_ids(conn, "school", "p2") == {}
