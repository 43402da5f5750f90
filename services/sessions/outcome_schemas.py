"""HTTP input and views of learning outcomes and certificates (seed 002); see
:mod:`services.sessions.schemas` for the conventions (strict input, views never loaded)."""
from __future__ import annotations

from typing import Any, Dict

from marshmallow import Schema, fields, validate

from services.contracts import sessions as contracts
from services.platform_core.schemas import InputSchema

from .domain.certificate import VERDICTS
from .domain.outcomes import OUTCOME_STATUSES


def Text(maximum: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=maximum), **kwargs)


def _personal(description: str) -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={
        "description": description + " (personal: null once its writer is erased)"})


class NewOutcomeInput(InputSchema):
    title = Text(300, required=True, metadata={"description": "what the mentee learned, in a line"})
    description = Text(4000, load_default=None, allow_none=True)
    areas = fields.List(fields.String(validate=validate.Length(max=63)), load_default=list,
                        validate=validate.Length(max=20),
                        metadata={"description": "the programme's competence areas it belongs to (ids)"})


class AssessmentInput(InputSchema):
    note = Text(4000, load_default=None, allow_none=True, metadata={"description": "the mentor's note"})


class IssueInput(InputSchema):
    name = Text(200, required=True, metadata={"description": "the mentee's name as it is to be printed"})


class RevokeInput(InputSchema):
    reason = Text(2000, load_default=None, allow_none=True)


class OutcomeView(Schema):
    """A learning outcome of the pair's mentee, and where the mentor's validation stands."""

    id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    title = _personal("what the mentee learned")
    description = _personal("more about it")
    areas = fields.List(fields.String(), required=True, allow_none=True, metadata={
        "description": "the programme's competence areas (personal: null once the mentee is erased)"})
    status = fields.String(required=True, validate=validate.OneOf(OUTCOME_STATUSES))
    recorded_at = fields.String(required=True, metadata={"description": "ISO 8601 date-time"})
    assessed_at = fields.String(required=True, allow_none=True, metadata={
        "description": "when the mentor validated it or said not yet"})
    note = _personal("the mentor's note")
    version = fields.Integer(required=True, metadata={"description": "events recorded on the outcome"})


class OutcomeListView(Schema):
    """Every learning outcome of the pairing, oldest first."""

    pairing_id = fields.String(required=True)
    outcomes = fields.List(fields.Nested(OutcomeView), required=True)


class CertificateView(Schema):
    """A certificate of the pair's mentee: the validated outcomes it lists, its code and where
    it is verified (the code and the name: null once the mentee is erased)."""

    id = fields.String(required=True)
    pairing_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    issued_at = fields.String(required=True)
    issued_by_role = fields.String(required=True, validate=validate.OneOf(contracts.ROLES))
    language = fields.String(required=True, validate=validate.OneOf(contracts.CERTIFICATE_LANGUAGES))
    outcome_ids = fields.List(fields.String(), required=True)
    name = _personal("the name as issued")
    code = _personal("the verification code")
    verification_url = fields.String(required=True, allow_none=True)
    pdf_url = fields.String(required=True, metadata={"description": "where the PDF is (the pair, the coordinator)"})
    revoked_at = fields.String(required=True, allow_none=True)


class CertificateListView(Schema):
    """Every certificate issued to the pair (a revoked one too)."""

    pairing_id = fields.String(required=True)
    certificates = fields.List(fields.Nested(CertificateView), required=True)


class VerificationView(Schema):
    """Whether a code verifies a certificate: only that, and for a valid one the name as
    issued, the programme, the day and the outcomes' titles (nothing once revoked or erased)."""

    genuine = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    name = fields.String(required=True, allow_none=True)
    programme = fields.String(required=True, allow_none=True)
    issued_on = fields.String(required=True, allow_none=True)
    outcomes = fields.List(fields.String(), required=True)


PDF: Dict[str, Any] = {"type": "string", "format": "binary", "description": "the certificate, a tagged PDF/UA-1"}

EXAMPLES: Dict[str, Dict[str, Any]] = {
    "outcome": {"title": "Plans a working week with a calendar", "description": "kept a plan for six weeks",
                "areas": ["education"]},
    "assessment": {"note": "shown in our meetings since March"},
    "issue": {"name": "Jānis Bērziņš"},
    "revoke": {"reason": "issued to the wrong person"},
    "empty": {},
}
