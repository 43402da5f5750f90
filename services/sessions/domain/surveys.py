"""Surveys of a pair (seed 002: measure the relationship and the mentee's competences).

A programme's surveys come from its settings (:func:`definitions`; the shipped set and the
schedules: :mod:`services.contracts.default_surveys`). For a pair, :func:`occurrences_due`
says which occurrences of a survey have fallen due by a moment, in the programme's time zone:

* ``after_first_meeting``: ``first_meeting``, at the start of the pair's first meeting that counts;
* ``periodic``: ``day_<n>`` at 00:00 of the n-th day after the introduction's day (n =
  ``first_after_days``, then every ``every_days``), while the pair runs (before its end or
  final review) and not after the programme's ``meetings_end``;
* ``start_and_end``: ``start`` at the introduction; ``end`` at the final review, or at 00:00
  after the programme's ``meetings_end`` for a pair still running then (a pair that ended
  early without a final review has no end).

The stream ``pairsurveys``/<pairing id> (:class:`PairSurveys`) says each occurrence once
(``SurveyDue``, with who is to answer) and takes one answer per respondent per occurrence
(``SurveyAnswered``); an answer naming a ``concern`` choice (the fit check's ``not_a_fit``)
is also a ``PairingFitConcern`` for the coordinator. Answers are checked against the
questions' scales and choices (422 naming ``answers.<question id>``).

Scores (:func:`answer_mean`, :func:`pair_surveys`, :func:`programme_surveys`): an answer's mean
over its scale questions; per survey the latest and the trend (last occurrence's mean less the
first's); per programme the means per survey and occurrence, the choices' counts, and the
start-to-end change of each ``start_and_end`` survey's questions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import mean
from typing import Any, ClassVar, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from services.contracts.programme_settings import survey_definitions
from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import MENTEE, MENTOR, PairingFacts, RuleBroken, failure

PAIR_SURVEYS = "pairsurveys"
AFTER_FIRST_MEETING, PERIODIC, START_AND_END = "after_first_meeting", "periodic", "start_and_end"
SCHEDULES = (AFTER_FIRST_MEETING, PERIODIC, START_AND_END)
FIRST_MEETING, START, END = "first_meeting", "start", "end"
#: how far ahead periodic occurrences are listed (a pair never runs longer)
HORIZON_DAYS = 3660


@dataclass(frozen=True)
class Question:
    id: str
    texts: Mapping[str, str]
    scale: Optional[Tuple[int, int]] = None
    choices: Tuple[str, ...] = ()
    concern: Tuple[str, ...] = ()

    def problem(self, value: Any) -> Optional[str]:
        """Why ``value`` is no answer to this question (None: it is one)."""
        if self.scale is not None:
            low, high = self.scale
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                return f"must be a whole number from {low} to {high}"
            return None
        if value not in self.choices:
            return f"must be one of: {', '.join(self.choices)}"
        return None


@dataclass(frozen=True)
class SurveyDefinition:
    id: str
    schedule: str
    respondents: Tuple[str, ...]
    questions: Tuple[Question, ...]
    titles: Mapping[str, str]
    first_after_days: int = 30
    every_days: int = 60

    @classmethod
    def from_settings(cls, data: Mapping[str, Any]) -> "SurveyDefinition":
        questions = tuple(Question(
            q["id"], dict(q.get("texts") or {}),
            (int(q["scale"]["min"]), int(q["scale"]["max"])) if q.get("scale") else None,
            tuple(q.get("choices") or ()), tuple(q.get("concern") or ())) for q in data["questions"])
        return cls(data["id"], data["schedule"], tuple(data["respondents"]), questions,
                   dict(data.get("titles") or {}), int(data.get("first_after_days") or 30),
                   int(data.get("every_days") or 60))

    def question(self, question_id: str) -> Optional[Question]:
        return next((q for q in self.questions if q.id == question_id), None)


def definitions(settings: Mapping[str, Any]) -> Tuple[SurveyDefinition, ...]:
    """The surveys a programme runs (none unless its settings enable them)."""
    return tuple(SurveyDefinition.from_settings(d) for d in survey_definitions(settings))


@dataclass(frozen=True)
class PairTimeline:
    """What a pair's survey due times depend on."""

    pairing: PairingFacts
    time_zone: str = "UTC"
    first_meeting_at: Optional[datetime] = None
    final_review_at: Optional[datetime] = None
    meetings_end: Optional[date] = None


@dataclass(frozen=True)
class Occurrence:
    survey_id: str
    occurrence: str
    due_at: datetime


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def occurrences(survey: SurveyDefinition, timeline: PairTimeline) -> List[Occurrence]:
    """Every occurrence of the survey the pair's timeline calls for, in time order (periodic
    ones up to the pair's end or the programme's meetings_end, or :data:`HORIZON_DAYS`)."""
    pairing = timeline.pairing
    introduced = pairing.confirmed_at
    if introduced is None:
        return []
    zone = ZoneInfo(timeline.time_zone)
    ended = pairing.ended_at
    found: List[Occurrence] = []
    if survey.schedule == AFTER_FIRST_MEETING:
        if timeline.first_meeting_at is not None:
            found.append(Occurrence(survey.id, FIRST_MEETING, max(timeline.first_meeting_at, introduced)))
    elif survey.schedule == PERIODIC:
        day_one = introduced.astimezone(zone).date()
        last_day = timeline.meetings_end
        n = survey.first_after_days
        while n <= HORIZON_DAYS:
            due = _local_midnight(day_one + timedelta(days=n), zone)
            over = [m for m in (ended, timeline.final_review_at) if m is not None]
            if any(due >= m for m in over) or (last_day is not None and due.date() > last_day):
                break
            found.append(Occurrence(survey.id, f"day_{n}", due))
            n += survey.every_days
    elif survey.schedule == START_AND_END:
        found.append(Occurrence(survey.id, START, introduced))
        end = timeline.final_review_at
        if end is None and timeline.meetings_end is not None:
            after_end = _local_midnight(timeline.meetings_end + timedelta(days=1), zone)
            if ended is None or ended >= after_end:
                end = after_end
        if end is not None:
            found.append(Occurrence(survey.id, END, max(end, introduced)))
    return found


def occurrences_due(surveys: Iterable[SurveyDefinition], timeline: PairTimeline,
                    now: datetime) -> List[Occurrence]:
    """The occurrences of these surveys fallen due for the pair by ``now``."""
    return [o for survey in surveys for o in occurrences(survey, timeline) if o.due_at <= now]


def answer_failures(survey: SurveyDefinition, answers: Mapping[str, Any]) -> List[Dict[str, Optional[str]]]:
    """What an answer to the survey breaks: every question answered, on its scale or choices."""
    failures = []
    for question_id in answers:
        if survey.question(question_id) is None:
            failures.append(failure("unknown_question", f"survey {survey.id} has no question {question_id} "
                                    f"(its questions: {', '.join(q.id for q in survey.questions)})",
                                    f"answers.{question_id}"))
    for question in survey.questions:
        if question.id not in answers:
            failures.append(failure("unanswered", f"question {question.id} is not answered",
                                    f"answers.{question.id}"))
            continue
        problem = question.problem(answers[question.id])
        if problem:
            failures.append(failure("out_of_scale", f"the answer to {question.id} {problem}",
                                    f"answers.{question.id}"))
    return failures


class PairSurveys(Aggregate):
    """The surveys of one pair: what fell due (once each), and who answered what."""

    stream_type: ClassVar[str] = PAIR_SURVEYS

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        #: (survey, occurrence) -> the roles asked to answer
        self.due: Dict[Tuple[str, str], Tuple[str, ...]] = {}
        self.answered: Dict[Tuple[str, str, str], str] = {}  # (survey, occurrence, person) -> when

    def _on_SurveyDue(self, payload: Dict[str, Any]) -> None:
        self.due[(payload["survey_id"], payload["occurrence"])] = tuple(payload["respondents"])

    def _on_SurveyAnswered(self, payload: Dict[str, Any]) -> None:
        self.answered[(payload["survey_id"], payload["occurrence"], payload["by_person_id"])] = payload["answered_at"]

    def _pair(self, pairing: PairingFacts) -> Dict[str, Any]:
        return {"pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
                "mentor_id": pairing.mentor_id, "mentee_id": pairing.mentee_id}

    def announce(self, pairing: PairingFacts, surveys: Sequence[SurveyDefinition],
                 due: Iterable[Occurrence], now: datetime) -> List[DomainEvent]:
        """``SurveyDue`` for each occurrence fallen due that was not said before."""
        by_id = {s.id: s for s in surveys}
        events, said = [], set(self.due)
        for occurrence in sorted(due, key=lambda o: (o.due_at, o.survey_id)):
            survey = by_id[occurrence.survey_id]
            if (survey.id, occurrence.occurrence) in said:
                continue
            said.add((survey.id, occurrence.occurrence))
            ids = {MENTOR: pairing.mentor_id, MENTEE: pairing.mentee_id}
            event = self._event("SurveyDue", {
                **self._pair(pairing), "survey_id": survey.id, "schedule": survey.schedule,
                "occurrence": occurrence.occurrence, "respondents": list(survey.respondents),
                "respondent_ids": [ids[role] for role in survey.respondents],
                "due_at": occurrence.due_at.isoformat(), "announced_at": now.isoformat()})
            events.append(event)
        return events

    def answer(self, pairing: PairingFacts, survey: Optional[SurveyDefinition], survey_id: str,
               occurrence: str, by: str, answers: Mapping[str, Any], now: datetime) -> List[DomainEvent]:
        """A respondent's answer to an occurrence fallen due; a concern choice also tells the
        coordinator."""
        role = pairing.require_side(by)
        asked = self.due.get((survey_id, occurrence))
        if survey is None or asked is None:
            raise RuleBroken.one("survey_not_due", f"survey {survey_id} ({occurrence}) has not fallen due "
                                 f"for pairing {pairing.pairing_id}")
        if role not in asked:
            raise RuleBroken.one("not_a_respondent", f"the {role} does not answer survey {survey_id} "
                                 f"(it asks: {', '.join(asked)})")
        if (survey_id, occurrence, by) in self.answered:
            raise RuleBroken.one("already_answered", f"survey {survey_id} ({occurrence}) was answered on "
                                 f"{self.answered[(survey_id, occurrence, by)]}")
        failures = answer_failures(survey, answers)
        if failures:
            raise RuleBroken(failures)
        body = {**self._pair(pairing), "survey_id": survey_id, "occurrence": occurrence, "by_person_id": by,
                "by_role": role, "answered_at": now.isoformat()}
        events = [self._event("SurveyAnswered", {**body, "answers": {q.id: answers[q.id] for q in survey.questions}})]
        concerns = {q.id: answers[q.id] for q in survey.questions if answers[q.id] in q.concern}
        if concerns:
            events.append(self._event("PairingFitConcern", {**body, "concerns": concerns}))
        return events


# -- scores ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """One respondent's answer to one occurrence, as the reports read it."""

    pairing_id: str
    survey_id: str
    occurrence: str
    role: str
    answered_at: datetime
    answers: Mapping[str, Any]


def _scaled(answer: Answer) -> Dict[str, int]:
    return {k: v for k, v in answer.answers.items() if isinstance(v, int) and not isinstance(v, bool)}


def answer_mean(answer: Answer) -> Optional[float]:
    """The mean of the answer's scale questions (None: it has none)."""
    scaled = _scaled(answer)
    return round(mean(scaled.values()), 2) if scaled else None


def _order(occurrence: str) -> Tuple[int, str]:
    """Occurrences in time order: start, first_meeting, day_30, day_90, ..., end."""
    if occurrence == START:
        return (-2, occurrence)
    if occurrence == FIRST_MEETING:
        return (-1, occurrence)
    if occurrence == END:
        return (10 ** 6, occurrence)
    try:
        return (int(occurrence.split("_", 1)[1]), occurrence)
    except (IndexError, ValueError):
        return (10 ** 5, occurrence)


def _mean(values: Sequence[float]) -> Optional[float]:
    return round(mean(values), 2) if values else None


def _occurrence_means(answers: Sequence[Answer]) -> List[Dict[str, Any]]:
    by_occurrence: Dict[str, List[Answer]] = {}
    for answer in answers:
        by_occurrence.setdefault(answer.occurrence, []).append(answer)
    rows = []
    for occurrence in sorted(by_occurrence, key=_order):
        means = [m for m in (answer_mean(a) for a in by_occurrence[occurrence]) if m is not None]
        rows.append({"occurrence": occurrence, "answers": len(by_occurrence[occurrence]), "mean": _mean(means)})
    return rows


def _choices(answers: Sequence[Answer]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for answer in answers:
        for value in answer.answers.values():
            if isinstance(value, str):
                counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def _change(answers: Sequence[Answer]) -> Optional[Dict[str, Any]]:
    """Start-to-end change of a respondent's scale answers (None: not both answered)."""
    start = next((a for a in answers if a.occurrence == START), None)
    end = next((a for a in answers if a.occurrence == END), None)
    if start is None or end is None:
        return None
    before, after = _scaled(start), _scaled(end)
    by_question = {q: after[q] - before[q] for q in sorted(before) if q in after}
    return {"by_question": by_question, "mean": _mean(list(by_question.values()))}


def pair_surveys(answers: Sequence[Answer]) -> List[Dict[str, Any]]:
    """A pair's scores per survey and respondent role: each occurrence's mean, the latest, the
    trend (latest less first) and, for a survey at start and end, the change."""
    grouped: Dict[Tuple[str, str], List[Answer]] = {}
    for answer in sorted(answers, key=lambda a: (_order(a.occurrence), a.answered_at)):
        grouped.setdefault((answer.survey_id, answer.role), []).append(answer)
    rows = []
    for (survey_id, role), found in sorted(grouped.items()):
        means = _occurrence_means(found)
        scored = [m for m in means if m["mean"] is not None]
        latest = found[-1]
        rows.append({"survey_id": survey_id, "role": role, "occurrences": means,
                     "latest": {"occurrence": latest.occurrence, "answered_at": latest.answered_at.isoformat(),
                                "mean": answer_mean(latest), "choices": {k: v for k, v in latest.answers.items()
                                                                          if isinstance(v, str)}},
                     "trend": round(scored[-1]["mean"] - scored[0]["mean"], 2) if len(scored) > 1 else None,
                     "change": _change(found)})
    return rows


def programme_surveys(answers: Sequence[Answer]) -> List[Dict[str, Any]]:
    """The programme's scores per survey: answers, the mean, each occurrence's mean, the choices
    made, and the start-to-end change of competences (pairs and respondents with both)."""
    by_survey: Dict[str, List[Answer]] = {}
    for answer in answers:
        by_survey.setdefault(answer.survey_id, []).append(answer)
    rows = []
    for survey_id, found in sorted(by_survey.items()):
        means = [m for m in (answer_mean(a) for a in found) if m is not None]
        by_respondent: Dict[Tuple[str, str], List[Answer]] = {}
        for answer in found:
            by_respondent.setdefault((answer.pairing_id, answer.role), []).append(answer)
        changes = [c for c in (_change(a) for a in by_respondent.values()) if c is not None]
        questions = sorted({q for c in changes for q in c["by_question"]})
        rows.append({"survey_id": survey_id, "answers": len(found), "mean": _mean(means),
                     "occurrences": _occurrence_means(found), "choices": _choices(found),
                     "change": {"respondents": len(changes),
                                "mean": _mean([c["mean"] for c in changes if c["mean"] is not None]),
                                "by_question": {q: _mean([c["by_question"][q] for c in changes
                                                          if q in c["by_question"]]) for q in questions}}
                     if changes else None})
    return rows
