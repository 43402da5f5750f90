"""An e-course's deadline reminder (seed 004): which of sessions' ``course`` events makes or drops
a ``task_deadline`` message, and what it says.

* ``TaskDeadlineApproaching`` (sessions' daily watch, once per task, student and deadline, for a
  student who has not finished the task): a ``task_deadline`` reminder to the student, in their
  own language (never to a guardian: it is the student's coursework), held in the programme's
  sending window like every notice. It is a reminder: the student may turn it off.
* ``TaskCompleted`` for that student and task: the reminder still waiting is dropped.
* ``DeadlineExtended`` for that student and task: dropped too (the new deadline's own
  ``TaskDeadlineApproaching`` comes when it approaches).
* A reminder whose deadline has passed before it may go out (a long quiet period) is not sent
  (:func:`too_late`).

``CourseTaskSet`` makes nothing: notifications reads it only to keep the course's stream
contiguous.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping

from .reminders import MENTEE, Cancel, Planned

TASK_DEADLINE = "task_deadline"
#: the kinds made here (after the notices in :data:`~.KINDS`)
COURSE_KINDS = (TASK_DEADLINE,)
#: every event of a course's stream (``course``/<programme id>), so it stays contiguous
COURSE_EVENTS = ("CourseTaskSet", "TaskCompleted", "DeadlineExtended", "TaskDeadlineApproaching")
#: the course events that make a reminder
PLANNED_BY = ("TaskDeadlineApproaching",)
#: what a reminder keeps of its cause (ids, the task's title and the student's deadline; besides,
#: ``has_mentor``: whether the student has a mentor to ask for more time)
TASK_FACTS = ("task_id", "title", "deadline", "days_before")


def plans_for(event_type: str, payload: Mapping[str, Any]) -> List[Planned]:
    """The reminder ``event_type`` makes: to the student, about the task (``about_id``)."""
    if event_type != "TaskDeadlineApproaching":
        return []
    return [Planned(TASK_DEADLINE, payload["student_id"], MENTEE, about_id=payload["task_id"],
                    facts={**{key: payload[key] for key in TASK_FACTS},
                           "has_mentor": payload.get("mentor_id") is not None})]


def cancellations(event_type: str, payload: Mapping[str, Any]) -> List[Cancel]:
    """The waiting reminders ``event_type`` makes pointless: the student's of that task."""
    if event_type in ("TaskCompleted", "DeadlineExtended"):
        return [Cancel((TASK_DEADLINE,), payload["student_id"], payload["programme_id"], about_id=payload["task_id"])]
    return []


def too_late(kind: str, facts: Mapping[str, Any], moment: datetime) -> bool:
    """Whether a ``kind`` message going out at ``moment`` would come after the deadline it
    reminds of (then it is not sent)."""
    return kind == TASK_DEADLINE and moment >= datetime.fromisoformat(str(facts["deadline"]))


def shown_facts(facts: Mapping[str, Any], local_time: Callable[[datetime], datetime]) -> Dict[str, Any]:
    """A reminder's facts as its template shows them: the deadline as the programme's local day
    (``deadline``) and time (``deadline_time``, HH:MM)."""
    deadline = local_time(datetime.fromisoformat(str(facts["deadline"])))
    return {**facts, "deadline": deadline.date().isoformat(), "deadline_time": deadline.strftime("%H:%M")}
