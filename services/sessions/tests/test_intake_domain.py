"""The e-course's intake questionnaire (plain Python): the programme's questions, the student's
answers checked against them (unknown, unanswered, too long: every failure named by its field),
blank optional answers left out, the same answers again recording nothing, new ones replacing
the old, the answers as personal data, and one stream per programme and student."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.sessions.domain import RuleBroken
from services.sessions.domain.course import MAX_ANSWER, Intake, IntakeQuestion, intake_questions, intake_stream_id

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=timezone.utc)
SETTINGS = {"course": {"reminder_days_before": 3, "intake": [
    {"id": "goals", "text": "What do you want to learn?", "required": True},
    {"id": "experience", "text": "Have you taken an online course before?", "required": False}]}}
QUESTIONS = intake_questions(SETTINGS)


def answered(intake: Intake, answers, now=NOW):
    return intake.answer(programme_id="prog-1", student_id="student-1", questions=QUESTIONS, answers=answers, now=now)


def test_the_questions_come_from_the_programme_settings():
    assert QUESTIONS == [IntakeQuestion("goals", "What do you want to learn?", True),
                         IntakeQuestion("experience", "Have you taken an online course before?", False)]
    assert intake_questions({}) == [] and intake_questions({"course": {"reminder_days_before": 3}}) == []


def test_answers_are_the_students_personal_data_and_blank_optional_ones_are_left_out():
    intake = Intake(intake_stream_id("prog-1", "student-1"))
    [event] = answered(intake, {"goals": "  Better essays ", "experience": "  "})
    assert (event.event_type, event.stream_type, event.stream_id) == ("IntakeAnswered", "intake", intake.id)
    assert event.payload == {"programme_id": "prog-1", "student_id": "student-1", "by_person_id": "student-1",
                             "answered_at": NOW.isoformat(), "personal": {"answers": {"goals": "Better essays"}}}
    intake = intake.apply_all([event])
    assert intake.answers == {"goals": "Better essays"} and intake.answered_at == NOW
    # the same answers again: nothing; new ones replace the old
    assert answered(intake, {"goals": "Better essays"}) == []
    [again] = answered(intake, {"goals": "Essays", "experience": "Yes, one"})
    assert intake.apply_all([again]).answers == {"goals": "Essays", "experience": "Yes, one"}


def test_every_bad_answer_is_named_by_its_field():
    with pytest.raises(RuleBroken) as refused:
        answered(Intake("i"), {"hobby": "chess", "experience": "x" * (MAX_ANSWER + 1)})
    assert [(f["code"], f["field"]) for f in refused.value.failures] == [
        ("unknown_question", "answers.hobby"), ("unanswered", "answers.goals"), ("too_long", "answers.experience")]
    with pytest.raises(RuleBroken) as none:
        Intake("i").answer(programme_id="p", student_id="s", questions=[], answers={"goals": "x"}, now=NOW)
    assert none.value.codes == ["no_intake"]


def test_an_erased_students_answers_read_as_nothing():
    [event] = answered(Intake("i"), {"goals": "Better essays"})
    erased = Intake("i").apply_all([type(event)(event.event_type, event.stream_type, event.stream_id,
                                                {**event.payload, "personal": None})])
    assert erased.answers is None and erased.answered_at == NOW


def test_one_stream_per_programme_and_student():
    assert intake_stream_id("p", "s") == intake_stream_id("p", "s")
    assert len({intake_stream_id("p", "s"), intake_stream_id("p", "t"), intake_stream_id("q", "s")}) == 3
