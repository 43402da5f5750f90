"""A programme's settings: value objects for each section, read and validated as a whole.

:meth:`ProgrammeSettings.from_dict` reads JSON-like input (dates as ``date`` or ISO strings)
and raises :class:`ValidationFailed` naming every problem by dotted path;
:meth:`ProgrammeSettings.to_dict` gives the JSON form stored in events.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple

from services.contracts.programme_settings import default as default_of

from .days import _iso, add_months
from .notification_settings import NotificationTiming, read_notification_timing
from .reading import _language, _matches, _not_before, _Problems, _Reader
from .survey_settings import SurveySettings, read_survey_settings
from .vocabulary import (
    CODE,
    CONSENT_RULES,
    DEFAULT_WEIGHTS,
    GROUP,
    INDIVIDUAL,
    ISO_639_1,
    MATCHING_MODES,
    MENTEE,
    MENTOR,
    PARTICIPANT_KINDS,
    SCORE_WEIGHTS,
    TEAM,
    TRAINING_RULES,
)


@dataclass(frozen=True)
class Span:
    """An inclusive range of whole numbers: ``{"min": 2, "max": 4}``."""

    min: int
    max: int

    def __contains__(self, value: int) -> bool:
        return self.min <= value <= self.max

    def to_dict(self) -> Dict[str, int]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class ProgrammeDates:
    """The programme's calendar. Every registration day is inclusive to its last second in the
    programme's time zone; a rolling programme takes mentees after the close (seed 001: pupils
    may register at any time)."""

    meetings_start: date
    meetings_end: Optional[date] = None
    mentor_registration_opens: Optional[date] = None
    mentor_registration_closes: Optional[date] = None
    mentee_registration_opens: Optional[date] = None
    mentee_registration_closes: Optional[date] = None
    rolling_registration: bool = False
    matching_opens: Optional[date] = None
    #: the day the cohort is matched at once (seed 001: introductions by e-mail by 21 Feb)
    matching_round: Optional[date] = None
    closing_event: Optional[date] = None
    #: how long a pair works together (seed 000: 6-12 months; seed 003: 6)
    duration_months: Optional[Span] = None

    DAYS: ClassVar[Tuple[str, ...]] = (
        "meetings_start", "meetings_end", "mentor_registration_opens", "mentor_registration_closes",
        "mentee_registration_opens", "mentee_registration_closes", "matching_opens",
        "matching_round", "closing_event")

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {name: _iso(getattr(self, name)) for name in self.DAYS}
        data["rolling_registration"] = self.rolling_registration
        data["duration_months"] = self.duration_months.to_dict() if self.duration_months else None
        return data


@dataclass(frozen=True)
class MentorCapacity:
    """How many mentees one mentor may take (seed 001: 1-3 pupils; seed 004: a group of tens).

    A mentor chooses a number in ``min..max`` on registering, ``default`` if they don't."""

    min: int = 1
    max: int = 1
    default: int = 1

    def to_dict(self) -> Dict[str, int]:
        return {"min": self.min, "max": self.max, "default": self.default}


@dataclass(frozen=True)
class PeopleRules:
    """Who may take part. Ages are full years on the day meetings start."""

    mentor_capacity: MentorCapacity = MentorCapacity()
    mentor_min_age: Optional[int] = None   # seed 000: 20
    mentor_max_age: Optional[int] = None
    mentee_min_age: Optional[int] = None   # seed 001: 15; seed 002: 16
    mentee_max_age: Optional[int] = None   # seed 001: 18; seed 002: 24
    team_size: Optional[Span] = None       # seed 003: 2-4
    team_leaders_min: int = 1              # seed 003: at least one in a leading role
    #: a mentor must belong to one of these communities (seed 001: alumni, parent); empty: anyone
    mentor_communities: Tuple[str, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {
            "mentor_capacity": self.mentor_capacity.to_dict(),
            "mentor_min_age": self.mentor_min_age, "mentor_max_age": self.mentor_max_age,
            "mentee_min_age": self.mentee_min_age, "mentee_max_age": self.mentee_max_age,
            "team_size": self.team_size.to_dict() if self.team_size else None,
            "team_leaders_min": self.team_leaders_min,
            "mentor_communities": list(self.mentor_communities),
        }


@dataclass(frozen=True)
class ConsentRule:
    """Whose consent a mentee needs (seed 001: a parent's, once per school year).

    ``guardian_for_minors``: a guardian consents for a mentee under ``age_of_majority``;
    ``guardian_for_all``: a guardian consents for every mentee. A consent covers the whole
    school year (starting each year on ``school_year_starts``) that contains the programme's
    start, so one consent serves every programme of that school year.
    """

    rule: str = "none"
    school_year_starts: Tuple[int, int] = (9, 1)  # (month, day)
    age_of_majority: int = 18

    def to_dict(self) -> Dict[str, Any]:
        month, day = self.school_year_starts
        return {"rule": self.rule, "school_year_starts": {"month": month, "day": day},
                "age_of_majority": self.age_of_majority}


@dataclass(frozen=True)
class TrainingRule:
    """Training a mentor must complete (seed 001: a 2 h preparation seminar in February)."""

    rule: str = "not_required"
    seminar_date: Optional[date] = None
    seminar_minutes: Optional[int] = None

    @property
    def required(self) -> bool:
        return self.rule != "not_required"

    def to_dict(self) -> Dict[str, Any]:
        return {"rule": self.rule, "seminar_date": _iso(self.seminar_date),
                "seminar_minutes": self.seminar_minutes}


@dataclass(frozen=True)
class Rules:
    consent: ConsentRule = ConsentRule()
    training: TrainingRule = TrainingRule()
    #: a background check of mentors must be recorded before they are matched
    vetting_required: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"consent": self.consent.to_dict(), "training": self.training.to_dict(),
                "vetting_required": self.vetting_required}


@dataclass(frozen=True)
class Area:
    """A support area (seed 000: education, free time, ...) with its label per language."""

    id: str
    labels: Mapping[str, str]
    #: a mentee's choosing it is a sensitive fact (seed 000: "leaving harmful relationships and
    #: addictions"): it never enters a broadcast payload (see :func:`public_profile`)
    sensitive: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "labels": dict(self.labels), **({"sensitive": True} if self.sensitive else {})}


#: the longest grace period a programme may set (days after the introduction)
MAX_GRACE_DAYS = 180


@dataclass(frozen=True)
class Cadence:
    """How often pairs meet (seed 000: at least twice a month, 1 h, face to face; seed 001:
    2-4 times a month, remote allowed)."""

    min_per_month: int = 0
    max_per_month: Optional[int] = None
    meeting_minutes: Optional[int] = None
    remote_counts: bool = True
    #: the first days after the introduction (the pairing's confirmation): a pair is not yet
    #: judged on how often it meets
    grace_days: int = 30

    def to_dict(self) -> Dict[str, Any]:
        return {"min_per_month": self.min_per_month, "max_per_month": self.max_per_month,
                "meeting_minutes": self.meeting_minutes, "remote_counts": self.remote_counts,
                "grace_days": self.grace_days}


@dataclass(frozen=True)
class Content:
    areas: Tuple[Area, ...] = ()
    languages: Tuple[str, ...] = ()
    remote_allowed: bool = False
    cadence: Cadence = Cadence()

    @property
    def area_ids(self) -> Tuple[str, ...]:
        return tuple(area.id for area in self.areas)

    @property
    def sensitive_area_ids(self) -> Tuple[str, ...]:
        return tuple(area.id for area in self.areas if area.sensitive)

    def to_dict(self) -> Dict[str, Any]:
        return {"areas": [area.to_dict() for area in self.areas], "languages": list(self.languages),
                "remote_allowed": self.remote_allowed, "cadence": self.cadence.to_dict()}


@dataclass(frozen=True)
class MatchingRules:
    """How pairs are made. ``participant_kind`` says who the mentees are (see
    :data:`PARTICIPANT_KINDS`); a ``group`` has one mentor and is not scored on areas."""

    mode: str = "automatic"
    participant_kind: str = INDIVIDUAL
    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    shortlist_size: int = 3
    #: days a mentor has to accept or decline a proposal
    answer_days: int = 7
    #: face-to-face programmes across towns: pair only people of the same place
    same_place_required: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"mode": self.mode, "participant_kind": self.participant_kind,
                "weights": dict(self.weights), "shortlist_size": self.shortlist_size,
                "answer_days": self.answer_days, "same_place_required": self.same_place_required}


@dataclass(frozen=True)
class IntroductionRules:
    """Which contacts the introduction after a pairing gives an adult mentor of a minor mentee:
    by default not the minor's own phone and e-mail, their guardian's."""

    share_minor_contact: bool = False
    share_guardian_contact: bool = True

    def to_dict(self) -> Dict[str, Any]:
        return {"share_minor_contact": self.share_minor_contact,
                "share_guardian_contact": self.share_guardian_contact}


def _read_introduction(reader: _Reader) -> IntroductionRules:
    return IntroductionRules(
        share_minor_contact=reader.flag("share_minor_contact", default=default_of("introduction.share_minor_contact")),
        share_guardian_contact=reader.flag("share_guardian_contact",
                                           default=default_of("introduction.share_guardian_contact")))


#: an intake question's id: letters, digits and . _ : - (at most 64)
INTAKE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MAX_INTAKE_QUESTIONS = 30


@dataclass(frozen=True)
class IntakeQuestion:
    """A question of the e-course's intake questionnaire, answered in free text by each student."""

    id: str
    text: str
    required: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "text": self.text, "required": self.required}


@dataclass(frozen=True)
class CourseSettings:
    """An e-course's (seed 004): a student who has not finished a task is reminded this many
    days before its deadline; the intake questionnaire each student answers (none: no intake)."""

    reminder_days_before: int = 3
    intake: Tuple[IntakeQuestion, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {"reminder_days_before": self.reminder_days_before,
                "intake": [question.to_dict() for question in self.intake]}


def _read_intake(reader: _Reader) -> Tuple[IntakeQuestion, ...]:
    questions: List[IntakeQuestion] = []
    for item in reader.items("intake", max_items=MAX_INTAKE_QUESTIONS):
        question_id = item.text("id", required=True, max_length=64,
                                check=_matches(INTAKE_ID, "letters, digits and . _ : - (at most 64)"))
        text = item.text("text", required=True, max_length=500)
        required = item.flag("required")
        if question_id is not None and question_id in {q.id for q in questions}:
            item.add("id", f"question {question_id} is listed twice")
        elif question_id is not None and text is not None:
            questions.append(IntakeQuestion(question_id, text, required))
    return tuple(questions)


def _read_course(reader: _Reader) -> CourseSettings:
    return CourseSettings(reminder_days_before=reader.integer(
        "reminder_days_before", default=_default_int("course.reminder_days_before"), minimum=1, maximum=60),
        intake=_read_intake(reader))


@dataclass(frozen=True)
class ProgrammeSettings:
    """Everything a coordinator sets up for a programme, validated as a whole.

    Build it with :meth:`from_dict`, which reads JSON-like input (dates as ``date`` or ISO
    strings) and raises :class:`ValidationFailed` naming every problem by dotted path;
    :meth:`to_dict` gives the JSON form stored in events.
    """

    name: str
    dates: ProgrammeDates
    people: PeopleRules = PeopleRules()
    rules: Rules = Rules()
    content: Content = Content()
    matching: MatchingRules = MatchingRules()
    introduction: IntroductionRules = IntroductionRules()
    description: Optional[str] = None
    notifications: NotificationTiming = NotificationTiming()
    surveys: SurveySettings = SurveySettings()
    course: CourseSettings = CourseSettings()

    @property
    def participant_kind(self) -> str:
        return self.matching.participant_kind

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "dates": self.dates.to_dict(), "people": self.people.to_dict(),
                "rules": self.rules.to_dict(), "content": self.content.to_dict(),
                "matching": self.matching.to_dict(), "introduction": self.introduction.to_dict(),
                "notifications": self.notifications.to_dict(), "surveys": self.surveys.to_dict(),
                "course": self.course.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ProgrammeSettings":
        problems = _Problems()
        reader = _Reader(data, problems)
        if not reader.present:
            problems.add("", "settings are required")
        name = reader.text("name", required=True)
        description = reader.text("description", max_length=4000)
        days, dates = _read_dates(reader.section("dates", required=True))
        people_reader = reader.section("people")
        people = _read_people(people_reader)
        rules = _read_rules(reader.section("rules"))
        content = _read_content(reader.section("content"))
        matching = _read_matching(reader.section("matching"))
        introduction = _read_introduction(reader.section("introduction"))
        notifications = read_notification_timing(reader.section("notifications"))
        surveys = read_survey_settings(reader.section("surveys"))
        course = _read_course(reader.section("course"))
        reader.finish()
        _check_settings_as_a_whole(days, people_reader.has("team_size"), rules, matching,
                                   problems)
        problems.raise_if_any()
        if name is None or dates is None:
            raise AssertionError("a required setting is missing but no problem was reported")
        return cls(name=name, description=description, dates=dates, people=people,
                   rules=rules, content=content, matching=matching, introduction=introduction,
                   notifications=notifications, surveys=surveys, course=course)


def _default_int(path: str) -> int:
    """The contract's default of a whole-number setting."""
    value: int = default_of(path)
    return value


def _default_text(path: str) -> str:
    """The contract's default of a text setting."""
    value: str = default_of(path)
    return value


def _read_span(reader: _Reader, key: str, *, minimum: int, maximum: int) -> Optional[Span]:
    section = reader.section(key)
    if not section.present:
        return None
    low = section.integer("min", required=True, minimum=minimum, maximum=maximum)
    high = section.integer("max", required=True, minimum=minimum, maximum=maximum)
    if low is None or high is None:  # reported: both are required
        return None
    if high < low:
        section.add("max", f"must not be less than min ({low})")
    return Span(low, high)


def _read_dates(reader: _Reader) -> Tuple[Dict[str, Optional[date]], Optional[ProgrammeDates]]:
    """The days read (None where not given or invalid), and the calendar they make (None
    without the required ``meetings_start``: a problem is reported)."""
    days = {name: reader.day(name, required=name == "meetings_start")
            for name in ProgrammeDates.DAYS}
    rolling_registration = reader.flag("rolling_registration")
    duration = _read_span(reader, "duration_months", minimum=1, maximum=120)
    for role in (MENTOR, MENTEE):
        _not_before(reader, days, f"{role}_registration_opens", f"{role}_registration_closes")
    _not_before(reader, days, "meetings_start", "meetings_end")
    _not_before(reader, days, "meetings_start", "closing_event")
    _not_before(reader, days, "matching_opens", "matching_round")
    _not_before(reader, days, "matching_opens", "meetings_end")  # matching runs until the end
    _not_before(reader, days, "mentor_registration_closes", "matching_round")
    _not_before(reader, days, "mentee_registration_closes", "matching_round")
    for role in (MENTOR, MENTEE):
        closes, end = days[f"{role}_registration_closes"], days["meetings_end"]
        if closes and end and closes > end:
            reader.add(f"{role}_registration_closes",
                       f"must not be after meetings_end ({end.isoformat()})")
    start, end = days["meetings_start"], days["meetings_end"]
    if start and end and duration and duration.min \
            and add_months(start, duration.min) - timedelta(days=1) > end:
        reader.add("meetings_end", f"leaves less than the minimum duration of {duration.min} "
                                   f"months after meetings_start ({start.isoformat()})")
    if start is None:
        return days, None
    # the optional days by field name
    others: Dict[str, Any] = {name: day for name, day in days.items() if name != "meetings_start"}
    return days, ProgrammeDates(meetings_start=start, rolling_registration=rolling_registration,
                                duration_months=duration, **others)


def _read_people(reader: _Reader) -> PeopleRules:
    capacity_reader = reader.section("mentor_capacity")
    low = capacity_reader.integer("min", default=_default_int("people.mentor_capacity.min"), minimum=1, maximum=1000)
    high = capacity_reader.integer("max", default=low, minimum=1, maximum=1000)
    default = capacity_reader.integer("default", default=high, minimum=1, maximum=1000)
    if low and high and high < low:
        capacity_reader.add("max", f"must not be less than min ({low})")
    elif low and high and default and not low <= default <= high:
        capacity_reader.add("default", f"must be between min ({low}) and max ({high})")
    ages = {name: reader.integer(name, minimum=0, maximum=120) for name in
            ("mentor_min_age", "mentor_max_age", "mentee_min_age", "mentee_max_age")}
    for role in (MENTOR, MENTEE):
        _not_before(reader, ages, f"{role}_min_age", f"{role}_max_age")
    team_size = _read_span(reader, "team_size", minimum=1, maximum=50)
    leaders = reader.integer("team_leaders_min", default=_default_int("people.team_leaders_min"), minimum=1, maximum=50)
    if team_size and team_size.min and leaders is not None and leaders > team_size.min:
        reader.add("team_leaders_min", f"must not exceed team_size.min ({team_size.min})")
    return PeopleRules(
        mentor_capacity=MentorCapacity(low, high, default), **ages, team_size=team_size,
        team_leaders_min=leaders,
        mentor_communities=reader.texts("mentor_communities", check=_matches(CODE, "a code")),
    )


def _read_rules(reader: _Reader) -> Rules:
    consent = reader.section("consent")
    year = consent.section("school_year_starts")
    month = year.integer("month", default=_default_int("rules.consent.school_year_starts.month"), minimum=1, maximum=12)
    day = year.integer("day", default=_default_int("rules.consent.school_year_starts.day"), minimum=1, maximum=31)
    if month and day:
        try:
            date(2001, month, day)
        except ValueError:
            year.add("day", f"is not a day of month {month}")
    training = reader.section("training")
    return Rules(
        consent=ConsentRule(
            rule=consent.text("rule", default=_default_text("rules.consent.rule"), choices=CONSENT_RULES),
            school_year_starts=(month, day),
            age_of_majority=consent.integer("age_of_majority", default=_default_int("rules.consent.age_of_majority"),
                                            minimum=14, maximum=21),
        ),
        training=TrainingRule(
            rule=training.text("rule", default=_default_text("rules.training.rule"), choices=TRAINING_RULES),
            seminar_date=training.day("seminar_date"),
            seminar_minutes=training.integer("seminar_minutes", minimum=1, maximum=24 * 60),
        ),
        vetting_required=reader.flag("vetting_required"),
    )


def _read_content(reader: _Reader) -> Content:
    areas: List[Area] = []
    area_ids: List[Optional[str]] = []  # None: missing or invalid (reported)
    area_labels: List[Tuple[_Reader, Dict[str, Any]]] = []
    for area in reader.items("areas", max_items=100):
        area_id = area.text("id", required=True, check=_matches(CODE, "a code of lower-case "
                                                                       "letters, digits, '_' or '-'"))
        labels = area.mapping("labels", required=True)
        for language, label in labels.items():
            if language not in ISO_639_1:
                area.add(f"labels.{language}", "is not an ISO 639-1 language code")
            elif not isinstance(label, str) or not label.strip():
                area.add(f"labels.{language}", "must be a non-empty string")
        if area.has("labels") and not labels:
            area.add("labels", "must have a label in at least one language")
        if area_id in area_ids:
            area.add("id", "is used by another area")
        area_ids.append(area_id)
        area_labels.append((area, labels))
        sensitive = area.flag("sensitive")
        if area_id is not None:
            areas.append(Area(area_id, labels, sensitive))
    cadence = reader.section("cadence")
    low = cadence.integer("min_per_month", default=_default_int("content.cadence.min_per_month"), minimum=0, maximum=31)
    high = cadence.integer("max_per_month", minimum=1, maximum=31)
    if low is not None and high is not None and high < low:
        cadence.add("max_per_month", f"must not be less than min_per_month ({low})")
    content = Content(
        areas=tuple(areas),
        languages=reader.texts("languages", required=True, check=_language),
        remote_allowed=reader.flag("remote_allowed"),
        cadence=Cadence(low, high, cadence.integer("meeting_minutes", minimum=5, maximum=600),
                        cadence.flag("remote_counts", default=default_of("content.cadence.remote_counts")),
                        cadence.integer("grace_days", default=_default_int("content.cadence.grace_days"),
                                        minimum=0, maximum=MAX_GRACE_DAYS)),
    )
    languages = content.languages
    for area, labels in area_labels:
        if labels and languages and not set(labels) & set(languages):
            area.add("labels", f"needs a label in one of the programme's languages "
                               f"({', '.join(languages)})")
    return content


def _read_matching(reader: _Reader) -> MatchingRules:
    kind = reader.text("participant_kind", default=_default_text("matching.participant_kind"),
                       choices=PARTICIPANT_KINDS)
    weights_given = reader.mapping("weights")
    weights = dict(DEFAULT_WEIGHTS, areas=0 if kind == GROUP else DEFAULT_WEIGHTS["areas"])
    for name, weight in weights_given.items():
        if name not in SCORE_WEIGHTS:
            reader.add(f"weights.{name}", f"is not a score part ({', '.join(SCORE_WEIGHTS)})")
        elif isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
            reader.add(f"weights.{name}", "must be a whole number between 0 and 100")
        else:
            weights[name] = weight
    return MatchingRules(
        mode=reader.text("mode", default=_default_text("matching.mode"), choices=MATCHING_MODES),
        participant_kind=kind,
        weights=weights,
        shortlist_size=reader.integer("shortlist_size", default=_default_int("matching.shortlist_size"),
                                      minimum=1, maximum=20),
        answer_days=reader.integer("answer_days", default=_default_int("matching.answer_days"), minimum=1, maximum=60),
        same_place_required=reader.flag("same_place_required"),
    )


def _check_settings_as_a_whole(days: Mapping[str, Optional[date]], team_size_given: bool,
                               rules: Rules, matching: MatchingRules, problems: _Problems) -> None:
    """The rules that tie one section of the settings to another: ``days`` as read (None
    where not given or invalid), ``team_size_given`` whether ``people.team_size`` is."""
    kind = matching.participant_kind
    if kind == TEAM and not team_size_given:
        problems.add("people.team_size", "is required when matching.participant_kind is team")
    if kind != TEAM and team_size_given:
        problems.add("people.team_size", "is only for programmes whose participants are teams")
    if kind == GROUP:
        if matching.weights.get("areas"):
            problems.add("matching.weights.areas",
                         "must be 0: a group has one mentor and is not matched by area")
        if matching.mode == "mentee_chooses":
            problems.add("matching.mode", "a group cannot choose its mentor")
    training = rules.training
    deadline = {"before_matching": ("dates.matching_round", days["matching_round"]),
                "before_first_meeting": ("dates.meetings_start", days["meetings_start"])
                }.get(training.rule)
    if deadline and training.seminar_date and deadline[1] and training.seminar_date > deadline[1]:
        problems.add("rules.training.seminar_date",
                     f"must not be after {deadline[0]} ({deadline[1].isoformat()}): "
                     f"training is due {training.rule.replace('_', ' ')}")


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> Dict[str, Any]:
    """``base`` with ``changes`` laid over it, section by section (lists are replaced)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _leaf_paths(changes: Mapping[str, Any], prefix: str = "") -> List[str]:
    paths: List[str] = []
    for key, value in changes.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            paths.extend(_leaf_paths(value, path))
        else:
            paths.append(path)
    return paths


def _jsonable(value: Any) -> Any:
    """Dates as ISO strings, tuples as lists: what an event payload may hold."""
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
