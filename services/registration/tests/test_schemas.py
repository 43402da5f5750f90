"""Input schemas (strict) and payload schemas (the event catalogue)."""
import json
from datetime import date

import pytest

from services.contracts import registration as contracts
from services.platform_core.events import CATALOGUE
from services.registration import schemas
from services.registration.domain import MENTEE, MENTOR, TEAM, Person, Programme, Tenant, ValidationFailed
from services.registration.schemas import load_input, validate_payload
from services.registration.tests.builders import (
    NOW,
    adult,
    at,
    new_id,
    organisational_settings,
    programme,
    pupil,
    school_settings,
    team_personal,
    tenant,
)

EVENT_NAMES = {
    "TenantCreated": "public", "TenantKeyRotated": "internal",
    "ProgrammeCreated": "public", "ProgrammeUpdated": "public", "ProgrammeCloned": "public",
    "PersonRegistered": "public", "MentorRegistered": "public", "MenteeRegistered": "public",
    "TeamRegistered": "public", "TeamNeedSet": "public", "ConsentGiven": "public",
    "ConsentWithdrawn": "public", "TrainingCompleted": "public", "VettingRecorded": "internal",
    "ProfileUpdated": "public", "ParticipantWithdrew": "public",
    "SensitiveNeedsRecorded": "private", "PersonErased": "public",
    "StaffMemberAdded": "public", "StaffMemberChanged": "public", "StaffMemberRemoved": "public",
}


def test_every_event_type_is_in_the_catalogue_with_its_visibility():
    registered = {t.name: t.visibility for t in CATALOGUE if t.service == "registration"}
    assert registered == EVENT_NAMES
    for name in EVENT_NAMES:
        event_type = CATALOGUE.get(name)
        assert event_type.description, f"{name} is documented"
        assert event_type.stream_type in ("tenant", "programme", "person")


# --- input ------------------------------------------------------------------------------------

def test_a_programme_body_loads_into_what_the_domain_takes():
    body = json.loads(json.dumps(school_settings()))
    loaded = load_input(schemas.CreateProgrammeInput, body)
    assert loaded["dates"]["meetings_start"] == date(2025, 3, 1)
    created = Programme("p").create(tenant=tenant(), settings=loaded, now=NOW)
    assert Programme.from_events(created[0].stream_id, created).current_settings.dates.closing_event == date(2025, 5, 5)


def test_input_names_every_bad_field_and_refuses_unknown_ones():
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.CreateProgrammeInput, {
            "dates": {"meetings_start": "March", "when": "soon"},
            "content": {"languages": ["qq"], "areas": [{"id": "Bad Id", "labels": {"lt": "x"}}]},
            "matching": {"mode": "lottery", "weights": {"areas": -1}},
            "colour": "blue"})
    assert refused.value.errors == {
        "name": ["Missing data for required field."],
        "dates.meetings_start": ["Not a valid date."],
        "dates.when": ["Unknown field."],
        "content.languages.0": ["Not an ISO 639-1 language code."],
        "content.areas.0.id": ["Not a valid code (lower-case letters, digits, '_' or '-')."],
        "matching.mode": ["Must be one of: automatic, coordinator_approves, mentee_chooses, "
                          "coordinator_assigns."],
        "matching.weights.areas.value": ["Must be greater than or equal to 0 and less than or "
                                         "equal to 100."],
        "colour": ["Unknown field."],
    }


def test_an_update_body_is_partial_but_still_strict():
    assert load_input(schemas.UpdateProgrammeInput, {"dates": {"meetings_end": "2025-04-29"}}) == {
        "dates": {"meetings_end": date(2025, 4, 29)}}
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.UpdateProgrammeInput, {"dates": {"meeting_end": "2025-04-29"}})
    assert refused.value.errors == {"dates.meeting_end": ["Unknown field."]}


def test_a_clone_body():
    assert load_input(schemas.CloneProgrammeInput, {"shift_months": 12}) == {
        "shift_months": 12, "shift_days": 0}


def test_a_tenant_body_is_checked_field_by_field():
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.CreateTenantInput, {"slug": "A", "name": "", "kind": "club",
                                               "default_language": "de", "time_zone": "Nowhere"})
    assert set(refused.value.errors) == {"slug", "name", "kind", "default_language", "time_zone"}


def test_a_registration_body_goes_straight_to_the_domain():
    school = programme(school_settings())
    body = {"programme_id": school.id, "personal": pupil(),
            "profile": {"languages": ["lt"], "areas": ["law"], "remote": True},
            "sensitive_needs": {"accessibility": "Large print"}}
    command = load_input(schemas.RegisterMenteeInput, body)
    events = Person(new_id()).register(programme=school, role=MENTEE, now=at("2025-01-20T10:00"),
                                       personal=command["personal"], profile=command["profile"],
                                       sensitive_needs=command["sensitive_needs"])
    assert events[0].payload["personal"]["date_of_birth"] == "2008-09-10"
    assert [e.event_type for e in events][-1] == "SensitiveNeedsRecorded"


def test_a_registration_body_reports_everything_wrong():
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.RegisterMentorInput, {
            "programme_id": "42",
            "personal": {"name": "Ona", "email": "ona@", "date_of_birth": "17.05.1980"},
            "profile": {"languages": [], "never_pair_with": ["dad"], "capacity": "3"},
            "note": "hi"})
    assert refused.value.errors == {
        "programme_id": ["Not a valid id (uuid)."],
        "personal.email": ["Not a valid email address."],
        "personal.date_of_birth": ["Not a valid date."],
        "profile.languages": ["Shorter than minimum length 1."],
        "profile.never_pair_with.0": ["Not a valid id (uuid)."],
        "profile.capacity": ["Not a valid integer."],
        "note": ["Unknown field."],
    }


def test_a_team_body_needs_members():
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.RegisterTeamInput, {"programme_id": new_id(),
                                               "personal": {"name": "Epilė", "members": []},
                                               "profile": {"languages": ["lt"]}})
    assert refused.value.errors == {"personal.members": ["Length must be between 1 and 50."]}


@pytest.mark.parametrize("schema, body", [
    (schemas.GiveConsentInput, {"programme_id": "p", "given_by": "uncle"}),
    (schemas.CompleteTrainingInput, {"programme_id": "p", "completed_on": "yesterday"}),
    (schemas.RecordVettingInput, {"programme_id": "p", "cleared": "maybe"}),
    (schemas.SetTeamNeedInput, {"programme_id": "p", "areas": []}),
    (schemas.WithdrawInput, {"programme_id": "p", "why": "x"}),
    (schemas.WithdrawConsentInput, {}),
    (schemas.RecordSensitiveNeedsInput, {"programme_id": "p", "needs": {"religion": "x"}}),
    (schemas.UpdateProfileInput, {"personal": {"date_of_birth": "2000-01-01"}}),
])
def test_every_command_body_is_strict(schema, body):
    with pytest.raises(ValidationFailed) as refused:
        load_input(schema, body)
    assert refused.value.errors


def test_command_bodies_load():
    pid = new_id()
    assert load_input(schemas.CompleteTrainingInput, {"programme_id": pid, "completed_on": "2025-02-14"}) \
        == {"programme_id": pid, "completed_on": date(2025, 2, 14)}
    assert load_input(schemas.UpdateProfileInput, {"programme_id": pid, "profile": {"areas": ["law"]}}) \
        == {"programme_id": pid, "profile": {"areas": ["law"]}}


# --- payloads ---------------------------------------------------------------------------------

def every_kind_of_event():
    """A history touching every event type the service emits."""
    events = []

    def record(aggregate, new):
        aggregate.apply_all(new)
        events.extend(new)

    record(Tenant("fresh"), Tenant("fresh").create(name="Fresh", kind="ngo", default_language="en",
                                                   time_zone="UTC", now=NOW))
    owner = tenant()
    record(owner, owner.rotate_key(key_id="k1", api_key="s" * 40, now=NOW))
    school = Programme(new_id())
    record(school, school.create(tenant=owner, settings=school_settings(), now=NOW))
    record(school, school.update(changes={"name": "Renamed"}, now=NOW))
    events.extend(school.clone(new_programme_id=new_id(), now=NOW, shift_months=12))

    when = at("2025-01-20T10:00")
    mentor, pupil_ = Person(new_id()), Person(new_id())
    record(mentor, mentor.register(programme=school, role=MENTOR, personal=adult(), now=when,
                                   profile={"languages": ["lt"], "community": ["alumni"]}))
    record(pupil_, pupil_.register(programme=school, role=MENTEE, personal=pupil(), now=when,
                                   profile={"languages": ["lt"], "areas": ["law"]},
                                   sensitive_needs={"health": "Asthma"}))
    record(mentor, mentor.complete_training(programme=school, completed_on=date(2025, 1, 20), now=when))
    record(mentor, mentor.record_vetting(programme=school, cleared=True, checked_on=date(2025, 1, 2),
                                         reference="REF-77", now=when))
    record(pupil_, pupil_.give_consent(programme=school, given_by="guardian", now=when))
    record(pupil_, pupil_.withdraw_consent(programme=school, now=when))
    record(mentor, mentor.update_profile(programme=school, profile={"areas": ["career"]},
                                         personal={"phone": "+370 611 11111"}, now=when))
    record(mentor, mentor.withdraw(programme_id=school.id, now=when, reason="Busy"))
    record(pupil_, pupil_.erase(now=when))

    ngo = programme(organisational_settings())
    team = Person(new_id())
    record(team, team.register(programme=ngo, role=TEAM, personal=team_personal(), now=when,
                               profile={"languages": ["lt"]}))
    record(team, team.set_team_need(programme=ngo, areas=["strategy"], now=when))

    coordinator = Person(new_id())
    record(coordinator, coordinator.add_to_staff(programme=school, role="coordinator", language="lt", now=when,
                                                 personal={"name": "Rūta", "email": "ruta@example.lt"}))
    record(coordinator, coordinator.add_to_staff(programme=ngo, role="coordinator", now=when))
    record(coordinator, coordinator.change_staff(programme=school, language="en", now=when,
                                                 personal={"phone": "+370 600 00000"}))
    record(coordinator, coordinator.remove_from_staff(programme_id=ngo.id, now=when))
    record(coordinator, coordinator.erase(now=when))
    return events


@pytest.fixture(scope="module")
def history():
    return every_kind_of_event()


def test_the_history_covers_every_event_type(history):
    assert {e.event_type for e in history} == set(EVENT_NAMES)


def test_every_payload_validates_against_its_schema(history):
    for event in history:
        assert validate_payload(event) == {}, event.event_type
        assert CATALOGUE.get(event.event_type).stream_type == event.stream_type


def test_every_payload_is_plain_json(history):
    for event in history:
        assert json.loads(json.dumps(event.payload)) == event.payload, event.event_type


def test_personal_data_appears_only_under_personal(history):
    secrets = ["Ona", "Petraitien", "ona@example", "+370", "1980-05-17", "Jonas", "jonas@",
               "2008-09-10", "Rasa", "rasa@", "Asthma", "REF-77", "Busy", "Epil", "Member",
               "epile.lt"]
    for event in history:
        outside = json.dumps({k: v for k, v in event.payload.items() if k != "personal"})
        for secret in secrets:
            assert secret not in outside, f"{secret!r} outside personal in {event.event_type}"


def test_sensitive_facts_only_travel_in_private_events(history):
    for event in history:
        if "Asthma" in json.dumps(event.payload):
            assert CATALOGUE.get(event.event_type).visibility == "private"


def test_consumers_read_payloads_tolerantly():
    payload = {"erased_at": NOW.isoformat(), "programme_ids": [], "added_in_v2": True}
    assert contracts.PersonErasedPayload().load(payload) == {"erased_at": NOW.isoformat(),
                                                           "programme_ids": []}


def test_a_shredded_personal_loads_as_null():
    payload = {"kind": "individual", "registered_at": NOW.isoformat(), "personal": None}
    assert contracts.PersonRegisteredPayload().load(payload)["personal"] is None


def test_payload_dates_stay_iso_strings_and_must_be_valid():
    good = {"programme_id": "p", "completed_on": "2025-02-14", "recorded_at": NOW.isoformat()}
    assert contracts.TrainingCompletedPayload().load(good) == good
    assert contracts.TrainingCompletedPayload().dump({**good, "completed_on": date(2025, 2, 14)}) == good
    assert validate_payload(type("E", (), {"event_type": "TrainingCompleted", "payload": {
        **good, "completed_on": "14/02/2025", "recorded_at": "2025-02-14T10:00"}})()) == {
        "completed_on": ["Not a valid date (YYYY-MM-DD)."],
        "recorded_at": ["Not a valid ISO 8601 date-time with a time zone."]}
