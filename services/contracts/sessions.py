"""The events the sessions service publishes: their payload schemas, registered in the
platform's event catalogue.

Meetings live on ``meeting``/<uuid>, goals on ``goal``/<uuid>, a pair's final review on
``finalreview``/<pairing id> and the daily watch over a pair on ``pairwatch``/<pairing id>.
Every payload names its ``pairing_id`` and ``programme_id``; people are named by their ids.
A pair's surveys (seed 002: ``SurveyDue``, ``SurveyAnswered``, ``PairingFitConcern``) live on
``pairsurveys``/<pairing id>; the answers are numbers on a scale or a choice's code, in clear.
A team's analysis meetings before it is paired (seed 003) live on ``analysismeeting``/<uuid>
and name the ``team_id`` and ``programme_id`` (there is no pairing yet); who took part and
the need found are the team's personal data.
A mentee's learning outcomes (seed 002) live on ``outcome``/<uuid> (recorded by the mentee,
validated or "not yet" by the pair's mentor), a pair's certificates on ``certificate``/<pairing
id> (issued, revoked; the name as issued and the verification code are the mentee's personal data).
Free text (a meeting's plan and private note, a dispute's reason, a goal's words, progress
notes, the final review) is personal: it sits under ``personal``, encrypted with the key of
the person who wrote it (the final review: the mentee's), and reads as null once that person
is erased.
An e-course's tasks (seed 004: ``CourseTaskSet``, ``TaskCompleted``, ``DeadlineExtended``,
``TaskDeadlineApproaching``) live on ``course``/<programme id>; students are person ids.

The vocabularies below are the published words of the sessions domain; the domain keeps its
own (``services/sessions/domain/``) and ``tests/test_contracts.py`` holds the two to each other.
"""
from __future__ import annotations

from typing import Dict, Type

from marshmallow import Schema, fields, validate

from services.platform_core.events import event_type, event_type_of
from services.platform_core.schemas import PayloadSchema

from .registration import IsoDate, IsoDateTime

SERVICE = "sessions"

#: how a meeting was held
MODES = ("in_person", "remote")
#: who did something to a meeting, a goal or a final review
ROLES = ("mentor", "mentee", "coordinator")
#: why a pair is at risk
AT_RISK_REASONS = ("below_cadence", "no_meeting_for_too_long")
#: the languages a certificate is written in (seed 002)
CERTIFICATE_LANGUAGES = ("en", "lv", "lt", "nl")


def _personal(schema: Type[Schema]) -> fields.Nested:
    return fields.Nested(schema, allow_none=True, load_default=None, metadata={
        "description": "personal data: encrypted with its writer's key, null once they are erased"})


class _ActPayload(PayloadSchema):
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    by_person_id = fields.String(required=True, allow_none=True, metadata={
        "description": "who did it (a side of the pair; null: the coordinator)"})
    by_role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MeetingPersonalPayload(PayloadSchema):
    plan = fields.String(allow_none=True, metadata={"description": "what to do until the next meeting"})
    note = fields.String(allow_none=True, metadata={
        "description": "the author's private note: only the pair and the coordinator read it"})


class _MeetingFacts(_ActPayload):
    started_at = IsoDateTime(required=True)
    minutes = fields.Integer(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    areas = fields.List(fields.String(), required=True, metadata={"description": "the programme's areas covered"})
    personal = _personal(MeetingPersonalPayload)


@event_type("MeetingLogged", stream_type="meeting", service=SERVICE)
class MeetingLoggedPayload(_MeetingFacts):
    """A side of a confirmed pair logged a meeting; it counts unless the other side disputes it."""

    goals_set = fields.List(fields.String(), required=True, metadata={"description": "goal ids set in it"})
    goals_reached = fields.List(fields.String(), required=True, metadata={"description": "goal ids reached in it"})
    logged_at = IsoDateTime(required=True)


@event_type("MeetingCorrected", stream_type="meeting", service=SERVICE)
class MeetingCorrectedPayload(_MeetingFacts):
    """The author stated the meeting's facts anew (they replace the logged ones); the other
    side is asked to confirm again."""

    corrected_at = IsoDateTime(required=True)


@event_type("MeetingConfirmed", stream_type="meeting", service=SERVICE)
class MeetingConfirmedPayload(_ActPayload):
    """The other side of the pair confirmed the meeting took place."""

    confirmed_at = IsoDateTime(required=True)


class DisputePersonalPayload(PayloadSchema):
    reason = fields.String(allow_none=True)


@event_type("MeetingDisputed", stream_type="meeting", service=SERVICE)
class MeetingDisputedPayload(_ActPayload):
    """The other side of the pair disputes the meeting: it no longer counts, and the
    programme's coordinator is to be told. Everything a message to the coordinator needs is
    here in clear (the pair, the meeting, who logged it and when it was said to start, who
    disputes it); the reason given is the disputer's personal data, under ``personal``."""

    meeting_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    logged_by_person_id = fields.String(required=True, metadata={"description": "who logged the meeting"})
    logged_by_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    started_at = IsoDateTime(required=True, metadata={"description": "when the meeting was said to start"})
    minutes = fields.Integer(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    disputed_at = IsoDateTime(required=True)
    personal = _personal(DisputePersonalPayload)


@event_type("MeetingWithdrawn", stream_type="meeting", service=SERVICE)
class MeetingWithdrawnPayload(_ActPayload):
    """The author took the meeting back: it no longer counts."""

    withdrawn_at = IsoDateTime(required=True)


class GoalPersonalPayload(PayloadSchema):
    title = fields.String(allow_none=True)


@event_type("GoalSet", stream_type="goal", service=SERVICE)
class GoalSetPayload(_ActPayload):
    """A goal of the pair, with its target date (``meeting_id``: the meeting it was set in)."""

    target_date = IsoDate(required=True)
    meeting_id = fields.String(allow_none=True, load_default=None)
    set_at = IsoDateTime(required=True)
    personal = _personal(GoalPersonalPayload)


class ProgressPersonalPayload(PayloadSchema):
    note = fields.String(allow_none=True)


@event_type("GoalProgressNoted", stream_type="goal", service=SERVICE)
class GoalProgressNotedPayload(_ActPayload):
    """A note of how far the pair got towards a goal."""

    noted_at = IsoDateTime(required=True)
    personal = _personal(ProgressPersonalPayload)


@event_type("GoalReached", stream_type="goal", service=SERVICE)
class GoalReachedPayload(_ActPayload):
    """A goal was reached (``meeting_id``: the meeting it was reached in)."""

    meeting_id = fields.String(allow_none=True, load_default=None)
    reached_at = IsoDateTime(required=True)


@event_type("GoalDropped", stream_type="goal", service=SERVICE)
class GoalDroppedPayload(_ActPayload):
    """A goal was given up."""

    dropped_at = IsoDateTime(required=True)


class FinalReviewPersonalPayload(PayloadSchema):
    achievements = fields.String(allow_none=True)
    further_goals = fields.List(fields.String(), allow_none=True)
    next_steps = fields.String(allow_none=True)


@event_type("FinalReviewRecorded", stream_type="finalreview", service=SERVICE)
class FinalReviewRecordedPayload(_ActPayload):
    """The pair's final review (achievements, further goals, next steps; seed 003): the
    pairing is complete, and matching ends it as ``completed``. The review's words are the
    mentee's personal data."""

    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    goals_reached = fields.Integer(required=True)
    goals_open = fields.Integer(required=True)
    recorded_at = IsoDateTime(required=True)
    personal = _personal(FinalReviewPersonalPayload)


class AnalysisPersonalPayload(PayloadSchema):
    took_part = fields.List(fields.String(), allow_none=True, metadata={
        "description": "who took part (names as the coordinator wrote them)"})
    need_found = fields.String(allow_none=True, metadata={
        "description": "the coordinator's notes on the need found: only the coordinator and the team read them"})


@event_type("AnalysisMeetingLogged", stream_type="analysismeeting", service=SERVICE)
class AnalysisMeetingLoggedPayload(PayloadSchema):
    """The coordinator logged a joint session analysing a team's resources, competences,
    aspirations and needs before it is paired (seed 003). Its words are the team's personal
    data (encrypted with the team's key)."""

    team_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    started_at = IsoDateTime(required=True)
    minutes = fields.Integer(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    areas = fields.List(fields.String(), required=True, metadata={"description": "the programme's areas touched"})
    attendees = fields.Integer(required=True, metadata={"description": "how many took part"})
    logged_at = IsoDateTime(required=True)
    personal = _personal(AnalysisPersonalPayload)


@event_type("AnalysisMeetingWithdrawn", stream_type="analysismeeting", service=SERVICE)
class AnalysisMeetingWithdrawnPayload(PayloadSchema):
    """The coordinator took an analysis meeting back (logged by mistake): it no longer counts."""

    team_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    withdrawn_at = IsoDateTime(required=True)


class OutcomePersonalPayload(PayloadSchema):
    title = fields.String(allow_none=True, metadata={"description": "what the mentee learned, in a line"})
    description = fields.String(allow_none=True)
    areas = fields.List(fields.String(), allow_none=True, metadata={
        "description": "the programme's competence areas it belongs to (ids)"})


@event_type("LearningOutcomeRecorded", stream_type="outcome", service=SERVICE)
class LearningOutcomeRecordedPayload(_ActPayload):
    """The mentee of a pair recorded a learning outcome (seed 002): what they learned and the
    programme's competence areas it belongs to, all the mentee's personal data. The pair's
    mentor validates it, or says not yet."""

    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    recorded_at = IsoDateTime(required=True)
    personal = _personal(OutcomePersonalPayload)


class AssessmentPersonalPayload(PayloadSchema):
    note = fields.String(allow_none=True, metadata={"description": "the mentor's note"})


@event_type("OutcomeValidated", stream_type="outcome", service=SERVICE)
class OutcomeValidatedPayload(_ActPayload):
    """The pair's mentor validated a learning outcome: it can go on the mentee's certificate."""

    validated_at = IsoDateTime(required=True)
    personal = _personal(AssessmentPersonalPayload)


@event_type("OutcomeNotYetValidated", stream_type="outcome", service=SERVICE)
class OutcomeNotYetValidatedPayload(_ActPayload):
    """The pair's mentor found a learning outcome not (yet) shown; it may be validated later."""

    assessed_at = IsoDateTime(required=True)
    personal = _personal(AssessmentPersonalPayload)


class CertificatePersonalPayload(PayloadSchema):
    name = fields.String(allow_none=True, metadata={"description": "the mentee's name as issued"})
    code = fields.String(allow_none=True, metadata={"description": "the verification code printed on it"})


@event_type("CertificateIssued", stream_type="certificate", service=SERVICE)
class CertificateIssuedPayload(PayloadSchema):
    """A certificate of the learning outcomes the mentor validated was issued to the mentee of
    a pair (the stream id is the pairing's). The name as issued and the verification code are
    the mentee's personal data; ``code_hash`` (SHA-256 of the code) is what a verification
    looks up."""

    certificate_id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    issued_by_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    issued_at = IsoDateTime(required=True)
    language = fields.String(required=True, validate=validate.OneOf(CERTIFICATE_LANGUAGES))
    outcome_ids = fields.List(fields.String(), required=True, metadata={
        "description": "the validated learning outcomes it lists"})
    code_hash = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    personal = _personal(CertificatePersonalPayload)


class RevocationPersonalPayload(PayloadSchema):
    reason = fields.String(allow_none=True)


@event_type("CertificateRevoked", stream_type="certificate", service=SERVICE)
class CertificateRevokedPayload(PayloadSchema):
    """The coordinator revoked a certificate: it no longer verifies (the reason is under
    ``personal``, with the mentee's key)."""

    certificate_id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    by_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    revoked_at = IsoDateTime(required=True)
    personal = _personal(RevocationPersonalPayload)


class _WatchPayload(PayloadSchema):
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    towards_cadence_last_30_days = fields.Integer(required=True, metadata={
        "description": "meetings of the last 30 days that count towards the cadence"})
    min_per_month = fields.Integer(required=True)
    days_since_last_meeting = fields.Integer(allow_none=True, required=True)
    assessed_at = IsoDateTime(required=True)


@event_type("PairingAtRisk", stream_type="pairwatch", service=SERVICE)
class PairingAtRiskPayload(_WatchPayload):
    """The daily watch found a pair meeting less than its programme asks (``reasons``)."""

    reasons = fields.List(fields.String(validate=validate.OneOf(AT_RISK_REASONS)), required=True)


@event_type("PairingBackOnTrack", stream_type="pairwatch", service=SERVICE)
class PairingBackOnTrackPayload(_WatchPayload):
    """A pair that was at risk meets as its programme asks again."""


# -- surveys (seed 002) ---------------------------------------------------------------------------

#: when a survey falls due for a pair (services/contracts/default_surveys.py)
SURVEY_SCHEDULES = ("after_first_meeting", "periodic", "start_and_end")


class _SurveyPayload(PayloadSchema):
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    survey_id = fields.String(required=True, metadata={"description": "the survey's id in the programme's settings"})
    occurrence = fields.String(required=True, metadata={
        "description": "which time it is asked: first_meeting, start, end, or day_<n> (n days after the introduction)"})


@event_type("SurveyDue", stream_type="pairsurveys", service=SERVICE)
class SurveyDuePayload(_SurveyPayload):
    """A survey fell due for a pair (the daily watch, in the programme's time zone; each
    occurrence once): its respondents are invited to answer."""

    schedule = fields.String(required=True, validate=validate.OneOf(SURVEY_SCHEDULES))
    respondents = fields.List(fields.String(validate=validate.OneOf(("mentor", "mentee"))), required=True)
    respondent_ids = fields.List(fields.String(), required=True, metadata={
        "description": "the people asked to answer, in the order of respondents"})
    due_at = IsoDateTime(required=True)
    announced_at = IsoDateTime(required=True)


class _AnsweredPayload(_SurveyPayload):
    by_person_id = fields.String(required=True)
    by_role = fields.String(required=True, validate=validate.OneOf(("mentor", "mentee")))
    answered_at = IsoDateTime(required=True)


@event_type("SurveyAnswered", stream_type="pairsurveys", service=SERVICE)
class SurveyAnsweredPayload(_AnsweredPayload):
    """A respondent answered an occurrence of a survey (once): each question's answer, a whole
    number on its scale or one of its choices."""

    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


@event_type("PairingFitConcern", stream_type="pairsurveys", service=SERVICE)
class PairingFitConcernPayload(_AnsweredPayload):
    """An answer chose a concern (the fit check's ``not_a_fit``): the programme's coordinator
    is to be told."""

    concerns = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "question id -> the concern chosen"})


# -- e-courses (seed 004): on ``course``/<programme id> -------------------------------------------

#: where a task's entry or completion came from
COURSE_SOURCES = ("api", "import")


class _CoursePayload(PayloadSchema):
    programme_id = fields.String(required=True)
    task_id = fields.String(required=True, metadata={"description": "the learning platform's id of the task"})


@event_type("CourseTaskSet", stream_type="course", service=SERVICE)
class CourseTaskSetPayload(_CoursePayload):
    """A course task and its deadline, entered by the coordinator or teacher or imported from the
    learning platform's CSV; set again, it changes."""

    title = fields.String(required=True)
    deadline = IsoDateTime(required=True)
    source = fields.String(required=True, validate=validate.OneOf(COURSE_SOURCES))
    set_at = IsoDateTime(required=True)


@event_type("TaskCompleted", stream_type="course", service=SERVICE)
class TaskCompletedPayload(_CoursePayload):
    """A student finished a task (the first completion counts)."""

    student_id = fields.String(required=True)
    finished_at = IsoDateTime(required=True)
    on_time = fields.Boolean(required=True, metadata={"description": "at or before the student's deadline"})
    source = fields.String(required=True, validate=validate.OneOf(COURSE_SOURCES))


@event_type("DeadlineExtended", stream_type="course", service=SERVICE)
class DeadlineExtendedPayload(_CoursePayload):
    """The student's mentor moved one student's deadline of one task (later)."""

    student_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    deadline = IsoDateTime(required=True)
    previous_deadline = IsoDateTime(required=True)
    extended_at = IsoDateTime(required=True)


@event_type("TaskDeadlineApproaching", stream_type="course", service=SERVICE)
class TaskDeadlineApproachingPayload(_CoursePayload):
    """The daily watch: a student who has not finished the task has ``days_before`` days or fewer
    until their deadline; once per task, student and deadline (a reminder to the student)."""

    title = fields.String(required=True)
    student_id = fields.String(required=True)
    mentor_id = fields.String(allow_none=True, required=True, metadata={"description": "the student's mentor, if any"})
    deadline = IsoDateTime(required=True)
    days_before = fields.Integer(required=True, metadata={"description": "the programme's course.reminder_days_before"})
    noticed_at = IsoDateTime(required=True)


#: Every event type sessions publishes, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    event_type_of(schema): schema for schema in (
        MeetingLoggedPayload, MeetingCorrectedPayload, MeetingConfirmedPayload, MeetingDisputedPayload,
        MeetingWithdrawnPayload, GoalSetPayload, GoalProgressNotedPayload, GoalReachedPayload,
        GoalDroppedPayload, FinalReviewRecordedPayload, PairingAtRiskPayload, PairingBackOnTrackPayload,
        AnalysisMeetingLoggedPayload, AnalysisMeetingWithdrawnPayload, SurveyDuePayload, SurveyAnsweredPayload,
        PairingFitConcernPayload,
        LearningOutcomeRecordedPayload, OutcomeValidatedPayload, OutcomeNotYetValidatedPayload,
        CertificateIssuedPayload, CertificateRevokedPayload,
        CourseTaskSetPayload, TaskCompletedPayload, DeadlineExtendedPayload, TaskDeadlineApproachingPayload)
}
