"""The events the registration service publishes: their payload schemas, registered in the
platform's event catalogue.

Payloads hold JSON values only (dates as ISO strings); consumers load them tolerantly
(unknown fields are excluded, so a payload may grow). Personal data only ever sits under
``personal``, which the producer encrypts per person before the event leaves it; after
erasure it reads as ``null``.

The vocabularies below are the published words of the registration domain; the domain keeps
its own (``services/registration/domain.py``) and ``tests/test_contracts.py`` holds the two
to each other. The programme settings are described once, by :func:`settings_schemas`, for the
payloads here and for registration's strict HTTP input.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Dict, Type

from marshmallow import Schema, ValidationError, fields, validate

from services.platform_core.events import event_type, event_type_of
from services.platform_core.schemas import PayloadSchema

from .default_surveys import RESPONDENTS as SURVEY_RESPONDENTS
from .default_surveys import SCHEDULES as SURVEY_SCHEDULES

SERVICE = "registration"

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

MENTOR, MENTEE, TEAM = "mentor", "mentee", "team"
ROLES = (MENTOR, MENTEE, TEAM)
INDIVIDUAL, GROUP = "individual", "group"
PARTICIPANT_KINDS = (INDIVIDUAL, TEAM, GROUP)
PERSON_KINDS = (INDIVIDUAL, TEAM)
TENANT_KINDS = ("school", "foundation", "ngo", "youth_centre", "course_provider")
#: Every ISO 639-1 code: languages a programme runs in and people speak.
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())
CONSENT_RULES = ("none", "guardian_for_minors", "guardian_for_all")
TRAINING_RULES = ("not_required", "before_matching", "before_first_meeting")
MATCHING_MODES = ("automatic", "coordinator_approves", "mentee_chooses", "coordinator_assigns")
SCORE_WEIGHTS = ("areas", "language", "place", "preferences")
CONSENT_GIVERS = ("guardian", "self")
#: A programme's staff: its coordinators, and the teachers of an e-course (a group programme).
STAFF_ROLES = ("coordinator", "teacher")
#: Why a staff member left a programme's staff.
STAFF_REMOVAL_REASONS = ("removed", "erased")
#: The languages messages are written in (a staff member's language is one of them).
MESSAGE_LANGUAGES = ("en", "lv", "lt", "nl")
#: Area, community and other codes.
CODE = r"^[a-z0-9][a-z0-9_-]{0,62}$"
#: A local time of day, ``HH:MM`` (24 hours).
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: The days of a programme's calendar (``settings.dates``).
PROGRAMME_DAYS = (
    "meetings_start", "meetings_end", "mentor_registration_opens", "mentor_registration_closes",
    "mentee_registration_opens", "mentee_registration_closes", "matching_opens",
    "matching_round", "closing_event")


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


class IsoDate(fields.Field):
    """A date kept as its ISO string (``2025-02-07``): payloads hold JSON values only."""

    json_schema = {"type": "string", "format": "date"}

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

    json_schema = {"type": "string", "format": "date-time"}

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


def Code(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(CODE, error="Not a valid code "
                         "(lower-case letters, digits, '_' or '-')."), **kwargs)


def Language(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(sorted(ISO_639_1),
                                                 error="Not an ISO 639-1 language code."), **kwargs)


def Int(minimum=None, maximum=None, **kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


# ---------------------------------------------------------------------------------------------
# Programme settings (the same shape as HTTP input and in payloads)
# ---------------------------------------------------------------------------------------------


def settings_schemas(base: Type[Schema], day: Type[fields.Field], prefix: str) -> Dict[str, Type[Schema]]:
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
           for name in PROGRAMME_DAYS},
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
                     rule=fields.String(validate=validate.OneOf(CONSENT_RULES)),
                     school_year_starts=fields.Nested(month_day),
                     age_of_majority=Int(14, 21))
    training = schema("TrainingRule",
                      rule=fields.String(validate=validate.OneOf(TRAINING_RULES)),
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
                     meeting_minutes=optional_int(5, 600), remote_counts=fields.Boolean(),
                     grace_days=Int(0, 180, metadata={"description": (
                         "the first days after the introduction, when a pair is not yet judged on how often "
                         "it meets (default 30)")}))
    content = schema("Content", areas=fields.List(fields.Nested(area)),
                     languages=fields.List(Language(), required=True,
                                           validate=validate.Length(min=1)),
                     remote_allowed=fields.Boolean(), cadence=fields.Nested(cadence))
    matching = schema(
        "Matching",
        mode=fields.String(validate=validate.OneOf(MATCHING_MODES)),
        participant_kind=fields.String(validate=validate.OneOf(PARTICIPANT_KINDS)),
        weights=fields.Dict(keys=fields.String(validate=validate.OneOf(SCORE_WEIGHTS)),
                            values=Int(0, 100)),
        shortlist_size=Int(1, 20), answer_days=Int(1, 60), same_place_required=fields.Boolean())
    introduction = schema(
        "Introduction", __doc__="Which contacts the introduction after a pairing shares with an adult mentor "
                                "of a minor mentee.",
        share_minor_contact=fields.Boolean(metadata={
            "description": "give the minor's own phone and e-mail (default: no)"}),
        share_guardian_contact=fields.Boolean(metadata={
            "description": "give their guardian's phone and e-mail (default: yes)"}))
    time_of_day = validate.Regexp(TIME_OF_DAY, error="Not a time of day (HH:MM).")
    window = schema("SendingWindow", __doc__="Local times (the programme's time zone) between which "
                                             "messages go out: start inclusive, end exclusive.",
                    start=fields.String(validate=time_of_day), end=fields.String(validate=time_of_day))
    quiet = schema("QuietPeriod", __doc__="Days (inclusive, in the programme's time zone) on which no "
                                          "timed message goes out, e.g. school holidays.",
                   **{"from": day(required=True), "until": day(required=True)},
                   name=fields.String(allow_none=True, validate=validate.Length(max=200)))
    consent_reminder = schema("ConsentReminder", __doc__="A guardian reminded of a missing consent "
                                                         "every N days, at most M times.",
                              every_days=Int(1, 365), at_most=Int(0, 20))
    days_before = schema("DaysBefore", days_before=Int(0, 365))
    notifications = schema(
        "NotificationTiming", __doc__="When timed messages go out: the sending window, quiet periods "
                                      "and the reminders' days.",
        sending_window=fields.Nested(window), quiet_periods=fields.List(fields.Nested(quiet)),
        consent_reminder=fields.Nested(consent_reminder), training_reminder=fields.Nested(days_before),
        registration_closing=fields.Nested(days_before))
    texts = fields.Dict(keys=Language(), values=fields.String(validate=validate.Length(min=1, max=1000)))
    scale = schema("SurveyScale", __doc__="Whole numbers from min to max (the shipped set: 1-5).",
                   min=Int(0, 10, required=True), max=Int(0, 10, required=True))
    question = schema(
        "SurveyQuestion", __doc__="A question, answered on a scale or with one of its choices (a choice "
                                  "in concern tells the coordinator).",
        id=Code(required=True), texts=texts, scale=fields.Nested(scale, allow_none=True),
        choices=fields.List(Code(), allow_none=True), concern=fields.List(Code(), allow_none=True))
    survey = schema(
        "Survey", __doc__="A survey: when it falls due for a pair (after_first_meeting; periodic: "
                          "first_after_days after the introduction, then every every_days; start_and_end), "
                          "who answers it, its questions.",
        id=Code(required=True), schedule=fields.String(required=True, validate=validate.OneOf(SURVEY_SCHEDULES)),
        respondents=fields.List(fields.String(validate=validate.OneOf(SURVEY_RESPONDENTS)), required=True),
        titles=texts, first_after_days=optional_int(1, 730), every_days=optional_int(1, 730),
        questions=fields.List(fields.Nested(question), required=True))
    surveys = schema(
        "Surveys", __doc__="Whether the programme runs surveys (default: no), and which (definitions "
                           "unset or null: the shipped set, docs/surveys.md).",
        enabled=fields.Boolean(), definitions=fields.List(fields.Nested(survey), allow_none=True))
    settings = schema(
        "Settings", __doc__="A programme's settings: dates, people, rules, content, matching, "
                            "notifications, surveys.",
        name=fields.String(required=True, validate=validate.Length(min=1, max=200)),
        description=fields.String(allow_none=True, validate=validate.Length(max=4000)),
        dates=fields.Nested(dates, required=True), people=fields.Nested(people),
        rules=fields.Nested(rules), content=fields.Nested(content, required=True),
        matching=fields.Nested(matching), introduction=fields.Nested(introduction),
        notifications=fields.Nested(notifications), surveys=fields.Nested(surveys))
    return {"Settings": settings, "Dates": dates}


#: The settings as stored in ``ProgrammeCreated``/``Updated``/``Cloned``.
ProgrammeSettingsPayload: Type[Schema] = settings_schemas(PayloadSchema, IsoDate, "Payload")["Settings"]


# ---------------------------------------------------------------------------------------------
# Tenant
# ---------------------------------------------------------------------------------------------


@event_type("TenantCreated", stream_type="tenant", service=SERVICE)
class TenantCreatedPayload(PayloadSchema):
    """An organisation opened its tenant. The stream id is the tenant's slug."""

    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(TENANT_KINDS))
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
# Programme
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
# Person
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
    external_id = fields.String(metadata={
        "description": "an e-course student's id in the learning platform (seed 004): unique in the programme; "
                       "absent when not given"})
    message_language = fields.String(allow_none=True, metadata={
        "description": "the language messages to them are written in: one of the programme's (default: the "
                       "first of their languages the programme offers); absent in events before it existed"})


def personal_field(schema: Type[Schema] = PersonalPayload, **kwargs) -> fields.Nested:
    """The ``personal`` field of a payload: ``schema`` in clear, encrypted on its way out."""
    return fields.Nested(schema, allow_none=True, load_default=None, metadata={
        "description": "personal data: encrypted per person, null once the person is erased"},
        **kwargs)


@event_type("PersonRegistered", stream_type="person", service=SERVICE)
class PersonRegisteredPayload(PayloadSchema):
    """Someone new registered: ``kind`` is individual or team; all of their personal data
    is under ``personal``."""

    kind = fields.String(required=True, validate=validate.OneOf(PERSON_KINDS))
    registered_at = IsoDateTime(required=True)
    personal = personal_field()


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
    personal = personal_field(HiddenAreasPayload)


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
    personal = personal_field(TeamNeedPersonalPayload)


@event_type("ConsentGiven", stream_type="person", service=SERVICE)
class ConsentGivenPayload(PayloadSchema):
    """A consent was given (by a guardian or the mentee); it covers every programme whose
    start falls in ``valid_from``..``valid_until`` (one school year)."""

    programme_id = fields.String(required=True)
    given_by = fields.String(required=True, validate=validate.OneOf(CONSENT_GIVERS))
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
    personal = personal_field(VettingPersonalPayload)


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
    personal = personal_field(PersonalChangesPayload)


class WithdrawalPersonalPayload(PayloadSchema):
    reason = fields.String(allow_none=True)


@event_type("ParticipantWithdrew", stream_type="person", service=SERVICE)
class ParticipantWithdrewPayload(PayloadSchema):
    """A participant left a programme (a free-text reason, if any, is personal)."""

    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    withdrawn_at = IsoDateTime(required=True)
    personal = personal_field(WithdrawalPersonalPayload)


@event_type("PersonErased", stream_type="person", service=SERVICE)
class PersonErasedPayload(PayloadSchema):
    """A person's data was erased on request: their personal data can no longer be read,
    and they left the programmes listed."""

    erased_at = IsoDateTime(required=True)
    programme_ids = fields.List(fields.String(), required=True)


# ---------------------------------------------------------------------------------------------
# A programme's staff (a person stream too: their name and e-mail are personal)
# ---------------------------------------------------------------------------------------------


class StaffPersonalPayload(ContactPayload):
    """A staff member's name, e-mail and phone (encrypted per person)."""


class _StaffPayload(PayloadSchema):
    programme_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLES))


@event_type("StaffMemberAdded", stream_type="person", service=SERVICE)
class StaffMemberAddedPayload(_StaffPayload):
    """A person joined a programme's staff as its coordinator or (an e-course's) teacher.
    ``personal``: their name and e-mail (for someone already known: only what changed, or null)."""

    language = fields.String(required=True, validate=validate.OneOf(MESSAGE_LANGUAGES), metadata={
        "description": "the language messages to them are written in"})
    added_at = IsoDateTime(required=True)
    personal = personal_field(StaffPersonalPayload)


@event_type("StaffMemberChanged", stream_type="person", service=SERVICE)
class StaffMemberChangedPayload(_StaffPayload):
    """A staff member's role in a programme, their language or their personal data changed:
    ``role`` and ``language`` are the new ones, ``changed`` names what differs, ``personal``
    holds only the personal data that changed."""

    language = fields.String(required=True, validate=validate.OneOf(MESSAGE_LANGUAGES))
    changed = fields.List(fields.String(), required=True)
    changed_at = IsoDateTime(required=True)
    personal = personal_field(StaffPersonalPayload)


@event_type("StaffMemberRemoved", stream_type="person", service=SERVICE)
class StaffMemberRemovedPayload(_StaffPayload):
    """A person left a programme's staff: a coordinator took them off (``removed``), or they
    were erased (``erased``: one per programme, just before ``PersonErased``)."""

    reason = fields.String(required=True, validate=validate.OneOf(STAFF_REMOVAL_REASONS))
    removed_at = IsoDateTime(required=True)


#: Every event type registration publishes, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    event_type_of(schema): schema for schema in (
        TenantCreatedPayload, TenantKeyRotatedPayload, ProgrammeCreatedPayload,
        ProgrammeUpdatedPayload, ProgrammeClonedPayload, PersonRegisteredPayload,
        MentorRegisteredPayload, MenteeRegisteredPayload, TeamRegisteredPayload,
        TeamNeedSetPayload, ConsentGivenPayload, ConsentWithdrawnPayload,
        TrainingCompletedPayload, VettingRecordedPayload, ProfileUpdatedPayload,
        ParticipantWithdrewPayload, PersonErasedPayload, StaffMemberAddedPayload,
        StaffMemberChangedPayload, StaffMemberRemovedPayload)
}
