"""Every kind of programme in the seeds is expressible as programme settings."""
from datetime import date

import pytest

from services.registration.domain import GROUP, INDIVIDUAL, MENTEE, MENTOR, TEAM, Person, ProgrammeSettings, RuleBroken
from services.registration.tests.builders import (
    adult,
    at,
    e_course_settings,
    new_id,
    organisational_settings,
    programme,
    pupil,
    school_settings,
    team_personal,
    tenant,
    validated_youth_settings,
    youth_mentoring_settings,
)


def test_seed_000_youth_mentoring():
    settings = ProgrammeSettings.from_dict(youth_mentoring_settings())

    assert settings.people.mentor_min_age == 20
    assert settings.dates.duration_months is not None
    assert settings.dates.duration_months.to_dict() == {"min": 6, "max": 12}
    assert settings.content.cadence.min_per_month == 2
    assert settings.content.cadence.meeting_minutes == 60
    assert settings.content.cadence.remote_counts is False
    assert len(settings.content.areas) == 11
    assert settings.content.areas[0].labels == {"en": "Education", "lv": "Izglītība"}
    assert settings.rules.vetting_required
    assert settings.participant_kind == INDIVIDUAL


def test_seed_001_school_programme():
    settings = ProgrammeSettings.from_dict(school_settings())

    assert settings.dates.mentee_registration_closes == date(2025, 2, 1)
    assert settings.dates.mentor_registration_closes == date(2025, 2, 7)
    assert settings.dates.matching_round == date(2025, 2, 21)
    assert settings.dates.closing_event == date(2025, 5, 5)
    assert settings.dates.rolling_registration
    assert (settings.people.mentee_min_age, settings.people.mentee_max_age) == (15, 18)
    assert settings.people.mentor_capacity.to_dict() == {"min": 1, "max": 3, "default": 1}
    assert settings.people.mentor_communities == ("alumni", "parent")
    assert settings.rules.consent.rule == "guardian_for_all"
    assert settings.rules.training.seminar_minutes == 120
    assert settings.content.remote_allowed
    assert (settings.content.cadence.min_per_month, settings.content.cadence.max_per_month) == (2, 4)
    assert settings.matching.mode == "mentee_chooses"


def test_seed_002_validated_youth_mentoring():
    settings = ProgrammeSettings.from_dict(validated_youth_settings())

    assert (settings.people.mentee_min_age, settings.people.mentee_max_age) == (16, 24)
    assert settings.rules.vetting_required
    assert settings.rules.training.rule == "before_matching"
    assert settings.matching.mode == "coordinator_approves"
    assert "nl" in settings.content.languages


def test_seed_003_organisational_mentoring():
    settings = ProgrammeSettings.from_dict(organisational_settings())

    assert settings.participant_kind == TEAM
    assert settings.people.team_size is not None
    assert settings.people.team_size.to_dict() == {"min": 2, "max": 4}
    assert settings.people.team_leaders_min == 1
    assert settings.dates.duration_months is not None
    assert settings.dates.duration_months.to_dict() == {"min": 6, "max": 6}
    assert settings.matching.mode == "coordinator_assigns"
    assert settings.rules.consent.rule == "none"


def test_seed_004_e_learning_with_mentors():
    settings = ProgrammeSettings.from_dict(e_course_settings())

    assert settings.participant_kind == GROUP
    assert settings.people.mentor_capacity.max == 60
    assert settings.matching.weights["areas"] == 0
    assert settings.content.areas == ()
    assert settings.content.remote_allowed


# --- one registration through each kind -------------------------------------------------------

def test_seed_000_a_young_person_applies_themself_any_time():
    youth = programme(youth_mentoring_settings(), tenant("jaunatne", "Europe/Riga", "foundation", "lv"))
    person = Person(new_id())
    events = person.register(programme=youth, role=MENTEE, personal=pupil(born="2009-06-01"),
                             profile={"languages": ["lv"], "areas": ["education", "peers"]},
                             now=at("2025-06-01T10:00"),
                             sensitive_needs={"social_risk": "Family in crisis"})
    assert [e.event_type for e in events][-2:] == ["MenteeRegistered", "SensitiveNeedsRecorded"]
    assert events[1].payload["consent_required"] is True


def test_seed_002_a_school_leaver_of_24_is_welcome_and_of_25_is_not():
    second_chance = programme(validated_youth_settings(), tenant("vmpro", "Europe/Brussels", "ngo", "nl"))
    profile = {"languages": ["nl"], "areas": ["work"]}
    born_24 = {"name": "Sam", "email": "sam@example.be", "date_of_birth": "2000-06-01"}
    assert Person(new_id()).register(programme=second_chance, role=MENTEE, personal=born_24,
                                     profile=profile, now=at("2025-02-01T10:00"))
    with pytest.raises(RuleBroken) as refused:
        Person(new_id()).register(programme=second_chance, role=MENTEE,
                                  personal={**born_24, "date_of_birth": "2000-03-14"},
                                  profile=profile, now=at("2025-02-01T10:00"))
    assert refused.value.details["age"] == 25


def test_seed_003_a_team_and_a_mentor_register():
    ngo = programme(organisational_settings(), tenant("olf", "Europe/Vilnius", "foundation"))
    team = Person(new_id()).register(programme=ngo, role=TEAM, personal=team_personal(2),
                                     profile={"languages": ["lt"]}, now=at("2025-02-01T10:00"))
    mentor = Person(new_id()).register(programme=ngo, role=MENTOR, personal=adult(),
                                       profile={"languages": ["lt"], "areas": ["fundraising"]},
                                       now=at("2025-02-01T10:00"))
    assert team[-1].event_type == "TeamRegistered" and mentor[-1].event_type == "MentorRegistered"


def test_seed_004_students_of_the_course_register_without_areas():
    course = programme(e_course_settings(), tenant("routes", "Europe/Riga", "course_provider", "lv"))
    events = Person(new_id()).register(
        programme=course, role=MENTEE, personal=adult(born="1995-01-01"),
        profile={"languages": ["lv"], "hours_per_week": 5}, now=at("2025-02-01T10:00"))
    assert events[-1].payload["profile"]["areas"] == []
    assert events[-1].payload["consent_required"] is False
