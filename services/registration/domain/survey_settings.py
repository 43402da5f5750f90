"""A programme's ``surveys`` settings (seed 002): whether it runs surveys, and which.

``enabled`` (default false) turns them on; ``definitions`` (unset: the shipped set of
:mod:`services.contracts.default_surveys`, documented in docs/surveys.md) are the programme's
own. Registration validates them with the rest of the settings, naming every problem by its
dotted path (``surveys.definitions.0.questions.1.scale.max``); sessions reads them
(:func:`services.contracts.programme_settings.survey_definitions`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from services.contracts.default_surveys import RESPONDENTS, SCHEDULES
from services.contracts.programme_settings import default as default_of

from .reading import _matches, _Reader
from .vocabulary import CODE, ISO_639_1

MAX_SURVEYS, MAX_QUESTIONS, MAX_CHOICES = 20, 50, 10
#: the widest scale a question may have
SCALE_LOWEST, SCALE_HIGHEST = 0, 10


@dataclass(frozen=True)
class SurveySettings:
    enabled: bool = default_of("surveys.enabled")
    #: None: the shipped set
    definitions: Optional[Tuple[Dict[str, Any], ...]] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"enabled": self.enabled,
                "definitions": None if self.definitions is None else [dict(d) for d in self.definitions]}


def _texts(reader: _Reader, key: str) -> Dict[str, str]:
    """Texts per language: ISO 639-1 keys, non-empty strings, at least one."""
    texts = reader.mapping(key, required=True)
    for language, text in texts.items():
        if language not in ISO_639_1:
            reader.add(f"{key}.{language}", "is not an ISO 639-1 language code")
        elif not isinstance(text, str) or not text.strip() or len(text) > 1000:
            reader.add(f"{key}.{language}", "must be a non-empty string of at most 1000 characters")
    if reader.has(key) and not texts:
        reader.add(key, "must have a text in at least one language")
    return {language: text.strip() for language, text in texts.items() if isinstance(text, str)}


def _question(reader: _Reader) -> Dict[str, Any]:
    question: Dict[str, Any] = {
        "id": reader.text("id", required=True, check=_matches(CODE, "a code")),
        "texts": _texts(reader, "texts")}
    has_scale, has_choices = reader.has("scale"), reader.has("choices")
    if has_scale == has_choices:
        reader.add("scale", "give either a scale or choices")
    if has_scale:
        scale = reader.section("scale")
        low = scale.integer("min", required=True, minimum=SCALE_LOWEST, maximum=SCALE_HIGHEST)
        high = scale.integer("max", required=True, minimum=SCALE_LOWEST, maximum=SCALE_HIGHEST)
        if low is not None and high is not None and high <= low:
            scale.add("max", f"must be more than min ({low})")
        question["scale"] = {"min": low, "max": high}
    else:
        reader.skip("scale")
    if has_choices:
        choices = reader.texts("choices", check=_matches(CODE, "a code"), max_items=MAX_CHOICES)
        if len(choices) < 2:
            reader.add("choices", "must have at least 2 choices")
        concern = reader.texts("concern", check=lambda value: None if value in choices
                               else f"must be one of the choices ({', '.join(choices)})")
        question.update(choices=list(choices), concern=list(concern))
    else:
        reader.skip("choices")
        if reader.has("concern"):
            reader.add("concern", "is only for a question with choices")
        reader.skip("concern")
    return question


def _survey(reader: _Reader) -> Dict[str, Any]:
    schedule = reader.text("schedule", required=True, choices=SCHEDULES)
    survey: Dict[str, Any] = {
        "id": reader.text("id", required=True, check=_matches(CODE, "a code")),
        "schedule": schedule,
        "respondents": list(reader.texts("respondents", required=True,
                                         check=lambda v: None if v in RESPONDENTS
                                         else f"must be one of: {', '.join(RESPONDENTS)}")),
        "titles": _texts(reader, "titles")}
    if schedule == "periodic":
        survey["first_after_days"] = reader.integer("first_after_days", required=True, minimum=1, maximum=730)
        survey["every_days"] = reader.integer("every_days", required=True, minimum=1, maximum=730)
    else:
        for key in ("first_after_days", "every_days"):
            if reader.has(key):
                reader.add(key, "is only for a periodic survey")
            reader.skip(key)
    questions: List[Dict[str, Any]] = []
    for item in reader.items("questions", required=True, max_items=MAX_QUESTIONS):
        question = _question(item)
        if question["id"] is not None and question["id"] in [q["id"] for q in questions]:
            item.add("id", "is used by another question of this survey")
        questions.append(question)
    survey["questions"] = questions
    return survey


def read_survey_settings(reader: _Reader) -> SurveySettings:
    """The ``surveys`` section; every problem added under its dotted path."""
    enabled = reader.flag("enabled", default=default_of("surveys.enabled"))
    if not reader.has("definitions"):
        reader.skip("definitions")
        return SurveySettings(enabled, None)
    surveys: List[Dict[str, Any]] = []
    for item in reader.items("definitions", max_items=MAX_SURVEYS):
        survey = _survey(item)
        if survey["id"] is not None and survey["id"] in [s["id"] for s in surveys]:
            item.add("id", "is used by another survey")
        surveys.append(survey)
    return SurveySettings(enabled, tuple(surveys))
