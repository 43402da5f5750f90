"""The rules of registration: plain Python, one idea a module.

Three event-sourced aggregates live here:

* :class:`Tenant` (stream ``tenant``/<slug>): an organisation that runs programmes.
* :class:`Programme` (stream ``programme``/<uuid>): one mentoring programme and its settings
  (dates, people, rules, content, matching), validated as a whole.
* :class:`Person` (stream ``person``/<uuid>): a mentor, a mentee or an organisation's team, with
  a :class:`Participation` per programme they take part in.

Every aggregate works the same way. Load it by folding its stream
(``Person.from_events(stream_id, events)``, the platform's one signature; an empty stream gives
a blank aggregate), call a command, and append the returned :class:`DomainEvent` list with
``expected_version = aggregate.version``. Commands never change the aggregate they are called on: state changes
only by :meth:`Aggregate.apply`. Time is always passed in (timezone-aware ``now``); dates that
matter to people (registration closing days, ages, school years) are read in the programme's
time zone.

Two exceptions tell the caller what went wrong: :class:`ValidationFailed` (the input is
incomplete or inconsistent, every problem named by its dotted field path; HTTP 400) and
:class:`RuleBroken` (the input is well formed but a rule of the programme says no; HTTP 422).

Personal data (names, contacts, date of birth, guardian, team members, free-text reasons,
sensitive needs) only ever travels under the one key ``payload["personal"]``, which the plumbing
encrypts with a per-person key; erasing a person deletes that key, so a replayed stream then
carries ``personal = None`` and every fold here copes with it. What matching needs in clear
(age at the programme's start, languages, ranked areas, place, ...) is put beside it.

Modules: :mod:`.errors` (the two refusals), :mod:`.vocabulary` (roles, kinds, rules, patterns),
:mod:`.days` (instants, ages, school years), :mod:`.reading` (reading input, every problem
by its path), :mod:`.aggregate` (the aggregate base), :mod:`.tenant`, :mod:`.settings` (a
programme's settings, validated as a whole), :mod:`.programme`, :mod:`.person_details`
(personal data and profile as a person gives them), :mod:`.participation` (a participation,
consents, vetting) and :mod:`.person`. Import from the package: every public name is here.
"""
from __future__ import annotations

from .aggregate import Aggregate
from .days import EARLIEST_DAY, LATEST_DAY, add_months, age_on, require_aware, school_year_of
from .errors import DomainError, RuleBroken, ValidationFailed
from .participation import Consent, Participation, Vetting
from .person import Person
from .person_details import (
    INDIVIDUAL_PERSONAL,
    PROFILE_AREAS,
    PROFILE_FIELDS,
    TEAM_PERSONAL,
    message_language,
    public_profile,
    with_hidden_areas,
)
from .programme import FIXED_ONCE_TAKEN, Programme
from .reading import Check
from .settings import (
    Area,
    Cadence,
    ConsentRule,
    Content,
    MatchingRules,
    MentorCapacity,
    PeopleRules,
    ProgrammeDates,
    ProgrammeSettings,
    Rules,
    Span,
    TrainingRule,
)
from .staff import STAFF_PERSONAL, StaffDuty, check_staff_input
from .tenant import Tenant, hash_api_key, valid_time_zone
from .vocabulary import (
    CODE,
    CONSENT_GIVERS,
    CONSENT_RULES,
    COORDINATOR,
    DEFAULT_WEIGHTS,
    EMAIL,
    GROUP,
    INDIVIDUAL,
    ISO_639_1,
    KEY_ID,
    MATCHING_MODES,
    MENTEE,
    MENTOR,
    PARTICIPANT_KINDS,
    PHONE,
    ROLES,
    SCORE_WEIGHTS,
    SENSITIVE_NEEDS,
    STAFF,
    STAFF_ROLES,
    SUPPORTED_LANGUAGES,
    TEACHER,
    TEAM,
    TENANT_KINDS,
    TENANT_SLUG,
    TRAINING_RULES,
)

__all__ = [
    "Aggregate",
    "EARLIEST_DAY", "LATEST_DAY", "add_months", "age_on", "require_aware", "school_year_of",
    "DomainError", "RuleBroken", "ValidationFailed",
    "Consent", "Participation", "Vetting",
    "Person",
    "INDIVIDUAL_PERSONAL", "PROFILE_AREAS", "PROFILE_FIELDS", "TEAM_PERSONAL", "message_language", "public_profile",
    "with_hidden_areas",
    "FIXED_ONCE_TAKEN", "Programme",
    "STAFF_PERSONAL", "StaffDuty", "check_staff_input",
    "Check",
    "Area", "Cadence", "ConsentRule", "Content", "MatchingRules", "MentorCapacity", "PeopleRules",
    "ProgrammeDates", "ProgrammeSettings", "Rules", "Span", "TrainingRule",
    "Tenant", "hash_api_key", "valid_time_zone",
    "CODE", "CONSENT_GIVERS", "CONSENT_RULES", "DEFAULT_WEIGHTS", "EMAIL", "GROUP", "INDIVIDUAL",
    "ISO_639_1", "KEY_ID", "MATCHING_MODES", "MENTEE", "MENTOR", "PARTICIPANT_KINDS", "PHONE",
    "ROLES", "SCORE_WEIGHTS", "SENSITIVE_NEEDS", "STAFF", "STAFF_ROLES", "SUPPORTED_LANGUAGES", "TEACHER",
    "TEAM", "TENANT_KINDS", "COORDINATOR",
    "TENANT_SLUG", "TRAINING_RULES",
]
