"""When a message may go out: inside the programme's sending window, in its time zone, and not
on a day of a quiet period (school holidays).

:func:`next_send_moment` is a pure function of the moment a message is due and the programme's
:class:`SendingTimes`: the earliest instant at or after it that is inside the window on a day
outside every quiet period. Local times are turned into instants day by day in the programme's
zone (``zoneinfo``), so a window of 08:00-20:00 stays 08:00-20:00 local across a change of
daylight saving time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.contracts.programme_settings import setting

#: how far ahead a moment is looked for before giving up (quiet periods cover at most this)
HORIZON_DAYS = 3 * 366


class NoSendingDay(Exception):
    """Quiet periods cover every day of the horizon: nothing can be sent."""


@dataclass(frozen=True)
class SendingTimes:
    zone: ZoneInfo
    window_start: time
    window_end: time
    #: inclusive (first, last) days
    quiet_periods: Tuple[Tuple[date, date], ...] = ()

    def quiet_until(self, day: date) -> Optional[date]:
        """The last day of the longest quiet period ``day`` is in (None: not quiet)."""
        ends = [last for first, last in self.quiet_periods if first <= day <= last]
        return max(ends) if ends else None

    def local_moment(self, day: date, at: time) -> datetime:
        """``day`` at local time ``at`` as an instant in UTC (a local time that does not exist,
        in the gap of a change to summer time, is read with the offset before the change)."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(timezone.utc)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def zone_of(name: Optional[str]) -> ZoneInfo:
    """The programme's zone; an unknown or missing name reads as UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _clock_time(text: str) -> time:
    hours, minutes = str(text).split(":")
    return time(int(hours), int(minutes))


def sending_times(settings: Mapping[str, Any], time_zone: Optional[str]) -> SendingTimes:
    """The programme's sending times from its stored settings (defaults where unset)."""
    periods = []
    for period in setting(settings, "notifications.quiet_periods") or []:
        first, last = date.fromisoformat(period["from"]), date.fromisoformat(period["until"])
        periods.append((first, last))
    return SendingTimes(zone=zone_of(time_zone),
                        window_start=_clock_time(setting(settings, "notifications.sending_window.start")),
                        window_end=_clock_time(setting(settings, "notifications.sending_window.end")),
                        quiet_periods=tuple(sorted(periods)))


def next_send_moment(due: datetime, times: SendingTimes) -> datetime:
    """The earliest instant (UTC) at or after ``due`` inside the sending window on a day that is
    in no quiet period. Raises :class:`NoSendingDay` if there is none within the horizon."""
    if due.tzinfo is None:
        raise ValueError("due must be timezone-aware")
    due = due.astimezone(timezone.utc)
    day = times.local_day(due)
    last_day = day + timedelta(days=HORIZON_DAYS)
    while day <= last_day:
        quiet_until = times.quiet_until(day)
        if quiet_until is not None:
            day = quiet_until + timedelta(days=1)
            continue
        opens, closes = times.local_moment(day, times.window_start), times.local_moment(day, times.window_end)
        if due < closes:
            return max(due, opens)
        day += timedelta(days=1)
    raise NoSendingDay(f"no day to send on within {HORIZON_DAYS} days of {due.isoformat()}")


def start_of_day(day: date, times: SendingTimes) -> datetime:
    """Local midnight of ``day`` as an instant (a reminder due "on" a day)."""
    return times.local_moment(day, time(0, 0))
