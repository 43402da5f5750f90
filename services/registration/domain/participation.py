"""What a person holds in a programme: a participation, consents, a background check, and
when a guardian's consent is needed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Dict, Optional

from .days import age_on
from .programme import Programme


@dataclass
class Participation:
    """A person's part in one programme: (person, programme, role) and what goes with it."""

    programme_id: str
    role: str
    registered_at: str
    profile: Dict[str, Any]
    age_at_start: Optional[int] = None
    consent_required: bool = False
    team_size: Optional[int] = None
    active: bool = True
    training_completed_on: Optional[date] = None
    team_need: Optional[Dict[str, Any]] = None


@dataclass
class Consent:
    """A consent for one school year, ended early if it is withdrawn."""

    programme_id: str
    given_by: str
    valid_from: date
    valid_until: date
    withdrawn_on: Optional[date] = None

    def covers(self, day: date) -> bool:
        if self.withdrawn_on is not None and day >= self.withdrawn_on:
            return False
        return self.valid_from <= day <= self.valid_until


@dataclass
class Vetting:
    """The last background check recorded for a (mentor) person."""

    cleared: bool
    checked_on: date
    reference: Optional[str] = None


def _consent_required(programme: Programme, date_of_birth: date, today: date) -> bool:
    """Whether a mentee's taking part needs a guardian's consent: always under
    ``guardian_for_all``; under ``guardian_for_minors`` if they are a minor on the day they
    join or on the programme's start, whichever comes first."""
    rule = programme.current_settings.rules.consent
    if rule.rule == "guardian_for_all":
        return True
    if rule.rule == "guardian_for_minors":
        return age_on(date_of_birth, min(today, programme.start)) < rule.age_of_majority
    return False


def _consent_day(programme: Programme, now: datetime) -> date:
    """The day a consent must cover for ``programme`` at ``now``: today, or the programme's
    start if that is still to come."""
    return max(programme.local_date(now), programme.start)
