"""When a timed message may go out (plain Python, hand-picked dates): inside the sending window in
the programme's time zone, across a change of daylight saving time, not in a quiet period; and
when each reminder is due."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from services.notifications.domain.reminders import (
    CONSENT_MISSING,
    REGISTRATION_CLOSING,
    REGISTRATION_RECEIVED,
    TRAINING_REMINDER,
    due_moment,
    first_moment,
)
from services.notifications.domain.schedule import (
    NoSendingDay,
    SendingTimes,
    next_send_moment,
    sending_times,
    zone_of,
)

VILNIUS = zone_of("Europe/Vilnius")
TIMES = SendingTimes(zone=VILNIUS, window_start=time(8, 0), window_end=time(20, 0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VILNIUS).astimezone(timezone.utc)


def test_a_moment_inside_the_window_is_itself():
    assert next_send_moment(local(2025, 1, 15, 12, 0), TIMES) == local(2025, 1, 15, 12, 0)
    assert next_send_moment(local(2025, 1, 15, 8, 0), TIMES) == local(2025, 1, 15, 8, 0)


def test_before_the_window_waits_for_it_to_open_the_same_day():
    assert next_send_moment(local(2025, 1, 15, 6, 59), TIMES) == local(2025, 1, 15, 8, 0)
    assert next_send_moment(local(2025, 1, 15, 6, 59), TIMES) == utc(2025, 1, 15, 6, 0)  # EET, +2


def test_a_window_that_closed_before_now_opens_the_next_morning():
    assert next_send_moment(local(2025, 1, 15, 20, 0), TIMES) == local(2025, 1, 16, 8, 0)  # the end is exclusive
    assert next_send_moment(local(2025, 1, 15, 23, 30), TIMES) == utc(2025, 1, 16, 6, 0)


def test_across_the_change_to_summer_time_the_window_stays_local():
    # Vilnius moves from +2 to +3 at 03:00 on Sunday 30 March 2025
    due = local(2025, 3, 29, 21, 30)  # Saturday evening, after the window
    assert due == utc(2025, 3, 29, 19, 30)
    assert next_send_moment(due, TIMES) == utc(2025, 3, 30, 5, 0)  # 08:00 EEST, not 06:00 UTC
    # and back to winter time on 26 October 2025
    assert next_send_moment(utc(2025, 10, 25, 18, 0), TIMES) == utc(2025, 10, 26, 6, 0)  # 08:00 EET


def test_a_quiet_period_spanning_the_due_date_holds_it_until_the_morning_after():
    holidays = SendingTimes(zone=VILNIUS, window_start=time(8, 0), window_end=time(20, 0),
                            quiet_periods=((date(2025, 2, 17), date(2025, 2, 23)),))
    assert next_send_moment(local(2025, 2, 19, 12, 0), holidays) == local(2025, 2, 24, 8, 0)
    assert next_send_moment(local(2025, 2, 16, 19, 59), holidays) == local(2025, 2, 16, 19, 59)
    assert next_send_moment(local(2025, 2, 16, 20, 0), holidays) == local(2025, 2, 24, 8, 0)


def test_overlapping_and_back_to_back_quiet_periods():
    times = SendingTimes(zone=VILNIUS, window_start=time(9, 30), window_end=time(17, 0), quiet_periods=(
        (date(2025, 12, 22), date(2025, 12, 31)), (date(2025, 12, 30), date(2026, 1, 4)),
        (date(2026, 1, 5), date(2026, 1, 5))))
    assert next_send_moment(local(2025, 12, 23, 10, 0), times) == local(2026, 1, 6, 9, 30)


def test_no_day_at_all_is_said():
    times = SendingTimes(zone=VILNIUS, window_start=time(8, 0), window_end=time(20, 0),
                         quiet_periods=((date(2025, 1, 1), date(2030, 1, 1)),))
    with pytest.raises(NoSendingDay):
        next_send_moment(local(2025, 1, 15, 12, 0), times)
    with pytest.raises(ValueError):
        next_send_moment(datetime(2025, 1, 15, 12, 0), TIMES)


def test_sending_times_are_read_from_the_settings_with_defaults():
    times = sending_times({}, "Europe/Riga")
    assert (times.window_start, times.window_end, times.quiet_periods) == (time(8, 0), time(20, 0), ())
    assert str(times.zone) == "Europe/Riga"
    read = sending_times({"notifications": {"sending_window": {"start": "09:15", "end": "18:00"},
                                            "quiet_periods": [{"from": "2025-02-17", "until": "2025-02-23"}]}},
                         "nowhere/unknown")
    assert (read.window_start, read.window_end) == (time(9, 15), time(18, 0))
    assert read.quiet_periods == ((date(2025, 2, 17), date(2025, 2, 23)),) and str(read.zone) == "UTC"


SETTINGS = {"dates": {"meetings_start": "2025-03-01", "mentee_registration_closes": "2025-02-01"},
            "rules": {"training": {"rule": "before_first_meeting", "seminar_date": "2025-02-14"}},
            "notifications": {"consent_reminder": {"every_days": 5, "at_most": 2},
                              "training_reminder": {"days_before": 3},
                              "registration_closing": {"days_before": 7}}}


def test_reminders_fall_due_on_their_days():
    cause = local(2025, 1, 15, 21, 0)  # a registration in the evening
    due = lambda kind, n=1: due_moment(kind, n, cause_at=cause, now=cause, settings=SETTINGS, times=TIMES)  # noqa: E731
    assert due(REGISTRATION_RECEIVED) == local(2025, 1, 16, 8, 0)
    assert due(CONSENT_MISSING, 1) == local(2025, 1, 21, 8, 0)  # 5 days later, the next morning
    assert due(CONSENT_MISSING, 2) == local(2025, 1, 26, 8, 0)
    assert due(CONSENT_MISSING, 3) is None  # at most twice
    assert due(TRAINING_REMINDER) == local(2025, 2, 11, 8, 0)
    assert due(REGISTRATION_CLOSING) == local(2025, 1, 25, 8, 0)


def test_a_reminder_whose_day_passed_is_not_made():
    late = local(2025, 2, 13, 10, 0)  # a mentor registered the day before the seminar
    assert first_moment(TRAINING_REMINDER, 1, cause_at=late, settings=SETTINGS, times=TIMES) is None
    # one made in time but held past its day (a quiet period, the seminar moved) goes no more
    made = local(2025, 1, 15, 10, 0)
    assert due_moment(TRAINING_REMINDER, 1, cause_at=made, now=local(2025, 2, 15, 9, 0), settings=SETTINGS,
                      times=TIMES) is None
    quiet = SendingTimes(zone=VILNIUS, window_start=time(8, 0), window_end=time(20, 0),
                         quiet_periods=((date(2025, 2, 10), date(2025, 2, 20)),))
    assert due_moment(TRAINING_REMINDER, 1, cause_at=made, now=made, settings=SETTINGS, times=quiet) is None
    # on the day itself, if the window is still open, it goes
    assert due_moment(TRAINING_REMINDER, 1, cause_at=made, now=local(2025, 2, 14, 7, 0), settings=SETTINGS,
                      times=TIMES) == local(2025, 2, 14, 8, 0)
    no_training = {**SETTINGS, "rules": {"training": {"rule": "not_required", "seminar_date": "2025-02-14"}}}
    assert due_moment(TRAINING_REMINDER, 1, cause_at=made, now=made, settings=no_training, times=TIMES) is None
