"""An e-course's group introduction and a team's members, as rules: who is told, once each,
what each is given (whose contact), and every message rendered in every language with its
diacritics, no placeholder left and its HTML escaped."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any, Dict

import pytest

from services.contracts import notifications as contract
from services.notifications import rendering
from services.notifications.domain import (
    GROUP_INTRODUCTION,
    GROUP_JOINED,
    INTRODUCTION,
    KINDS,
    LANGUAGES,
    PAIRING_ENDED,
    ROLES,
    NoOneToTell,
    Recipient,
    confirmed_by_round,
    group_cause,
    groups_of,
    is_group_programme,
    is_team_programme,
    member_cause,
    member_places,
    message_context,
    message_id,
    next_steps,
    people_of,
    round_complete,
    round_expects,
    template_of,
    told_of_group,
    told_of_joining,
)

from .test_introduction import MENTOR, MINOR

SETTINGS: Dict[str, Any] = {
    "name": "Routes 4 <e-kurss>", "dates": {"meetings_start": "2025-03-01", "meetings_end": "2025-06-30"},
    "content": {"languages": ["lv", "en"], "remote_allowed": True}, "matching": {"participant_kind": "group"}}
PROGRAMME = next_steps(SETTINGS, SETTINGS["name"])
TEACHER = {"name": "Dace Kalniņa", "email": "dace@example.lv", "phone": None, "kind": "staff",
           "staff_role": "teacher", "language": "lv"}
COORDINATOR = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt", "phone": None, "kind": "staff",
               "staff_role": "coordinator", "language": "nl"}
ADULT = {"name": "Jānis Bērziņš", "email": "janis@example.lv", "phone": "+371 2000 0000", "minor": False,
         "guardian": None}
PEOPLE: Dict[str, Any] = {"m": MENTOR, "s1": ADULT, "s2": MINOR, "s3": {**ADULT, "name": "Zane Ērgle",
                                                                       "email": "zane@example.lv"},
                          "t": TEACHER, "c": COORDINATOR}
FACTS = {"mentor_id": "m", "mentee_ids": ["s1", "s2", "s3"]}
STAFF_CARDS = [TEACHER, COORDINATOR]
#: a phrase of each language's group introduction (in lv and lt: with its diacritics)
DIACRITICS = {"en": "Jānis Bērziņš", "lv": "Kā sazināties", "lt": "Kurso dėstytojas", "nl": "deadlines van de cursus"}


# -- who is told, once each ---------------------------------------------------------------------

def test_a_group_programme_and_a_pairing_confirmed_by_its_round():
    assert is_group_programme(SETTINGS) and not is_group_programme({"matching": {"participant_kind": "team"}})
    assert is_team_programme({"matching": {"participant_kind": "team"}}) and not is_team_programme(SETTINGS)
    assert confirmed_by_round({"origin": "round", "confirmed_by": "automatic"})
    assert not confirmed_by_round({"origin": "round", "confirmed_by": "coordinator"})  # a round's proposal approved
    assert not confirmed_by_round({"origin": "manual", "confirmed_by": "coordinator"})
    assert not confirmed_by_round({"origin": "placement", "confirmed_by": "automatic"})


def test_a_round_is_complete_once_its_event_and_every_pairing_it_confirmed_are_known():
    assert round_expects({"paired": 5, "confirmed": 3}) == 3
    assert round_expects({"paired": 5, "confirmed": None}) == 5  # an event from before `confirmed`
    assert round_expects({"paired": 4}) == 4
    assert not round_complete(False, None, 3)  # the pairings, not the round
    assert not round_complete(True, 3, 2)
    assert round_complete(True, 3, 3)
    assert round_complete(True, 0, 0)  # a round that paired nobody


def test_each_mentor_of_a_round_has_one_group_and_each_recipient_one_message():
    pairings = [("p3", "m2", "s3"), ("p1", "m1", "s2"), ("p2", "m1", "s1")]
    assert groups_of(pairings) == {"m1": [("s1", "p2"), ("s2", "p1")], "m2": [("s3", "p3")]}
    staff = [("c1", "coordinator"), ("t1", "teacher"), ("t1", "teacher")]
    told = told_of_group("m1", ["s1", "s2"], staff)
    assert told == [Recipient("s1", "mentee"), Recipient("s1", "guardian"), Recipient("s2", "mentee"),
                    Recipient("s2", "guardian"), Recipient("m1", "mentor"), Recipient("t1", "teacher"),
                    Recipient("c1", "coordinator")]
    # the teacher is told of each mentor's group once: the cause is the group, not the round
    causes = {group_cause("round-event", mentor) for mentor in ("m1", "m2")}
    assert len(causes) == 2 and group_cause("round-event", "m1") == group_cause("round-event", "m1")
    keys = {message_id(group_cause("round-event", mentor), r.recipient_id, r.role, GROUP_INTRODUCTION)
            for mentor in ("m1", "m2") for r in told_of_group(mentor, ["s1"], staff)}
    assert len(keys) == 2 * 5


def test_a_student_joining_outside_a_round_gets_the_introduction_and_the_mentor_a_note():
    told = told_of_joining("m", "s", [("t", "teacher"), ("c", "coordinator")])
    assert told == [(Recipient("s", "mentee"), INTRODUCTION), (Recipient("s", "guardian"), INTRODUCTION),
                    (Recipient("m", "mentor"), GROUP_JOINED), (Recipient("c", "coordinator"), INTRODUCTION)]
    assert people_of({"mentor_id": "m", "mentee_id": "s"}) == ["m", "s"]
    assert people_of(FACTS) == ["m", "s1", "s2", "s3"]


def test_the_notifications_contract_speaks_the_domains_words():
    assert contract.KINDS == KINDS and contract.ROLES == ROLES


# -- what each is given --------------------------------------------------------------------------

def context(role: str, recipient_id: str, people=PEOPLE, settings=SETTINGS) -> Dict[str, Any]:
    return message_context(kind=GROUP_INTRODUCTION, role=role, recipient_id=recipient_id, facts=FACTS,
                           people=people, programme=PROGRAMME, settings=settings, staff=STAFF_CARDS)


def test_a_student_is_given_the_mentor_and_the_teacher_and_no_other_students_contact():
    given = context("mentee", "s1")
    assert given["to"]["email"] == "janis@example.lv"
    assert given["mentor"]["email"] == MENTOR["email"]
    assert given["teachers"] == [{"name": "Dace Kalniņa", "email": "dace@example.lv"}]  # not the coordinator
    assert given["group_size"] == 3 and "students" not in given
    for language in LANGUAGES:
        text = rendering.render("group_introduction", language, given)["text"]
        assert "zane@example.lv" not in text and "Zane" not in text and "jonas@" not in text


def test_a_minors_guardian_is_told_and_an_adults_is_not():
    assert context("guardian", "s2")["to"]["email"] == "rasa@example.lt"
    with pytest.raises(NoOneToTell, match="no_guardian_to_tell"):
        context("guardian", "s1")


def test_the_mentor_gets_the_students_with_the_contact_the_programme_shares():
    given = context("mentor", "m")
    by_name = {s["name"]: s["contact"] for s in given["students"]}
    assert by_name["Jānis Bērziņš"]["email"] == "janis@example.lv"
    assert by_name["Jonas Jonaitis"]["email"] == "rasa@example.lt" and by_name["Jonas Jonaitis"]["via_guardian"]
    withheld = context("mentor", "m", settings={**SETTINGS, "introduction": {"share_guardian_contact": False}})
    assert [s["contact"]["withheld"] for s in withheld["students"]] == [False, True, False]


def test_the_staff_see_everyone_and_an_erased_student_is_named_as_erased():
    given = context("teacher", "t", people={**PEOPLE, "s3": None})
    assert given["to"]["email"] == "dace@example.lv" and given["mentor"]["email"] == MENTOR["email"]
    minor = given["students"][1]
    assert minor["contact"]["email"] == "jonas@example.lt"
    assert minor["contact"]["guardian"]["email"] == "rasa@example.lt"
    assert given["students"][2] == {"name": "", "erased": True, "contact": None, "minor": False}
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        context("coordinator", "gone")


def test_the_mentor_erased_leaves_the_students_without_a_group_message():
    with pytest.raises(NoOneToTell, match="other_side_erased"):
        context("mentee", "s1", people={**PEOPLE, "m": None})
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        context("mentor", "m", people={**PEOPLE, "m": None})


# -- rendered in every language ------------------------------------------------------------------

def mail(kind: str, role: str, language: str, given: Dict[str, Any]):
    message = rendering.mail(kind=template_of(kind, role), language=language, context=given,
                             sender="Mentoring <m@school.example>", message_id="id-1")
    return message_from_bytes(message.as_bytes(), policy=default)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role, recipient", [("mentee", "s1"), ("guardian", "s2"), ("mentor", "m"),
                                             ("teacher", "t"), ("coordinator", "c")])
def test_every_group_message_renders_in_every_language(role, recipient, language):
    parsed = mail(GROUP_INTRODUCTION, role, language, context(role, recipient))
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert parsed["Content-Language"] == language
    assert "{{" not in text and "{%" not in html and "None" not in text
    assert "Routes 4 &lt;e-kurss&gt;" in html and "<e-kurss>" not in html.replace("Routes 4 <e-kurss>", "")
    assert f'<html lang="{language}">' in html
    assert MENTOR["name"] in text
    if role in ("mentor", "teacher", "coordinator"):
        assert "Jānis Bērziņš" in text and "Zane Ērgle" in text  # the whole group listed
    if role == "mentee":
        assert DIACRITICS[language] in text or DIACRITICS[language] in str(parsed["Subject"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mentors_note_of_a_joining_student_renders_in_every_language(language):
    given = message_context(kind=GROUP_JOINED, role="mentor", recipient_id="m", facts={"mentor_id": "m",
                            "mentee_id": "s2"}, people=PEOPLE, programme=PROGRAMME, settings=SETTINGS)
    assert given["student"]["contact"]["via_guardian"]
    parsed = mail(GROUP_JOINED, "mentor", language, given)
    text = parsed.get_body(("plain",)).get_content()
    assert "Jonas Jonaitis" in str(parsed["Subject"]) and "rasa@example.lt" in text and "jonas@" not in text


# -- a team's members ----------------------------------------------------------------------------

TEAM = {"name": "Epilė", "email": "info@epile.lt", "phone": None, "minor": False, "guardian": None,
        "language": "lt", "members": [
            {"name": "Asta Vadovė", "email": "asta@epile.lt", "phone": None, "leader": True},
            {"name": "Rokas Narys", "email": "rokas@epile.lt", "phone": None, "leader": False},
            {"name": "Info", "email": "INFO@epile.lt", "phone": None, "leader": False},
            {"name": "Be pašto", "email": None, "phone": "+370 600 00000", "leader": False}]}
TEAM_SETTINGS = {"name": "NVO mentorystė", "people": {"team_size": {"min": 2, "max": 4}},
                 "matching": {"participant_kind": "team"}}


def member(place: int, team=TEAM) -> Dict[str, Any]:
    return message_context(kind=INTRODUCTION, role="member", recipient_id="team",
                           facts={"mentor_id": "m", "mentee_id": "team", "member": place},
                           people={"m": MENTOR, "team": team}, programme=PROGRAMME, settings=TEAM_SETTINGS)


def test_each_member_of_a_team_is_recorded_once_per_cause():
    assert member_places(TEAM_SETTINGS) == [0, 1, 2, 3]
    assert member_places({"matching": {"participant_kind": "team"}}) == [0, 1, 2, 3]
    causes = {member_cause("event-1", place) for place in member_places(TEAM_SETTINGS)}
    assert len(causes) == 4 and member_cause("event-1", 0) == member_cause("event-1", 0)
    assert template_of(INTRODUCTION, "member") == "introduction_member"


def test_a_leader_gets_the_mentors_contact_and_another_member_the_teams():
    leader, other = member(0), member(1)
    assert leader["to"]["email"] == "asta@epile.lt" and leader["mentor"]["contact"]["email"] == MENTOR["email"]
    assert other["to"]["email"] == "rokas@epile.lt" and other["mentor"]["contact"] is None
    assert other["team"]["email"] == "info@epile.lt"
    no_contact = member(1, team={**TEAM, "email": None})  # the team has no address: every member gets it
    assert no_contact["mentor"]["contact"]["email"] == MENTOR["email"]


@pytest.mark.parametrize("place, reason", [(2, "member_is_the_teams_contact"), (3, "no_address"),
                                           (4, "no_such_member")])
def test_a_member_with_no_message_of_their_own(place, reason):
    with pytest.raises(NoOneToTell, match=reason):
        member(place)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("place", [0, 1])
def test_a_members_introduction_renders_in_every_language(place, language):
    parsed = mail(INTRODUCTION, "member", language, member(place))
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Epilė" in text and str(MENTOR["name"]) in str(parsed["Subject"]) and "info@epile.lt" in text
    assert (str(MENTOR["email"]) in text) == (place == 0) and (str(MENTOR["email"]) in html) == (place == 0)
    assert "{{" not in text and f'<html lang="{language}">' in html


def member_ended(place: int, team=TEAM, mentor=MENTOR) -> Dict[str, Any]:
    return message_context(kind=PAIRING_ENDED, role="member", recipient_id="team",
                           facts={"mentor_id": "m", "mentee_id": "team", "member": place, "reason": "completed"},
                           people={"m": mentor, "team": team}, programme=PROGRAMME, settings=TEAM_SETTINGS)


@pytest.mark.parametrize("place, reason", [(2, "member_is_the_teams_contact"), (3, "no_address"),
                                           (4, "no_such_member")])
def test_the_same_members_are_told_of_the_end_as_of_the_introduction(place, reason):
    with pytest.raises(NoOneToTell, match=reason):
        member_ended(place)
    assert template_of(PAIRING_ENDED, "member") == "pairing_ended"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_member_is_told_of_the_teams_end_in_every_language_without_the_mentors_contact(language):
    given = member_ended(0)
    assert (given["to"]["email"], given["mentee_name"], given["other"]) == ("asta@epile.lt", "Epilė",
                                                                           {"name": MENTOR["name"]})
    parsed = mail(PAIRING_ENDED, "member", language, given)
    text = parsed.get_body(("plain",)).get_content()
    assert "Epilė" in text and str(MENTOR["name"]) in text and str(MENTOR["email"]) not in text
    assert "{{" not in text
    assert member_ended(1, mentor=None)["other"] == {"name": ""}  # the mentor erased: told all the same
