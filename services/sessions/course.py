"""An e-course's tasks, deadlines, completions and reminders (seed 004): the read model and the
HTTP endpoints (:class:`CourseEndpoints`, a part of :class:`~.service.SessionsService`); the
rules are :mod:`.domain.course`, the CSV's columns docs/ecourse.md.

* :data:`STUDENTS` (``sess_course_students``), a projection of registration's events: each
  participant's learning platform id (``profile.external_id``), which completions name.
  Tasks, deadlines and completions are read from the programme's ``course`` stream.
* HTTP (C: the tenant's key: the coordinator or the course's teacher; P: the student's mentor
  with their participant token)::

    POST  /tenants/{t}/programmes/{p}/tasks                       C   a task {task_id, title, deadline}
    GET   /tenants/{t}/programmes/{p}/tasks                       C
    POST  /tenants/{t}/programmes/{p}/tasks/import   text/csv     C   tasks or completions, all or nothing
    POST  /tenants/{t}/programmes/{p}/tasks/{task}/completions    C   {student_id | external_id, finished_at}
    POST  /tenants/{t}/programmes/{p}/tasks/{task}/extensions     P   {student_id, deadline}
    GET   /tenants/{t}/programmes/{p}/course/progress             C   per student and per group
    PUT   /tenants/{t}/programmes/{p}/intake/{student}            P   the student's answers {answers}
    GET   /tenants/{t}/programmes/{p}/intake/{student}            C, P  the questions and the answers:
                                                                  the coordinator, the student, their mentor

The daily watch (:func:`announce_deadlines`) publishes ``TaskDeadlineApproaching``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import Column, Index, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection

from services.contracts.programme_settings import setting
from services.platform_core.envelope import Envelope
from services.platform_core.projection import ConsumedProjection
from services.platform_core.store import ConcurrencyConflict, StoreTransaction
from services.platform_core.tenancy import COORDINATOR, PARTICIPANT
from services.platform_core.web import ApiError, BadRequest, NotFound, Unprocessable, api, read_json

from . import course_schemas as schemas
from . import read_model
from .domain import RuleBroken
from .domain.course import (
    Course,
    CourseTask,
    CsvRefused,
    Intake,
    group_progress,
    intake_questions,
    intake_stream_id,
    read_csv,
    student_counts,
)
from .domain.course import deadline_of as parse_moment
from .schemas import load_input

EXPECTED = (ApiError, RuleBroken, ConcurrencyConflict, CsvRefused)
PROGRAMME = "/tenants/<tenant_id>/programmes/<programme_id>"
TASK = PROGRAMME + "/tasks/<task_id>"
INTAKE = PROGRAMME + "/intake/<student_id>"
NOT_A_READER = ("no such programme here, or no such student in it, or the caller is neither the student, "
                "their mentor nor the coordinator")
CHANGED = "the course changed meanwhile (a concurrent request): try again"
X = schemas.EXAMPLES


def endpoint(method: str, url: str, **declared):
    return api(method, url, expected_exceptions=EXPECTED, **declared)


def rules(*codes: str) -> str:
    return "a rule refuses it; details.failures names each: " + ", ".join(codes)


# -- the read model ----------------------------------------------------------------------------

metadata = MetaData()

students = Table(
    "sess_course_students", metadata,
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("external_id", String(64), nullable=False),
    Index("ix_sess_course_students_external", "programme_id", "external_id"),
)

STUDENTS = ConsumedProjection("course_students", MetaData(), "registration")
students.to_metadata(STUDENTS.metadata)
#: the registration events :data:`STUDENTS` reads (a student who leaves or is erased is forgotten)
STUDENT_EVENTS = ("MenteeRegistered", "ProfileUpdated", "ParticipantWithdrew", "PersonErased")


@STUDENTS.handles("ParticipantWithdrew", "PersonErased")
def _student_gone(conn: Connection, envelope: Envelope) -> None:
    """A withdrawn student's external id is kept no longer in that programme, an erased
    person's in none."""
    gone = students.c.person_id == envelope.stream_id
    if envelope.event_type == "ParticipantWithdrew" and envelope.payload.get("programme_id"):
        gone = gone & (students.c.programme_id == envelope.payload["programme_id"])
    conn.execute(delete(students).where(gone))


@STUDENTS.handles("MenteeRegistered", "ProfileUpdated")
def _student(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    if not payload.get("programme_id") or payload.get("profile") is None:
        return  # a change of personal data only
    key = (students.c.person_id == envelope.stream_id) & (students.c.programme_id == payload["programme_id"])
    conn.execute(delete(students).where(key))
    external_id = payload["profile"].get("external_id")
    if external_id:
        conn.execute(insert(students).values(person_id=envelope.stream_id, programme_id=payload["programme_id"],
                                             tenant_id=envelope.tenant_id, external_id=external_id))


def external_ids(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, str]:
    """external id -> person id, in the programme."""
    rows = conn.execute(select(students.c.external_id, students.c.person_id).where(
        students.c.tenant_id == tenant_id, students.c.programme_id == programme_id))
    return {row.external_id: row.person_id for row in rows}


def group(conn: Connection, tenant_id: str, programme_id: str) -> Dict[str, Optional[str]]:
    """The programme's students still taking part -> their mentor (an active pairing's; else None)."""
    pairings = read_model.pairings_by_mentee(conn, tenant_id, programme_id)
    found: Dict[str, Optional[str]] = {}
    for participation in read_model.participations(conn, tenant_id, programme_id, ("mentee",)):
        if participation.left_at is None:
            active = [p for p in pairings.get(participation.person_id, []) if p.active]
            found[participation.person_id] = active[-1].mentor_id if active else None
    return found


def _load(tx: StoreTransaction, programme_id: str) -> Course:
    return Course.from_events(programme_id, [e for e in tx.read_stream(Course.stream_type, programme_id)
                                             if e.tenant_id == tx.tenant_id])


def _time_zone(tx: StoreTransaction, programme_id: str) -> str:
    rules_ = read_model.programme_rules(tx.conn, tx.tenant_id, programme_id)
    if rules_ is None:
        raise NotFound(f"programme {programme_id} not found")
    return rules_.time_zone


def _moment(value: str, time_zone: str, field: str) -> datetime:
    try:
        return parse_moment(value, time_zone)
    except ValueError:
        raise BadRequest(f"{field} is not a date or an ISO 8601 date-time",
                         details={field: ["must be a date (YYYY-MM-DD) or an ISO 8601 date-time"]}) from None


def _settings(tx: StoreTransaction, programme_id: str) -> Dict[str, Any]:
    return dict(tx.conn.execute(select(read_model.programmes.c.settings).where(
        read_model.programmes.c.programme_id == programme_id)).scalar() or {})


def _intake(tx: StoreTransaction, programme_id: str, student_id: str) -> Intake:
    stream_id = intake_stream_id(programme_id, student_id)
    return Intake.from_events(stream_id, [e for e in tx.read_stream(Intake.stream_type, stream_id)
                                          if e.tenant_id == tx.tenant_id])


def intake_view(programme_id: str, student_id: str, settings: Mapping[str, Any], intake: Intake) -> Dict[str, Any]:
    answers = intake.answers or {}
    return {"programme_id": programme_id, "student_id": student_id,
            "answered_at": intake.answered_at.isoformat() if intake.answered_at else None,
            "questions": [{"id": q.id, "text": q.text, "required": q.required, "answer": answers.get(q.id)}
                          for q in intake_questions(settings)]}


def announce_deadlines(tx: StoreTransaction, programme_id: str, now: datetime,
                       append: Callable[[List[Any], Dict[Tuple[str, str], int]], None]) -> int:
    """The daily watch: ``TaskDeadlineApproaching`` for each student due one (:meth:`Course.due_reminders`)."""
    course = _load(tx, programme_id)
    if not course.tasks:
        return 0
    settings = _settings(tx, programme_id)
    days = int(setting(settings, "course.reminder_days_before"))
    mentors = group(tx.conn, tx.tenant_id, programme_id)
    version = course.version
    events = course.remind(course.due_reminders(mentors, now, days), mentors=mentors, days_before=days, now=now)
    if events:
        append(events, {(Course.stream_type, programme_id): version})
    return len(events)


def _csv_refusal(exc: CsvRefused) -> ApiError:
    first = exc.problems[0]
    return Unprocessable(str(exc), details={"failures": ["bad_row"], "row": first["row"], "column": first["column"],
                                            "problems": exc.problems})


# -- the endpoints -----------------------------------------------------------------------------

class CourseEndpoints:
    """An e-course's tasks; the service supplies the rest."""

    store: Any
    _caller: Any
    _person: Any
    _append: Any

    def _change(self, tx: StoreTransaction, course: Course, version: int, events: List[Any], actor) -> Course:
        if events:
            self._append(tx, events, {(Course.stream_type, course.id): version}, actor)
        return course.apply_all(events)

    @endpoint("POST", PROGRAMME + "/tasks", roles=(COORDINATOR,), body=schemas.TaskInput, example=X["task"],
              responses={201: schemas.TaskView}, errors={404: "no such programme here", 409: CHANGED},
              summary="The coordinator or teacher enters (or changes) a course task and its deadline",
              tags=("e-course",))
    def set_task(self, request, tenant_id, programme_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = load_input(schemas.TaskInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            task = CourseTask(data["task_id"], data["title"],
                              _moment(data["deadline"], _time_zone(tx, programme_id), "deadline"))
            course = _load(tx, programme_id)
            self._change(tx, course, course.version, course.set_tasks([task], source="api", now=tx.now), caller.actor)
            return 201, {"task_id": task.task_id, "title": task.title, "deadline": task.deadline.isoformat()}

    @endpoint("GET", PROGRAMME + "/tasks", roles=(COORDINATOR,), responses={200: schemas.TaskListView},
              errors={404: "no such programme here"}, summary="The course's tasks by deadline", tags=("e-course",))
    def list_tasks(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            _time_zone(tx, programme_id)
            course = _load(tx, programme_id)
        tasks = sorted(course.tasks.values(), key=lambda t: (t.deadline, t.task_id))
        return {"programme_id": programme_id, "tasks": [
            {"task_id": t.task_id, "title": t.title, "deadline": t.deadline.isoformat()} for t in tasks]}

    @endpoint("POST", PROGRAMME + "/tasks/import", roles=(COORDINATOR,), responses={200: schemas.ImportView},
              errors={404: "no such programme here", 409: CHANGED,
                      422: "a bad row: details.row and details.column name the first, details.problems "
                           "each (nothing imported)"},
              summary="Import the learning platform's CSV (text/csv): tasks (task_id,title,deadline) or "
                      "completions (external_id,task_id,finished_at); all rows or none", tags=("e-course",))
    def import_tasks(self, request, tenant_id, programme_id):
        """The columns are told apart by the header (docs/ecourse.md); a row naming an unknown
        student or task, or a bad date, refuses the whole file."""
        caller = self._caller(request, tenant_id, COORDINATOR)
        if request.mimetype != "text/csv":
            raise BadRequest("the body must be text/csv", details={"Content-Type": ["must be text/csv"]})
        text = request.get_data(as_text=True)
        with self.store.transaction(tenant_id) as tx:
            try:
                found = read_csv(text, _time_zone(tx, programme_id), tx.now)
                course = _load(tx, programme_id)
                version = course.version
                if found.kind == "tasks":
                    events = course.set_tasks(list(found.tasks), source="import", now=tx.now)
                    rows = len(found.tasks)
                else:
                    events = course.complete(self._completions(tx, programme_id, course, found.completions),
                                             source="import", now=tx.now)
                    rows = len(found.completions)
            except CsvRefused as exc:
                raise _csv_refusal(exc) from None
            self._change(tx, course, version, events, caller.actor)
        return {"programme_id": programme_id, "kind": found.kind, "rows": rows, "recorded": len(events)}

    @staticmethod
    def _completions(tx: StoreTransaction, programme_id: str, course: Course,
                     rows: Tuple[Tuple[int, str, str, datetime], ...]) -> List[Tuple[str, str, datetime]]:
        known = external_ids(tx.conn, tx.tenant_id, programme_id)
        problems, finished = [], []
        for number, external_id, task_id, finished_at in rows:
            if external_id not in known:
                problems.append({"row": number, "column": "external_id",
                                 "message": f"no student of this programme has the id {external_id}"})
            elif task_id not in course.tasks:
                problems.append({"row": number, "column": "task_id",
                                 "message": f"task {task_id} is not a task of this course"})
            else:
                finished.append((task_id, known[external_id], finished_at))
        if problems:
            raise CsvRefused(problems)
        return finished

    @endpoint("POST", TASK + "/completions", roles=(COORDINATOR,), body=schemas.CompletionInput,
              example=X["completion"], responses={201: schemas.CompletionView},
              errors={404: "no such programme here, or no such student in it", 409: CHANGED,
                      422: rules("unknown_task", "in_the_future")},
              summary="A student finished a task (the first completion counts)", tags=("e-course",))
    def complete_task(self, request, tenant_id, programme_id, task_id):
        caller = self._caller(request, tenant_id, COORDINATOR)
        data = load_input(schemas.CompletionInput, read_json(request))
        if (data["student_id"] is None) == (data["external_id"] is None):
            raise BadRequest("name the student by student_id or by external_id (one of them)",
                             details={"student_id": ["give student_id or external_id, not both"]})
        with self.store.transaction(tenant_id) as tx:
            finished_at = _moment(data["finished_at"], _time_zone(tx, programme_id), "finished_at")
            student_id = data["student_id"] or external_ids(tx.conn, tenant_id, programme_id).get(data["external_id"])
            if student_id is None or student_id not in group(tx.conn, tenant_id, programme_id):
                raise NotFound(f"no such student in programme {programme_id}")
            course = _load(tx, programme_id)
            course = self._change(tx, course, course.version,
                                  course.complete([(task_id, student_id, finished_at)], source="api", now=tx.now),
                                  caller.actor)
            finished = course.completions[(task_id, student_id)]
            on_time = finished <= course.deadline(task_id, student_id)
        return 201, {"programme_id": programme_id, "task_id": task_id, "student_id": student_id,
                     "finished_at": finished.isoformat(), "status": "on_time" if on_time else "late"}

    @endpoint("POST", TASK + "/extensions", roles=(PARTICIPANT,), body=schemas.ExtensionInput,
              example=X["extension"], responses={201: schemas.ExtensionView},
              errors={404: "no such programme here, or the caller is not the student's mentor", 409: CHANGED,
                      422: rules("unknown_task", "already_finished", "not_later")},
              summary="The student's mentor extends one student's deadline of a task", tags=("e-course",))
    def extend_deadline(self, request, tenant_id, programme_id, task_id):
        caller = self._caller(request, tenant_id, PARTICIPANT)
        mentor_id = self._person(caller)
        data = load_input(schemas.ExtensionInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            deadline = _moment(data["deadline"], _time_zone(tx, programme_id), "deadline")
            if group(tx.conn, tenant_id, programme_id).get(data["student_id"]) != mentor_id:
                raise NotFound(f"student {data['student_id']} not found among the caller's students")
            course = _load(tx, programme_id)
            version = course.version
            events = course.extend(task_id=task_id, student_id=data["student_id"], mentor_id=mentor_id,
                                   deadline=deadline, now=tx.now)
            self._change(tx, course, version, events, caller.actor)
        payload = events[0].payload
        return 201, {key: payload[key] for key in
                     ("programme_id", "task_id", "student_id", "deadline", "previous_deadline")}

    @endpoint("GET", PROGRAMME + "/course/progress", roles=(COORDINATOR,), responses={200: schemas.CourseProgressView},
              errors={404: "no such programme here"},
              summary="Each student's tasks finished on time, late and open; each mentor's group's sums",
              tags=("e-course",))
    def course_progress(self, request, tenant_id, programme_id):
        self._caller(request, tenant_id, COORDINATOR)
        with self.store.transaction(tenant_id) as tx:
            _time_zone(tx, programme_id)
            course = _load(tx, programme_id)
            mentors = group(tx.conn, tenant_id, programme_id)
            known = external_ids(tx.conn, tenant_id, programme_id)
            by_person = {person: external for external, person in known.items()}
            now = tx.now
        rows = []
        for student_id in sorted(mentors):
            standing = course.standing(student_id)
            rows.append({"student_id": student_id, "external_id": by_person.get(student_id),
                         "mentor_id": mentors[student_id], "counts": student_counts(course, student_id, now).to_dict(),
                         "tasks": [{"task_id": s.task_id, "deadline": s.deadline.isoformat(), "extended": s.extended,
                                    "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                                    "status": s.status()} for s in standing]})
        return {"programme_id": programme_id, "as_of": now.isoformat(), "tasks": len(course.tasks), "students": rows,
                "groups": [{"mentor_id": g.mentor_id, "students": len(g.students), "counts": g.counts.to_dict()}
                           for g in group_progress(course, mentors, now)]}

    # -- the intake questionnaire --------------------------------------------------------------

    @endpoint("PUT", INTAKE, roles=(PARTICIPANT,), body=schemas.IntakeInput, example=X["intake"],
              responses={200: schemas.IntakeView},
              errors={404: "no such programme here, or the caller is not this student of it", 409: CHANGED,
                      422: rules("no_intake", "unknown_question", "unanswered", "too_long")},
              summary="The student answers the programme's intake questionnaire (again: replaces the answers)",
              tags=("e-course",))
    def answer_intake(self, request, tenant_id, programme_id, student_id):
        caller = self._caller(request, tenant_id, PARTICIPANT)
        data = load_input(schemas.IntakeInput, read_json(request))
        with self.store.transaction(tenant_id) as tx:
            _time_zone(tx, programme_id)
            if self._person(caller) != student_id or student_id not in group(tx.conn, tenant_id, programme_id):
                raise NotFound(f"student {student_id} not found in programme {programme_id}")
            settings = _settings(tx, programme_id)
            intake = _intake(tx, programme_id, student_id)
            version = intake.version
            events = intake.answer(programme_id=programme_id, student_id=student_id,
                                   questions=intake_questions(settings), answers=data["answers"], now=tx.now)
            if events:
                self._append(tx, events, {(Intake.stream_type, intake.id): version}, caller.actor)
            return intake_view(programme_id, student_id, settings, intake.apply_all(events))

    @endpoint("GET", INTAKE, roles=(COORDINATOR, PARTICIPANT), responses={200: schemas.IntakeView},
              errors={404: NOT_A_READER},
              summary="A student's intake answers: read by the coordinator, the student and their mentor only",
              tags=("e-course",))
    def read_intake(self, request, tenant_id, programme_id, student_id):
        caller = self._caller(request, tenant_id, COORDINATOR, PARTICIPANT)
        with self.store.transaction(tenant_id) as tx:
            _time_zone(tx, programme_id)
            students = group(tx.conn, tenant_id, programme_id)
            if student_id not in students or (
                    caller.kind == PARTICIPANT and self._person(caller) not in (student_id, students[student_id])):
                raise NotFound(f"student {student_id} not found in programme {programme_id}")
            return intake_view(programme_id, student_id, _settings(tx, programme_id),
                               _intake(tx, programme_id, student_id))
