"""A programme's ``notifications`` settings: when its timed messages go out.

The sending window (local times, the programme's time zone), quiet periods (days on which no
timed message goes out, e.g. school holidays) and the reminders' days. Registration validates
them with the rest of the settings and stores them whole; notifications reads them (defaults:
:mod:`services.contracts.programme_settings`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from services.contracts.programme_settings import default as default_of

from .days import _iso
from .reading import _Reader

_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
MAX_QUIET_PERIODS = 50


@dataclass(frozen=True)
class QuietPeriod:
    """Days, both inclusive, on which no timed message goes out."""

    first: date
    last: date
    name: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"from": _iso(self.first), "until": _iso(self.last), "name": self.name}


@dataclass(frozen=True)
class NotificationTiming:
    """When timed messages go out (seed 001: school days, not in the holidays)."""

    window_start: str = default_of("notifications.sending_window.start")
    window_end: str = default_of("notifications.sending_window.end")
    quiet_periods: Tuple[QuietPeriod, ...] = ()
    consent_every_days: int = default_of("notifications.consent_reminder.every_days")
    consent_at_most: int = default_of("notifications.consent_reminder.at_most")
    training_days_before: int = default_of("notifications.training_reminder.days_before")
    closing_days_before: int = default_of("notifications.registration_closing.days_before")

    def to_dict(self) -> Dict[str, Any]:
        return {"sending_window": {"start": self.window_start, "end": self.window_end},
                "quiet_periods": [period.to_dict() for period in self.quiet_periods],
                "consent_reminder": {"every_days": self.consent_every_days, "at_most": self.consent_at_most},
                "training_reminder": {"days_before": self.training_days_before},
                "registration_closing": {"days_before": self.closing_days_before}}


def _time_of_day(reader: _Reader, key: str, path: str) -> str:
    fallback: str = default_of(path)
    return reader.text(key, default=fallback, check=lambda value: None if _TIME_OF_DAY.fullmatch(value)
                       else "must be a time of day (HH:MM, 24 hours)")


def _days(reader: _Reader, key: str, *, minimum: int, maximum: int) -> int:
    value: int = default_of(f"notifications.{reader.path.rsplit('.', 1)[-1]}.{key}")
    return reader.integer(key, default=value, minimum=minimum, maximum=maximum)


def _quiet_periods(reader: _Reader) -> Tuple[QuietPeriod, ...]:
    periods: List[QuietPeriod] = []
    for item in reader.items("quiet_periods", max_items=MAX_QUIET_PERIODS):
        first, last = item.day("from", required=True), item.day("until", required=True)
        name = item.text("name")
        if first and last and last < first:
            item.add("until", f"must not be before from ({first.isoformat()})")
        elif first and last:
            periods.append(QuietPeriod(first, last, name))
    return tuple(periods)


def read_notification_timing(reader: _Reader) -> NotificationTiming:
    """The ``notifications`` section; every problem added under its dotted path."""
    window = reader.section("sending_window")
    start = _time_of_day(window, "start", "notifications.sending_window.start")
    end = _time_of_day(window, "end", "notifications.sending_window.end")
    if start >= end:
        window.add("end", f"must be later than start ({start}): the window is within one day")
    consent = reader.section("consent_reminder")
    return NotificationTiming(
        window_start=start, window_end=end, quiet_periods=_quiet_periods(reader),
        consent_every_days=_days(consent, "every_days", minimum=1, maximum=365),
        consent_at_most=_days(consent, "at_most", minimum=0, maximum=20),
        training_days_before=_days(reader.section("training_reminder"), "days_before", minimum=0, maximum=365),
        closing_days_before=_days(reader.section("registration_closing"), "days_before", minimum=0, maximum=365))
