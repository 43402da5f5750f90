"""Notices and reminders (plain Python): which event makes which message for whom, which event
drops a waiting one, every kind rendered in every language for every role it goes to, and the
programme's notification settings as registration validates them."""
from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default

import pytest

from services.contracts import notifications as contracts
from services.notifications import rendering
from services.notifications.domain import KINDS, LANGUAGES, NoOneToTell, message_id
from services.notifications.domain.reminders import (
    CONSENT_MISSING,
    FIT_CONCERN,
    MEETING_DISPUTED,
    MENTOR_REQUESTED,
    NOTICE_KINDS,
    PAIRING_AT_RISK,
    PROPOSAL_WAITING,
    REGISTRATION_CLOSING,
    REGISTRATION_RECEIVED,
    REQUEST_NOT_ACCEPTED,
    SHORTLIST_OFFERED,
    SURVEY_INVITATION,
    TRAINING_REMINDER,
    cancellations,
    closing_cause,
    notice_context,
    notice_programme,
    plans_for,
    waiting_counts,
)
from services.registration.domain.errors import ValidationFailed
from services.registration.domain.settings import ProgrammeSettings
from services.registration.tests import builders

SETTINGS = builders.school_settings()  # consent for all, a seminar on 14 Feb, mentees close on 1 Feb


def kinds_and_roles(plans):
    return [(p.kind, p.role, p.recipient_id, p.occurrence) for p in plans]


def test_every_kind_is_a_published_word():
    assert tuple(KINDS) == contracts.KINDS
    assert message_id("e", "p", "guardian", CONSENT_MISSING) != message_id("e", "p", "guardian", CONSENT_MISSING, 2)
    assert message_id("e", "p", "mentor", "introduction", 1) == message_id("e", "p", "mentor", "introduction")


def test_a_minor_mentee_without_consent_tells_them_and_their_guardian_and_reminds_the_guardian():
    payload = {"programme_id": "p", "age_at_start": 16, "consent_required": True}
    plans = plans_for("MenteeRegistered", payload, stream_id="m", settings=SETTINGS)
    assert kinds_and_roles(plans) == [
        (REGISTRATION_RECEIVED, "mentee", "m", 1), (REGISTRATION_RECEIVED, "guardian", "m", 1),
        (CONSENT_MISSING, "guardian", "m", 1), (CONSENT_MISSING, "guardian", "m", 2),
        (CONSENT_MISSING, "guardian", "m", 3)]
    assert plans[0].facts == {"consent_needed": True}
    covered = plans_for("MenteeRegistered", payload, stream_id="m", settings=SETTINGS, consent_covered=True)
    assert kinds_and_roles(covered) == [(REGISTRATION_RECEIVED, "mentee", "m", 1),
                                        (REGISTRATION_RECEIVED, "guardian", "m", 1)]
    adult = plans_for("MenteeRegistered", {**payload, "age_at_start": 19, "consent_required": False},
                      stream_id="m", settings=SETTINGS)
    assert kinds_and_roles(adult) == [(REGISTRATION_RECEIVED, "mentee", "m", 1)]


def test_a_mentor_is_told_and_reminded_of_training_and_of_registration_closing():
    plans = plans_for("MentorRegistered", {"programme_id": "p"}, stream_id="t", settings=SETTINGS)
    assert [p.kind for p in plans] == [REGISTRATION_RECEIVED, TRAINING_REMINDER, REGISTRATION_CLOSING]
    bare = {**SETTINGS, "rules": {"training": {"rule": "not_required"}}, "dates": {"meetings_start": "2025-03-01"}}
    assert [p.kind for p in plans_for("MentorRegistered", {}, stream_id="t", settings=bare)] == [REGISTRATION_RECEIVED]


STAFF = [("c2", "coordinator"), ("c1", "coordinator"), ("t1", "teacher")]


def test_each_coordinator_is_told_of_a_proposal_waiting_for_approval():
    proposed = {"programme_id": "p", "mentor_id": "t", "mentee_id": "m", "percent": 90, "origin": "placement",
                "mode": "coordinator_approves"}
    plans = plans_for("PairingProposed", proposed, stream_id="x", settings=SETTINGS, staff=STAFF, tenant_id="s")
    assert kinds_and_roles(plans) == [(PROPOSAL_WAITING, "coordinator", "c1", 1),
                                      (PROPOSAL_WAITING, "coordinator", "c2", 1)]  # not the teacher
    assert {p.about_id for p in plans} == {"x"}
    assert plans[0].facts == {"mentor_id": "t", "mentee_id": "m", "percent": 90, "origin": "placement",
                              "proposals_path": "/tenants/s/programmes/p/proposals"}
    assert plans_for("PairingProposed", proposed, stream_id="x", settings=SETTINGS) == []  # no coordinator


def test_each_coordinator_is_told_once_of_the_registration_closing_whatever_event_tells_of_it():
    created = plans_for("ProgrammeCreated", {"settings": SETTINGS}, stream_id="p", settings=SETTINGS, staff=STAFF)
    assert kinds_and_roles(created) == [(REGISTRATION_CLOSING, "coordinator", "c1", 1),
                                        (REGISTRATION_CLOSING, "coordinator", "c2", 1)]
    added = plans_for("StaffMemberAdded", {"programme_id": "p", "role": "coordinator"}, stream_id="c1",
                      settings=SETTINGS, staff=STAFF)
    assert [(p.recipient_id, p.cause_id) for p in added] == [("c1", closing_cause("p"))]
    assert {p.cause_id for p in created} == {closing_cause("p")} and closing_cause("p") != closing_cause("q")
    assert plans_for("StaffMemberAdded", {"programme_id": "p", "role": "teacher"}, stream_id="t1",
                     settings=SETTINGS, staff=STAFF) == []
    no_closing = {**SETTINGS, "dates": {"meetings_start": "2025-03-01"}}
    assert plans_for("ProgrammeUpdated", {"settings": no_closing}, stream_id="p", settings=no_closing,
                     staff=STAFF) == []


def test_who_waits_is_counted_from_registrations_and_standing_pairs():
    registered = [("a", "mentor"), ("b", "mentor"), ("x", "mentee"), ("y", "mentee"), ("z", "mentee"),
                  ("x", "mentee")]
    assert waiting_counts(registered, [("a", "x")]) == {"waiting_mentees": 2, "waiting_mentors": 1}
    assert waiting_counts([], []) == {"waiting_mentees": 0, "waiting_mentors": 0}


def test_mentee_chooses_and_the_watch():
    assert plans_for("ShortlistOffered", {"mentors": []}, stream_id="m", settings=SETTINGS) == []
    [offered] = plans_for("ShortlistOffered", {"mentors": [{"mentor_id": "a"}, {"mentor_id": "b"}]},
                          stream_id="m", settings=SETTINGS)
    assert (offered.kind, offered.recipient_id, offered.facts) == (SHORTLIST_OFFERED, "m", {"count": 2})
    request = {"mentor_id": "t", "mentee_id": "m", "answer_by": "2025-01-20T10:00:00+00:00"}
    [asked] = plans_for("MentorRequested", request, stream_id="r", settings=SETTINGS)
    assert (asked.kind, asked.recipient_id, asked.role, asked.about_id) == (MENTOR_REQUESTED, "t", "mentor", "r")
    [expired] = plans_for("MentorRequestExpired", request, stream_id="r", settings=SETTINGS)
    assert (expired.kind, expired.recipient_id, expired.facts["outcome"]) == (REQUEST_NOT_ACCEPTED, "m", "expired")
    watch = {"pairing_id": "x", "mentor_id": "t", "mentee_id": "m", "reasons": ["no_meeting"],
             "days_since_last_meeting": None}
    assert kinds_and_roles(plans_for("PairingAtRisk", watch, stream_id="w", settings=SETTINGS)) == [
        (PAIRING_AT_RISK, "mentor", "t", 1), (PAIRING_AT_RISK, "mentee", "m", 1)]


def test_what_drops_a_waiting_message():
    [given] = cancellations("ConsentGiven", {"programme_id": "p", "valid_from": "2024-09-01",
                                             "valid_until": "2025-08-31"}, stream_id="m")
    assert (given.kinds, given.recipient_id) == ((CONSENT_MISSING,), "m")
    assert given.covers("p", {}) and given.covers("q", {"dates": {"meetings_start": "2025-03-01"}})
    assert not given.covers("q", {"dates": {"meetings_start": "2025-10-01"}})  # another school year
    [trained] = cancellations("TrainingCompleted", {"programme_id": "p"}, stream_id="t")
    assert (trained.kinds, trained.recipient_id, trained.programme_id) == ((TRAINING_REMINDER,), "t", "p")
    [left] = cancellations("ParticipantWithdrew", {"programme_id": "p"}, stream_id="t")
    assert (left.kinds, left.recipient_id, left.programme_id) == (None, "t", "p")
    [erased] = cancellations("PersonErased", {"programme_ids": ["p"]}, stream_id="t")
    assert (erased.kinds, erased.recipient_id, erased.programme_id) == (None, "t", None)
    [ended] = cancellations("PairingEnded", {"programme_id": "p", "mentor_id": "t", "mentee_id": "m"},
                            stream_id="x")
    assert (ended.kinds, ended.about_id) == (None, "x")
    paired, approved = cancellations("PairingConfirmed", {"programme_id": "p", "mentor_id": "t", "mentee_id": "m"},
                                     stream_id="x")
    assert (paired.kinds, paired.recipient_id) == ((REGISTRATION_CLOSING,), "t")
    assert (approved.kinds, approved.recipient_id, approved.about_id) == ((PROPOSAL_WAITING,), None, "x")
    [rejected] = cancellations("PairingRejected", {"programme_id": "p"}, stream_id="x")
    assert (rejected.kinds, rejected.about_id) == ((PROPOSAL_WAITING,), "x")
    [removed] = cancellations("StaffMemberRemoved", {"programme_id": "p"}, stream_id="c")
    assert (removed.kinds, removed.recipient_id, removed.programme_id) == ((REGISTRATION_CLOSING, PROPOSAL_WAITING),
                                                                           "c", "p")
    assert cancellations("StaffMemberChanged", {"programme_id": "p", "role": "coordinator"}, stream_id="c") == []
    [back] = cancellations("PairingBackOnTrack", {"pairing_id": "x"}, stream_id="w")
    assert (back.kinds, back.about_id) == ((PAIRING_AT_RISK,), "x")
    assert cancellations("MentorRequestAccepted", {}, stream_id="r")[0].about_id == "r"
    assert cancellations("ProfileUpdated", {}, stream_id="t") == []


# -- rendering ------------------------------------------------------------------------------------

PERSON = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "phone": None, "minor": True,
          "guardian": {"name": "Rasa Jonaitienė", "email": "rasa@example.lt", "phone": None}}
MENTOR = {"name": "Ona Petraitienė", "email": "ona@example.lt", "phone": None, "minor": False, "guardian": None}
PROGRAMME = notice_programme({**SETTINGS, "name": "Mentorystė <pavasaris>"}, "Mentorystė <pavasaris>")
#: (kind, role, facts) of every message a kind makes
CASES = [
    (REGISTRATION_RECEIVED, "mentor", {}), (REGISTRATION_RECEIVED, "mentee", {"consent_needed": True}),
    (REGISTRATION_RECEIVED, "guardian", {"consent_needed": True}), (CONSENT_MISSING, "guardian", {}),
    (TRAINING_REMINDER, "mentor", {}), (REGISTRATION_CLOSING, "mentor", {}),
    (SHORTLIST_OFFERED, "mentee", {"count": 3}),
    (MENTOR_REQUESTED, "mentor", {"other_id": "m", "answer_by": "2025-01-20T22:30:00+00:00"}),
    (REQUEST_NOT_ACCEPTED, "mentee", {"other_id": "t", "outcome": "declined"}),
    (REQUEST_NOT_ACCEPTED, "mentee", {"other_id": "t", "outcome": "expired"}),
    (PAIRING_AT_RISK, "mentor", {"other_id": "m", "days_since_last_meeting": 38, "reasons": ["too_few"]}),
    (PAIRING_AT_RISK, "mentee", {"other_id": "t", "days_since_last_meeting": None, "reasons": ["no_meeting"]}),
    (REGISTRATION_CLOSING, "coordinator", {"waiting_mentees": 7, "waiting_mentors": 1,
                                           "reserve_path": "/tenants/s/programmes/p/reserve"}),
    (PROPOSAL_WAITING, "coordinator", {"mentor_id": "t", "mentee_id": "m", "percent": 83, "origin": "placement",
                                       "proposals_path": "/tenants/s/programmes/p/proposals"}),
]
COORDINATOR = {"name": "Rūta Kazlauskienė", "email": "ruta@example.lt", "phone": None, "minor": False,
               "guardian": None}
#: words each language needs its diacritics for, somewhere in what each kind says
DIACRITICS = {"en": "–", "lv": "ā", "lt": "ė", "nl": "–"}


def test_every_kind_has_a_case():
    # a disputed meeting and the surveys' kinds have contexts of their own: test_disputes.py, test_surveys.py
    assert {kind for kind, _, _ in CASES} == set(NOTICE_KINDS) - {MEETING_DISPUTED, SURVEY_INVITATION, FIT_CONCERN}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind,role,facts", CASES)
def test_every_notice_renders_in_every_language(kind, role, facts, language):
    person = {"mentor": MENTOR, "coordinator": COORDINATOR}.get(role, PERSON)
    other = PERSON if role == "mentor" else MENTOR
    context = notice_context(kind=kind, role=role, occurrence=2, person=person,
                             other=other if facts.get("other_id") else None, programme=PROGRAMME, facts=facts,
                             local_day=lambda moment: moment.astimezone(timezone.utc).date(),
                             pair={"mentor": MENTOR, "mentee": PERSON} if facts.get("mentor_id") else None)
    mail = rendering.mail(kind=kind, language=language, context=context, sender="Mentoring <m@school.example>",
                          message_id=message_id("e", "p", role, kind, 2),
                          date=datetime(2025, 1, 15, tzinfo=timezone.utc))
    message = message_from_bytes(mail.as_bytes(), policy=default)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    plain, page = text.get_content(), html.get_content()
    subject = str(message["Subject"])
    for body in (plain, page, subject):
        assert "{{" not in body and "{%" not in body and "None" not in body
    assert "Mentorystė <pavasaris>" in plain and "Mentorystė &lt;pavasaris&gt;" in page and "<pavasaris>" not in page
    assert f'<html lang="{language}">' in page and "<main" in page and "<title>" in page
    assert DIACRITICS[language] in plain + subject
    expected_to = {"mentor": "ona@example.lt", "mentee": "jonas@example.lt", "guardian": "rasa@example.lt",
                   "coordinator": "ruta@example.lt"}[role]
    assert message["To"].addresses[0].addr_spec == expected_to
    if facts.get("other_id"):
        assert other["name"] in plain
    if kind == MENTOR_REQUESTED:
        assert "2025-01-20" in plain
    if kind == TRAINING_REMINDER:
        assert "2025-02-14" in subject
    if role == "guardian":
        assert "Jonas Jonaitis" in plain
    if kind == PROPOSAL_WAITING:  # both sides named, and where to approve
        assert "Ona Petraitienė" in plain and "Jonas Jonaitis" in plain and "83" in plain
        assert "/tenants/s/programmes/p/proposals" in plain and "jonas@example.lt" not in plain
    if kind == REGISTRATION_CLOSING and role == "coordinator":  # who waits: counts and where to see them
        assert "7" in plain and "1" in plain and "/tenants/s/programmes/p/reserve" in plain


def test_a_notice_with_no_one_to_tell():
    with pytest.raises(NoOneToTell, match="recipient_erased"):
        notice_context(kind=CONSENT_MISSING, role="guardian", occurrence=1, person=None, other=None,
                       programme=PROGRAMME, facts={}, local_day=lambda m: m.date())
    with pytest.raises(NoOneToTell, match="no_guardian_to_tell"):
        notice_context(kind=CONSENT_MISSING, role="guardian", occurrence=1, person=MENTOR, other=None,
                       programme=PROGRAMME, facts={}, local_day=lambda m: m.date())
    with pytest.raises(NoOneToTell, match="other_side_erased"):
        notice_context(kind=PAIRING_AT_RISK, role="mentor", occurrence=1, person=MENTOR, other=None,
                       programme=PROGRAMME, facts={"other_id": "m"}, local_day=lambda m: m.date())


# -- the programme's settings ---------------------------------------------------------------------

def test_notification_settings_are_stored_whole_with_their_defaults():
    stored = ProgrammeSettings.from_dict(builders.school_settings()).to_dict()["notifications"]
    assert stored == {"sending_window": {"start": "08:00", "end": "20:00"}, "quiet_periods": [],
                      "consent_reminder": {"every_days": 7, "at_most": 3},
                      "training_reminder": {"days_before": 7}, "registration_closing": {"days_before": 7}}
    given = {**builders.school_settings(), "notifications": {
        "sending_window": {"start": "09:00", "end": "17:30"},
        "quiet_periods": [{"from": "2025-02-17", "until": "2025-02-23", "name": "Ziemos atostogos"}],
        "consent_reminder": {"at_most": 0}}}
    read = ProgrammeSettings.from_dict(given).to_dict()["notifications"]
    assert read["sending_window"] == {"start": "09:00", "end": "17:30"}
    assert read["quiet_periods"] == [{"from": "2025-02-17", "until": "2025-02-23", "name": "Ziemos atostogos"}]
    assert read["consent_reminder"] == {"every_days": 7, "at_most": 0}


def test_bad_notification_settings_are_named_by_their_path():
    bad = {**builders.school_settings(), "notifications": {
        "sending_window": {"start": "20:00", "end": "8:00"},
        "quiet_periods": [{"from": "2025-02-23", "until": "2025-02-17"}, {"until": "2025-03-01"}],
        "consent_reminder": {"every_days": 0, "often": True}, "training_reminder": {"days_before": -1}}}
    with pytest.raises(ValidationFailed) as refused:
        ProgrammeSettings.from_dict(bad)
    assert set(refused.value.errors) == {
        "notifications.sending_window.end", "notifications.quiet_periods.0.until",
        "notifications.quiet_periods.1.from", "notifications.consent_reminder.every_days",
        "notifications.consent_reminder.often", "notifications.training_reminder.days_before"}
    backwards = {**builders.school_settings(), "notifications": {"sending_window": {"start": "18:00", "end": "09:00"}}}
    with pytest.raises(ValidationFailed) as refused:
        ProgrammeSettings.from_dict(backwards)
    assert "later than start (18:00)" in refused.value.errors["notifications.sending_window.end"][0]
