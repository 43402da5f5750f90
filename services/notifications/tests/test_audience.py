"""Who is told of a pairing's news (the sides, a minor's guardian, the coordinators), whose
contact a mentor is given (the programme's sharing settings), which language each message is in,
and the coordinator's introduction and the pairing's end rendered in every language."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any, Dict

import pytest

from services.notifications import rendering
from services.notifications.domain import (
    LANGUAGES,
    NoOneToTell,
    Recipient,
    choose_language,
    mentee_contact_for_mentor,
    message_context,
    message_id,
    next_steps,
    preferred_language,
    sharing_of,
    template_of,
    told_of_pairing,
)

from .test_introduction import ADULT_MENTEE, MENTOR, MINOR, SETTINGS

COORDINATOR = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt", "phone": None, "language": "nl",
               "kind": "staff", "staff_role": "coordinator"}
PEOPLE: Dict[str, Any] = {"m": {**MENTOR, "language": "lt"}, "e": {**MINOR, "language": "en"}, "c": COORDINATOR}
PROGRAMME = next_steps(SETTINGS, SETTINGS["name"])
#: a word of each language's ending version (and of its staff introduction) that needs its diacritics
DIACRITICS = {"en": "–", "lv": "noslēdzies", "lt": "baigė", "nl": "beëindigd"}
STAFF_DIACRITICS = {"en": "have been paired", "lv": "Mentorējamais", "lt": "Ugdytinis", "nl": "gekoppeld"}


def test_the_sides_the_guardian_and_each_coordinator_are_told_once():
    staff = [("c2", "coordinator"), ("t1", "teacher"), ("c1", "coordinator"), ("c1", "coordinator")]
    assert told_of_pairing("m", "e", staff) == [
        Recipient("m", "mentor"), Recipient("e", "mentee"), Recipient("e", "guardian"),
        Recipient("c1", "coordinator"), Recipient("c2", "coordinator")]
    assert told_of_pairing("m", "e", []) == [Recipient("m", "mentor"), Recipient("e", "mentee"),
                                             Recipient("e", "guardian")]
    keys = {message_id("cause", r.recipient_id, r.role, "introduction") for r in told_of_pairing("m", "e", staff)}
    assert len(keys) == 5


def test_each_message_is_in_its_recipients_language():
    assert preferred_language("m", PEOPLE) == "lt"
    assert preferred_language("e", PEOPLE) == "en"  # the guardian's message is keyed by the mentee
    assert preferred_language("c", PEOPLE) == "nl"
    assert preferred_language("gone", PEOPLE) is None
    assert choose_language(preferred_language("gone", PEOPLE), "lv") == "lv"


@pytest.mark.parametrize("minor_contact, guardian_contact, expected", [
    (False, True, ("rasa@example.lt", True, False)),    # the default: the guardian's
    (True, True, ("rasa@example.lt", True, False)),     # the guardian's first
    (True, False, ("jonas@example.lt", False, False)),  # the minor's own
    (False, False, (None, False, True)),                # none: the coordinator puts them in touch
])
def test_the_programme_says_whose_contact_an_adult_mentor_of_a_minor_gets(minor_contact, guardian_contact, expected):
    sharing = sharing_of({"introduction": {"share_minor_contact": minor_contact,
                                           "share_guardian_contact": guardian_contact}})
    contact = mentee_contact_for_mentor(MENTOR, MINOR, sharing)
    assert (contact["email"], contact["via_guardian"], contact["withheld"]) == expected


def test_an_adult_mentee_or_a_minor_mentor_gets_the_mentees_own_contact():
    assert sharing_of({}) == {"share_minor_contact": False, "share_guardian_contact": True}
    assert mentee_contact_for_mentor(MENTOR, ADULT_MENTEE)["email"] == "eriks@example.lv"
    peer = {**MENTOR, "minor": True}
    assert mentee_contact_for_mentor(peer, MINOR)["email"] == "jonas@example.lt"


def test_a_withheld_contact_is_said_and_no_address_shown():
    context = message_context(kind="introduction", role="mentor", recipient_id="m", facts={"mentor_id": "m",
                              "mentee_id": "e"}, people=PEOPLE, programme=PROGRAMME,
                              settings={"introduction": {"share_guardian_contact": False}})
    text = rendering.render("introduction", "en", context)["text"]
    assert "coordinator will put you in touch" in text and "rasa@" not in text and "jonas@" not in text


def parsed(kind, role, language, reason=None, people=PEOPLE):
    recipient = {"mentor": "m", "mentee": "e", "guardian": "e", "coordinator": "c"}[role]
    facts = {"mentor_id": "m", "mentee_id": "e", **({"reason": reason} if reason else {})}
    context = message_context(kind=kind, role=role, recipient_id=recipient, facts=facts, people=people,
                              programme=PROGRAMME, settings=SETTINGS)
    mail = rendering.mail(kind=template_of(kind, role), language=language, context=context,
                          sender="Mentoring <mentoring@school.example>",
                          message_id=message_id("x", recipient, role, kind))
    return message_from_bytes(mail.as_bytes(), policy=default)


def bodies(message):
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    plain, page = text.get_content(), html.get_content()
    for body in (plain, page, str(message["Subject"])):
        assert "{{" not in body and "{%" not in body and "}}" not in body and "None" not in body
    assert "<main" in page and "<title>" in page and "<h1" in page
    return plain, page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coordinators_introduction_renders_in_every_language(language):
    message = parsed("introduction", "coordinator", language)
    plain, page = bodies(message)
    assert message["To"].addresses[0].addr_spec == "ruta@example.lt"
    for who in ("Ona Petraitienė", "Jonas Jonaitis", "ona@example.lt", "jonas@example.lt", "rasa@example.lt"):
        assert who in plain and who in page  # a coordinator sees both sides and the guardian
    assert "Mentorystė <pavasaris>" in plain and "Mentorystė &lt;pavasaris&gt;" in page
    assert STAFF_DIACRITICS[language] in plain + page + str(message["Subject"])
    assert f'<html lang="{language}">' in page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["mentor", "mentee", "guardian", "coordinator"])
@pytest.mark.parametrize("reason", ["completed", "withdrew", "vetting_failed"])
def test_the_pairings_end_renders_in_every_language_for_everyone(language, role, reason):
    message = parsed("pairing_ended", role, language, reason)
    plain, page = bodies(message)
    assert DIACRITICS[language] in plain + page + str(message["Subject"])
    assert "Mentorystė &lt;pavasaris&gt;" in page and "<pavasaris>" not in page
    assert "@" not in plain  # an ending names people, it hands out no contact
    background_check = {"en": "background check", "lv": "drošības pārbaudi", "lt": "patikrinimo",
                        "nl": "antecedentenscreening"}[language]
    # only the staff learn why a pair ended early; the sides are not told a mentor failed a check
    assert (background_check in plain) == (role == "coordinator" and reason == "vetting_failed")


def test_the_end_of_a_pair_whose_other_side_was_erased_still_tells_this_side():
    people = {**PEOPLE, "e": None}
    plain, _ = bodies(parsed("pairing_ended", "mentor", "en", "erased", people))
    assert "your mentoring pair in" in plain
    plain, _ = bodies(parsed("pairing_ended", "coordinator", "en", "erased", people))
    assert "(data erased)" in plain and "at a participant's request" in plain
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        parsed("pairing_ended", "mentee", "en", "erased", people)
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        parsed("introduction", "coordinator", "en", people={**PEOPLE, "c": None})
