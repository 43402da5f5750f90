"""Time as the domain reads it: timezone-aware instants, ages, months and school years,
and the days the platform accepts."""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any, Optional, Tuple


def require_aware(now: datetime) -> datetime:
    """The domain never guesses a time zone: ``now`` must be timezone-aware."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def age_on(date_of_birth: date, day: date) -> int:
    """Full years of age on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


#: the dates the platform accepts (birth dates included)
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (31 Jan + 1 = 28 Feb)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def school_year_of(day: date, starts_month: int, starts_day: int) -> Tuple[date, date]:
    """First and last day of the school year that contains ``day``."""
    first_this_year = date(day.year, starts_month, starts_day)
    first = first_this_year if day >= first_this_year else date(day.year - 1, starts_month, starts_day)
    return first, date(first.year + 1, starts_month, starts_day) - timedelta(days=1)


def _iso(value: Optional[date]) -> Optional[str]:
    return None if value is None else value.isoformat()


def _parse_day(value: Any) -> date:
    """A day given as a ``date`` or an ISO string (a datetime is not a day: TypeError)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(value)


def _parse_date(value: Any) -> Optional[date]:
    """A day that may be missing (None)."""
    return None if value is None else _parse_day(value)
