"""The introduction, rendered in every shipped language for every recipient: no template error,
no placeholder left, a MIME message Python's parser reads back, UTF-8, diacritics intact,
HTML escaped; who sees whose contact; the language chosen; SMTP answers read."""
from __future__ import annotations

import smtplib
from email import message_from_bytes
from email.policy import default

import pytest

from services.notifications import rendering
from services.notifications.domain import (
    LANGUAGES,
    NoOneToTell,
    backoff,
    choose_language,
    classify,
    introduction_context,
    message_id,
    next_steps,
)

MENTOR = {"name": "Ona Petraitienė", "email": "ona@example.lt", "phone": "+370 650 00000", "minor": False,
          "guardian": None}
MINOR = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "phone": None, "minor": True,
         "guardian": {"name": "Rasa Jonaitienė", "email": "rasa@example.lt", "phone": None}}
ADULT_MENTEE = {**MINOR, "name": "Ēriks Ūdris", "email": "eriks@example.lv", "minor": False}
SETTINGS: dict = {"name": "Mentorystė <pavasaris>",
            "dates": {"meetings_start": "2025-03-01", "meetings_end": "2025-04-30", "closing_event": "2025-05-05"},
            "content": {"languages": ["lt", "en"], "remote_allowed": True,
                        "cadence": {"min_per_month": 2, "max_per_month": 4, "meeting_minutes": 60}}}
PROGRAMME = next_steps(SETTINGS, SETTINGS["name"])
#: a word of each language that needs its diacritics
DIACRITICS = {"en": "–", "lv": "Tikšanās", "lt": "tęsiasi", "nl": "–"}


def parsed(role, language, mentee=MINOR):
    context = introduction_context(role=role, mentor=MENTOR, mentee=mentee, programme=PROGRAMME)
    mail = rendering.mail(kind="introduction", language=language, context=context,
                          sender="Mentoring <mentoring@school.example>", message_id=message_id("e", "p", role, "x"))
    return message_from_bytes(mail.as_bytes(), policy=default)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["mentor", "mentee", "guardian"])
def test_the_introduction_renders_in_every_language(language, role):
    message = parsed(role, language)
    assert message.is_multipart() and message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    plain, page = text.get_content(), html.get_content()
    for body in (plain, page, str(message["Subject"])):
        assert "{{" not in body and "{%" not in body and "}}" not in body and "None" not in body
        assert "Mentorystė" in body  # diacritics intact through the MIME round trip
    assert "Petraitienė" in plain and "Petraitienė" in page
    assert DIACRITICS[language] in plain + page + str(message["Subject"])
    if (language, role) == ("nl", "guardian"):
        assert "coördinator" in plain and "coördinator" in page
    assert "2025-03-01" in plain and "2025-05-05" in page
    assert f'<html lang="{language}">' in page and "<title>" in page and "<main" in page
    assert "Mentorystė &lt;pavasaris&gt;" in page and "<pavasaris>" not in page  # escaped in HTML
    assert "Mentorystė <pavasaris>" in plain  # as written in plain text
    assert message["Message-ID"] == f"<{message_id('e', 'p', role, 'x')}@school.example>"
    assert message["Content-Language"] == language
    expected_to = {"mentor": "ona@example.lt", "mentee": "jonas@example.lt", "guardian": "rasa@example.lt"}[role]
    assert message["To"].addresses[0].addr_spec == expected_to


def test_a_minors_own_contact_is_not_given_to_the_mentor_but_the_guardians_is():
    body = parsed("mentor", "en").get_body(("plain",)).get_content()
    assert "rasa@example.lt" in body and "jonas@example.lt" not in body and "parent or guardian" in body
    adult = parsed("mentor", "en", ADULT_MENTEE).get_body(("plain",)).get_content()
    assert "eriks@example.lv" in adult and "rasa@example.lt" not in adult


def test_no_one_to_tell():
    with pytest.raises(NoOneToTell, match="no_guardian_to_tell"):
        introduction_context(role="guardian", mentor=MENTOR, mentee=ADULT_MENTEE, programme=PROGRAMME)
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        introduction_context(role="mentee", mentor=MENTOR, mentee=None, programme=PROGRAMME)
    with pytest.raises(NoOneToTell, match="other_side_erased"):
        introduction_context(role="mentee", mentor=None, mentee=MINOR, programme=PROGRAMME)


def test_plurals_follow_each_language():
    def cadence(language, n):
        programme = {**PROGRAMME, "min_per_month": n, "max_per_month": None, "meeting_minutes": None}
        context = introduction_context(role="mentee", mentor=MENTOR, mentee=MINOR, programme=programme)
        return rendering.render("introduction", language, context)["text"]
    assert "bent 1 kartą per" in cadence("lt", 1) and "bent 2 kartus per" in cadence("lt", 2)
    assert "bent 10 kartų per" in cadence("lt", 10)
    assert "vismaz 1 reizi mēnesī" in cadence("lv", 1) and "vismaz 3 reizes mēnesī" in cadence("lv", 3)
    assert "at least 1 time a month" in cadence("en", 1)


def test_the_language_is_the_recipients_else_the_tenants_else_english():
    assert choose_language("lt", "lv") == "lt"
    assert choose_language("ru", "nl") == "nl"  # no messages are written in Russian
    assert choose_language(None, "de") == "en"


def test_a_message_id_comes_from_its_key():
    assert message_id("e1", "p1", "mentor", "introduction") == message_id("e1", "p1", "mentor", "introduction")
    assert message_id("e1", "p1", "mentor", "introduction") != message_id("e1", "p1", "guardian", "introduction")


def test_smtp_answers_are_read_as_final_or_transient_and_keep_no_address():
    refused = classify(smtplib.SMTPRecipientsRefused({"a@b.lt": (550, b"5.1.1 <a@b.lt> unknown user")}))
    assert (refused.permanent, refused.code) == (True, 550) and "a@b.lt" not in refused.error
    busy = classify(smtplib.SMTPDataError(451, b"try later"))
    assert (busy.permanent, busy.code) == (False, 451)
    assert not classify(ConnectionRefusedError(111, "Connection refused")).permanent
    assert [backoff(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
