"""An e-course's intake questionnaire as a programme setting (``course.intake``): stored whole
with its defaults, each bad question named by its path."""
from __future__ import annotations

import pytest

from services.contracts.programme_settings import setting
from services.registration.domain.errors import ValidationFailed
from services.registration.domain.settings import ProgrammeSettings
from services.registration.tests import builders


def test_the_intake_questions_are_stored_in_order_with_their_defaults():
    plain = ProgrammeSettings.from_dict(builders.school_settings()).to_dict()
    assert plain["course"]["intake"] == [] and setting(plain, "course.intake") == []
    asked = {**builders.school_settings(), "course": {"intake": [
        {"id": "goals", "text": " What do you want to learn? ", "required": True},
        {"id": "experience", "text": "Have you taken an online course before?"}]}}
    assert ProgrammeSettings.from_dict(asked).to_dict()["course"] == {"reminder_days_before": 3, "intake": [
        {"id": "goals", "text": "What do you want to learn?", "required": True},
        {"id": "experience", "text": "Have you taken an online course before?", "required": False}]}


def test_bad_intake_questions_are_named_by_their_path():
    bad = {**builders.school_settings(), "course": {"intake": [
        {"id": "goals", "text": "Why?"}, {"id": "goals", "text": "Again?"}, {"id": "no spaces", "text": "x"},
        {"text": "", "required": "yes"}, {"id": "extra", "text": "x", "choices": []}]}}
    with pytest.raises(ValidationFailed) as refused:
        ProgrammeSettings.from_dict(bad)
    assert set(refused.value.errors) == {
        "course.intake.1.id", "course.intake.2.id", "course.intake.3.id", "course.intake.3.text",
        "course.intake.3.required", "course.intake.4.choices"}
    assert "twice" in refused.value.errors["course.intake.1.id"][0]
    with pytest.raises(ValidationFailed) as too_many:
        ProgrammeSettings.from_dict({**builders.school_settings(), "course": {
            "intake": [{"id": f"q{n}", "text": "?"} for n in range(31)]}})
    assert "course.intake" in too_many.value.errors
