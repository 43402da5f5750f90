"""Marshmallow schemas of the registration service.

Two families:

* **Input schemas** (``...Input``): the bodies of HTTP commands. Strict: an unknown field is
  an error, and every bad field is named with its reason. :func:`load_input` loads a body into
  the plain dict a :mod:`.domain` command takes, or raises the domain's
  :class:`~.domain.ValidationFailed` with dotted field paths (``dates.meetings_start``,
  ``profile.areas.1``), so HTTP 400 bodies look the same whether marshmallow or the domain
  found the problem. Input schemas check shape and types; the domain checks the rules that
  tie fields together and those that need a programme (areas, ages, windows).
* **View schemas** (``...View``): the bodies the HTTP endpoints answer with, declared with
  each endpoint for its OpenAPI document (:mod:`services.platform_core.openapi`). Only
  described, never loaded: a view may grow a field without breaking a client.
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
from services.platform_core.envelope import EnvelopeSchema
from services.platform_core.events import event_type, event_type_of
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


class UpdateProgrammeInput(CreateProgrammeInput):  # type: ignore[misc,valid-type]  # made by settings_schemas
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
    message_language = Language(allow_none=True, metadata={
        "description": "the language messages to them are written in: one of the programme's (default: the "
                       "first of their languages the programme offers)"})
    external_id = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "an e-course student's id in the learning platform whose CSV exports sessions imports "
                       "(seed 004): letters, digits and . _ : -; unique in the programme"})


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


class StaffPersonalInput(InputSchema):
    """A staff member's name and e-mail (messages go there), and phone."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Regexp(domain.PHONE, error="Not a valid phone number."))


def _staff_language(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(domain.SUPPORTED_LANGUAGES), metadata={
        "description": "the language messages to them are written in"}, **kwargs)


class AddStaffInput(InputSchema):
    """POST /programmes/<id>/staff: a new person (``personal``) or one already on another
    programme's staff (``person_id``)."""

    person_id = IdString()
    role = fields.String(required=True, validate=validate.OneOf(domain.STAFF_ROLES))
    language = _staff_language()
    personal = fields.Nested(StaffPersonalInput)


class ChangeStaffInput(InputSchema):
    """PATCH /programmes/<id>/staff/<person id>: only what changes."""

    role = fields.String(validate=validate.OneOf(domain.STAFF_ROLES))
    language = _staff_language()
    personal = fields.Nested(StaffPersonalInput(partial=True))


class WithdrawInput(ProgrammeCommandInput):
    reason = fields.String(allow_none=True, validate=validate.Length(max=2000))


class RecordSensitiveNeedsInput(ProgrammeCommandInput):
    needs = fields.Nested(SensitiveNeedsInput, required=True)


# ---------------------------------------------------------------------------------------------
# HTTP views: what the endpoints answer (described for the OpenAPI document)
# ---------------------------------------------------------------------------------------------


def _when(**kwargs) -> fields.String:
    return fields.String(metadata={"description": "ISO 8601 time or date"}, **kwargs)


def _maybe(field: fields.Field) -> fields.Field:
    field.allow_none = True
    return field


class TenantView(Schema):
    """A tenant (an organisation) and the id of its current API key."""

    tenant_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    default_language = fields.String(required=True)
    time_zone = fields.String(required=True)
    key_id = _maybe(fields.String(required=True))
    created_at = _when(required=True)
    version = fields.Integer(required=True)


class TenantCreatedView(Schema):
    """The new tenant and its first API key, shown only this once."""

    tenant = fields.Nested(TenantView, required=True)
    key_id = fields.String(required=True)
    api_key = fields.String(required=True, metadata={"description": "mk_<key_id>_<secret>"})
    note = fields.String(required=True)


class KeyRotatedView(Schema):
    """The new API key, shown only this once; the keys it revoked."""

    tenant_id = fields.String(required=True)
    key_id = fields.String(required=True)
    api_key = fields.String(required=True)
    revoked_key_ids = fields.List(fields.String(), required=True)
    note = fields.String(required=True)


class ProgrammeView(Schema):
    """A programme: its settings, version (send it back as If-Match) and public sign-up links."""

    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    name = fields.String(required=True)
    time_zone = fields.String(required=True)
    settings = fields.Nested(contracts.ProgrammeSettingsPayload, required=True)
    cloned_from = _maybe(fields.String(required=True))
    version = fields.Integer(required=True)
    created_at = _when(required=True)
    updated_at = _when(required=True)
    signup_code = fields.String(required=True)
    signup_url = fields.String(required=True, metadata={"description": "with {role} to fill in"})
    signup_urls = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    changed = fields.List(fields.String(), metadata={"description": "PATCH: the settings changed"})


class ProgrammeListView(Schema):
    programmes = fields.List(fields.Nested(ProgrammeView), required=True)


class ParticipationView(Schema):
    """A person's part in one programme."""

    person_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf((domain.MENTOR, domain.MENTEE, domain.TEAM)))
    status = fields.String(required=True)
    registered_at = _when(required=True)
    withdrawn_at = _maybe(_when(required=True))
    age_at_start = fields.Integer(required=True, allow_none=True)
    team_size = fields.Integer(required=True, allow_none=True)
    profile = fields.Dict(required=True)
    consent_required = fields.Boolean(required=True)
    consent_valid = fields.Boolean(required=True)
    consent_ok = fields.Boolean(required=True)
    training_completed_on = _maybe(_when(required=True))
    vetting_cleared = fields.Boolean(required=True, allow_none=True)
    team_need = fields.Dict(required=True, allow_none=True)
    name = fields.String(allow_none=True, metadata={"description": "in a programme's list of participants"})


class ParticipantsView(Schema):
    programme_id = fields.String(required=True)
    participants = fields.List(fields.Nested(ParticipationView), required=True)


class VettingView(Schema):
    cleared = fields.Boolean(required=True)
    checked_on = _maybe(_when(required=True))
    reference = fields.String(required=True, allow_none=True)


class ConsentView(Schema):
    valid_from = _when(required=True)
    valid_until = _when(required=True)
    programme_id = fields.String(required=True)
    given_by = fields.String(required=True)
    given_at = _when(required=True)
    withdrawn_on = _maybe(_when(required=True))


class PersonView(Schema):
    """A person (an individual or a team), their personal data (null once erased), their
    participations and consents."""

    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    kind = fields.String(required=True)
    personal = fields.Dict(required=True, allow_none=True)
    sensitive_needs = fields.Dict(required=True, allow_none=True)
    vetting = fields.Nested(VettingView, required=True, allow_none=True)
    registered_at = _when(required=True)
    updated_at = _when(required=True)
    erased = fields.Boolean(required=True)
    erased_at = _maybe(_when(required=True))
    version = fields.Integer(required=True)
    participations = fields.List(fields.Nested(ParticipationView), required=True)
    consents = fields.List(fields.Nested(ConsentView), required=True)


class RegisteredView(Schema):
    """The person registered, and their participant token (their own key to their data)."""

    person_id = fields.String(required=True)
    role = fields.String(required=True)
    programme_id = fields.String(required=True)
    participant_token = fields.String(required=True, metadata={"description": "pt_..."})
    person = fields.Nested(PersonView, required=True)
    events = fields.List(fields.String(), required=True)


class PersonChangedView(Schema):
    """The person after the command, the events it wrote, and whether anything changed."""

    person = fields.Nested(PersonView, required=True)
    events = fields.List(fields.String(), required=True)
    changed = fields.Boolean(required=True)


class StaffMemberView(Schema):
    """A member of a programme's staff: their role, language and contact."""

    person_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(domain.STAFF_ROLES))
    language = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    added_at = _when(required=True)
    version = fields.Integer(required=True, metadata={"description": "the person's version: send it as If-Match"})


class StaffListView(Schema):
    programme_id = fields.String(required=True)
    staff = fields.List(fields.Nested(StaffMemberView), required=True)


class StaffChangedView(Schema):
    """The staff member after the command (null once removed), the events it wrote, and
    whether anything changed."""

    staff_member = fields.Nested(StaffMemberView, required=True, allow_none=True)
    events = fields.List(fields.String(), required=True)
    changed = fields.Boolean(required=True)


class ExportView(Schema):
    """Everything held about a person: their events (decrypted) and their read-model view."""

    person_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    exported_at = _when(required=True)
    person = fields.Nested(PersonView, required=True)
    events = fields.List(fields.Nested(EnvelopeSchema), required=True)


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
    **contracts.PAYLOAD_SCHEMAS, event_type_of(SensitiveNeedsRecordedPayload): SensitiveNeedsRecordedPayload}


def validate_payload(event) -> Dict[str, List[str]]:
    """Problems of an event's payload against its schema ({} if none), dotted paths."""
    problems = PAYLOAD_SCHEMAS[event.event_type]().validate(event.payload)
    return flatten_errors(problems) if problems else {}


# ---------------------------------------------------------------------------------------------
# Examples of HTTP input (in the OpenAPI document; tests send them)
# ---------------------------------------------------------------------------------------------

PROGRAMME_ID_EXAMPLE = "7d1f0b8e-4a52-4c1e-9a55-2f3c8e9b6a10"

EXAMPLES: Dict[str, Dict[str, Any]] = {
    "tenant": {"slug": "vilnius-school", "name": "Vilniaus jėzuitų gimnazija", "kind": "school",
               "default_language": "lt", "time_zone": "Europe/Vilnius"},
    "programme": {
        "name": "VJG mentorystės programa, pavasaris 2025",
        "dates": {"mentee_registration_closes": "2025-02-01", "mentor_registration_closes": "2025-02-07",
                  "rolling_registration": True, "matching_round": "2025-02-21",
                  "meetings_start": "2025-03-01", "meetings_end": "2025-04-30", "closing_event": "2025-05-05"},
        "people": {"mentor_capacity": {"min": 1, "max": 3, "default": 1}, "mentee_min_age": 15,
                   "mentee_max_age": 18, "mentor_communities": ["alumni", "parent"]},
        "rules": {"consent": {"rule": "guardian_for_all", "school_year_starts": {"month": 9, "day": 1}},
                  "training": {"rule": "before_first_meeting", "seminar_date": "2025-02-14",
                               "seminar_minutes": 120}},
        "content": {"areas": [{"id": "studies", "labels": {"en": "University studies", "lt": "Studijos"}},
                              {"id": "career", "labels": {"en": "Career", "lt": "Karjera"}}],
                    "languages": ["lt", "en"], "remote_allowed": True,
                    "cadence": {"min_per_month": 2, "max_per_month": 4, "remote_counts": True}},
        "matching": {"mode": "automatic", "answer_days": 5}},
    "programme_update": {"dates": {"mentee_registration_closes": "2025-02-08"}},
    "clone": {"name": "VJG mentorystės programa, ruduo 2025", "shift_months": 6},
    "register": {
        "programme_id": PROGRAMME_ID_EXAMPLE,
        "personal": {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "date_of_birth": "2008-09-10",
                     "guardian": {"name": "Rasa Jonaitienė", "email": "rasa@example.lt"}},
        "profile": {"languages": ["lt"], "areas": ["career", "studies"], "place": "Vilnius",
                    "remote": True, "hours_per_week": 2}},
    "profile_update": {"programme_id": PROGRAMME_ID_EXAMPLE,
                       "profile": {"areas": ["studies"], "remote": False}},
    "consent": {"programme_id": PROGRAMME_ID_EXAMPLE, "given_by": "guardian"},
    "programme_only": {"programme_id": PROGRAMME_ID_EXAMPLE},
    "training": {"programme_id": PROGRAMME_ID_EXAMPLE, "completed_on": "2025-02-14"},
    "vetting": {"programme_id": PROGRAMME_ID_EXAMPLE, "cleared": True, "checked_on": "2025-02-10",
                "reference": "VRM-2025-0192"},
    "team_need": {"programme_id": PROGRAMME_ID_EXAMPLE, "areas": ["fundraising"],
                  "note": "a plan for next year's grants"},
    "sensitive_needs": {"programme_id": PROGRAMME_ID_EXAMPLE, "needs": {"accessibility": "uses a wheelchair"}},
    "withdraw": {"programme_id": PROGRAMME_ID_EXAMPLE, "reason": "moved to another city"},
    "staff": {"role": "coordinator", "language": "lt",
              "personal": {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt"}},
    "staff_change": {"language": "en", "personal": {"email": "ruta.k@example.lt"}},
}


#: POST .../<role>: the body of each role
REGISTER_BODIES = (RegisterMentorInput, RegisterMenteeInput, RegisterTeamInput)


class SignupQuery(InputSchema):
    """The sign-up link's query (the code may come as ``signup_code`` in the body instead)."""

    code = fields.String(metadata={"description": "the programme's sign-up code (from its sign-up link)"})
