"""Marshmallow schemas of the sessions service: its HTTP input (strict: an unknown field is an
error; :func:`load_input` raises a 400 naming each field) and what its endpoints answer (the
``...View`` schemas, described in its OpenAPI document, never loaded). The payloads of the
events it publishes are a contract: :mod:`services.contracts.sessions`. It has no private events."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List

from marshmallow import Schema, ValidationError, fields, validate

from services.contracts import sessions as contracts
from services.platform_core.schemas import InputSchema
from services.platform_core.web import load_input as load_input  # one for every service

from . import course_schemas  # noqa: F401  (its private IntakeAnswered registers with the catalogue)
from .outcome_schemas import CertificateView, OutcomeView
from .survey_schemas import PairSurveyScoresView, ProgrammeSurveyScoresView, SurveyAnswerExportView

SERVICE = contracts.SERVICE
PAYLOAD_SCHEMAS = contracts.PAYLOAD_SCHEMAS


class AwareDateTime(fields.AwareDateTime):
    default_error_messages = {"invalid": "Not a valid ISO 8601 date-time.",
                              "invalid_awareness": "Give the time zone too (e.g. 2025-03-10T16:00:00+02:00)."}


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError("Not a valid id (uuid).") from None
    return True


def Text(maximum: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=maximum), **kwargs)


class NewGoalInput(InputSchema):
    title = Text(500, required=True)
    target_date = fields.Date(required=True)


class MeetingFactsInput(InputSchema):
    started_at = AwareDateTime(required=True)
    minutes = fields.Integer(strict=True, required=True, metadata={"description": "5 to 600"})
    mode = fields.String(required=True, validate=validate.OneOf(contracts.MODES))
    areas = fields.List(fields.String(validate=validate.Length(max=63)), load_default=list,
                        validate=validate.Length(max=50))
    plan = Text(4000, load_default=None, allow_none=True)
    note = Text(4000, load_default=None, allow_none=True)


def _distinct(values: List[str]) -> bool:
    if len(set(values)) != len(values):
        raise ValidationError("Names a goal more than once.")
    return True


class LogMeetingInput(MeetingFactsInput):
    goals_set = fields.List(fields.Nested(NewGoalInput), load_default=list, validate=validate.Length(max=20))
    goals_reached = fields.List(fields.String(validate=_uuid), load_default=list,
                                validate=[validate.Length(max=50), _distinct],
                                metadata={"description": "open goals of the pair reached in this meeting"})


class DisputeInput(InputSchema):
    reason = Text(2000, load_default=None, allow_none=True)


class EmptyInput(InputSchema):
    """Commands that take no input."""


class ProgressInput(InputSchema):
    note = Text(4000, required=True)


class FinalReviewInput(InputSchema):
    achievements = Text(8000, required=True)
    further_goals = fields.List(Text(500), load_default=list, validate=validate.Length(max=20))
    next_steps = Text(8000, required=True)
    certificate_name = Text(200, load_default=None, allow_none=True, metadata={
        "description": "issue the mentee's certificate of the validated learning outcomes with it, under this "
                       "name (seed 002; refused with the review if the mentor validated none)"})


class AnalysisMeetingInput(InputSchema):
    """A team's analysis meeting, as the coordinator logs it (seed 003)."""

    started_at = AwareDateTime(required=True)
    minutes = fields.Integer(strict=True, required=True, metadata={"description": "5 to 600"})
    mode = fields.String(required=True, validate=validate.OneOf(contracts.MODES))
    areas = fields.List(fields.String(validate=validate.Length(max=63)), load_default=list,
                        validate=validate.Length(max=50), metadata={"description": "the programme's areas touched"})
    took_part = fields.List(Text(200), required=True, validate=validate.Length(min=1, max=20), metadata={
        "description": "who took part (the team's members, and others): personal, encrypted"})
    need_found = Text(8000, load_default=None, allow_none=True, metadata={
        "description": "notes on the need found: personal, encrypted; the coordinator and the team read them"})


class ReportInput(InputSchema):
    as_of = AwareDateTime(load_default=None, metadata={
        "description": "the moment the report is of (default: now; not in the future)"})





# ---------------------------------------------------------------------------------------------
# HTTP views: what the endpoints answer (described for the OpenAPI document, never loaded)
# ---------------------------------------------------------------------------------------------

MEETING_STATUSES = ("logged", "confirmed", "disputed", "withdrawn")
GOAL_STATUSES = ("open", "reached", "dropped")
PAIRING_STATUSES = ("proposed", "confirmed", "ended")
PAIR_STATUSES = ("not_started", "in_grace", "on_track", "at_risk", "ended")


def _when(**kwargs) -> fields.String:
    return fields.String(metadata={"description": "ISO 8601 time"}, **kwargs)


def _personal(description: str, **kwargs) -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={
        "description": description + " (personal: null once its writer is erased)"}, **kwargs)


def _role(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(contracts.ROLES), **kwargs)


class MeetingView(Schema):
    """A meeting as the pair and the coordinator read it; ``counted``: whether it counts
    towards progress (not disputed, not withdrawn)."""

    id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    logged_by = fields.String(required=True, metadata={"description": "the side of the pair who logged it"})
    logged_by_role = _role(required=True)
    started_at = _when(required=True)
    minutes = fields.Integer(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(contracts.MODES))
    areas = fields.List(fields.String(), required=True)
    goals_set = fields.List(fields.String(), required=True, metadata={"description": "ids of goals set in it"})
    goals_reached = fields.List(fields.String(), required=True,
                                metadata={"description": "ids of goals reached in it"})
    status = fields.String(required=True, validate=validate.OneOf(MEETING_STATUSES))
    counted = fields.Boolean(required=True)
    plan = _personal("what to do until the next meeting")
    note = _personal("the author's private note")
    dispute_reason = _personal("why the other side disputed it")
    version = fields.Integer(required=True, metadata={"description": "events recorded on the meeting"})


class MeetingListView(Schema):
    """Every meeting of the pairing, earliest first."""

    pairing_id = fields.String(required=True)
    meetings = fields.List(fields.Nested(MeetingView), required=True)


class GoalProgressView(Schema):
    by_person_id = fields.String(required=True)
    noted_at = _when(required=True)
    note = _personal("the progress noted")


class GoalView(Schema):
    """A goal of the pair, with the progress noted on it."""

    id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    title = _personal("the goal's words")
    target_date = fields.String(required=True, metadata={"description": "ISO 8601 date"})
    status = fields.String(required=True, validate=validate.OneOf(GOAL_STATUSES))
    set_by = fields.String(required=True)
    meeting_id = fields.String(required=True, allow_none=True,
                               metadata={"description": "the meeting it was set in, if any"})
    progress = fields.List(fields.Nested(GoalProgressView), required=True)
    version = fields.Integer(required=True, metadata={"description": "events recorded on the goal"})


class GoalListView(Schema):
    """Every goal of the pairing, oldest first."""

    pairing_id = fields.String(required=True)
    goals = fields.List(fields.Nested(GoalView), required=True)


class FinalReviewView(Schema):
    """The pair's final review, as recorded (matching then ends the pairing as completed)."""

    pairing_id = fields.String(required=True)
    recorded_at = _when(required=True)
    by_role = _role(required=True)
    achievements = fields.String(allow_none=True)
    further_goals = fields.List(fields.String(), allow_none=True)
    next_steps = fields.String(allow_none=True)
    certificate_id = fields.String(allow_none=True, metadata={
        "description": "the certificate issued with it (when certificate_name was given)"})


class CadenceView(Schema):
    """How often the programme's pairs should meet."""

    min_per_month = fields.Integer(required=True)
    max_per_month = fields.Integer(required=True, allow_none=True)
    meeting_minutes = fields.Integer(required=True, allow_none=True)
    remote_counts = fields.Boolean(required=True)
    grace_days = fields.Integer(required=True, metadata={
        "description": "the first days after the introduction, when a pair is not yet judged on how often it meets"})


class MonthView(Schema):
    """One calendar month (in the programme's time zone) of the pairing."""

    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    meetings = fields.Integer(required=True)
    towards_cadence = fields.Integer(required=True)
    minutes = fields.Integer(required=True)
    #: named apart in Python: ``partial`` is a marshmallow Schema's own attribute
    part_month = fields.Boolean(required=True, data_key="partial", metadata={
        "description": "the pairing began or ended in it, or it is the current month"})
    min_per_month = fields.Integer(required=True)
    max_per_month = fields.Integer(required=True, allow_none=True)
    met = fields.Boolean(required=True, allow_none=True,
                         metadata={"description": "a whole month reached the minimum (null: a part month, or none)"})
    above_max = fields.Boolean(required=True)


class GoalCountsView(Schema):
    open = fields.Integer(required=True)
    reached = fields.Integer(required=True)
    dropped = fields.Integer(required=True)


class AnalysisSummaryView(Schema):
    """A team's analysis meetings before it was paired (seed 003), shown apart: they count
    neither towards the pair's cadence nor its first meeting."""

    meetings = fields.Integer(required=True)
    hours = fields.Float(required=True)
    first_at = _when(required=True, allow_none=True)
    last_at = _when(required=True, allow_none=True)


class PairProgressView(Schema):
    """A pair's progress as of a moment: meetings and hours that count, each month against the
    cadence, goals, and whether the pair is at risk (with the reasons)."""

    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    pairing_status = fields.String(required=True, validate=validate.OneOf(PAIRING_STATUSES))
    end_reason = fields.String(required=True, allow_none=True)
    ended_by = fields.String(required=True, allow_none=True,
                             metadata={"description": "who ended it: coordinator, mentor, mentee or system"})
    match_days = fields.Integer(required=True, allow_none=True, metadata={
        "description": "days from the introduction to the end, or to as_of while it runs (null: not introduced)"})
    match_months = fields.Integer(required=True, allow_none=True, metadata={
        "description": "whole calendar months of the same span"})
    introduced_at = _when(required=True, allow_none=True)
    as_of = _when(required=True)
    meetings = fields.Integer(required=True)
    hours = fields.Float(required=True)
    in_person = fields.Integer(required=True)
    remote = fields.Integer(required=True)
    disputed = fields.Integer(required=True)
    months = fields.List(fields.Nested(MonthView), required=True)
    towards_cadence_last_30_days = fields.Integer(required=True)
    cadence = fields.Nested(CadenceView, required=True)
    days_since_last_meeting = fields.Integer(required=True, allow_none=True)
    days_to_first_meeting = fields.Integer(required=True, allow_none=True)
    goals = fields.Nested(GoalCountsView, required=True)
    final_review_recorded = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PAIR_STATUSES))
    at_risk_reasons = fields.List(fields.String(validate=validate.OneOf(contracts.AT_RISK_REASONS)),
                                  required=True)
    analysis = fields.Nested(AnalysisSummaryView, required=True, allow_none=True, metadata={
        "description": "a team's analysis meetings before the pairing (null: the mentee is no team)"})
    surveys = fields.List(fields.Nested(PairSurveyScoresView), required=True, metadata={
        "description": "survey scores per survey and respondent role (a side of the pair: their own only)"})


class EndedEarlyView(Schema):
    """How many pairs ended before completion for a reason, by whom."""

    reason = fields.String(required=True)
    ended_by = fields.String(required=True)
    pairs = fields.Integer(required=True)


class ProgrammeSummaryView(Schema):
    pairs = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(validate=validate.OneOf(PAIR_STATUSES)),
                            values=fields.Integer(), required=True)
    completed = fields.Integer(required=True)
    closed_early = fields.Integer(required=True)
    ended_early = fields.List(fields.Nested(EndedEarlyView), required=True)
    reached_3_months = fields.Integer(required=True, metadata={"description": "pairs whose match lasted 3 months"})
    reached_6_months = fields.Integer(required=True)
    reached_12_months = fields.Integer(required=True)
    meetings = fields.Integer(required=True)
    hours = fields.Float(required=True)
    goals_reached = fields.Integer(required=True)


class WaitingView(Schema):
    """Mentees and teams waiting for a mentor at the moment: registered by then, not left, in no
    confirmed pairing (after a pairing ended: once matching put them back, from the end).
    Days are whole 24-hour days."""

    waiting = fields.Integer(required=True)
    teams = fields.Integer(required=True, metadata={"description": "of them, teams (seed 003)"})
    median_days = fields.Float(required=True, allow_none=True)
    longest_days = fields.Integer(required=True, allow_none=True)
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "matching's latest reason by then (MenteeWaitlisted); not_given: none"})
    introduced = fields.Integer(required=True, metadata={"description": "mentees and teams introduced by then"})
    median_days_to_introduction = fields.Float(required=True, allow_none=True, metadata={
        "description": "how long they had waited, from registration to their first introduction"})


class MonthTotalView(Schema):
    """One calendar month (in each programme's time zone) over all pairs."""

    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    meetings = fields.Integer(required=True, metadata={"description": "meetings that count"})
    hours = fields.Float(required=True)
    pairs_meeting = fields.Integer(required=True, metadata={"description": "pairs that met in it"})


class AnalysisTotalsView(Schema):
    """Teams' analysis meetings before their pairing (seed 003)."""

    teams = fields.Integer(required=True, metadata={"description": "teams that had one"})
    meetings = fields.Integer(required=True)
    hours = fields.Float(required=True)


class ProgrammeProgressView(Schema):
    """Every pair of the programme introduced by the moment, with totals; who waits; meetings
    per month; teams' analysis meetings. Read with the programme's settings in force then."""

    programme_id = fields.String(required=True)
    as_of = _when(required=True)
    summary = fields.Nested(ProgrammeSummaryView, required=True)
    waiting = fields.Nested(WaitingView, required=True)
    meetings_per_month = fields.List(fields.Nested(MonthTotalView), required=True)
    analysis = fields.Nested(AnalysisTotalsView, required=True)
    surveys = fields.List(fields.Nested(ProgrammeSurveyScoresView), required=True, metadata={
        "description": "survey scores over the pairs: means per survey and occurrence, start-to-end change"})
    pairs = fields.List(fields.Nested(PairProgressView), required=True)


class ProgrammeSummaryLineView(Schema):
    programme_id = fields.String(required=True)
    summary = fields.Nested(ProgrammeSummaryView, required=True)
    waiting = fields.Nested(WaitingView, required=True)


class TenantProgressView(Schema):
    """Every programme of the tenant with its summary (as in its programme report), and the
    tenant's totals over all their pairs: who waits, meetings per month, analysis meetings."""

    tenant_id = fields.String(required=True)
    as_of = _when(required=True)
    programmes = fields.List(fields.Nested(ProgrammeSummaryLineView), required=True)
    totals = fields.Nested(ProgrammeSummaryView, required=True)
    waiting = fields.Nested(WaitingView, required=True)
    meetings_per_month = fields.List(fields.Nested(MonthTotalView), required=True)
    analysis = fields.Nested(AnalysisTotalsView, required=True)


class AnalysisMeetingView(Schema):
    """A team's analysis meeting (seed 003); ``counted``: not withdrawn."""

    id = fields.String(required=True)
    team_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    started_at = _when(required=True)
    minutes = fields.Integer(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(contracts.MODES))
    areas = fields.List(fields.String(), required=True)
    attendees = fields.Integer(required=True)
    took_part = fields.List(fields.String(), required=True, allow_none=True, metadata={
        "description": "who took part (personal: null once the team is erased)"})
    need_found = _personal("the notes on the need found")
    status = fields.String(required=True, validate=validate.OneOf(("logged", "withdrawn")))
    counted = fields.Boolean(required=True)
    logged_at = _when(required=True)
    version = fields.Integer(required=True)


class AnalysisMeetingListView(Schema):
    """Every analysis meeting of the team, earliest first."""

    team_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    analysis_meetings = fields.List(fields.Nested(AnalysisMeetingView), required=True)


class ParticipationExportView(Schema):
    programme_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("mentor", "mentee", "team")))
    registered_at = _when(required=True)
    left_at = _when(required=True, allow_none=True)
    left_because = fields.String(required=True, allow_none=True, validate=validate.OneOf(("withdrew", "erased")))


class PairingExportView(Schema):
    """A pairing of the person, with everything recorded in it."""

    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("mentor", "mentee")))
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PAIRING_STATUSES))
    introduced_at = _when(required=True, allow_none=True)
    ended_at = _when(required=True, allow_none=True)
    end_reason = fields.String(required=True, allow_none=True)
    meetings = fields.List(fields.Nested(MeetingView), required=True)
    goals = fields.List(fields.Nested(GoalView), required=True)
    final_review = fields.Nested(FinalReviewView, required=True, allow_none=True)
    outcomes = fields.List(fields.Nested(OutcomeView), required=True, metadata={
        "description": "the mentee's learning outcomes and the mentor's validation (seed 002)"})
    certificates = fields.List(fields.Nested(CertificateView), required=True)
    survey_answers = fields.List(fields.Nested(SurveyAnswerExportView), required=True, metadata={
        "description": "the person's own answers to the pair's surveys, oldest first (seed 002)"})


class ExportView(Schema):
    """Everything sessions holds about a person (GDPR access), words decrypted; what a person
    wrote reads as null once they were erased. Registration and matching answer for their own."""

    person_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    exported_at = _when(required=True)
    programmes = fields.List(fields.Nested(ParticipationExportView), required=True)
    pairings = fields.List(fields.Nested(PairingExportView), required=True)
    analysis_meetings = fields.List(fields.Nested(AnalysisMeetingView), required=True, metadata={
        "description": "a team's analysis meetings (seed 003)"})


#: the CSV variants of the reports (text/csv, a header line first)
PAIR_CSV = {"type": "string", "description": "one line a month: month, meetings, towards_cadence, minutes, "
            "partial, min_per_month, met"}
PROGRAMME_CSV = {"type": "string", "description": "one line a pair: its ids, statuses, at-risk reasons, "
                 "meetings, hours, goals, whether the final review was recorded, how it ended, how long "
                 "it lasted and a team's analysis meetings"}

TENANT_CSV = {"type": "string", "description": "one line a programme, then one of the tenant's totals "
              "(programme_id: total): pairs, completed, closed_early, meetings, hours, goals_reached, "
              "the 3/6/12-month milestones, and who waits (how many, median and longest days)"}


# ---------------------------------------------------------------------------------------------
# Examples of HTTP input (in the OpenAPI document)
# ---------------------------------------------------------------------------------------------

EXAMPLES: Dict[str, Dict[str, Any]] = {
    "meeting": {"started_at": "2025-03-10T16:00:00+02:00", "minutes": 60, "mode": "in_person",
                "areas": ["education"], "plan": "read chapter 3", "note": "seemed tired",
                "goals_set": [{"title": "Pass the maths exam", "target_date": "2025-06-01"}],
                "goals_reached": []},
    "facts": {"started_at": "2025-03-10T16:30:00+02:00", "minutes": 45, "mode": "remote",
              "areas": ["education"], "plan": "read chapter 3", "note": None},
    "dispute": {"reason": "we did not meet that week"},
    "empty": {},
    "analysis": {"started_at": "2025-02-03T10:00:00+02:00", "minutes": 120, "mode": "in_person",
                 "areas": ["fundraising"], "took_part": ["Ona (director)", "Jonas"],
                 "need_found": "no fundraising plan; one donor gives 80% of the income"},
    "goal": {"title": "Pass the maths exam", "target_date": "2025-06-01"},
    "progress": {"note": "two practice tests done"},
    "final_review": {"achievements": "a fundraising strategy", "further_goals": ["find two donors"],
                     "next_steps": "apply for the city's grant in autumn"},
}
