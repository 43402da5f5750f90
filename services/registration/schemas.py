"""Marshmallow schemas of the registration service.

Two families:

* **Input schemas** (``...Input``): the bodies of HTTP commands. Strict: an unknown field is
  an error, and every bad field is named with its reason. :func:`load_input` loads a body into
  the plain dict a :mod:`.domain` command takes, or raises the domain's
  :class:`~.domain.ValidationFailed` with dotted field paths (``dates.meetings_start``,
  ``profile.areas.1``), so HTTP 400 bodies look the same whether marshmallow or the domain
  found the problem. Input schemas check shape and types; the domain checks the rules that
  tie fields together and those that need a programme (areas, ages, windows).
* **Payload schemas** (``...Payload``): one per event type, registered in the platform's
  event catalogue with :func:`~services.platform_core.events.event_type`. They describe and
  validate payloads, which hold JSON values only (dates as ISO strings); consumers load them
  tolerantly (unknown fields are excluded, so a payload may grow). Personal data only ever
  sits under ``personal``, which the plumbing encrypts per person; after erasure it reads as
  ``null``.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Dict, List, Type

from marshmallow import Schema, ValidationError, fields, validate

from services.platform_core.events import event_type
from services.platform_core.schemas import InputSchema, PayloadSchema, flatten_errors
from services.registration import domain
from services.registration.domain import ValidationFailed

SERVICE = "registration"


# ---------------------------------------------------------------------------------------------
# Bases, fields, loading
# ---------------------------------------------------------------------------------------------


class IsoDate(fields.Field):
    """A date kept as its ISO string (``2025-02-07``): payloads hold JSON values only."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if isinstance(value, date) else value

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            if isinstance(value, str) and len(value) == 10:
                date.fromisoformat(value)
                return value
        except ValueError:
            pass
        raise ValidationError("Not a valid date (YYYY-MM-DD).")


class IsoDateTime(fields.Field):
    """A timezone-aware instant kept as its ISO 8601 string."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if isinstance(value, datetime) else value

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ValidationError("Not a valid ISO 8601 date-time with a time zone.")
        return value


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


def Code(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(domain.CODE, error="Not a valid code "
                         "(lower-case letters, digits, '_' or '-')."), **kwargs)


def Language(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(sorted(domain.ISO_639_1),
                                                 error="Not an ISO 639-1 language code."), **kwargs)


def Int(minimum=None, maximum=None, **kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


def load_input(schema: Type[Schema], data: Any, **kwargs) -> Dict[str, Any]:
    """Load an HTTP body with an input schema, or raise :class:`ValidationFailed`."""
    try:
        return schema(**kwargs).load(data if data is not None else {})
    except ValidationError as error:
        raise ValidationFailed(flatten_errors(error.messages)) from None


# ---------------------------------------------------------------------------------------------
# Programme settings (the same shape as input and in payloads)
# ---------------------------------------------------------------------------------------------


def _settings_schemas(base: Type[Schema], day: Type[fields.Field], prefix: str) -> Dict[str, Type[Schema]]:
    """The settings schemas built on ``base`` (strict input or tolerant payload), with dates
    as ``day`` fields. Returns them by name; ``Settings`` is the whole."""

    def schema(schema_name: str, /, **attrs) -> Type[Schema]:
        return type(f"{prefix}{schema_name}", (base,), attrs)

    def optional_day():
        return day(allow_none=True, load_default=None)

    def optional_int(minimum=None, maximum=None):
        return Int(minimum, maximum, allow_none=True, load_default=None)

    span = schema("Span", __doc__="An inclusive range: min and max.",
                  min=Int(0, required=True), max=Int(0, required=True))
    dates = schema(
        "Dates", __doc__="The programme's calendar; registration days are inclusive, in the "
                         "tenant's time zone.",
        **{name: day(required=True) if name == "meetings_start" else optional_day()
           for name in domain.ProgrammeDates.DAYS},
        rolling_registration=fields.Boolean(load_default=False),
        duration_months=fields.Nested(span, allow_none=True, load_default=None))
    capacity = schema("MentorCapacity", min=Int(1, 1000), max=Int(1, 1000), default=Int(1, 1000))
    people = schema(
        "People", __doc__="Who may take part; ages are measured on the day meetings start.",
        mentor_capacity=fields.Nested(capacity),
        mentor_min_age=optional_int(0, 120), mentor_max_age=optional_int(0, 120),
        mentee_min_age=optional_int(0, 120), mentee_max_age=optional_int(0, 120),
        team_size=fields.Nested(span, allow_none=True, load_default=None),
        team_leaders_min=Int(1, 50),
        mentor_communities=fields.List(Code()))
    month_day = schema("MonthDay", month=Int(1, 12, required=True), day=Int(1, 31, required=True))
    consent = schema("ConsentRule",
                     rule=fields.String(validate=validate.OneOf(domain.CONSENT_RULES)),
                     school_year_starts=fields.Nested(month_day),
                     age_of_majority=Int(14, 21))
    training = schema("TrainingRule",
                      rule=fields.String(validate=validate.OneOf(domain.TRAINING_RULES)),
                      seminar_date=optional_day(), seminar_minutes=optional_int(1, 24 * 60))
    rules = schema("Rules", consent=fields.Nested(consent), training=fields.Nested(training),
                   vetting_required=fields.Boolean())
    area = schema("Area", __doc__="A support area and its label per language.",
                  id=Code(required=True),
                  labels=fields.Dict(keys=Language(), values=fields.String(
                      validate=validate.Length(min=1, max=200)), required=True),
                  sensitive=fields.Boolean(metadata={"description": (
                      "choosing it says something sensitive about a mentee (addiction, ...): "
                      "it never enters a broadcast event, and matching does not weigh it")}))
    cadence = schema("Cadence", min_per_month=Int(0, 31), max_per_month=optional_int(1, 31),
                     meeting_minutes=optional_int(5, 600), remote_counts=fields.Boolean())
    content = schema("Content", areas=fields.List(fields.Nested(area)),
                     languages=fields.List(Language(), required=True,
                                           validate=validate.Length(min=1)),
                     remote_allowed=fields.Boolean(), cadence=fields.Nested(cadence))
    matching = schema(
        "Matching",
        mode=fields.String(validate=validate.OneOf(domain.MATCHING_MODES)),
        participant_kind=fields.String(validate=validate.OneOf(domain.PARTICIPANT_KINDS)),
        weights=fields.Dict(keys=fields.String(validate=validate.OneOf(domain.SCORE_WEIGHTS)),
                            values=Int(0, 100)),
        shortlist_size=Int(1, 20), answer_days=Int(1, 60), same_place_required=fields.Boolean())
    settings = schema(
        "Settings", __doc__="A programme's settings: dates, people, rules, content, matching.",
        name=fields.String(required=True, validate=validate.Length(min=1, max=200)),
        description=fields.String(allow_none=True, validate=validate.Length(max=4000)),
        dates=fields.Nested(dates, required=True), people=fields.Nested(people),
        rules=fields.Nested(rules), content=fields.Nested(content, required=True),
        matching=fields.Nested(matching))
    return {"Settings": settings, "Dates": dates}


_SETTINGS_INPUT = _settings_schemas(InputSchema, fields.Date, "Input")
_SETTINGS_PAYLOAD = _settings_schemas(PayloadSchema, IsoDate, "Payload")

#: POST /programmes: the whole settings.
CreateProgrammeInput: Type[Schema] = _SETTINGS_INPUT["Settings"]
#: The settings as stored in ``ProgrammeCreated``/``Updated``/``Cloned``.
ProgrammeSettingsPayload: Type[Schema] = _SETTINGS_PAYLOAD["Settings"]


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
# Event payloads: tenant
# ---------------------------------------------------------------------------------------------


@event_type("TenantCreated", stream_type="tenant", service=SERVICE)
class TenantCreatedPayload(PayloadSchema):
    """An organisation opened its tenant. The stream id is the tenant's slug."""

    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(domain.TENANT_KINDS))
    default_language = fields.String(required=True)
    time_zone = fields.String(required=True)
    created_at = IsoDateTime(required=True)


@event_type("TenantKeyRotated", stream_type="tenant", service=SERVICE, visibility="internal")
class TenantKeyRotatedPayload(PayloadSchema):
    """The tenant's API key was replaced: only its SHA-256 is kept, and the keys named in
    ``revoked_key_ids`` stop working. Internal: never published to external subscribers."""

    key_id = fields.String(required=True)
    key_hash = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    rotated_at = IsoDateTime(required=True)
    revoked_key_ids = fields.List(fields.String(), required=True)


# ---------------------------------------------------------------------------------------------
# Event payloads: programme
# ---------------------------------------------------------------------------------------------


@event_type("ProgrammeCreated", stream_type="programme", service=SERVICE)
class ProgrammeCreatedPayload(PayloadSchema):
    """A coordinator set up a programme; ``settings`` holds all of it, and ``time_zone`` (the
    tenant's) is the one its dates are read in."""

    time_zone = fields.String(required=True)
    settings = fields.Nested(ProgrammeSettingsPayload, required=True)
    created_at = IsoDateTime(required=True)


@event_type("ProgrammeUpdated", stream_type="programme", service=SERVICE)
class ProgrammeUpdatedPayload(PayloadSchema):
    """A programme's settings changed: ``settings`` is the complete new version, ``changed``
    the dotted paths that differ."""

    settings = fields.Nested(ProgrammeSettingsPayload, required=True)
    changed = fields.List(fields.String(), required=True)
    updated_at = IsoDateTime(required=True)


@event_type("ProgrammeCloned", stream_type="programme", service=SERVICE)
class ProgrammeClonedPayload(PayloadSchema):
    """The first event of a programme copied from another (next semester or cohort): the
    complete settings, as in ``ProgrammeCreated``, with the source and the shift applied to
    its dates."""

    cloned_from = fields.String(required=True)
    time_zone = fields.String(required=True)
    settings = fields.Nested(ProgrammeSettingsPayload, required=True)
    shift_months = fields.Integer(required=True)
    shift_days = fields.Integer(required=True)
    cloned_at = IsoDateTime(required=True)


# ---------------------------------------------------------------------------------------------
# Event payloads: person
# ---------------------------------------------------------------------------------------------


class ContactPayload(PayloadSchema):
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class TeamMemberPayload(ContactPayload):
    leader = fields.Boolean()


class PersonalPayload(ContactPayload):
    """Personal data (encrypted per person in the store): an individual's date of birth and
    guardian, or a team's members."""

    date_of_birth = IsoDate(allow_none=True)
    guardian = fields.Nested(ContactPayload, allow_none=True)
    members = fields.List(fields.Nested(TeamMemberPayload))


class ProfilePayload(PayloadSchema):
    """The facts matching works with, in clear: no personal data."""

    languages = fields.List(fields.String(), required=True)
    areas = fields.List(fields.String(), required=True, metadata={"description": "ranked"})
    place = fields.String(allow_none=True)
    remote = fields.Boolean(required=True)
    hours_per_week = fields.Float(allow_none=True)
    community = fields.List(fields.String(), required=True)
    preferred_mentors = fields.List(fields.String(), required=True)
    excluded_mentors = fields.List(fields.String(), required=True)
    never_pair_with = fields.List(fields.String(), required=True)
    capacity = fields.Integer(metadata={"description": "mentors only"})


def _personal(schema: Type[Schema] = PersonalPayload, **kwargs) -> fields.Nested:
    return fields.Nested(schema, allow_none=True, load_default=None, metadata={
        "description": "personal data: encrypted per person, null once the person is erased"},
        **kwargs)


@event_type("PersonRegistered", stream_type="person", service=SERVICE)
class PersonRegisteredPayload(PayloadSchema):
    """Someone new registered: ``kind`` is individual or team; all of their personal data
    is under ``personal``."""

    kind = fields.String(required=True, validate=validate.OneOf((domain.INDIVIDUAL, domain.TEAM)))
    registered_at = IsoDateTime(required=True)
    personal = _personal()


class HiddenAreasPayload(PayloadSchema):
    profile_areas = fields.List(fields.String(), metadata={
        "description": "the whole ranked areas, when some are sensitive (left out of profile.areas)"})


class ParticipantRegisteredPayload(PayloadSchema):
    programme_id = fields.String(required=True)
    registered_at = IsoDateTime(required=True)
    age_at_start = fields.Integer(allow_none=True, metadata={
        "description": "full years on the day meetings start; null for a team"})
    profile = fields.Nested(ProfilePayload, required=True, metadata={
        "description": "in clear; a mentee's areas leave out those the programme marks sensitive"})
    personal = _personal(HiddenAreasPayload)


@event_type("MentorRegistered", stream_type="person", service=SERVICE)
class MentorRegisteredPayload(ParticipantRegisteredPayload):
    """A person registered as a mentor of a programme (and waits in the reserve register
    until matched); ``profile.capacity`` is how many mentees they take."""


@event_type("MenteeRegistered", stream_type="person", service=SERVICE)
class MenteeRegisteredPayload(ParticipantRegisteredPayload):
    """A person registered as a mentee of a programme; ``consent_required`` says whether a
    consent must cover the programme before they can be matched."""

    consent_required = fields.Boolean(required=True)


@event_type("TeamRegistered", stream_type="person", service=SERVICE)
class TeamRegisteredPayload(ParticipantRegisteredPayload):
    """An organisation's team registered for a programme (seed 003)."""

    team_size = fields.Integer(required=True)


class TeamNeedPersonalPayload(PayloadSchema):
    note = fields.String(allow_none=True, metadata={"description": "the coordinator's note"})


@event_type("TeamNeedSet", stream_type="person", service=SERVICE)
class TeamNeedSetPayload(PayloadSchema):
    """The coordinator set a team's capacity-building need: the programme's areas a mentor
    must know, most important first."""

    programme_id = fields.String(required=True)
    areas = fields.List(fields.String(), required=True)
    set_at = IsoDateTime(required=True)
    personal = _personal(TeamNeedPersonalPayload)


@event_type("ConsentGiven", stream_type="person", service=SERVICE)
class ConsentGivenPayload(PayloadSchema):
    """A consent was given (by a guardian or the mentee); it covers every programme whose
    start falls in ``valid_from``..``valid_until`` (one school year)."""

    programme_id = fields.String(required=True)
    given_by = fields.String(required=True, validate=validate.OneOf(domain.CONSENT_GIVERS))
    valid_from = IsoDate(required=True)
    valid_until = IsoDate(required=True)
    given_at = IsoDateTime(required=True)


@event_type("ConsentWithdrawn", stream_type="person", service=SERVICE)
class ConsentWithdrawnPayload(PayloadSchema):
    """The consent starting ``valid_from`` was withdrawn and no longer counts from
    ``withdrawn_on``."""

    programme_id = fields.String(required=True)
    valid_from = IsoDate(required=True)
    withdrawn_on = IsoDate(required=True)
    withdrawn_at = IsoDateTime(required=True)


@event_type("TrainingCompleted", stream_type="person", service=SERVICE)
class TrainingCompletedPayload(PayloadSchema):
    """A mentor completed the programme's required training."""

    programme_id = fields.String(required=True)
    completed_on = IsoDate(required=True)
    recorded_at = IsoDateTime(required=True)


class VettingPersonalPayload(PayloadSchema):
    reference = fields.String(allow_none=True)


@event_type("VettingRecorded", stream_type="person", service=SERVICE, visibility="internal")
class VettingRecordedPayload(PayloadSchema):
    """A mentor's background check was recorded. Internal: matching needs ``cleared``, no
    external subscriber may learn it."""

    programme_id = fields.String(required=True)
    cleared = fields.Boolean(required=True)
    checked_on = IsoDate(required=True)
    recorded_at = IsoDateTime(required=True)
    personal = _personal(VettingPersonalPayload)


class PersonalChangesPayload(PersonalPayload):
    profile_areas = fields.List(fields.String(), metadata={
        "description": "the whole ranked areas, when some are sensitive (left out of profile.areas)"})


@event_type("ProfileUpdated", stream_type="person", service=SERVICE)
class ProfileUpdatedPayload(PayloadSchema):
    """A person changed personal data (under ``personal``, only what changed) and/or their
    profile in one programme (``profile`` is then the complete new profile)."""

    programme_id = fields.String(allow_none=True)
    profile = fields.Nested(ProfilePayload, allow_none=True)
    changed = fields.List(fields.String(), required=True)
    updated_at = IsoDateTime(required=True)
    personal = _personal(PersonalChangesPayload)


class WithdrawalPersonalPayload(PayloadSchema):
    reason = fields.String(allow_none=True)


@event_type("ParticipantWithdrew", stream_type="person", service=SERVICE)
class ParticipantWithdrewPayload(PayloadSchema):
    """A participant left a programme (a free-text reason, if any, is personal)."""

    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(domain.ROLES))
    withdrawn_at = IsoDateTime(required=True)
    personal = _personal(WithdrawalPersonalPayload)


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
    personal = _personal(SensitiveNeedsPayload)


@event_type("PersonErased", stream_type="person", service=SERVICE)
class PersonErasedPayload(PayloadSchema):
    """A person's data was erased on request: their personal data can no longer be read,
    and they left the programmes listed."""

    erased_at = IsoDateTime(required=True)
    programme_ids = fields.List(fields.String(), required=True)


#: Every event type this service emits, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    schema.event_type_name: schema for schema in (
        TenantCreatedPayload, TenantKeyRotatedPayload, ProgrammeCreatedPayload,
        ProgrammeUpdatedPayload, ProgrammeClonedPayload, PersonRegisteredPayload,
        MentorRegisteredPayload, MenteeRegisteredPayload, TeamRegisteredPayload,
        TeamNeedSetPayload, ConsentGivenPayload, ConsentWithdrawnPayload,
        TrainingCompletedPayload, VettingRecordedPayload, ProfileUpdatedPayload,
        ParticipantWithdrewPayload, SensitiveNeedsRecordedPayload, PersonErasedPayload)
}


def validate_payload(event) -> Dict[str, List[str]]:
    """Problems of an event's payload against its schema ({} if none), dotted paths."""
    problems = PAYLOAD_SCHEMAS[event.event_type]().validate(event.payload)
    return flatten_errors(problems) if problems else {}
