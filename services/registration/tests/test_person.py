"""The Person aggregate: registration, consent, training, vetting, profile, withdrawal, erasure."""
from datetime import date
from typing import Any, List

import pytest

from services.registration.domain import (
    MENTEE,
    MENTOR,
    TEAM,
    Person,
    RuleBroken,
    ValidationFailed,
    age_on,
    school_year_of,
)
from services.registration.tests.builders import (
    NOW,
    adult,
    at,
    e_course_settings,
    fold,
    new_id,
    organisational_settings,
    profile,
    programme,
    pupil,
    school_settings,
    team_personal,
    tenant,
    youth_mentoring_settings,
)

BEFORE_CLOSE = at("2025-01-20T09:00")


def register(person, prog, role, personal=None, now=BEFORE_CLOSE, **profile_changes):
    """Register and fold; the events are returned for inspection."""
    if personal is None and not person.exists:
        personal = pupil() if role == MENTEE else team_personal() if role == TEAM else adult()
    events = person.register(programme=prog, role=role, personal=personal,
                             profile=profile(**profile_changes), now=now)
    fold(person, events)
    return events


@pytest.fixture
def school():
    return programme(school_settings())


@pytest.fixture
def mentor(school):
    person = Person(new_id())
    register(person, school, MENTOR)
    return person


@pytest.fixture
def mentee(school):
    person = Person(new_id())
    register(person, school, MENTEE, community=[])
    return person


# --- registration -----------------------------------------------------------------------------

def test_a_first_registration_records_the_person_then_their_part(school):
    person = Person(new_id())
    events = register(person, school, MENTOR, capacity=3)

    assert [e.event_type for e in events] == ["PersonRegistered", "MentorRegistered"]
    assert {e.stream_id for e in events} == {person.id}
    registered, mentor_registered = (e.payload for e in events)
    assert registered["kind"] == "individual"
    assert registered["personal"]["name"] == "Ona Petraitienė"
    assert mentor_registered == {
        "programme_id": school.id, "registered_at": BEFORE_CLOSE.isoformat(),
        "age_at_start": 44,
        "profile": {"languages": ["lt"], "areas": ["career", "studies"], "place": "Vilnius",
                    "remote": True, "hours_per_week": 2, "community": ["alumni"],
                    "preferred_mentors": [], "excluded_mentors": [], "never_pair_with": [],
                    "capacity": 3, "message_language": "lt"}}
    assert person.takes_part_in(school.id)
    assert person.participations[school.id].role == MENTOR
    assert person.version == 2


def test_a_mentor_who_gives_no_capacity_gets_the_programmes_default(school):
    person = Person(new_id())
    events = person.register(programme=school, role=MENTOR, personal=adult(),
                             profile={"languages": ["lt"], "community": ["parent"]}, now=BEFORE_CLOSE)
    assert events[-1].payload["profile"]["capacity"] == 1


def test_a_known_person_joins_another_programme_without_repeating_personal_data(mentor):
    autumn = programme(school_settings(2025) | {"name": "Autumn"})
    events = register(mentor, autumn, MENTOR)
    assert [e.event_type for e in events] == ["MentorRegistered"]
    assert len(mentor.participations) == 2


def test_personal_data_changed_on_a_later_registration_is_recorded(mentor):
    other = programme(school_settings())
    events = register(mentor, other, MENTOR, personal={"email": "ona@new.lt"})
    assert [e.event_type for e in events] == ["ProfileUpdated", "MentorRegistered"]
    assert events[0].payload["personal"] == {"email": "ona@new.lt"}
    assert mentor.personal["email"] == "ona@new.lt"


def test_registration_is_refused_once_the_window_has_closed(school):
    with pytest.raises(RuleBroken) as refused:
        register(Person(new_id()), school, MENTOR, now=at("2025-02-08T10:00"))
    assert refused.value.field == "role"
    assert refused.value.message == "mentor registration closed on 2025-02-07 (Europe/Vilnius)"


def test_pupils_may_register_at_any_time_in_a_rolling_programme(school):
    person = Person(new_id())
    events = register(person, school, MENTEE, now=at("2025-03-20T10:00"), community=[])
    assert events[-1].event_type == "MenteeRegistered"


def test_age_is_measured_when_meetings_start(school):
    turns_15_on_the_first_day = pupil(born="2010-03-01")
    events = register(Person(new_id()), school, MENTEE, personal=turns_15_on_the_first_day,
                      community=[])
    assert events[-1].payload["age_at_start"] == 15


@pytest.mark.parametrize("born, age, limit", [("2010-03-02", 14, "15-18"), ("2006-02-28", 19, "15-18")])
def test_a_mentee_outside_the_age_limits_is_told_their_age_and_the_limit(school, born, age, limit):
    with pytest.raises(RuleBroken) as refused:
        register(Person(new_id()), school, MENTEE, personal=pupil(born=born), community=[])
    assert refused.value.field == "personal.date_of_birth"
    assert refused.value.details == {"age": age, "minimum": 15, "maximum": 18,
                                     "measured_on": "2025-03-01"}
    assert f"must be {limit} years old" in refused.value.message
    assert f"will be {age}" in refused.value.message


def test_a_mentor_younger_than_20_is_refused_in_youth_mentoring():
    youth = programme(youth_mentoring_settings(), tenant("jaunatne", "Europe/Riga", "foundation", "lv"))
    with pytest.raises(RuleBroken) as refused:
        register(Person(new_id()), youth, MENTOR, personal=adult(born="2005-03-02"),
                 languages=["lv"], areas=["education"])
    assert refused.value.details["age"] == 19
    assert "at least 20" in refused.value.message


def test_every_problem_of_a_registration_is_reported_at_once(school):
    with pytest.raises(ValidationFailed) as refused:
        Person(new_id()).register(
            programme=school, role=MENTEE, now=BEFORE_CLOSE,
            personal={"name": "", "email": "not-an-address", "date_of_birth": "2008-13-01",
                      "shoe_size": 42},
            profile={"languages": ["fr", "xx"], "areas": ["career", "cooking", "career"],
                     "hours_per_week": -1, "capacity": 2, "never_pair_with": ["my-dad"]})
    assert refused.value.errors == {
        "personal.name": ["must not be empty"],
        "personal.email": ["must be an e-mail address"],
        "personal.date_of_birth": ["must be a date (YYYY-MM-DD)"],
        "personal.shoe_size": ["unknown field"],
        "profile.languages": ["must include one of the programme's languages (lt, en)"],
        "profile.languages.1": ["must be an ISO 639-1 language code"],
        "profile.areas.1": ["is not an area of this programme "
                            "(studies, exams, career, law, medicine)"],
        "profile.areas.2": ["is listed twice"],
        "profile.hours_per_week": ["must be between 0 and 168"],
        "profile.never_pair_with.0": ["must be a person id (uuid)"],
        "profile.capacity": ["is for mentors only"],
    }


def test_a_mentors_capacity_must_lie_in_the_programmes_range(school):
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), school, MENTOR, capacity=4)
    assert refused.value.errors == {"profile.capacity": ["must be between 1 and 3"]}


def test_a_contact_needs_an_email_or_a_phone(school):
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), school, MENTOR, personal={"name": "Ona", "date_of_birth": "1980-01-01"})
    assert refused.value.errors == {"personal.email": [
        "an e-mail address or a phone number is required"]}


def test_a_mentee_needs_a_guardian_when_a_guardian_consents(school):
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), school, MENTEE, personal=pupil(guardian=False), community=[])
    assert list(refused.value.errors) == ["personal.guardian"]


def test_an_adult_mentee_needs_no_guardian_where_only_minors_need_one():
    youth = programme(youth_mentoring_settings(), tenant("jaunatne", "Europe/Riga", "foundation", "lv"))
    events = register(Person(new_id()), youth, MENTEE, personal=pupil(born="2004-01-01", guardian=False),
                      languages=["lv"], areas=["goals", "finance"])
    assert events[-1].payload["consent_required"] is False

    with pytest.raises(ValidationFailed):
        register(Person(new_id()), youth, MENTEE, personal=pupil(born="2010-01-01", guardian=False),
                 languages=["lv"], areas=["goals"])


def test_a_minor_has_a_guardian_even_where_nobody_consents():
    course = programme(e_course_settings(), tenant("routes", "Europe/Riga", "course_provider", "lv"))
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), course, MENTEE, personal=pupil(born="2009-01-01", guardian=False),
                 languages=["lv"], areas=[])
    assert refused.value.errors == {"personal.guardian": [
        "a guardian's name and contact are required for a minor"]}
    adult_student = register(Person(new_id()), course, MENTEE, languages=["lv"], areas=[],
                             personal=pupil(born="2000-01-01", guardian=False))
    assert adult_student[-1].payload["consent_required"] is False


def test_school_mentors_come_from_the_schools_community(school):
    with pytest.raises(RuleBroken) as refused:
        register(Person(new_id()), school, MENTOR, community=["neighbour"])
    assert refused.value.field == "profile.community"
    assert refused.value.details == {"accepted": ["alumni", "parent"]}


def test_a_parent_mentor_is_never_paired_with_their_own_child(school):
    parent = Person(new_id())
    child = Person(new_id())
    register(parent, school, MENTOR, community=["parent"], never_pair_with=[child.id])
    events = register(child, school, MENTEE, community=[], never_pair_with=[parent.id])
    assert events[-1].payload["profile"]["never_pair_with"] == [parent.id]
    assert parent.participations[school.id].profile["never_pair_with"] == [child.id]


def test_preferences_name_other_people_and_do_not_contradict(school):
    person = Person(new_id())
    liked = new_id()
    with pytest.raises(ValidationFailed) as refused:
        register(person, school, MENTEE, community=[], preferred_mentors=[liked, person.id],
                 excluded_mentors=[liked])
    assert refused.value.errors == {
        "profile.preferred_mentors": ["must not name the person themself"],
        "profile.excluded_mentors": [f"also preferred: {liked}"]}


def test_mentors_do_not_state_preferred_mentors(school):
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), school, MENTOR, preferred_mentors=[new_id()])
    assert list(refused.value.errors) == ["profile.preferred_mentors"]


def test_nobody_takes_part_twice_in_one_programme(mentor, school):
    with pytest.raises(RuleBroken) as refused:
        register(mentor, school, MENTEE)
    assert refused.value.field == "programme_id"
    assert "as mentor" in refused.value.message


def test_a_mentor_registers_without_any_mentee_in_sight(school):
    """Mentors wait in the reserve register: there is no rule about mentees here."""
    events = register(Person(new_id()), school, MENTOR)
    assert events[-1].event_type == "MentorRegistered"


def test_an_unknown_role_is_invalid(school):
    with pytest.raises(ValidationFailed) as refused:
        Person(new_id()).register(programme=school, role="teacher", personal=adult(),
                                  profile=profile(), now=BEFORE_CLOSE)
    assert list(refused.value.errors) == ["role"]


# --- teams (seed 003) -------------------------------------------------------------------------

@pytest.fixture
def ngo_programme():
    return programme(organisational_settings(), tenant("olf", "Europe/Vilnius", "foundation"))


def test_a_team_registers_with_its_members_and_their_size(ngo_programme):
    team = Person(new_id())
    events = register(team, ngo_programme, TEAM, personal=team_personal(3), community=[],
                      areas=["strategy"])
    assert [e.event_type for e in events] == ["PersonRegistered", "TeamRegistered"]
    assert events[0].payload["kind"] == "team"
    assert len(events[0].payload["personal"]["members"]) == 3
    assert events[1].payload["team_size"] == 3
    assert events[1].payload["age_at_start"] is None


@pytest.mark.parametrize("members, leaders, message", [
    (1, 1, "a team has 2-4 members, not 1"),
    (5, 1, "a team has 2-4 members, not 5"),
    (3, 0, "at least 1 member(s) must hold a leading role in the organisation"),
])
def test_a_team_has_two_to_four_members_and_a_leader(ngo_programme, members, leaders, message):
    with pytest.raises(ValidationFailed) as refused:
        register(Person(new_id()), ngo_programme, TEAM, personal=team_personal(members, leaders),
                 community=[], areas=["strategy"])
    assert refused.value.errors == {"personal.members": [message]}


def test_a_team_programme_takes_teams_not_single_mentees(ngo_programme, school):
    with pytest.raises(RuleBroken) as refused:
        register(Person(new_id()), ngo_programme, MENTEE, community=[], areas=["strategy"])
    assert refused.value.field == "role"
    with pytest.raises(RuleBroken):
        register(Person(new_id()), school, TEAM)


def test_the_coordinator_sets_a_teams_capacity_building_need(ngo_programme):
    team = Person(new_id())
    register(team, ngo_programme, TEAM, community=[], areas=["strategy"])
    events = team.set_team_need(programme=ngo_programme, areas=["fundraising", "communication"],
                                note="No fundraising plan yet", now=at("2025-03-10T10:00"))
    # the coordinator's note is personal (encrypted in the store, gone with an erasure)
    assert events[0].payload == {"programme_id": ngo_programme.id,
                                 "areas": ["fundraising", "communication"],
                                 "personal": {"note": "No fundraising plan yet"},
                                 "set_at": "2025-03-10T10:00:00+00:00"}
    fold(team, events)
    assert team.participations[ngo_programme.id].team_need == {
        "areas": ["fundraising", "communication"], "note": "No fundraising plan yet"}

    with pytest.raises(ValidationFailed) as refused:
        team.set_team_need(programme=ngo_programme, areas=["baking"], now=NOW)
    assert list(refused.value.errors) == ["areas.0"]


def test_only_teams_have_a_capacity_building_need(mentor, school):
    with pytest.raises(RuleBroken):
        mentor.set_team_need(programme=school, areas=["career"], now=NOW)


# --- consent ----------------------------------------------------------------------------------

def test_a_guardians_consent_covers_the_school_year(mentee, school):
    events = mentee.give_consent(programme=school, given_by="guardian", now=at("2025-01-25T10:00"))
    assert events[0].payload == {
        "programme_id": school.id, "given_by": "guardian", "valid_from": "2024-09-01",
        "valid_until": "2025-08-31", "given_at": "2025-01-25T10:00:00+00:00"}
    fold(mentee, events)
    assert mentee.consent_valid(date(2025, 3, 1))
    assert not mentee.consent_missing(school, on=date(2025, 1, 25))


def test_one_consent_serves_every_programme_of_a_school_year_but_not_the_next(school):
    autumn_2024 = school_settings(2025)
    autumn_2024["name"] = "Autumn 2024"
    autumn_2024["dates"] = {"mentee_registration_closes": "2024-10-01", "meetings_start": "2024-10-15",
                            "meetings_end": "2024-12-20", "rolling_registration": True}
    autumn_2024["rules"]["training"] = {"rule": "not_required"}
    autumn = programme(autumn_2024)
    spring = school
    next_spring = programme(school_settings(2026))

    pupil_ = Person(new_id())
    register(pupil_, autumn, MENTEE, community=[], now=at("2024-09-20T10:00"))
    fold(pupil_, pupil_.give_consent(programme=autumn, given_by="guardian", now=at("2024-09-21T10:00")))
    register(pupil_, spring, MENTEE, now=at("2025-01-10T10:00"), community=[])
    register(pupil_, next_spring, MENTEE, now=at("2026-01-10T10:00"), community=[])

    assert pupil_.consent_valid(autumn.start) and pupil_.consent_valid(spring.start)
    assert not pupil_.consent_missing(spring, on=date(2025, 1, 10))
    assert pupil_.give_consent(programme=spring, given_by="guardian", now=NOW) == [], "already covered"
    assert not pupil_.consent_valid(next_spring.start)
    assert pupil_.consent_missing(next_spring, on=date(2026, 1, 10))


def test_a_minor_cannot_consent_for_themself():
    youth = programme(youth_mentoring_settings(), tenant("jaunatne", "Europe/Riga", "foundation", "lv"))
    minor = Person(new_id())
    register(minor, youth, MENTEE, personal=pupil(born="2010-01-01"), languages=["lv"], areas=["peers"])
    with pytest.raises(RuleBroken) as refused:
        minor.give_consent(programme=youth, given_by="self", now=BEFORE_CLOSE)
    assert refused.value.field == "given_by"

    grown_up = Person(new_id())
    register(grown_up, youth, MENTEE, personal=pupil(born="2003-01-01"), languages=["lv"], areas=["peers"])
    assert grown_up.give_consent(programme=youth, given_by="self", now=BEFORE_CLOSE)


def test_consent_needs_a_known_giver_and_a_participation(mentee, school):
    with pytest.raises(ValidationFailed):
        mentee.give_consent(programme=school, given_by="neighbour", now=NOW)
    with pytest.raises(RuleBroken, match="does not take part"):
        mentee.give_consent(programme=programme(school_settings(2026)), given_by="guardian", now=NOW)


def test_a_withdrawn_consent_stops_counting_from_that_day(mentee, school):
    fold(mentee, mentee.give_consent(programme=school, given_by="guardian", now=BEFORE_CLOSE))
    events = mentee.withdraw_consent(programme=school, now=at("2025-03-10T10:00"))
    assert events[0].payload["withdrawn_on"] == "2025-03-10"
    fold(mentee, events)

    assert mentee.consent_valid(date(2025, 3, 9))
    assert not mentee.consent_valid(date(2025, 3, 10))
    assert mentee.consent_missing(school, on=date(2025, 3, 10))
    assert not mentee.consent_missing(school, on=date(2025, 3, 9))
    with pytest.raises(RuleBroken, match="no consent"):
        mentee.withdraw_consent(programme=school, now=at("2025-03-11T10:00"))
    assert mentee.give_consent(programme=school, given_by="guardian", now=at("2025-03-12T10:00"))


def test_school_years_start_on_the_configured_day():
    assert school_year_of(date(2025, 3, 1), 9, 1) == (date(2024, 9, 1), date(2025, 8, 31))
    assert school_year_of(date(2025, 9, 1), 9, 1) == (date(2025, 9, 1), date(2026, 8, 31))
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


# --- training and vetting ---------------------------------------------------------------------

def test_a_mentor_completes_the_seminar(mentor, school):
    events = mentor.complete_training(programme=school, completed_on=date(2025, 2, 14),
                                      now=at("2025-02-14T18:00"))
    assert events[0].payload["completed_on"] == "2025-02-14"
    fold(mentor, events)
    assert mentor.participations[school.id].training_completed_on == date(2025, 2, 14)
    assert mentor.complete_training(programme=school, completed_on=date(2025, 2, 14), now=NOW) == []


def test_training_cannot_be_completed_in_the_future_or_by_a_mentee(mentor, mentee, school):
    with pytest.raises(RuleBroken) as refused:
        mentor.complete_training(programme=school, completed_on=date(2025, 2, 14), now=NOW)
    assert refused.value.field == "completed_on"
    with pytest.raises(RuleBroken, match="for mentors"):
        mentee.complete_training(programme=school, completed_on=date(2025, 1, 1), now=NOW)


def test_a_background_check_is_recorded_with_its_reference_kept_personal(mentor, school):
    events = mentor.record_vetting(programme=school, cleared=True, checked_on=date(2025, 1, 10),
                                   reference="IeM-2025-0042", now=NOW)
    assert events[0].event_type == "VettingRecorded"
    assert events[0].payload["cleared"] is True
    assert events[0].payload["personal"] == {"reference": "IeM-2025-0042"}
    fold(mentor, events)
    assert mentor.vetting.cleared and mentor.vetting.reference == "IeM-2025-0042"


def test_checks_are_for_mentors_and_not_in_the_future(mentor, mentee, school):
    with pytest.raises(RuleBroken):
        mentee.record_vetting(programme=school, cleared=True, checked_on=date(2025, 1, 1), now=NOW)
    with pytest.raises(RuleBroken):
        mentor.record_vetting(programme=school, cleared=True, checked_on=date(2025, 12, 1), now=NOW)


# --- profile ----------------------------------------------------------------------------------

def test_a_profile_change_carries_the_whole_new_profile(mentee, school):
    events = mentee.update_profile(programme=school, profile={"areas": ["law", "career"]}, now=NOW)
    payload = events[0].payload
    assert payload["changed"] == ["areas"]
    assert payload["profile"]["areas"] == ["law", "career"]
    assert payload["profile"]["place"] == "Vilnius"
    assert payload["personal"] is None
    fold(mentee, events)
    assert mentee.participations[school.id].profile["areas"] == ["law", "career"]


def test_a_profile_change_is_checked_like_a_registration(mentee, school):
    with pytest.raises(ValidationFailed) as refused:
        mentee.update_profile(programme=school, profile={"areas": ["juggling"]}, now=NOW)
    assert list(refused.value.errors) == ["profile.areas.0"]
    with pytest.raises(ValidationFailed):
        mentee.update_profile(profile={"areas": ["law"]}, now=NOW)


def test_personal_changes_are_recorded_under_personal_only(mentee):
    events = mentee.update_profile(personal={"phone": "+370 600 12345"}, now=NOW)
    assert events[0].payload == {"programme_id": None, "profile": None, "changed": ["phone"],
                                 "updated_at": NOW.isoformat(),
                                 "personal": {"phone": "+370 600 12345"}}


def test_the_date_of_birth_and_a_needed_guardian_cannot_be_removed(mentee):
    with pytest.raises(ValidationFailed) as refused:
        mentee.update_profile(personal={"date_of_birth": "2007-01-01"}, now=NOW)
    assert refused.value.errors == {"personal.date_of_birth": ["cannot be changed"]}
    with pytest.raises(ValidationFailed) as refused:
        mentee.update_profile(personal={"guardian": None}, now=NOW)
    assert list(refused.value.errors) == ["personal.guardian"]


def test_nothing_changed_nothing_recorded(mentee, school):
    assert mentee.update_profile(programme=school, profile={"place": "Vilnius"}, now=NOW) == []


# --- withdrawal -------------------------------------------------------------------------------

def test_a_participant_withdraws_and_may_come_back(mentor, school):
    events = mentor.withdraw(programme_id=school.id, now=NOW, reason="Moving abroad")
    assert events[0].payload == {"programme_id": school.id, "role": MENTOR,
                                 "withdrawn_at": NOW.isoformat(),
                                 "personal": {"reason": "Moving abroad"}}
    fold(mentor, events)
    assert not mentor.takes_part_in(school.id)
    with pytest.raises(RuleBroken):
        mentor.withdraw(programme_id=school.id, now=NOW)
    assert register(mentor, school, MENTOR)[-1].event_type == "MentorRegistered"


# --- sensitive needs (seeds 000, 002) ---------------------------------------------------------

def test_sensitive_needs_go_only_under_personal_of_a_private_event(school):
    person = Person(new_id())
    events = person.register(programme=school, role=MENTEE, personal=pupil(),
                             profile=profile(community=[]), now=BEFORE_CLOSE,
                             sensitive_needs={"disability": "Uses a wheelchair"})
    assert [e.event_type for e in events] == ["PersonRegistered", "MenteeRegistered",
                                              "SensitiveNeedsRecorded"]
    assert events[-1].payload == {"programme_id": school.id, "recorded_at": BEFORE_CLOSE.isoformat(),
                                  "personal": {"needs": {"disability": "Uses a wheelchair"}}}
    fold(person, events)
    assert person.sensitive_needs[school.id] == {"disability": "Uses a wheelchair"}


def test_sensitive_needs_are_named_kinds(mentee, school):
    with pytest.raises(ValidationFailed) as refused:
        mentee.record_sensitive_needs(programme=school, needs={"religion": "x"}, now=NOW)
    assert refused.value.errors == {"sensitive_needs.religion": ["unknown field"]}
    with pytest.raises(ValidationFailed):
        mentee.record_sensitive_needs(programme=school, needs={}, now=NOW)


# --- erasure ----------------------------------------------------------------------------------

def test_an_erased_person_holds_no_personal_data_and_refuses_every_command(mentee, school):
    fold(mentee, mentee.record_sensitive_needs(programme=school, needs={"social_risk": "x"}, now=NOW))
    events = mentee.erase(now=NOW)
    assert events[0].payload == {"erased_at": NOW.isoformat(), "programme_ids": [school.id]}
    fold(mentee, events)

    assert mentee.erased and mentee.personal is None and mentee.sensitive_needs == {}
    assert not mentee.takes_part_in(school.id)
    commands = [
        lambda: mentee.register(programme=school, role=MENTEE, profile=profile(), now=NOW),
        lambda: mentee.give_consent(programme=school, given_by="guardian", now=NOW),
        lambda: mentee.update_profile(personal={"name": "X"}, now=NOW),
        lambda: mentee.withdraw(programme_id=school.id, now=NOW),
        lambda: mentee.erase(now=NOW),
    ]
    for command in commands:
        with pytest.raises(RuleBroken, match="erased"):
            command()


def test_an_erased_persons_history_replays_without_its_personal_data(school):
    """Crypto-shredding: after erasure the store hands back ``personal = None``."""
    person = Person(new_id())
    history = register(person, school, MENTOR)
    history += person.record_vetting(programme=school, cleared=True, checked_on=date(2025, 1, 1),
                                     reference="REF-1", now=NOW)
    fold(person, history[-1:])
    history += person.update_profile(personal={"email": "new@example.lt"}, now=NOW)
    fold(person, history[-1:])
    history += person.erase(now=NOW)
    shredded = [e if "personal" not in e.payload else
                type(e)(e.event_type, e.stream_type, e.stream_id, {**e.payload, "personal": None})
                for e in history]

    replayed = Person.from_events(shredded[0].stream_id, shredded)
    assert replayed.erased and replayed.personal is None
    assert replayed.vetting is not None
    assert replayed.vetting.cleared and replayed.vetting.reference is None
    assert replayed.participations[school.id].age_at_start == 44
    assert replayed.version == len(history)


def test_a_stranger_cannot_be_erased():
    with pytest.raises(RuleBroken, match="does not exist"):
        Person(new_id()).erase(now=NOW)


# --- aggregate plumbing -----------------------------------------------------------------------

def test_commands_do_not_change_the_aggregate_until_their_events_are_applied(school):
    person = Person(new_id())
    person.register(programme=school, role=MENTOR, personal=adult(), profile=profile(), now=NOW)
    assert person.version == 0 and not person.exists


def test_events_of_another_stream_are_refused(mentor, mentee):
    event = mentee.withdraw(programme_id=next(iter(mentee.participations)), now=NOW)[0]
    with pytest.raises(ValueError):
        mentor.apply(event)


def test_an_empty_stream_needs_its_id():
    assert Person.from_events("p", []).id == "p"
    events_only: List[Any] = [[]]  # as an untyped caller might pass them
    with pytest.raises(TypeError):  # the one signature: the stream's id, then its events
        Person.from_events(*events_only)


def test_the_e_course_mentor_can_follow_a_whole_group():
    course = programme(e_course_settings(), tenant("routes", "Europe/Riga", "course_provider", "lv"))
    events = register(Person(new_id()), course, MENTOR, personal=adult(), languages=["lv"], areas=[],
                      capacity=60, community=[])
    assert events[-1].payload["profile"]["capacity"] == 60
