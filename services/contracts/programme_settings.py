"""Programme settings as every service reads them: one set of defaults.

Registration validates a programme's settings and stores them whole (every default filled
in) in ``ProgrammeCreated`` / ``ProgrammeUpdated``; consumers (matching, sessions,
notifications, external systems) read values from those payloads. Where a value can be
missing (an older event, a section added later), every reader takes the default from here,
so no two services ever disagree about what an unset setting means. Registration's own
settings readers take their defaults from here too (``tests/test_programme_settings.py``).
"""
from __future__ import annotations

from typing import Any, List, Mapping

from .default_surveys import default_surveys

#: ``section.key`` -> the value an unset setting means
DEFAULTS: dict = {
    "people.mentor_capacity.min": 1,
    "people.mentor_capacity.default": 1,
    "people.team_leaders_min": 1,
    "rules.consent.rule": "none",
    "rules.consent.age_of_majority": 18,
    "rules.training.rule": "not_required",
    "rules.vetting_required": False,
    "rules.consent.school_year_starts.month": 9,
    "rules.consent.school_year_starts.day": 1,
    "content.cadence.min_per_month": 0,
    "content.cadence.remote_counts": True,
    # the first days after the introduction, when a pair is never at risk (read by sessions)
    "content.cadence.grace_days": 30,
    "matching.mode": "automatic",
    "matching.participant_kind": "individual",
    "matching.shortlist_size": 3,
    "matching.answer_days": 7,
    "matching.same_place_required": False,
    # when timed messages go out (read by notifications; local times and days in the programme's time zone)
    "notifications.sending_window.start": "08:00",
    "notifications.sending_window.end": "20:00",
    "notifications.quiet_periods": [],
    "notifications.consent_reminder.every_days": 7,
    "notifications.consent_reminder.at_most": 3,
    "notifications.training_reminder.days_before": 7,
    "notifications.registration_closing.days_before": 7,
}


# -- introductions: which contacts an introduction shares (notifications reads them) -----------
#: a minor mentee's own phone and e-mail are not given to an adult mentor; their guardian's are
DEFAULTS.update({
    "introduction.share_minor_contact": False,
    "introduction.share_guardian_contact": True,
})


# -- surveys (seed 002): whether a programme runs them; which ones: ``survey_definitions`` ------
DEFAULTS.update({
    "surveys.enabled": False,
})


# -- e-courses (seed 004): how many days before a task's deadline a student who has not finished
# it is reminded (read by sessions' daily watch); the intake questionnaire's questions
# (``{id, text, required}``; none: no intake) ------------------------------------------------------
DEFAULTS.update({
    "course.reminder_days_before": 3,
    "course.intake": [],
})


def default(path: str) -> Any:
    value = DEFAULTS[path]
    return list(value) if isinstance(value, list) else value


def setting(settings: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (``"matching.shortlist_size"``) of a settings payload; unset
    (missing or null): its default."""
    value: Any = settings
    for key in path.split("."):
        if not isinstance(value, Mapping):
            value = None
            break
        value = value.get(key)
    return default(path) if value is None else value


def survey_definitions(settings: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    """The surveys a programme runs: none unless ``surveys.enabled``; its own
    ``surveys.definitions`` if set, else the shipped set (:mod:`.default_surveys`)."""
    if not setting(settings, "surveys.enabled"):
        return []
    section = settings.get("surveys")
    own = section.get("definitions") if isinstance(section, Mapping) else None
    chosen: List[Mapping[str, Any]] = list(own) if own is not None else list(default_surveys())
    return chosen
