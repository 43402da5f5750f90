"""A programme's staff (coordinators, an e-course's teachers) as people: added, changed,
removed, erased; and a participant's language for messages."""
import pytest

from services.registration.domain import MENTEE, MENTOR, Person, RuleBroken, ValidationFailed
from services.registration.tests.builders import (
    NOW,
    adult,
    e_course_settings,
    fold,
    new_id,
    profile,
    programme,
    pupil,
    school_settings,
)

RUTA = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt"}


@pytest.fixture
def school():
    return programme(school_settings())


def staffed(prog, role="coordinator", **kwargs):
    person = Person(new_id())
    fold(person, person.add_to_staff(programme=prog, role=role, personal=RUTA, now=NOW, **kwargs))
    return person


def test_a_coordinator_is_a_person_whose_name_and_email_are_personal(school):
    person = Person(new_id())
    [added] = person.add_to_staff(programme=school, role="coordinator", personal=RUTA, language="lv", now=NOW)
    assert added.event_type == "StaffMemberAdded" and added.stream_type == "person"
    assert added.payload["personal"] == RUTA  # the part the store encrypts
    assert (added.payload["role"], added.payload["language"], added.payload["programme_id"]) == (
        "coordinator", "lv", school.id)
    assert "Rūta" not in str({k: v for k, v in added.payload.items() if k != "personal"})


def test_the_language_defaults_to_the_programmes_first_that_messages_are_written_in(school):
    assert school.current_settings.content.languages[0] == "lt"
    assert staffed(school).staff_language == "lt"
    settings = school_settings()
    settings["content"]["languages"] = ["ru", "lv"]
    for area in settings["content"]["areas"]:
        area["labels"] = {"lv": "x"}
    assert staffed(programme(settings)).staff_language == "lv"


def test_staff_input_is_checked_field_by_field(school):
    with pytest.raises(ValidationFailed) as refused:
        Person(new_id()).add_to_staff(programme=school, role="janitor", language="ru",
                                      personal={"name": "", "email": "not-an-address"}, now=NOW)
    assert set(refused.value.errors) == {"role", "language", "personal.name", "personal.email"}
    with pytest.raises(ValidationFailed) as missing:
        Person(new_id()).add_to_staff(programme=school, role="coordinator", now=NOW)
    assert set(missing.value.errors) == {"personal.name", "personal.email"}


def test_teachers_belong_to_e_courses(school):
    with pytest.raises(ValidationFailed, match="group programmes"):
        Person(new_id()).add_to_staff(programme=school, role="teacher", personal=RUTA, now=NOW)
    course = programme(e_course_settings())
    assert staffed(course, role="teacher").staff[course.id].role == "teacher"


def test_one_person_on_several_programmes_staff_and_once_each(school):
    person = staffed(school)
    other = programme(school_settings())
    fold(person, person.add_to_staff(programme=other, role="coordinator", now=NOW))
    assert {pid for pid, duty in person.staff.items() if duty.active} == {school.id, other.id}
    with pytest.raises(RuleBroken, match="already on the staff"):
        person.add_to_staff(programme=school, role="coordinator", now=NOW)


def test_a_change_says_what_changed_and_nothing_changed_writes_nothing(school):
    person = staffed(school)
    [changed] = person.change_staff(programme=school, language="en", personal={"email": "ruta.k@example.lt"},
                                    now=NOW)
    assert changed.payload["changed"] == ["language", "personal.email"]
    assert changed.payload["personal"] == {"email": "ruta.k@example.lt"}
    fold(person, [changed])
    assert person.change_staff(programme=school, language="en", now=NOW) == []
    with pytest.raises(ValidationFailed):
        person.change_staff(programme=school, personal={"email": None}, now=NOW)


def test_removed_from_one_programme_and_erased_from_all(school):
    person = staffed(school)
    other = programme(school_settings())
    fold(person, person.add_to_staff(programme=other, role="coordinator", now=NOW))
    fold(person, person.remove_from_staff(programme_id=other.id, now=NOW))
    with pytest.raises(RuleBroken, match="not on the staff"):
        person.remove_from_staff(programme_id=other.id, now=NOW)
    erased = person.erase(now=NOW)
    assert [(e.event_type, e.payload.get("programme_id"), e.payload.get("reason")) for e in erased] == [
        ("StaffMemberRemoved", school.id, "erased"), ("PersonErased", None, None)]
    fold(person, erased)
    assert person.personal is None and not any(d.active for d in person.staff.values())


def test_staff_and_participants_are_kept_apart(school):
    coordinator = staffed(school)
    with pytest.raises(RuleBroken, match="staff cannot register"):
        coordinator.register(programme=school, role=MENTOR, personal=adult(), profile=profile(), now=NOW)
    with pytest.raises(RuleBroken, match="staff"):
        coordinator.update_profile(personal={"name": "X"}, now=NOW)
    mentor = Person(new_id())
    fold(mentor, mentor.register(programme=school, role=MENTOR, personal=adult(), profile=profile(), now=NOW))
    with pytest.raises(RuleBroken, match="participant cannot be made staff"):
        mentor.add_to_staff(programme=school, role="coordinator", now=NOW)


# -- a participant's language for messages -------------------------------------------------------

def test_the_message_language_defaults_to_the_first_of_theirs_the_programme_offers(school):
    person = Person(new_id())
    events = person.register(programme=school, role=MENTEE, personal=pupil(),
                             profile=profile(languages=["ru", "en", "lt"]), now=NOW)
    assert events[-1].payload["profile"]["message_language"] == "en"  # ru: not the programme's


def test_a_chosen_message_language_must_be_the_programmes(school):
    person = Person(new_id())
    events = person.register(programme=school, role=MENTEE, personal=pupil(),
                             profile=profile(languages=["lt", "en"], message_language="en"), now=NOW)
    assert events[-1].payload["profile"]["message_language"] == "en"
    with pytest.raises(ValidationFailed) as refused:
        Person(new_id()).register(programme=school, role=MENTEE, personal=pupil(),
                                  profile=profile(languages=["lt"], message_language="de"), now=NOW)
    assert "profile.message_language" in refused.value.errors
    fold(person, events)
    [changed] = person.update_profile(programme=school, profile={"message_language": "lt"}, now=NOW)
    assert changed.payload["profile"]["message_language"] == "lt" and "message_language" in changed.payload["changed"]
