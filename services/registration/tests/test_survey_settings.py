"""A programme's ``surveys`` settings (seed 002): off by default, the shipped set when on and
not defined, a programme's own set validated with every problem named by its dotted path (the
HTTP body through the strict schema, then the domain)."""
import json

import pytest

from services.contracts.default_surveys import LANGUAGES, default_surveys
from services.contracts.programme_settings import survey_definitions
from services.registration import schemas
from services.registration.domain import ValidationFailed
from services.registration.domain.settings import ProgrammeSettings
from services.registration.schemas import load_input
from services.registration.tests.builders import school_settings


def stored(surveys):
    body = json.loads(json.dumps({**school_settings(), "surveys": surveys}))
    return ProgrammeSettings.from_dict(load_input(schemas.CreateProgrammeInput, body)).to_dict()


def test_surveys_are_off_unless_enabled_and_the_shipped_set_is_the_default():
    assert ProgrammeSettings.from_dict(school_settings()).to_dict()["surveys"] == {"enabled": False,
                                                                                   "definitions": None}
    assert survey_definitions(ProgrammeSettings.from_dict(school_settings()).to_dict()) == []
    on = stored({"enabled": True})
    assert [s["id"] for s in survey_definitions(on)] == ["fit_check", "relationship_quality", "competences"]
    own = default_surveys()[2:]
    assert survey_definitions(stored({"enabled": True, "definitions": own})) == own


def test_the_shipped_set_is_valid_settings_in_all_four_languages():
    shipped = default_surveys()
    assert stored({"enabled": True, "definitions": shipped})["surveys"]["definitions"] == shipped
    for survey in shipped:
        assert set(survey["titles"]) == set(LANGUAGES)
        for question in survey["questions"]:
            assert set(question["texts"]) == set(LANGUAGES)
            assert question.get("scale", {"min": 1, "max": 5}) == {"min": 1, "max": 5}


def test_a_programmes_own_surveys_are_checked_naming_each_path():
    surveys = default_surveys()
    surveys[0]["questions"][0]["concern"] = ["maybe"]
    surveys[1]["questions"][1]["scale"] = {"min": 5, "max": 5}
    surveys[1].pop("every_days")
    surveys[2]["respondents"] = ["coordinator"]
    surveys[2]["questions"][1]["id"] = "communication"
    surveys[2]["first_after_days"] = 10
    surveys.append({"id": "fit_check", "schedule": "after_first_meeting", "respondents": ["mentee"],
                    "titles": {"en": "Again"}, "questions": [{"id": "q", "texts": {"en": "?"}}]})
    with pytest.raises(ValidationFailed) as refused:  # the domain's checks (the stored payload's reader too)
        ProgrammeSettings.from_dict({**school_settings(), "surveys": {"enabled": True, "definitions": surveys}})
    assert set(refused.value.errors) == {
        "surveys.definitions.0.questions.0.concern.0", "surveys.definitions.1.questions.1.scale.max",
        "surveys.definitions.1.every_days", "surveys.definitions.2.respondents.0",
        "surveys.definitions.2.questions.1.id", "surveys.definitions.2.first_after_days",
        "surveys.definitions.3.id", "surveys.definitions.3.questions.0.scale"}


def test_the_http_body_is_strict_about_surveys():
    with pytest.raises(ValidationFailed) as refused:
        load_input(schemas.CreateProgrammeInput, {**json.loads(json.dumps(school_settings())), "surveys": {
            "enabled": "maybe", "definitions": [{"id": "x", "schedule": "weekly", "respondents": ["mentee"],
                                               "questions": [{"id": "q", "scale": {"min": 1, "max": 50}}],
                                               "colour": 1}]}})
    assert set(refused.value.errors) == {
        "surveys.enabled", "surveys.definitions.0.schedule", "surveys.definitions.0.questions.0.scale.max",
        "surveys.definitions.0.colour"}
