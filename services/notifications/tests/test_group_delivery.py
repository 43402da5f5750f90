"""An e-course's group introduction over the real broker to a real SMTP server: a round that
pairs three students with one mentor gives each student one mail, the mentor one listing the
three, the teacher one, whatever order the round's events come in, and nothing more when they
are all delivered again; a student joining outside a round gets the ordinary introduction and
the mentor a note."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest

from services.notifications import introductions, read_model
from services.platform_core.dependencies import store_engine_of
from services.platform_core.events import DomainEvent
from services.platform_core.metrics import EVENTS_CONSUMED
from services.platform_core.testing import wait_for
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN, START

from .conftest import Platform, republish

pytestmark = pytest.mark.integration
PAIRING_KINDS = ("introduction", "group_introduction", "group_joined", "pairing_ended")

STUDENTS = [("Jānis Bērziņš", "lv"), ("Līga Ozola", "lv"), ("Emma Jansen", "en")]


def handled_twice() -> float:
    return EVENTS_CONSUMED.labels(service="notifications", consumer="on_matching", outcome="duplicate")._value.get()


class Course:
    """A tenant with an e-course (automatic matching), its mentor, students and teacher."""

    def __init__(self, platform: Platform):
        self.platform = platform
        self.slug = f"course-{uuid.uuid4().hex[:8]}"
        created = platform.registration.post("/tenants", OPERATOR_TOKEN, {
            "slug": self.slug, "name": "Routes 4", "kind": "course_provider", "default_language": "lv",
            "time_zone": "Europe/Riga"})
        assert created.status_code == 201, created.text
        self.key = created.json()["api_key"]
        settings = builders.e_course_settings()
        settings["matching"]["mode"] = "automatic"
        programme = platform.registration.post(f"/tenants/{self.slug}/programmes", self.key, settings)
        assert programme.status_code == 201, programme.text
        self.programme_id = programme.json()["id"]
        self.mentor_mail = f"mentor-{self.slug}@example.lv"
        self.mentor = self._register("mentors", "Ona Petraitienė", self.mentor_mail, "lv")
        self.student_mails = [f"student{i}-{self.slug}@example.lv" for i in range(len(STUDENTS))]
        self.students = [self._register("mentees", name, mail, language)
                         for (name, language), mail in zip(STUDENTS, self.student_mails, strict=True)]
        self.teacher_mail = f"teacher-{self.slug}@example.lv"
        teacher = platform.registration.post(f"/tenants/{self.slug}/programmes/{self.programme_id}/staff", self.key, {
            "role": "teacher", "language": "lv", "personal": {"name": "Dace Kalniņa", "email": self.teacher_mail}})
        assert teacher.status_code == 201, teacher.text
        self.teacher = teacher.json()["staff_member"]["person_id"]
        self.log_url = f"/tenants/{self.slug}/programmes/{self.programme_id}/notifications"
        wait_for(lambda: platform.api.get(self.log_url, self.key).status_code == 200, timeout=20,
                 message="notifications to know the programme")
        wait_for(lambda: (self.teacher, "teacher") in self.staff_known(), timeout=20,
                 message="notifications to know the teacher")

    def _register(self, kind: str, name: str, mail: str, language: str) -> str:
        response = self.platform.registration.post(f"/tenants/{self.slug}/programmes/{self.programme_id}/{kind}",
                                                   self.key, {
            "personal": builders.adult(name=name, email=mail, born="1995-01-01"),
            "profile": {"languages": [language], "message_language": language, "hours_per_week": 5}})
        assert response.status_code == 201, response.text
        return response.json()["person_id"]

    def staff_known(self):
        with self.store().transaction(self.slug) as tx:
            return read_model.staff_of(tx.conn, self.slug, self.programme_id)

    def kept(self) -> Dict[str, Any]:
        with self.store().transaction(self.slug) as tx:
            return introductions.kept(tx.conn, self.slug)

    def store(self):
        return store_engine_of(self.platform.notifications).require_store()

    def confirmed(self, mentee_id: str, origin: str = "round", confirmed_by: str = "automatic") -> DomainEvent:
        return DomainEvent("PairingConfirmed", "pairing", str(uuid.uuid4()), {
            "programme_id": self.programme_id, "mentor_id": self.mentor, "mentee_id": mentee_id,
            "mode": "automatic", "origin": origin, "score": 0, "parts": {}, "percent": 100,
            "confirmed_by": confirmed_by, "confirmed_at": START.isoformat()})

    def round_completed(self, confirmed: int) -> DomainEvent:
        return DomainEvent("MatchingRoundCompleted", "matchround", str(uuid.uuid4()), {
            "programme_id": self.programme_id, "paired": confirmed, "waiting": 0, "total_score": 0,
            "solver_seconds": 0.01, "superseded": 0, "confirmed": confirmed, "completed_at": START.isoformat()})

    def append(self, events: List[DomainEvent], correlation_id: str):
        return self.platform.matching_store.append(self.slug, events, correlation_id=correlation_id,
                                                   expected={(e.stream_type, e.stream_id): 0 for e in events})

    def log(self) -> List[Dict[str, Any]]:
        """The course's introductions (its registrations' notices left out)."""
        response = self.platform.api.get(self.log_url, self.key)
        assert response.status_code == 200, response.text
        return [r for r in response.json()["notifications"] if r["kind"] in PAIRING_KINDS]

    def mails_to(self, address: str) -> List[Any]:
        """The introductions (and notes) the mail server got for ``address`` from this course."""
        ids = {r["message_id"] for r in self.log()}
        return [m for m in self.platform.mailbox.to(address)
                if str(m["Message-ID"]).strip("<>").split("@")[0] in ids]

    def settled(self, count: int) -> List[Dict[str, Any]]:
        def check():
            rows = self.log()
            return rows if len(rows) == count and all(r["status"] != "pending" for r in rows) else None
        return wait_for(check, timeout=30, message=f"{count} messages settled")


def test_a_rounds_group_is_introduced_once_to_each_student_the_mentor_and_the_teacher(platform):
    course = Course(platform)
    correlation = str(uuid.uuid4())
    # the round's event first, its pairings after: the group waits for all three
    [round_event] = course.append([course.round_completed(3)], correlation)
    wait_for(lambda: course.kept()["rounds"], timeout=20, message="the round noted")
    pairings = course.append([course.confirmed(student) for student in course.students], correlation)

    rows = course.settled(3 * 2 + 1 + 1)  # each student and their (adult: none) guardian, the mentor, the teacher
    assert {r["kind"] for r in rows} == {"group_introduction"}
    sent = {(r["role"], r["recipient_id"]) for r in rows if r["status"] == "sent"}
    assert sent == {("mentee", s) for s in course.students} | {("mentor", course.mentor),
                                                              ("teacher", course.teacher)}
    assert {r["last_error"] for r in rows if r["role"] == "guardian"} == {"no_guardian_to_tell"}
    assert {r["cause_event_type"] for r in rows} == {"MatchingRoundCompleted"}
    by_student = {r["recipient_id"]: r for r in rows if r["role"] == "mentee"}
    assert by_student[course.students[2]]["language"] == "en" and by_student[course.students[0]]["language"] == "lv"
    assert {r["pairing_id"] for r in by_student.values()} == {p.stream_id for p in pairings}

    for mail, (_, language) in zip(course.student_mails, STUDENTS, strict=True):
        [to_student] = course.mails_to(mail)
        text = to_student.get_body(("plain",)).get_content()
        assert "Ona Petraitienė" in str(to_student["Subject"]) and course.mentor_mail in text
        assert "Dace Kalniņa" in text and course.teacher_mail in text
        others = [m for m in course.student_mails if m != mail]
        assert not any(other in text for other in others)  # the other students' contacts are not shared
        assert to_student["Content-Language"] == language
    [to_mentor] = course.mails_to(course.mentor_mail)
    mentor_text = to_mentor.get_body(("plain",)).get_content()
    assert str(to_mentor["Subject"]).endswith("3 studenti")
    assert all(name in mentor_text for name, _ in STUDENTS) and all(m in mentor_text for m in course.student_mails)
    [to_teacher] = course.mails_to(course.teacher_mail)
    assert "Ona Petraitienė" in str(to_teacher["Subject"])
    assert all(name in to_teacher.get_body(("plain",)).get_content() for name, _ in STUDENTS)

    # every event of the round delivered again: nothing new recorded or sent
    group = [r["message_id"] for r in course.log()]
    before, mails = handled_twice(), platform.mailbox.received(group)
    for envelope in [round_event, *pairings]:
        republish(platform, envelope)
    wait_for(lambda: handled_twice() >= before + 4, timeout=20, message="the repeats handled as duplicates")
    platform.notifications_sender().send_due()
    assert len(course.log()) == 8 and platform.mailbox.received(group) == mails


def test_a_student_joining_outside_a_round_gets_the_introduction_and_the_mentor_a_note(platform):
    course = Course(platform)
    student = course.students[0]
    course.append([course.confirmed(student, origin="manual", confirmed_by="coordinator")], str(uuid.uuid4()))
    rows = course.settled(3)  # the student, their (adult: none) guardian, the mentor's note
    assert {(r["kind"], r["role"]) for r in rows if r["status"] == "sent"} == {
        ("introduction", "mentee"), ("group_joined", "mentor")}
    [note] = course.mails_to(course.mentor_mail)
    assert str(note["Subject"]).startswith("Jauns students jūsu grupā: Jānis Bērziņš")
    assert course.student_mails[0] in note.get_body(("plain",)).get_content()
    assert len(course.mails_to(course.student_mails[0])) == 1 and not course.mails_to(course.teacher_mail)
