"""A pair's surveys by mail (plain Python): who is invited when a survey falls due (each
respondent, a minor mentee themself, never a guardian), what drops a waiting invitation (that
side's answer to that occurrence, the pairing's end), who is told of a fit concern (each
coordinator, no answers kept), the survey named in the recipient's language, and both messages
in every language."""
from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from services.contracts import notifications as contracts
from services.contracts.default_surveys import FIT_CHECK
from services.notifications import rendering, tenant_templates
from services.notifications.domain import LANGUAGES, NoOneToTell, message_id
from services.notifications.domain.preferences import REMINDERS, group_of
from services.notifications.domain.reminders import (
    FIT_CONCERN,
    SURVEY_INVITATION,
    answer_path,
    cancellations,
    concern_context,
    invitation_context,
    notice_programme,
    plans_for,
    survey_title,
)
from services.registration.tests import builders

SETTINGS = {**builders.school_settings(), "surveys": {"enabled": True}}
DUE = {"pairing_id": "pair-1", "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
       "survey_id": "fit_check", "occurrence": "first_meeting", "schedule": "after_first_meeting",
       "respondents": ["mentor", "mentee"], "respondent_ids": ["mentor-1", "mentee-1"],
       "due_at": "2025-03-12T00:00:00+00:00", "announced_at": "2025-03-12T06:00:00+00:00"}
CONCERN = {"pairing_id": "pair-1", "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
           "survey_id": "fit_check", "occurrence": "first_meeting", "by_person_id": "mentee-1", "by_role": "mentee",
           "answered_at": "2025-03-13T22:30:00+00:00", "concerns": {"fit": "not_a_fit"}}
MENTOR = {"name": "Ona Petraitienė", "email": "ona@example.lt", "phone": None, "minor": False, "guardian": None}
MENTEE = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "phone": None, "minor": True,
          "guardian": {"name": "Rasa Jonaitienė", "email": "rasa@example.lt", "phone": None}}
COORDINATOR = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt", "phone": None, "language": "lt"}
PROGRAMME = notice_programme(SETTINGS, "Mentorystė <pavasaris>")
FACTS = {"survey_id": "fit_check", "occurrence": "first_meeting"}
#: each language's words: the mentee; someone's data erased
WORDS = {"en": ("the mentee", "(data erased)"), "lv": ("mentorējamais", "(dati dzēsti)"),
         "lt": ("ugdytinis", "(duomenys ištrinti)"), "nl": ("de mentee", "(gegevens gewist)")}


def invitation(role="mentee", person=MENTEE, language="en"):
    return invitation_context(role=role, person=person, programme=PROGRAMME, settings=SETTINGS, facts=FACTS,
                              answer=answer_path("school", "pair-1", FACTS), language=language)


def concern(language="lt", to=COORDINATOR, mentee=MENTEE, facts=None):
    [planned] = plans_for("PairingFitConcern", CONCERN, stream_id="pair-1", settings=SETTINGS,
                          staff=[(c, "coordinator") for c in ["coord-1"]])
    return concern_context(to=to, mentor=MENTOR, mentee=mentee, programme=PROGRAMME, settings=SETTINGS,
                           facts=facts or planned.facts, language=language, local_day=lambda moment: moment.date())


def parsed(kind, language, context, role):
    mail = rendering.mail(kind=kind, language=language, context=context, sender="Mentoring <m@school.example>",
                          message_id=message_id("event-1", "person-1", role, kind))
    message = message_from_bytes(mail.as_bytes(), policy=default)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    # the subject as written (the Subject header's folding may lose a space between encoded words:
    # a Python email quirk the renderer shares with every kind)
    plain, page, subject = text.get_content(), html.get_content(), rendering.render(kind, language, context)["subject"]
    for body in (plain, page, subject):
        assert "{{" not in body and "{%" not in body and "None" not in body
    assert message["Content-Language"] == language and f'<html lang="{language}">' in page
    assert "Mentorystė <pavasaris>" in plain and "Mentorystė &lt;pavasaris&gt;" in page
    return message, plain, subject


# -- who is told ----------------------------------------------------------------------------------

def test_the_kinds_are_published_words():
    assert {SURVEY_INVITATION, FIT_CONCERN} <= set(contracts.KINDS)


def test_each_respondent_is_invited_and_a_minor_mentee_themself_not_their_guardian():
    plans = plans_for("SurveyDue", DUE, stream_id="pair-1", settings=SETTINGS)
    assert [(p.kind, p.recipient_id, p.role, p.about_id, dict(p.facts)) for p in plans] == [
        (SURVEY_INVITATION, "mentor-1", "mentor", "pair-1", FACTS),
        (SURVEY_INVITATION, "mentee-1", "mentee", "pair-1", FACTS)]
    only_mentees = plans_for("SurveyDue", {**DUE, "respondents": ["mentee"], "respondent_ids": ["mentee-1"]},
                             stream_id="pair-1", settings=SETTINGS)
    assert [(p.recipient_id, p.role) for p in only_mentees] == [("mentee-1", "mentee")]
    # an answer drops nothing and tells no one by itself
    assert plans_for("SurveyAnswered", {**CONCERN, "answers": {"fit": "good_fit"}}, stream_id="pair-1",
                     settings=SETTINGS) == []


def test_a_fit_concern_tells_each_coordinator_once_and_keeps_no_answer():
    plans = plans_for("PairingFitConcern", CONCERN, stream_id="pair-1", settings=SETTINGS,
                      staff=[(c, "coordinator") for c in ["coord-2", "coord-1", "coord-2"]])
    assert [(p.kind, p.recipient_id, p.role, p.about_id) for p in plans] == [
        (FIT_CONCERN, "coord-1", "coordinator", "pair-1"), (FIT_CONCERN, "coord-2", "coordinator", "pair-1")]
    assert plans[0].facts == {"mentor_id": "mentor-1", "mentee_id": "mentee-1", "survey_id": "fit_check",
                              "occurrence": "first_meeting", "by_role": "mentee",
                              "answered_at": "2025-03-13T22:30:00+00:00", "not_a_fit": True}
    other = plans_for("PairingFitConcern", {**CONCERN, "concerns": {"q": "worried"}}, stream_id="pair-1",
                      settings=SETTINGS, staff=[(c, "coordinator") for c in ["coord-1"]])
    assert other[0].facts["not_a_fit"] is False
    assert plans_for("PairingFitConcern", CONCERN, stream_id="pair-1", settings=SETTINGS) == []


def test_an_invitation_may_be_turned_off_a_fit_concern_not():
    assert group_of(SURVEY_INVITATION) == REMINDERS
    assert group_of(FIT_CONCERN) is None


def test_that_sides_answer_to_that_occurrence_drops_its_waiting_invitation():
    [answered] = cancellations("SurveyAnswered", {**CONCERN, "answers": {}}, stream_id="pair-1")
    assert (answered.kinds, answered.recipient_id, answered.about_id) == ((SURVEY_INVITATION,), "mentee-1", "pair-1")
    assert answered.names(FACTS)
    assert not answered.names({**FACTS, "occurrence": "day_30"})
    assert not answered.names({**FACTS, "survey_id": "relationship_quality"})
    # the pairing's end drops whatever about it still waits
    [ended] = cancellations("PairingEnded", {"programme_id": "p", "mentor_id": "t", "mentee_id": "m"},
                            stream_id="pair-1")
    assert (ended.kinds, ended.about_id) == (None, "pair-1") and ended.names(FACTS)


# -- what they say --------------------------------------------------------------------------------

def test_a_survey_is_named_in_the_recipients_language_else_english_else_its_id():
    assert [survey_title(SETTINGS, "fit_check", language) for language in LANGUAGES] == [
        FIT_CHECK["titles"][language] for language in LANGUAGES]
    own = {**SETTINGS, "surveys": {"enabled": True, "definitions": [
        {**FIT_CHECK, "id": "ours", "titles": {"en": "Our check"}}]}}
    assert survey_title(own, "ours", "lv") == "Our check"
    assert survey_title(own, "fit_check", "lv") == "fit_check"  # no longer run: its id


def test_answer_path_is_sessions_survey_endpoint():
    assert answer_path("school", "pair-1", FACTS) == {
        "method": "POST", "path": "/tenants/school/pairings/pair-1/surveys/fit_check/first_meeting",
        "list_path": "/tenants/school/pairings/pair-1/surveys"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_the_invitation_in_every_language_names_the_survey_and_how_to_answer(language, role):
    person = MENTOR if role == "mentor" else MENTEE
    message, plain, subject = parsed(SURVEY_INVITATION, language, invitation(role, person, language), role)
    assert message["To"].addresses[0].addr_spec == person["email"]  # a minor mentee: themself
    title = FIT_CHECK["titles"][language]
    assert title in subject and title in plain and person["name"] in plain
    assert "POST /tenants/school/pairings/pair-1/surveys/fit_check/first_meeting" in plain


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fit_concern_in_every_language_names_the_pair_the_survey_and_who(language):
    message, plain, subject = parsed(FIT_CONCERN, language, concern(language), "coordinator")
    assert message["To"].addresses[0].addr_spec == "ruta@example.lt"
    assert "Ona Petraitienė" in subject and "Jonas Jonaitis" in subject
    lead = [line for line in plain.splitlines() if line.strip()][1]  # after the greeting
    assert lead.startswith("Jonas Jonaitis") and WORDS[language][0] in lead
    assert FIT_CHECK["titles"][language] in lead and "2025-03-13" in lead
    assert "not_a_fit" not in plain and "List-Unsubscribe" not in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_side_erased_since_is_named_as_erased_in_a_fit_concern(language):
    rendered = rendering.render(FIT_CONCERN, language, concern(language, mentee=None))
    assert WORDS[language][1] in rendered["subject"] and "Ona Petraitienė" in rendered["text"]


def test_no_one_to_tell():
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        invitation(person=None)
    with pytest.raises(NoOneToTell, match="no_address"):
        invitation(person={**MENTEE, "email": None})
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        concern(to=None)


def test_a_tenant_may_write_its_own_survey_templates_checked_against_sample_data():
    assert set(tenant_templates.samples(SURVEY_INVITATION)) == {"mentor", "mentee"}
    assert set(tenant_templates.samples(FIT_CONCERN)) == {"coordinator"}
    assert {"survey", "answer"} <= set(tenant_templates.variables(SURVEY_INVITATION))
    assert {"survey", "by", "mentor", "mentee"} <= set(tenant_templates.variables(FIT_CONCERN))
    assert tenant_templates.problems(SURVEY_INVITATION, "en", "subject", "{{ survey.title }} please") == []
    assert tenant_templates.problems(FIT_CONCERN, "en", "subject", "{{ by.name }}: {{ survey.title }}") == []
