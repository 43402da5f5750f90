"""The HTTP input and answers of sessions' surveys (seed 002): an answer's body (strict), what a
pair's surveys list shows, and the scores the progress reports add."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.platform_core.schemas import InputSchema

ROLES = ("mentor", "mentee")
_ROLE = fields.String(validate=validate.OneOf(ROLES))


class SurveyAnswerInput(InputSchema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), values=fields.Raw(),
                          required=True, validate=validate.Length(max=50), metadata={
                              "description": "question id -> a whole number on its scale, or one of its choices"})


class SurveyAnsweredView(Schema):
    pairing_id = fields.String(required=True)
    survey_id = fields.String(required=True)
    occurrence = fields.String(required=True)
    by_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    answered_at = fields.String(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    coordinator_told = fields.Boolean(required=True, metadata={
        "description": "the answer chose a concern (the fit check's not_a_fit): the coordinator is told"})


class SurveyAnswerExportView(Schema):
    """An answer the person gave to a survey of a pairing (their export)."""

    survey_id = fields.String(required=True)
    occurrence = fields.String(required=True)
    by_role = fields.String(required=True, validate=validate.OneOf(ROLES))
    answered_at = fields.String(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "question id -> the number on its scale, or the choice's code"})


class ScaleView(Schema):
    min = fields.Integer(required=True)
    max = fields.Integer(required=True)


class QuestionView(Schema):
    id = fields.String(required=True)
    texts = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    scale = fields.Nested(ScaleView, required=True, allow_none=True)
    choices = fields.List(fields.String(), required=True)


class SurveyOccurrenceView(Schema):
    """An occurrence of a survey that fell due for the pair."""

    survey_id = fields.String(required=True)
    occurrence = fields.String(required=True)
    due_at = fields.String(required=True)
    respondents = fields.List(_ROLE, required=True)
    answered_by = fields.List(_ROLE, required=True)
    titles = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    questions = fields.List(fields.Nested(QuestionView), required=True, metadata={
        "description": "as the programme's settings define the survey now (empty: no longer defined)"})
    yours_to_answer = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "the caller is asked and has not answered yet (null: the coordinator)"})
    answers = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True, allow_none=True, metadata={
        "description": "each respondent role's answers: the coordinator only (null for a side of the pair)"})


class OccurrenceMeanView(Schema):
    occurrence = fields.String(required=True)
    answers = fields.Integer(required=True)
    mean = fields.Float(required=True, allow_none=True)


class ChangeView(Schema):
    mean = fields.Float(required=True, allow_none=True)
    by_question = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), required=True)


class LatestAnswerView(Schema):
    occurrence = fields.String(required=True)
    answered_at = fields.String(required=True)
    mean = fields.Float(required=True, allow_none=True)
    choices = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class PairSurveyScoresView(Schema):
    """A survey's scores in a pair, for one respondent role."""

    survey_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    occurrences = fields.List(fields.Nested(OccurrenceMeanView), required=True)
    latest = fields.Nested(LatestAnswerView, required=True)
    trend = fields.Float(required=True, allow_none=True, metadata={
        "description": "the last occurrence's mean less the first's (null: fewer than two)"})
    change = fields.Nested(ChangeView, required=True, allow_none=True, metadata={
        "description": "start-to-end change of each question (null: not both answered)"})


class ProgrammeChangeView(ChangeView):
    respondents = fields.Integer(required=True)


class ProgrammeSurveyScoresView(Schema):
    """A survey's scores over the programme's pairs."""

    survey_id = fields.String(required=True)
    answers = fields.Integer(required=True)
    mean = fields.Float(required=True, allow_none=True)
    occurrences = fields.List(fields.Nested(OccurrenceMeanView), required=True)
    choices = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    change = fields.Nested(ProgrammeChangeView, required=True, allow_none=True, metadata={
        "description": "start-to-end change (competences), over the respondents who answered both"})


class PairSurveysView(Schema):
    pairing_id = fields.String(required=True)
    surveys = fields.List(fields.Nested(SurveyOccurrenceView), required=True)
    scores = fields.List(fields.Nested(PairSurveyScoresView), required=True, allow_none=True, metadata={
        "description": "the pair's scores: the coordinator only (null for a side of the pair)"})


EXAMPLES = {"survey_answer": {"answers": {"heard": 4, "trust": 5, "agreement": 3, "helpful": 4}}}
