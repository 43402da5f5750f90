"""A pair's tally: the few numbers its progress figures are computed from, so a report reads
one small record a pair instead of folding the pair's events.

:class:`PairTally` holds, for what had been recorded (and had started) by a moment ``recorded``:
the counted meetings (logged or confirmed, not disputed or withdrawn) per calendar month in the
programme's time zone, in person and remote, with their minutes; the disputed ones; the first and
the last counted meeting; the counted meetings started in the :data:`~.progress.WINDOW_DAYS` days
before ``recorded`` (those a window at any later moment can still hold); the goals open, reached
and dropped; and whether the final review was recorded. Every figure of
:func:`~.progress.progress_of` at any moment from ``recorded`` on (until the pair's next event)
follows from it and the pairing's facts.

:class:`PairLedger` keeps a pair's meetings and goals as they stand and its tally up to date as
they change (a meeting's old contribution taken out, its new one put in), so a replay of many
events does not recount a pair's meetings at each one.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from .goal import DROPPED, OPEN, REACHED
from .meeting import CONFIRMED, COUNTED, DISPUTED, LOGGED, WITHDRAWN, parse_time
from .rules import IN_PERSON

WINDOW_DAYS = 30

#: a meeting event's status for the meeting (its facts come with logged and corrected)
MEETING_STATUS = {"MeetingLogged": LOGGED, "MeetingCorrected": LOGGED, "MeetingConfirmed": CONFIRMED,
                  "MeetingDisputed": DISPUTED, "MeetingWithdrawn": WITHDRAWN}
GOAL_STATUS = {"GoalSet": OPEN, "GoalReached": REACHED, "GoalDropped": DROPPED}


@dataclass(frozen=True)
class MonthTally:
    month: str  # YYYY-MM in the tally's time zone
    in_person: int
    remote: int
    minutes: int


@dataclass(frozen=True)
class PairTally:
    time_zone: str
    months: Tuple[MonthTally, ...] = ()
    disputed: int = 0
    first_meeting_at: Optional[datetime] = None
    last_meeting_at: Optional[datetime] = None
    #: (started_at, mode) of the counted meetings a 30-day window may still hold, in time order
    recent: Tuple[Tuple[datetime, str], ...] = ()
    goals_open: int = 0
    goals_reached: int = 0
    goals_dropped: int = 0
    final_review: bool = False

    def month(self, key: str) -> Optional[MonthTally]:
        for month in self.months:
            if month.month == key:
                return month
        return None

    def to_json(self) -> Dict[str, Any]:
        return {"zone": self.time_zone, "months": [[m.month, m.in_person, m.remote, m.minutes] for m in self.months],
                "disputed": self.disputed,
                "first": self.first_meeting_at.isoformat() if self.first_meeting_at else None,
                "last": self.last_meeting_at.isoformat() if self.last_meeting_at else None,
                "recent": [[at.isoformat(), mode] for at, mode in self.recent],
                "goals": [self.goals_open, self.goals_reached, self.goals_dropped], "review": self.final_review}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PairTally":
        first, last = data.get("first"), data.get("last")
        goals = data.get("goals") or [0, 0, 0]
        return cls(time_zone=data["zone"], months=tuple(MonthTally(*m) for m in data.get("months") or ()),
                   disputed=data.get("disputed", 0), first_meeting_at=parse_time(first) if first else None,
                   last_meeting_at=parse_time(last) if last else None,
                   recent=tuple((parse_time(at), mode) for at, mode in data.get("recent") or ()),
                   goals_open=goals[0], goals_reached=goals[1], goals_dropped=goals[2],
                   final_review=bool(data.get("review")))


_Meeting = Tuple[datetime, int, str, str]  # started_at, minutes, mode, status


class PairLedger:
    """A pair's meetings, goals and final review as they stand, and their tally."""

    def __init__(self, time_zone: str):
        self.time_zone = time_zone
        self._zone = ZoneInfo(time_zone)
        self.meetings: Dict[str, _Meeting] = {}
        self.goals: Dict[str, str] = {}
        self.final_review = False
        self._months: Dict[str, List[int]] = {}  # month: [in person, remote, minutes]
        self._disputed = 0
        self._starts: List[Tuple[datetime, str]] = []  # (started_at, meeting id) of counted ones, sorted
        self._modes: Dict[str, str] = {}

    # -- what changes it ------------------------------------------------------------------------------

    def put_meeting(self, meeting_id: str, started_at: datetime, minutes: int, mode: str, status: str) -> None:
        """The meeting as it now stands (its earlier state, if any, no longer counts)."""
        old = self.meetings.get(meeting_id)
        if old is not None:
            self._count(meeting_id, old, -1)
        new = (started_at, int(minutes), mode, status)
        self.meetings[meeting_id] = new
        self._count(meeting_id, new, 1)

    def put_goal(self, goal_id: str, status: str) -> None:
        self.goals[goal_id] = status

    def apply(self, event: Any) -> None:
        """One of the pair's events (anything with ``event_type``, ``stream_id``, ``payload``)."""
        kind, payload = event.event_type, event.payload
        if kind in MEETING_STATUS:
            if "started_at" in payload:
                self.put_meeting(event.stream_id, parse_time(payload["started_at"]), payload["minutes"],
                                 payload["mode"], MEETING_STATUS[kind])
            elif event.stream_id in self.meetings:
                started, minutes, mode, _ = self.meetings[event.stream_id]
                self.put_meeting(event.stream_id, started, minutes, mode, MEETING_STATUS[kind])
        elif kind in GOAL_STATUS:
            self.put_goal(event.stream_id, GOAL_STATUS[kind])
        elif kind == "FinalReviewRecorded":
            self.final_review = True

    def _count(self, meeting_id: str, meeting: _Meeting, sign: int) -> None:
        started, minutes, mode, status = meeting
        if status == DISPUTED:
            self._disputed += sign
        if status not in COUNTED:
            return
        key = started.astimezone(self._zone).strftime("%Y-%m")
        month = self._months.setdefault(key, [0, 0, 0])
        month[0 if mode == IN_PERSON else 1] += sign
        month[2] += sign * minutes
        if month == [0, 0, 0]:
            del self._months[key]
        entry = (started, meeting_id)
        if sign > 0:
            insort(self._starts, entry)
            self._modes[meeting_id] = mode
        else:
            del self._starts[bisect_left(self._starts, entry)]
            self._modes.pop(meeting_id, None)

    # -- what it says -----------------------------------------------------------------------------

    def tally(self, recorded: datetime) -> PairTally:
        """The tally as of ``recorded`` (a moment no earlier than any meeting it holds started)."""
        starts = self._starts
        try:
            since = recorded - timedelta(days=WINDOW_DAYS)
            held = starts[bisect_left(starts, (since, "\uffff")):]
        except OverflowError:  # a moment in the first days of year 1
            held = starts
        recent = tuple((at, self._modes[mid]) for at, mid in held)
        statuses = list(self.goals.values())
        return PairTally(
            time_zone=self.time_zone,
            months=tuple(MonthTally(k, *v) for k, v in sorted(self._months.items())),
            disputed=self._disputed, first_meeting_at=starts[0][0] if starts else None,
            last_meeting_at=starts[-1][0] if starts else None, recent=recent,
            goals_open=statuses.count(OPEN), goals_reached=statuses.count(REACHED),
            goals_dropped=statuses.count(DROPPED), final_review=self.final_review)
