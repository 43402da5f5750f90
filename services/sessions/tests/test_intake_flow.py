"""The e-course's intake questionnaire over HTTP with the real broker and PostgreSQL: the
student answers with their participant token (a bad answer refused, naming the question); the
student, their mentor and the coordinator read the answers, nobody else (another student, the
mentor of no one, another tenant's caller: 404); the words are stored encrypted, never
published, and read as nothing once the student is erased."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from services.matching.tests.conftest import PLATFORM_SECRET, Registration, programme_settings
from services.platform_core import tenancy
from services.platform_core.testing import wait_for
from services.sessions.domain.course import intake_stream_id

from .conftest import START

pytestmark = pytest.mark.integration
SECRET_GOAL = "To stop being afraid of maths exams"


def token(slug: str, person_id: str) -> str:
    return tenancy.issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, slug, person_id, START)


def test_the_student_answers_and_only_they_their_mentor_and_the_coordinator_read_it(platform):
    api = platform.api
    reg = Registration(platform.producer, platform.amqp_uri)
    settings = programme_settings("automatic")
    settings["people"]["mentor_capacity"] = {"min": 1, "max": 3, "default": 3}
    settings["course"] = {"intake": [{"id": "goals", "text": "What do you want to learn?", "required": True},
                                     {"id": "experience", "text": "An online course before?"}]}
    programme = reg.programme(settings)
    mentor = reg.mentor(programme, capacity=3)
    other_mentor = reg.mentor(programme, capacity=3)
    anna, boris = reg.mentee(programme), reg.mentee(programme)
    base, key, slug = f"/tenants/{reg.slug}/programmes/{programme.id}", reg.api_key, reg.slug

    def paired():
        students = api.get(f"{base}/course/progress", key).json().get("students", [])
        return len(students) == 2 and all(s["mentor_id"] for s in students) and students
    students = wait_for(paired, timeout=20, message="sessions to know both students paired")
    anna_mentor = next(s["mentor_id"] for s in students if s["student_id"] == anna)
    stranger = other_mentor if anna_mentor == mentor else mentor
    url = f"{base}/intake/{anna}"

    # nothing answered yet: the questions, no answers
    empty = api.get(url, token(slug, anna))
    assert empty.status_code == 200, empty.text
    assert empty.json()["answered_at"] is None and [q["answer"] for q in empty.json()["questions"]] == [None, None]

    # a required question left blank and an unknown one: refused, naming each; nothing kept
    bad = api.call("PUT", url, token(slug, anna), json={"answers": {"goals": " ", "hobby": "chess"}})
    assert bad.status_code == 422, bad.text
    assert bad.json()["details"]["failures"] == ["unknown_question", "unanswered"]
    assert set(bad.json()["details"]["fields"]) == {"answers.goals", "answers.hobby"}
    # only the student answers for themself
    for caller in (token(slug, boris), token(slug, anna_mentor)):
        assert api.call("PUT", url, caller, json={"answers": {"goals": "x"}}).status_code == 404
    assert api.call("PUT", url, key, json={"answers": {"goals": "x"}}).status_code == 403

    answered = api.call("PUT", url, token(slug, anna), json={"answers": {"goals": SECRET_GOAL, "experience": ""}})
    assert answered.status_code == 200, answered.text
    assert [(q["id"], q["answer"]) for q in answered.json()["questions"]] == [("goals", SECRET_GOAL),
                                                                             ("experience", None)]

    # readers: the student, their mentor, the coordinator; not another student nor another mentor
    for reader in (token(slug, anna), token(slug, anna_mentor), key):
        read = api.get(url, reader)
        assert read.status_code == 200 and read.json()["questions"][0]["answer"] == SECRET_GOAL, read.text
    for outsider in (token(slug, boris), token(slug, stranger), token("another-tenant", anna)):
        assert api.get(url, outsider).status_code in (403, 404)
    assert api.get(f"{base}/intake/{boris}", token(slug, anna)).status_code == 404

    # stored encrypted, never published
    with platform.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT payload::text FROM events WHERE event_type = 'IntakeAnswered'")).all()
    assert len(stored) == 1 and SECRET_GOAL not in stored[0][0]
    assert not platform.watcher.of(slug, "IntakeAnswered")
    assert all(SECRET_GOAL not in body for body in platform.watcher.bodies(slug))

    # erased: the answers read as nothing
    reg.erase(anna)
    def forgotten():
        with platform.store.transaction(slug) as tx:
            [event] = tx.read_stream("intake", intake_stream_id(programme.id, anna))
        return event.payload["personal"] is None
    wait_for(forgotten, timeout=20, message="the erased student's key forgotten")
    read = api.get(url, key)
    assert read.status_code == 404 or read.json()["questions"][0]["answer"] is None, read.text
