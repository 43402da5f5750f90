"""Marshmallow schemas of the registration service.

Two families:

* **Input schemas** (``...Input``): the bodies of HTTP commands. Strict: an unknown field is
  an error, and every bad field is named with its reason. :func:`load_input` loads a body into
  the plain dict a :mod:`.domain` command takes, or raises the domain's
  :class:`~.domain.ValidationFailed` with dotted field paths (``dates.meetings_start``,
  ``profile.areas.1``), so HTTP 400 bodies look the same whether marshmallow or the domain
  found the problem. Input schemas check shape and types; the domain checks the rules that
  tie fields together and those that need a programme (areas, ages, windows).
* **Payload schemas** (``...Payload``) of the events registration publishes are a contract:
  :mod:`services.contracts.registration` (with the programme settings, whose shape the input
  shares, and the payload fields ``IsoDate``/``IsoDateTime``). Here is the one private event,
  ``SensitiveNeedsRecorded``, registered in the platform's catalogue: stored, never published.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Type

from marshmallow import Schema, ValidationError, fields, validate

from services.contracts import registration as contracts
from services.contracts.registration import Code, Int, IsoDateTime, Language, personal_field, settings_schemas
from services.platform_core.events import event_type
from services.platform_core.schemas import InputSchema, PayloadSchema, flatten_errors
from services.registration import domain
from services.registration.domain import ValidationFailed

SERVICE = contracts.SERVICE


# ---------------------------------------------------------------------------------------------
# Fields, loading
# ---------------------------------------------------------------------------------------------


def _is_uuid(value: str) -> bool:
    try:
        canonical = str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError("Not a valid id (uuid).") from None
    if value != canonical:  # ids are compared as strings everywhere: one spelling only
        raise ValidationError(f"Not a valid id: write it as {canonical}.")
    return True


def IdString(**kwargs) -> fields.String:
    """A uuid kept as a string (person and programme ids)."""
    return fields.String(validate=_is_uuid, **kwargs)


def load_input(schema: Type[Schema], data: Any, **kwargs) -> Dict[str, Any]:
    """Load an HTTP body with an input schema, or raise :class:`ValidationFailed`."""
    try:
        return schema(**kwargs).load(data if data is not None else {})
    except ValidationError as error:
        raise ValidationFailed(flatten_errors(error.messages)) from None


# ---------------------------------------------------------------------------------------------
# Programme settings: the shape of the contract's, read strictly
# ---------------------------------------------------------------------------------------------


_SETTINGS_INPUT = settings_schemas(InputSchema, fields.Date, "Input")

#: POST /programmes: the whole settings.
CreateProgrammeInput: Type[Schema] = _SETTINGS_INPUT["Settings"]


class UpdateProgrammeInput(CreateProgrammeInput):
    """PATCH /programmes/<id>: only the settings that change, section by section."""

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


class CloneProgrammeInput(InputSchema):
    """POST /programmes/<id>/clone: every date moved by ``shift_months`` then ``shift_days``;
    ``dates`` then replaces single dates; ``name`` renames the clone."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    shift_months = Int(-120, 120, load_default=0)
    shift_days = Int(-3660, 3660, load_default=0)
    dates = fields.Nested(_SETTINGS_INPUT["Dates"](partial=True))


# ---------------------------------------------------------------------------------------------
# Tenant input
# ---------------------------------------------------------------------------------------------


def _time_zone(value: str) -> bool:
    problem = domain.valid_time_zone(value)
    if problem:
        raise ValidationError(problem)
    return True


class CreateTenantInput(InputSchema):
    """POST /tenants."""

    slug = fields.String(required=True, validate=validate.Regexp(
        domain.TENANT_SLUG, error="Must be 2-63 lower-case letters, digits or '-'."))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(domain.TENANT_KINDS))
    default_language = fields.String(required=True,
                                      validate=validate.OneOf(domain.SUPPORTED_LANGUAGES))
    time_zone = fields.String(required=True, validate=_time_zone)


# ---------------------------------------------------------------------------------------------
# Person input
# ---------------------------------------------------------------------------------------------


class ContactInput(InputSchema):
    """A name and at least one of e-mail or phone (the domain checks the "at least")."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Regexp(
        domain.PHONE, error="Not a valid phone number."))


class TeamMemberInput(ContactInput):
    leader = fields.Boolean(load_default=False)


class PersonalInput(ContactInput):
    """An individual's personal data; a guardian for a minor."""

    date_of_birth = fields.Date(required=True)
    guardian = fields.Nested(ContactInput, allow_none=True)


class TeamPersonalInput(ContactInput):
    """An organisation's team (seed 003): its name and contact, and its 2-4 members."""

    members = fields.List(fields.Nested(TeamMemberInput), required=True,
                          validate=validate.Length(min=1, max=50))


class PersonalChangesInput(InputSchema):
    """Changed personal data of an individual or a team; only the fields given."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Regexp(domain.PHONE))
    guardian = fields.Nested(ContactInput, allow_none=True)
    members = fields.List(fields.Nested(TeamMemberInput), validate=validate.Length(min=1, max=50))


class ProfileInput(InputSchema):
    """What matching uses: ``areas`` are ranked (first = most wanted)."""

    languages = fields.List(Language(), required=True, validate=validate.Length(min=1))
    areas = fields.List(Code())
    place = fields.String(allow_none=True, validate=validate.Length(max=100))
    remote = fields.Boolean()
    hours_per_week = fields.Float(allow_none=True, validate=validate.Range(min=0, max=168))
    community = fields.List(Code())
    preferred_mentors = fields.List(IdString())
    excluded_mentors = fields.List(IdString())
    never_pair_with = fields.List(IdString())
    capacity = Int(1, 1000)


class SensitiveNeedsInput(InputSchema):
    """Sensitive facts; stored privately, never published."""

    disability = fields.String(validate=validate.Length(min=1, max=2000))
    accessibility = fields.String(validate=validate.Length(min=1, max=2000))
    health = fields.String(validate=validate.Length(min=1, max=2000))
    social_risk = fields.String(validate=validate.Length(min=1, max=2000))
    addiction = fields.String(validate=validate.Length(min=1, max=2000))
    other = fields.String(validate=validate.Length(min=1, max=2000))


class RegisterMentorInput(InputSchema):
    """POST /programmes/<id>/mentors. ``personal`` may be left out by a known person."""

    programme_id = IdString(required=True)
    personal = fields.Nested(PersonalInput)
    profile = fields.Nested(ProfileInput, required=True)


class RegisterMenteeInput(RegisterMentorInput):
    """POST /programmes/<id>/mentees."""

    sensitive_needs = fields.Nested(SensitiveNeedsInput)


class RegisterTeamInput(RegisterMentorInput):
    """POST /programmes/<id>/teams."""

    personal = fields.Nested(TeamPersonalInput)


class ProgrammeCommandInput(InputSchema):
    programme_id = IdString(required=True)


class GiveConsentInput(ProgrammeCommandInput):
    given_by = fields.String(required=True, validate=validate.OneOf(domain.CONSENT_GIVERS))


class WithdrawConsentInput(ProgrammeCommandInput):
    pass


class CompleteTrainingInput(ProgrammeCommandInput):
    completed_on = fields.Date(required=True)


class RecordVettingInput(ProgrammeCommandInput):
    cleared = fields.Boolean(required=True)
    checked_on = fields.Date(required=True)
    reference = fields.String(allow_none=True, validate=validate.Length(max=200))


class SetTeamNeedInput(ProgrammeCommandInput):
    areas = fields.List(Code(), required=True, validate=validate.Length(min=1))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class UpdateProfileInput(InputSchema):
    """Changed personal data and/or the changed profile of one participation."""

    programme_id = IdString()
    personal = fields.Nested(PersonalChangesInput)
    profile = fields.Nested(ProfileInput(partial=True))


class WithdrawInput(ProgrammeCommandInput):
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))


class RecordSensitiveNeedsInput(ProgrammeCommandInput):
    needs = fields.Nested(SensitiveNeedsInput, required=True)


# ---------------------------------------------------------------------------------------------
# Private event payloads (the published ones are in services/contracts/registration.py)
# ---------------------------------------------------------------------------------------------


class SensitiveNeedsPayload(PayloadSchema):
    needs = fields.Dict(keys=fields.String(validate=validate.OneOf(domain.SENSITIVE_NEEDS)),
                        values=fields.String())


@event_type("SensitiveNeedsRecorded", stream_type="person", service=SERVICE,
            visibility="private")
class SensitiveNeedsRecordedPayload(PayloadSchema):
    """Sensitive facts about a participant (disability, social risk, addiction ...), all
    under ``personal``. Private: stored, never published."""

    programme_id = fields.String(required=True)
    recorded_at = IsoDateTime(required=True)
    personal = personal_field(SensitiveNeedsPayload)


#: Every event type this service emits, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    **contracts.PAYLOAD_SCHEMAS, SensitiveNeedsRecordedPayload.event_type_name: SensitiveNeedsRecordedPayload}


def validate_payload(event) -> Dict[str, List[str]]:
    """Problems of an event's payload against its schema ({} if none), dotted paths."""
    problems = PAYLOAD_SCHEMAS[event.event_type]().validate(event.payload)
    return flatten_errors(problems) if problems else {}
