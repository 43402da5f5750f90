from datetime import date

import pytest

from services.registration.domain import (
    MENTEE,
    MENTOR,
    TEAM,
    Programme,
    ProgrammeSettings,
    RuleBroken,
    Tenant,
    ValidationFailed,
    add_months,
)
from services.registration.tests.builders import (
    NOW,
    at,
    e_course_settings,
    new_id,
    organisational_settings,
    programme,
    school_settings,
    tenant,
)


def errors_of(settings):
    with pytest.raises(ValidationFailed) as refused:
        ProgrammeSettings.from_dict(settings)
    return refused.value.errors


def test_a_programme_records_its_settings_and_its_tenants_time_zone():
    owner = tenant(time_zone="Europe/Vilnius")
    events = Programme("p-1").create(tenant=owner, settings=school_settings(), now=NOW)

    assert [e.event_type for e in events] == ["ProgrammeCreated"]
    created = Programme.from_events(events[0].stream_id, events)
    assert created.time_zone == "Europe/Vilnius"
    assert created.current_settings.name.startswith("VJG")
    assert created.start == date(2025, 3, 1)
    assert created.area_ids == ("studies", "exams", "career", "law", "medicine")


def test_settings_survive_the_trip_through_an_event_payload():
    settings = ProgrammeSettings.from_dict(school_settings())
    assert ProgrammeSettings.from_dict(settings.to_dict()) == settings


def test_a_programme_needs_an_existing_tenant():
    with pytest.raises(RuleBroken, match="tenant"):
        Programme("p").create(tenant=Tenant("ghost"), settings=school_settings(), now=NOW)


def test_a_programme_is_created_once():
    existing = programme(school_settings())
    with pytest.raises(RuleBroken, match="already exists"):
        existing.create(tenant=tenant(), settings=school_settings(), now=NOW)


def test_every_problem_of_the_settings_is_named_by_its_dotted_path():
    settings = school_settings()
    settings["name"] = ""
    settings["dates"]["mentee_registration_closes"] = "1 February"
    settings["dates"]["meetings_end"] = "2025-02-01"
    settings["people"]["mentee_min_age"] = 19
    settings["people"]["mentor_capacity"] = {"min": 3, "max": 1}
    settings["rules"]["consent"]["rule"] = "sometimes"
    settings["content"]["languages"] = ["lt", "xx"]
    settings["content"]["areas"].append({"id": "career", "labels": {"lt": "Dar kartą"}})
    settings["matching"]["weights"]["charm"] = 3
    settings["matching"]["colour"] = "blue"

    assert errors_of(settings) == {
        "name": ["must not be empty"],
        "dates.mentee_registration_closes": ["must be a date (YYYY-MM-DD)"],
        "dates.meetings_end": ["must not be before meetings_start (2025-03-01)"],
        "dates.mentor_registration_closes": ["must not be after meetings_end (2025-02-01)"],
        "people.mentee_max_age": ["must not be before mentee_min_age (19)"],
        "people.mentor_capacity.max": ["must not be less than min (3)"],
        "rules.consent.rule": ["must be one of: none, guardian_for_minors, guardian_for_all"],
        "content.languages.1": ["must be an ISO 639-1 language code"],
        "content.areas.5.id": ["is used by another area"],
        "matching.weights.charm": ["is not a score part (areas, language, place, preferences)"],
        "matching.colour": ["unknown field"],
    }


def test_the_grace_period_is_thirty_days_unless_the_programme_sets_it_and_travels_in_the_events():
    created = Programme("p-1").create(tenant=tenant(), settings=school_settings(), now=NOW)
    assert created[0].payload["settings"]["content"]["cadence"]["grace_days"] == 30
    school = programme(school_settings())
    [updated] = school.update(changes={"content": {"cadence": {"grace_days": 14}}}, now=NOW)
    assert updated.payload["changed"] == ["content.cadence.grace_days"]
    assert updated.payload["settings"]["content"]["cadence"]["grace_days"] == 14
    assert updated.payload["settings"]["content"]["cadence"]["min_per_month"] == 2, "the rest is kept"
    school.apply_all([updated])
    assert school.current_settings.content.cadence.grace_days == 14


@pytest.mark.parametrize("given, problem", [
    (-1, "must be between 0 and 180"), (181, "must be between 0 and 180"),
    ("two weeks", "must be a whole number"), (14.5, "must be a whole number"), (True, "must be a whole number")])
def test_a_grace_period_out_of_range_is_named_by_its_path(given, problem):
    settings = school_settings()
    settings["content"]["cadence"]["grace_days"] = given
    assert errors_of(settings) == {"content.cadence.grace_days": [problem]}


def test_registration_must_close_after_it_opens_and_before_the_round():
    settings = school_settings()
    settings["dates"].update(mentor_registration_opens="2025-02-10",
                             mentor_registration_closes="2025-02-07",
                             matching_round="2025-02-05")
    errors = errors_of(settings)
    assert errors["dates.mentor_registration_closes"] == [
        "must not be before mentor_registration_opens (2025-02-10)"]
    assert errors["dates.matching_round"] == [
        "must not be before mentor_registration_closes (2025-02-07)"]


def test_matching_cannot_open_after_the_meetings_end():
    settings = school_settings()
    settings["dates"].update(matching_opens="2025-05-02", matching_round=None)
    assert errors_of(settings)["dates.meetings_end"] == [
        "must not be before matching_opens (2025-05-02)"]


def test_meetings_must_last_at_least_the_minimum_duration():
    settings = organisational_settings()
    settings["dates"]["meetings_end"] = "2025-08-30"
    assert "less than the minimum duration of 6 months" in errors_of(settings)["dates.meetings_end"][0]


def test_training_due_before_matching_cannot_be_after_the_round():
    settings = school_settings()
    settings["rules"]["training"] = {"rule": "before_matching", "seminar_date": "2025-02-25"}
    assert errors_of(settings) == {"rules.training.seminar_date": [
        "must not be after dates.matching_round (2025-02-21): training is due before matching"]}


def test_a_team_programme_needs_a_team_size_and_others_must_not_have_one():
    settings = organisational_settings()
    del settings["people"]["team_size"]
    assert errors_of(settings) == {"people.team_size": ["is required when matching."
                                                        "participant_kind is team"]}
    settings = school_settings()
    settings["people"]["team_size"] = {"min": 2, "max": 4}
    assert errors_of(settings)["people.team_size"] == [
        "is only for programmes whose participants are teams"]


def test_team_leaders_must_fit_in_the_smallest_team():
    settings = organisational_settings()
    settings["people"]["team_leaders_min"] = 3
    assert errors_of(settings) == {"people.team_leaders_min": ["must not exceed team_size.min (2)"]}


def test_a_group_is_not_matched_by_area_and_does_not_choose():
    settings = e_course_settings()
    assert ProgrammeSettings.from_dict(settings).matching.weights["areas"] == 0
    settings["matching"].update(weights={"areas": 5}, mode="mentee_chooses")
    assert set(errors_of(settings)) == {"matching.weights.areas", "matching.mode"}


def test_areas_need_labels_in_a_programme_language():
    settings = school_settings()
    settings["content"]["areas"] = [{"id": "art", "labels": {"fr": "Art"}},
                                    {"id": "music", "labels": {"zz": "?", "lt": ""}}]
    assert errors_of(settings) == {
        "content.areas.0.labels": ["needs a label in one of the programme's languages (lt, en)"],
        "content.areas.1.labels.zz": ["is not an ISO 639-1 language code"],
        "content.areas.1.labels.lt": ["must be a non-empty string"],
    }


def test_wrong_types_are_named_not_crashed_on():
    assert errors_of({"name": 3, "dates": "soon", "content": {"languages": "lt"},
                      "people": {"mentor_min_age": "20", "mentor_capacity": {"max": True}},
                      "rules": {"vetting_required": "yes"}}) == {
        "name": ["must be a string"],
        "dates": ["must be an object"],
        "dates.meetings_start": ["is required"],
        "content.languages": ["must be a list"],
        "people.mentor_min_age": ["must be a whole number"],
        "people.mentor_capacity.max": ["must be a whole number"],
        "rules.vetting_required": ["must be true or false"],
    }


def test_the_school_year_start_must_be_a_real_day():
    settings = school_settings()
    settings["rules"]["consent"]["school_year_starts"] = {"month": 2, "day": 30}
    assert errors_of(settings) == {"rules.consent.school_year_starts.day": ["is not a day of month 2"]}


# --- registration windows ---------------------------------------------------------------------

def test_the_closing_day_is_open_until_its_last_instant_in_the_tenants_time_zone():
    school = programme(school_settings(), tenant(time_zone="Europe/Vilnius"))  # UTC+2 in winter

    assert school.registration_open(MENTOR, at("2025-02-07T21:59:59.999+00:00"))
    assert school.registration_open(MENTOR, at("2025-02-07T23:59:59.999+02:00"))
    assert not school.registration_open(MENTOR, at("2025-02-07T22:00:00+00:00"))
    assert not school.registration_open(MENTOR, at("2025-02-08T00:00:00+02:00"))


def test_a_window_opens_at_the_start_of_its_first_day():
    settings = school_settings()
    settings["dates"]["mentor_registration_opens"] = "2025-01-20"
    school = programme(settings, tenant(time_zone="Europe/Vilnius"))

    assert not school.registration_open(MENTOR, at("2025-01-19T21:59:59+00:00"))
    assert school.registration_open(MENTOR, at("2025-01-19T22:00:00+00:00"))
    assert school.registration_refusal(MENTOR, at("2025-01-10T10:00")) == \
        "mentor registration opens on 2025-01-20"


def test_rolling_registration_takes_mentees_but_not_mentors_after_the_close():
    school = programme(school_settings())
    after_both = at("2025-03-10T10:00")

    assert school.registration_open(MENTEE, after_both)
    assert not school.registration_open(MENTOR, after_both)
    assert school.registration_refusal(MENTOR, after_both) == \
        "mentor registration closed on 2025-02-07 (Europe/Vilnius)"
    assert not school.registration_open(MENTEE, at("2025-05-02T10:00")), "meetings have ended"


def test_without_rolling_registration_mentees_are_refused_after_the_close():
    settings = school_settings()
    settings["dates"]["rolling_registration"] = False
    assert not programme(settings).registration_open(MENTEE, at("2025-02-02T10:00"))


def test_teams_use_the_mentees_window():
    teams = programme(organisational_settings())
    assert teams.registration_open(TEAM, at("2025-02-15T20:00"))
    assert not teams.registration_open(TEAM, at("2025-02-16T10:00"))


# --- update -----------------------------------------------------------------------------------

def test_an_update_changes_some_settings_and_names_them():
    school = programme(school_settings())
    events = school.update(changes={"dates": {"matching_round": date(2025, 2, 20)},
                                    "people": {"mentor_capacity": {"max": 2}}}, now=NOW)

    assert events[0].event_type == "ProgrammeUpdated"
    assert events[0].payload["changed"] == ["dates.matching_round", "people.mentor_capacity.max"]
    school.apply_all(events)
    assert school.current_settings.dates.matching_round == date(2025, 2, 20)
    assert school.current_settings.people.mentor_capacity.max == 2
    assert school.current_settings.people.mentor_capacity.min == 1, "the rest is kept"
    assert school.version == 2


def test_an_update_is_validated_as_a_whole():
    school = programme(school_settings())
    with pytest.raises(ValidationFailed) as refused:
        school.update(changes={"dates": {"meetings_start": "2025-05-10"}}, now=NOW)
    assert refused.value.errors == {
        "dates.meetings_end": ["must not be before meetings_start (2025-05-10)"],
        "dates.closing_event": ["must not be before meetings_start (2025-05-10)"]}


def test_once_people_take_part_what_they_were_checked_against_stays():
    school = programme(school_settings())
    free_before = school.update(changes={"dates": {"meetings_start": "2025-03-03"}}, now=NOW)
    assert free_before[0].payload["changed"] == ["dates.meetings_start"]  # nobody registered yet
    with pytest.raises(RuleBroken) as refused:
        school.update(changes={"dates": {"meetings_start": "2025-03-03"},
                               "rules": {"consent": {"rule": "guardian_for_minors"}}},
                      now=NOW, taking_part=3)
    assert refused.value.details["fixed"] == ["dates.meetings_start", "rules.consent.rule"]
    assert "clone the programme" in refused.value.message
    kept_areas = [a for a in school_settings()["content"]["areas"] if a["id"] != "law"]
    with pytest.raises(RuleBroken) as dropped:
        school.update(changes={"content": {"areas": kept_areas}}, now=NOW, taking_part=3,
                      areas_in_use={"law", "career"})
    assert dropped.value.details["areas_in_use"] == ["law"] and dropped.value.field == "content.areas"
    # the rest may change while people take part
    assert school.update(changes={"people": {"mentor_capacity": {"max": 2}}}, now=NOW, taking_part=3,
                         areas_in_use={"law"})


def test_an_update_that_changes_nothing_emits_nothing():
    school = programme(school_settings())
    assert school.update(changes={"content": {"remote_allowed": True}}, now=NOW) == []


def test_a_programme_that_does_not_exist_cannot_be_updated():
    with pytest.raises(RuleBroken, match="does not exist"):
        Programme(new_id()).update(changes={"name": "x"}, now=NOW)


# --- clone ------------------------------------------------------------------------------------

def test_a_clone_for_next_year_is_a_new_stream_with_every_date_shifted():
    spring = programme(school_settings(2025))
    clone_id = new_id()
    events = spring.clone(new_programme_id=clone_id, now=NOW, shift_months=12,
                          name="VJG mentorystės programa, pavasaris 2026")

    assert [(e.event_type, e.stream_id) for e in events] == [("ProgrammeCloned", clone_id)]
    assert events[0].payload["cloned_from"] == spring.id
    clone = Programme.from_events(events[0].stream_id, events)
    assert clone.cloned_from == spring.id
    assert clone.time_zone == spring.time_zone
    assert clone.current_settings.dates.mentor_registration_closes == date(2026, 2, 7)
    assert clone.current_settings.rules.training.seminar_date == date(2026, 2, 14)
    assert clone.current_settings.name.endswith("2026")
    assert clone.current_settings.content == spring.current_settings.content
    assert spring.version == 1, "the source is untouched"


def test_a_clone_can_replace_single_dates_and_is_validated():
    spring = programme(school_settings(2025))
    events = spring.clone(new_programme_id=new_id(), now=NOW, shift_months=6,
                          dates={"closing_event": "2025-11-06"})
    assert Programme.from_events(events[0].stream_id, events).current_settings.dates.closing_event == date(2025, 11, 6)

    with pytest.raises(ValidationFailed) as refused:
        spring.clone(new_programme_id=new_id(), now=NOW, dates={"meetings_end": "2024-01-01"})
    assert "dates.meetings_end" in refused.value.errors


def test_a_clone_needs_a_new_id():
    spring = programme(school_settings())
    with pytest.raises(RuleBroken):
        spring.clone(new_programme_id=spring.id, now=NOW)


def test_months_are_added_clamped_to_the_end_of_the_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 15), -3) == date(2024, 12, 15)
