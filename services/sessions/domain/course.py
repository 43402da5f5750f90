"""An e-course's tasks and deadlines (seed 004): one mentor follows a group of students; the
course's tasks have deadlines; the mentor may extend one student's; students who have not
finished a task are reminded a few days before its deadline. One stream per programme,
``course``/<programme id>.

* ``CourseTaskSet``: a task (the learning platform's ``task_id``), its title and deadline,
  entered by the coordinator or the teacher, or imported; set again, it changes.
* ``TaskCompleted``: a student finished a task (when), entered or imported; the first one counts.
* ``DeadlineExtended``: the student's mentor moved one student's deadline of one task (later only).
* ``TaskDeadlineApproaching``: the daily watch, for each student who has not finished the task,
  when its deadline (theirs, after an extension) is at most ``course.reminder_days_before`` days
  ahead; once per (task, student, deadline): an extension that moves the deadline makes a new one
  due only when the new deadline approaches.

Progress per student: each task finished on time (at or before the student's deadline), late, or
open (``overdue`` too, once its deadline passed); per group (a mentor's students) the sums.

The CSV a learning platform exports (docs/ecourse.md) is read here too: all rows or none, each
problem named by row (the file's line, the header being 1) and column.

The intake questionnaire (:class:`Intake`, one stream per programme and student,
``intake``/<:func:`intake_stream_id`>): the programme's ``course.intake`` questions, answered in free
text by the student (``IntakeAnswered``, answered again: replaced). The answers are the
student's personal data, under ``personal`` (encrypted with the student's key).

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import RuleBroken, failure

COURSE = "course"
INTAKE = "intake"
#: the longest answer to an intake question (characters)
MAX_ANSWER = 2000
#: the learning platform's ids of tasks and students
PLATFORM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
TASK_COLUMNS = ("task_id", "title", "deadline")
COMPLETION_COLUMNS = ("external_id", "task_id", "finished_at")
#: at most this many rows in one import, and problems named in one refusal
MAX_ROWS, MAX_PROBLEMS = 5000, 50
ON_TIME, LATE, OPEN = "on_time", "late", "open"


def deadline_of(value: str, time_zone: str) -> datetime:
    """A deadline as written: an ISO date-time (with its offset, else in the programme's zone) or
    a day (its end, 23:59:59, in the programme's zone). ValueError if it is neither."""
    text = value.strip()
    zone = ZoneInfo(time_zone)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(23, 59, 59), zone)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class CourseTask:
    task_id: str
    title: str
    deadline: datetime


@dataclass(frozen=True)
class TaskStanding:
    """One student's standing on one task."""

    task_id: str
    deadline: datetime
    extended: bool
    finished_at: Optional[datetime]

    def status(self) -> str:
        if self.finished_at is None:
            return OPEN
        return ON_TIME if self.finished_at <= self.deadline else LATE


@dataclass(frozen=True)
class Reminder:
    """A student due the reminder of a task's deadline."""

    task: CourseTask
    student_id: str
    deadline: datetime


class Course(Aggregate):
    """A programme's tasks, each student's deadlines, completions and the reminders given."""

    stream_type: ClassVar[str] = COURSE

    def __init__(self, programme_id: str) -> None:
        super().__init__(programme_id)
        self.tasks: Dict[str, CourseTask] = {}
        #: (task, student) -> the deadline an extension set
        self.extensions: Dict[Tuple[str, str], datetime] = {}
        #: (task, student) -> when the student finished it
        self.completions: Dict[Tuple[str, str], datetime] = {}
        #: (task, student, deadline ISO) reminded
        self.reminded: set = set()

    # -- reading -------------------------------------------------------------------------------

    def deadline(self, task_id: str, student_id: str) -> datetime:
        """The student's deadline of the task: an extension's, else the task's."""
        return self.extensions.get((task_id, student_id)) or self.tasks[task_id].deadline

    def standing(self, student_id: str) -> List[TaskStanding]:
        return [TaskStanding(task_id, self.deadline(task_id, student_id), (task_id, student_id) in self.extensions,
                             self.completions.get((task_id, student_id)))
                for task_id in sorted(self.tasks, key=lambda t: (self.tasks[t].deadline, t))]

    def due_reminders(self, students: Iterable[str], now: datetime, days_before: int) -> List[Reminder]:
        """Who is due a reminder at ``now``: each student who has not finished a task whose
        deadline (theirs) is still ahead and at most ``days_before`` days away, not yet reminded
        of that deadline."""
        due = []
        for task in sorted(self.tasks.values(), key=lambda t: (t.deadline, t.task_id)):
            for student_id in sorted(set(students)):
                deadline = self.deadline(task.task_id, student_id)
                if (task.task_id, student_id) in self.completions or not now < deadline <= now + timedelta(days_before):
                    continue
                if (task.task_id, student_id, deadline.isoformat()) not in self.reminded:
                    due.append(Reminder(task, student_id, deadline))
        return due

    # -- commands ------------------------------------------------------------------------------

    def set_tasks(self, tasks: Sequence[CourseTask], *, source: str, now: datetime) -> List[DomainEvent]:
        """Tasks entered or imported; one unchanged is not set again."""
        return [self._event("CourseTaskSet", {
            "programme_id": self.id, "task_id": t.task_id, "title": t.title, "deadline": t.deadline.isoformat(),
            "source": source, "set_at": now.isoformat()})
            for t in tasks if self.tasks.get(t.task_id) != t]

    def complete(self, finished: Sequence[Tuple[str, str, datetime]], *, source: str,
                 now: datetime) -> List[DomainEvent]:
        """(task, student, finished_at) entered or imported; a task unknown refused (422
        ``unknown_task``), one finished already (or twice in the input) not recorded again,
        one finished in the future refused (``in_the_future``)."""
        events: List[DomainEvent] = []
        seen = set(self.completions)
        for task_id, student_id, finished_at in finished:
            if task_id not in self.tasks:
                raise RuleBroken.one("unknown_task", f"task {task_id} is not a task of this course", "task_id")
            if finished_at > now:
                raise RuleBroken.one("in_the_future", f"task {task_id} cannot be finished after now", "finished_at")
            if (task_id, student_id) in seen:
                continue
            seen.add((task_id, student_id))
            events.append(self._event("TaskCompleted", {
                "programme_id": self.id, "task_id": task_id, "student_id": student_id,
                "finished_at": finished_at.isoformat(), "on_time": finished_at <= self.deadline(task_id, student_id),
                "source": source}))
        return events

    def extend(self, *, task_id: str, student_id: str, mentor_id: str, deadline: datetime,
               now: datetime) -> List[DomainEvent]:
        """The student's mentor moves one student's deadline of one task, later than it is and
        than now (422 ``unknown_task``, ``already_finished``, ``not_later``)."""
        if task_id not in self.tasks:
            raise RuleBroken.one("unknown_task", f"task {task_id} is not a task of this course", "task_id")
        if (task_id, student_id) in self.completions:
            raise RuleBroken.one("already_finished", f"the student has finished task {task_id} already")
        previous = self.deadline(task_id, student_id)
        if deadline <= previous or deadline <= now:
            raise RuleBroken.one("not_later", f"the new deadline must be later than the student's "
                                 f"({previous.isoformat()}) and than now", "deadline")
        return [self._event("DeadlineExtended", {
            "programme_id": self.id, "task_id": task_id, "student_id": student_id, "mentor_id": mentor_id,
            "deadline": deadline.isoformat(), "previous_deadline": previous.isoformat(),
            "extended_at": now.isoformat()})]

    def remind(self, reminders: Sequence[Reminder], *, mentors: Mapping[str, Optional[str]], days_before: int,
               now: datetime) -> List[DomainEvent]:
        return [self._event("TaskDeadlineApproaching", {
            "programme_id": self.id, "task_id": r.task.task_id, "title": r.task.title, "student_id": r.student_id,
            "mentor_id": mentors.get(r.student_id), "deadline": r.deadline.isoformat(), "days_before": days_before,
            "noticed_at": now.isoformat()}) for r in reminders]

    # -- the fold ------------------------------------------------------------------------------

    def _on_CourseTaskSet(self, p: Mapping[str, Any]) -> None:
        self.tasks[p["task_id"]] = CourseTask(p["task_id"], p["title"], datetime.fromisoformat(p["deadline"]))

    def _on_TaskCompleted(self, p: Mapping[str, Any]) -> None:
        self.completions.setdefault((p["task_id"], p["student_id"]), datetime.fromisoformat(p["finished_at"]))

    def _on_DeadlineExtended(self, p: Mapping[str, Any]) -> None:
        self.extensions[(p["task_id"], p["student_id"])] = datetime.fromisoformat(p["deadline"])

    def _on_TaskDeadlineApproaching(self, p: Mapping[str, Any]) -> None:
        self.reminded.add((p["task_id"], p["student_id"], datetime.fromisoformat(p["deadline"]).isoformat()))


# -- progress ------------------------------------------------------------------------------------

@dataclass
class Counts:
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0

    def add(self, standing: TaskStanding, now: datetime) -> None:
        status = standing.status()
        setattr(self, status, getattr(self, status) + 1)
        if status == OPEN and standing.deadline < now:
            self.overdue += 1

    def to_dict(self) -> Dict[str, int]:
        return {"on_time": self.on_time, "late": self.late, "open": self.open, "overdue": self.overdue}


@dataclass
class GroupProgress:
    mentor_id: Optional[str]
    students: List[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def student_counts(course: Course, student_id: str, now: datetime) -> Counts:
    counts = Counts()
    for standing in course.standing(student_id):
        counts.add(standing, now)
    return counts


def group_progress(course: Course, mentors: Mapping[str, Optional[str]], now: datetime) -> List[GroupProgress]:
    """Per mentor (None: students without one), the sums of their students' counts."""
    groups: Dict[Optional[str], GroupProgress] = {}
    for student_id in sorted(mentors):
        group = groups.setdefault(mentors[student_id], GroupProgress(mentors[student_id]))
        group.students.append(student_id)
        for standing in course.standing(student_id):
            group.counts.add(standing, now)
    return sorted(groups.values(), key=lambda g: (g.mentor_id is None, g.mentor_id or ""))


# -- the CSV a learning platform exports ---------------------------------------------------------

class CsvRefused(Exception):
    """The file is refused whole; ``problems``: ``{row, column, message}`` (row: the file's line)."""

    def __init__(self, problems: List[Dict[str, Any]]):
        self.problems = problems[:MAX_PROBLEMS]
        first = self.problems[0]
        where = f"row {first['row']}" + (f", column {first['column']}" if first["column"] else "")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{where}: {first['message']}{more}; nothing was imported")


@dataclass(frozen=True)
class CsvImport:
    """What a file holds: tasks, or completions (external id, task, finished at)."""

    kind: str  # "tasks" | "completions"
    tasks: Tuple[CourseTask, ...] = ()
    completions: Tuple[Tuple[int, str, str, datetime], ...] = ()  # row, external id, task, finished at


def _kind(rows: List[List[str]]) -> Tuple[str, List[str]]:
    """The file's kind and columns, from its header."""
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CsvRefused([{"row": 1, "column": None, "message": "the header is missing: "
                           f"{','.join(TASK_COLUMNS)} or {','.join(COMPLETION_COLUMNS)}"}])
    header = [cell.strip().lower() for cell in rows[0]]
    kinds = {"tasks": TASK_COLUMNS, "completions": COMPLETION_COLUMNS}
    kind = next((k for k, columns in kinds.items() if sorted(header) == sorted(columns)), None)
    if kind is None:
        raise CsvRefused([{"row": 1, "column": None, "message": f"the header must name the columns "
                           f"{','.join(TASK_COLUMNS)} (tasks) or {','.join(COMPLETION_COLUMNS)} (completions), "
                           f"each once; it names {','.join(header)}"}])
    return kind, header


def _read_row(kind: str, cells: Mapping[str, str], time_zone: str, now: datetime,
              bad: Callable[[str, str], None]) -> Optional[datetime]:
    """Check one row's cells (``bad(column, message)`` for each problem); its moment if readable."""
    for column in ("task_id", "external_id"):
        if column in cells and not PLATFORM_ID.fullmatch(cells[column]):
            bad(column, "must be the learning platform's id: letters, digits and . _ : - (at most 64)")
    column = "deadline" if kind == "tasks" else "finished_at"
    try:
        moment = deadline_of(cells[column], time_zone)
    except ValueError:
        bad(column, f"{cells[column]!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time")
        return None
    if kind == "tasks" and not 1 <= len(cells["title"]) <= 200:
        bad("title", "must be 1 to 200 characters")
    if kind == "completions" and moment > now:
        bad("finished_at", "is in the future")
    return moment


def read_csv(text: str, time_zone: str, now: datetime) -> CsvImport:
    """Read a tasks file (``task_id,title,deadline``) or a completions file
    (``external_id,task_id,finished_at``), told apart by its header (columns in any order,
    others refused); every row checked, CsvRefused naming each bad one."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    kind, header = _kind(rows)
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if len(body) > MAX_ROWS:
        raise CsvRefused([{"row": MAX_ROWS + 2, "column": None, "message": f"at most {MAX_ROWS} rows a file"}])
    problems: List[Dict[str, Any]] = []
    tasks: Dict[str, CourseTask] = {}
    completions = []
    for number, row in body:
        if len(row) != len(header):
            problems.append({"row": number, "column": None,
                             "message": f"has {len(row)} cells where the header has {len(header)}"})
            continue
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=True)}
        before = len(problems)

        def bad(column: str, message: str, number: int = number) -> None:
            problems.append({"row": number, "column": column, "message": message})

        moment = _read_row(kind, cells, time_zone, now, bad)
        if kind == "tasks" and cells["task_id"] in tasks:
            problems.append({"row": number, "column": "task_id", "message": f"task {cells['task_id']} is in the "
                             f"file twice"})
        if moment is None or len(problems) > before:
            continue
        if kind == "tasks":
            tasks[cells["task_id"]] = CourseTask(cells["task_id"], cells["title"], moment)
        else:
            completions.append((number, cells["external_id"], cells["task_id"], moment))
    if problems:
        raise CsvRefused(problems)
    return CsvImport(kind, tuple(tasks.values()), tuple(completions))


# -- the intake questionnaire --------------------------------------------------------------------

_INTAKE_NAMESPACE = uuid.UUID("7f3e2c1a-4b5d-4e6f-8a9b-0c1d2e3f4a5b")


def intake_stream_id(programme_id: str, student_id: str) -> str:
    """One intake stream per programme and student."""
    return str(uuid.uuid5(_INTAKE_NAMESPACE, f"{programme_id}/{student_id}"))


@dataclass(frozen=True)
class IntakeQuestion:
    id: str
    text: str
    required: bool = False


def intake_questions(settings: Mapping[str, Any]) -> List[IntakeQuestion]:
    """The programme's intake questions (``course.intake``, validated by registration)."""
    found = ((settings.get("course") or {}).get("intake")) or []
    return [IntakeQuestion(q["id"], q["text"], bool(q.get("required"))) for q in found]


class Intake(Aggregate):
    """A student's answers to a programme's intake questionnaire."""

    stream_type: ClassVar[str] = INTAKE

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        #: question id -> answer (None before the first answer, or once the student is erased)
        self.answers: Optional[Dict[str, str]] = None
        self.answered_at: Optional[datetime] = None

    def answer(self, *, programme_id: str, student_id: str, questions: Sequence[IntakeQuestion],
               answers: Mapping[str, Any], now: datetime) -> List[DomainEvent]:
        """The student answers (again: the new answers replace the old). Refused (422):
        ``no_intake`` (the programme asks none), ``unknown_question``, ``unanswered`` (a required
        one left out or blank), ``too_long``. Blank answers to optional questions are left out;
        the same answers again record nothing."""
        if not questions:
            raise RuleBroken.one("no_intake", "this programme has no intake questionnaire")
        asked = {q.id: q for q in questions}
        failures = [failure("unknown_question", f"{key} is not a question of this intake", f"answers.{key}")
                    for key in answers if key not in asked]
        kept: Dict[str, str] = {}
        for question in questions:
            value = answers.get(question.id)
            text = value.strip() if isinstance(value, str) else ""
            if len(text) > MAX_ANSWER:
                failures.append(failure("too_long", f"the answer to {question.id} is longer than {MAX_ANSWER} "
                                        "characters", f"answers.{question.id}"))
            elif text:
                kept[question.id] = text
            elif question.required:
                failures.append(failure("unanswered", f"question {question.id} must be answered",
                                        f"answers.{question.id}"))
        if failures:
            raise RuleBroken(failures)
        if kept == self.answers:
            return []
        return [self._event("IntakeAnswered", {
            "programme_id": programme_id, "student_id": student_id, "by_person_id": student_id,
            "answered_at": now.isoformat(), "personal": {"answers": kept}})]

    def _on_IntakeAnswered(self, p: Mapping[str, Any]) -> None:
        personal = p.get("personal")
        self.answers = dict(personal["answers"]) if personal else None
        self.answered_at = datetime.fromisoformat(p["answered_at"])
