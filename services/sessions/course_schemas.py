"""HTTP input and views of an e-course's tasks (seed 004); see :mod:`services.sessions.schemas`
for the conventions (strict input, views never loaded). And the private (stored, never published)
``IntakeAnswered``: a student's answers to the intake questionnaire."""
from __future__ import annotations

from typing import Any, Dict

from marshmallow import Schema, fields, validate

from services.contracts.registration import IsoDateTime
from services.contracts.sessions import SERVICE
from services.platform_core.events import event_type
from services.platform_core.schemas import InputSchema, PayloadSchema

PLATFORM_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
                              error="must be the learning platform's id: letters, digits and . _ : - (at most 64)")
WHEN = ("a day (YYYY-MM-DD: its end in the programme's time zone) or an ISO 8601 date-time "
        "(without an offset: in the programme's time zone)")


class TaskInput(InputSchema):
    task_id = fields.String(required=True, validate=PLATFORM_ID)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    deadline = fields.String(required=True, validate=validate.Length(min=10, max=40), metadata={"description": WHEN})


class CompletionInput(InputSchema):
    student_id = fields.String(load_default=None, allow_none=True, metadata={
        "description": "the student's person id; or external_id"})
    external_id = fields.String(load_default=None, allow_none=True, validate=PLATFORM_ID, metadata={
        "description": "the student's id in the learning platform (given at registration)"})
    finished_at = fields.String(required=True, validate=validate.Length(min=10, max=40),
                                metadata={"description": WHEN})


class ExtensionInput(InputSchema):
    student_id = fields.String(required=True)
    deadline = fields.String(required=True, validate=validate.Length(min=10, max=40), metadata={"description": WHEN})


class TaskView(Schema):
    task_id = fields.String(required=True)
    title = fields.String(required=True)
    deadline = fields.String(required=True, metadata={"description": "ISO 8601 date-time"})


class TaskListView(Schema):
    programme_id = fields.String(required=True)
    tasks = fields.List(fields.Nested(TaskView), required=True)


class ImportView(Schema):
    programme_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("tasks", "completions")))
    rows = fields.Integer(required=True, metadata={"description": "rows read"})
    recorded = fields.Integer(required=True, metadata={"description": "events recorded (unchanged rows: none)"})


class CompletionView(Schema):
    programme_id = fields.String(required=True)
    task_id = fields.String(required=True)
    student_id = fields.String(required=True)
    finished_at = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("on_time", "late")))


class ExtensionView(Schema):
    programme_id = fields.String(required=True)
    task_id = fields.String(required=True)
    student_id = fields.String(required=True)
    deadline = fields.String(required=True)
    previous_deadline = fields.String(required=True)


class CountsView(Schema):
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "of the open ones, those past their deadline"})


class StandingView(Schema):
    task_id = fields.String(required=True)
    deadline = fields.String(required=True, metadata={"description": "the student's (after an extension)"})
    extended = fields.Boolean(required=True)
    finished_at = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(("on_time", "late", "open")))


class StudentProgressView(Schema):
    student_id = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    mentor_id = fields.String(required=True, allow_none=True)
    counts = fields.Nested(CountsView, required=True)
    tasks = fields.List(fields.Nested(StandingView), required=True)


class GroupProgressView(Schema):
    mentor_id = fields.String(required=True, allow_none=True, metadata={"description": "null: students without one"})
    students = fields.Integer(required=True)
    counts = fields.Nested(CountsView, required=True)


class CourseProgressView(Schema):
    programme_id = fields.String(required=True)
    as_of = fields.String(required=True)
    tasks = fields.Integer(required=True)
    students = fields.List(fields.Nested(StudentProgressView), required=True)
    groups = fields.List(fields.Nested(GroupProgressView), required=True)


class IntakePersonalPayload(PayloadSchema):
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "question id -> the student's answer (blank optional questions left out)"})


@event_type("IntakeAnswered", stream_type="intake", service=SERVICE, visibility="private")
class IntakeAnsweredPayload(PayloadSchema):
    """A student answered the programme's intake questionnaire (again: the answers replace the
    old); never published: only the student, their mentor and the coordinator read them."""

    programme_id = fields.String(required=True)
    student_id = fields.String(required=True)
    by_person_id = fields.String(required=True, metadata={"description": "the student (whose key encrypts)"})
    answered_at = IsoDateTime(required=True)
    personal = fields.Nested(IntakePersonalPayload, allow_none=True, load_default=None, metadata={
        "description": "encrypted with the student's key, null once they are erased"})


class IntakeInput(InputSchema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                          values=fields.String(allow_none=True), required=True, metadata={
                              "description": "question id -> the answer (free text, at most 2000 characters; "
                                             "blank: not answered)"})


class IntakeQuestionView(Schema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    required = fields.Boolean(required=True)
    answer = fields.String(allow_none=True, required=True, metadata={
        "description": "the student's answer (null: not answered, or the student was erased)"})


class IntakeView(Schema):
    programme_id = fields.String(required=True)
    student_id = fields.String(required=True)
    answered_at = fields.String(allow_none=True, required=True, metadata={"description": "null: not answered yet"})
    questions = fields.List(fields.Nested(IntakeQuestionView), required=True)


EXAMPLES: Dict[str, Dict[str, Any]] = {
    "task": {"task_id": "week-3-quiz", "title": "Week 3 quiz", "deadline": "2027-03-14"},
    "completion": {"external_id": "moodle-4711", "finished_at": "2027-03-12T18:30:00+02:00"},
    "extension": {"student_id": "5f1c0d2e-8a4b-4c7e-9d3f-2b1a0e9c8d7f", "deadline": "2027-03-21"},
    "intake": {"answers": {"goals": "To write better essays", "experience": ""}},
}
