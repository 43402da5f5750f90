"""Progress of a pair, as pure functions of its meetings and goals, at a moment passed in.

:func:`pair_progress` is the per-pair projection: meetings and hours that count, meetings per
calendar month (in the programme's time zone) against the cadence, days since the last meeting,
days from the introduction (the pairing's confirmation) to the first meeting, goals open,
reached and dropped. :func:`assess` says whether the pair is at risk:

* ``below_cadence``: fewer meetings in the last :data:`WINDOW_DAYS` days than the cadence's
  ``min_per_month`` (remote ones count only if the cadence says ``remote_counts``);
* ``no_meeting_for_too_long``: no meeting (of any kind) for longer than
  :func:`allowed_gap_days` (twice the interval the cadence expects, at most 60 days);

never during the grace period the programme sets (``content.cadence.grace_days``: the first
days after the introduction, 30 unless set), and never once the pairing has ended. A disputed
or withdrawn meeting does not count anywhere.

:func:`fold` turns a pair's stored events into the aggregates these functions read, so a
report at any moment is the fold of the events recorded up to it.

The match length is measured from the introduction to the end (or to the report's moment
while the pair runs): in days, and in whole calendar months (:func:`whole_months`, in the
programme's time zone), so a programme says how many pairs reached :data:`MILESTONE_MONTHS`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union
from zoneinfo import ZoneInfo

from .final_review import FinalReview
from .goal import Goal
from .meeting import Meeting, MeetingFacts
from .rules import (
    CONFIRMED,
    ENDED,
    FINAL_REVIEW,
    GOAL,
    MEETING,
    PairingFacts,
    ProgrammeRules,
)
from .tally import WINDOW_DAYS, PairLedger, PairTally

LONGEST_GAP_DAYS = 60

ON_TRACK, AT_RISK, IN_GRACE, NOT_STARTED = "on_track", "at_risk", "in_grace", "not_started"
BELOW_CADENCE, TOO_LONG = "below_cadence", "no_meeting_for_too_long"
AT_RISK_REASONS = (BELOW_CADENCE, TOO_LONG)
MILESTONE_MONTHS = (3, 6, 12)
COMPLETED = "completed"


def allowed_gap_days(min_per_month: int) -> int:
    """The longest a pair may go without meeting: twice the cadence's interval, at most 60 days."""
    if min_per_month <= 0:
        return LONGEST_GAP_DAYS
    return min(LONGEST_GAP_DAYS, math.ceil(2 * WINDOW_DAYS / min_per_month))


@dataclass
class PairHistory:
    """What sessions recorded about one pair."""

    meetings: List[Meeting] = field(default_factory=list)
    goals: List[Goal] = field(default_factory=list)
    final_review: Optional[FinalReview] = None


_AGGREGATES: Dict[str, Type[Union[Meeting, Goal, FinalReview]]] = {
    MEETING: Meeting, GOAL: Goal, FINAL_REVIEW: FinalReview}


def fold(events: Iterable[Any]) -> Dict[str, PairHistory]:
    """The histories, by pairing id, of the meeting, goal and final-review events given
    (envelopes or anything with ``stream_type``, ``stream_id``, ``event_type``, ``payload``),
    in the order they were recorded."""
    aggregates: Dict[Tuple[str, str], Union[Meeting, Goal, FinalReview]] = {}
    for event in events:
        kind = _AGGREGATES.get(event.stream_type)
        if kind is None:
            continue
        key = (event.stream_type, event.stream_id)
        if key not in aggregates:
            aggregates[key] = kind(event.stream_id)
        aggregates[key].apply(event)
    histories: Dict[str, PairHistory] = {}
    for aggregate in aggregates.values():
        if isinstance(aggregate, FinalReview):
            histories.setdefault(aggregate.id, PairHistory()).final_review = aggregate
        elif aggregate.pairing_id is None:  # its first event (logged, set) is not among those given
            continue
        elif isinstance(aggregate, Meeting):
            histories.setdefault(aggregate.pairing_id, PairHistory()).meetings.append(aggregate)
        else:
            histories.setdefault(aggregate.pairing_id, PairHistory()).goals.append(aggregate)
    return histories


def counted(meetings: Sequence[Meeting], now: datetime) -> List[MeetingFacts]:
    """The facts of the meetings that count (not disputed, not withdrawn, started by ``now``),
    in time order."""
    facts = (m.facts() for m in meetings if m.counted)
    return sorted((f for f in facts if f.started_at <= now), key=lambda f: f.started_at)


def tally_of(history: PairHistory, time_zone: str, now: datetime) -> PairTally:
    """The tally (:mod:`.tally`) of what the history holds that had started, or was set, by ``now``."""
    ledger = PairLedger(time_zone)
    for meeting in history.meetings:
        if meeting.started_at is not None and meeting.mode is not None and meeting.status is not None \
                and meeting.started_at <= now:
            ledger.put_meeting(meeting.id, meeting.started_at, meeting.minutes, meeting.mode, meeting.status)
    for goal in history.goals:
        if goal.set_at is not None and goal.set_at <= now and goal.status is not None:
            ledger.put_goal(goal.id, goal.status)
    ledger.final_review = history.final_review is not None and history.final_review.exists
    return ledger.tally(now)


@dataclass(frozen=True)
class Assessment:
    status: str
    reasons: tuple
    towards_cadence_last_30_days: int
    days_since_last_meeting: Optional[int]

    @property
    def at_risk(self) -> bool:
        return self.status == AT_RISK


_WINDOW = timedelta(days=WINDOW_DAYS)


def _days(later: datetime, earlier: datetime, zone: ZoneInfo) -> int:
    return (later.astimezone(zone).date() - earlier.astimezone(zone).date()).days


def assess(pairing: PairingFacts, meetings: Sequence[Meeting], rules: ProgrammeRules,
           now: datetime) -> Assessment:
    """:func:`assessment` of these meetings."""
    return assessment(pairing, tally_of(PairHistory(meetings=list(meetings)), rules.time_zone, now), rules, now)


def assessment(pairing: PairingFacts, tally: PairTally, rules: ProgrammeRules, now: datetime) -> Assessment:
    """Is the pair at risk at ``now`` (a moment no earlier than the tally's)?"""
    zone = ZoneInfo(rules.time_zone)
    pair = pairing.as_of(now)
    counts = rules.cadence.counts
    window = sum(1 for at, mode in tally.recent if now - at < _WINDOW and counts(mode))
    last = tally.last_meeting_at
    since = _days(now, last, zone) if last is not None else None
    introduced = pair.confirmed_at
    if pair.status != CONFIRMED or introduced is None:
        return Assessment(ENDED if pair.status == ENDED else NOT_STARTED, (), window, since)
    if now - introduced < timedelta(days=rules.cadence.grace_days):
        return Assessment(IN_GRACE, (), window, since)
    reasons = []
    if window < rules.cadence.min_per_month:
        reasons.append(BELOW_CADENCE)
    quiet = since if since is not None else _days(now, introduced, zone)
    if quiet > allowed_gap_days(rules.cadence.min_per_month):
        reasons.append(TOO_LONG)
    return Assessment(AT_RISK if reasons else ON_TRACK, tuple(reasons), window, since)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def months(pairing: PairingFacts, tally: PairTally, rules: ProgrammeRules,
           now: datetime) -> List[Dict[str, Any]]:
    """Meetings per calendar month from the introduction to ``now`` (or the end): ``met`` says
    whether a whole month reached the cadence's minimum (None for a part month, or no minimum)."""
    zone = ZoneInfo(rules.time_zone)
    if pairing.confirmed_at is None or pairing.confirmed_at > now:
        return []  # not introduced by then: no months (and ``now`` may be as early as year 1)
    start = pairing.confirmed_at.astimezone(zone).date()
    end = (pairing.ended_at if pairing.ended_at is not None else now).astimezone(zone).date()
    cadence, rows = rules.cadence, []
    lowest, highest, remote_counts = cadence.min_per_month, cadence.max_per_month, cadence.remote_counts
    by_month = {m.month: m for m in tally.months}
    first_day = start.replace(day=1)
    while first_day <= end:
        key = f"{first_day.year:04d}-{first_day.month:02d}"
        next_month = _next_month(first_day)
        whole = start <= first_day and next_month <= end
        found = by_month.get(key)
        in_person, remote, minutes = (found.in_person, found.remote, found.minutes) if found else (0, 0, 0)
        towards = in_person + remote if remote_counts else in_person
        rows.append({"month": key, "meetings": in_person + remote, "towards_cadence": towards,
                     "minutes": minutes, "partial": not whole, "min_per_month": lowest, "max_per_month": highest,
                     "met": (towards >= lowest) if whole and lowest else None,
                     "above_max": bool(highest and towards > highest)})
        first_day = next_month
    return rows


def whole_months(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (a month ending on a day of the month
    that does not exist, such as 31 March to 30 April, is not yet whole)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def match_length(pairing: PairingFacts, rules: ProgrammeRules, now: datetime) -> Tuple[Optional[int], Optional[int]]:
    """Days and whole months from the introduction to the end, or to ``now`` while it runs
    (None, None: not introduced by ``now``)."""
    pair = pairing.as_of(now)
    if pair.confirmed_at is None or pair.status not in (CONFIRMED, ENDED):
        return None, None
    zone = ZoneInfo(rules.time_zone)
    end = pair.ended_at if pair.ended_at is not None else now
    return _days(end, pair.confirmed_at, zone), whole_months(pair.confirmed_at.astimezone(zone).date(),
                                                             end.astimezone(zone).date())


def pair_progress(pairing: PairingFacts, history: PairHistory, rules: ProgrammeRules,
                  now: datetime) -> Dict[str, Any]:
    """The per-pair projection at ``now`` (JSON values only), from the pair's history."""
    return progress_of(pairing, tally_of(history, rules.time_zone, now), rules, now)


def progress_of(pairing: PairingFacts, tally: PairTally, rules: ProgrammeRules,
                now: datetime) -> Dict[str, Any]:
    """The per-pair projection at ``now`` (JSON values only), from its tally (in the rules' time
    zone, as of a moment no later than ``now``)."""
    if tally.time_zone != rules.time_zone:
        raise ValueError(f"a tally counted in {tally.time_zone} read with the rules of {rules.time_zone}")
    pair = pairing.as_of(now)
    zone = ZoneInfo(rules.time_zone)
    judged = assessment(pairing, tally, rules, now)
    in_person = remote = minutes = 0
    for month in tally.months:
        in_person += month.in_person
        remote += month.remote
        minutes += month.minutes
    first = tally.first_meeting_at
    match_days, match_months = match_length(pairing, rules, now)
    return {
        "pairing_id": pair.pairing_id, "programme_id": pair.programme_id,
        "mentor_id": pair.mentor_id, "mentee_id": pair.mentee_id,
        "pairing_status": pair.status, "end_reason": pair.end_reason, "ended_by": pair.ended_by,
        "match_days": match_days, "match_months": match_months,
        "introduced_at": pair.confirmed_at.isoformat() if pair.confirmed_at else None,
        "as_of": now.isoformat(),
        "meetings": in_person + remote,
        "hours": round(minutes / 60, 2),
        "in_person": in_person,
        "remote": remote,
        "disputed": tally.disputed,
        "months": months(pair, tally, rules, now),
        "towards_cadence_last_30_days": judged.towards_cadence_last_30_days,
        "cadence": rules.cadence.to_dict(),
        "days_since_last_meeting": judged.days_since_last_meeting,
        "days_to_first_meeting": _days(first, pair.confirmed_at, zone)
        if first is not None and pair.confirmed_at is not None else None,
        "goals": {"open": tally.goals_open, "reached": tally.goals_reached, "dropped": tally.goals_dropped},
        "final_review_recorded": tally.final_review,
        "status": judged.status, "at_risk_reasons": list(judged.reasons),
    }


def programme_summary(rows: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Totals over the per-pair projections of a programme."""
    by_status: Dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    ended = [r for r in rows if r["pairing_status"] == ENDED]
    early: Dict[Tuple[str, str], int] = {}
    for row in ended:
        if row["end_reason"] != COMPLETED:
            key = (row["end_reason"] or "unknown", row.get("ended_by") or "unknown")
            early[key] = early.get(key, 0) + 1
    lengths = [r["match_months"] for r in rows if r.get("match_months") is not None]
    return {"pairs": len(rows), "by_status": by_status,
            "completed": sum(1 for r in ended if r["end_reason"] == COMPLETED),
            "closed_early": sum(1 for r in ended if r["end_reason"] != COMPLETED),
            "ended_early": [{"reason": reason, "ended_by": by, "pairs": n}
                            for (reason, by), n in sorted(early.items())],
            **{f"reached_{m}_months": sum(1 for n in lengths if n >= m) for m in MILESTONE_MONTHS},
            "meetings": sum(r["meetings"] for r in rows),
            "hours": round(sum(r["hours"] for r in rows), 2),
            "goals_reached": sum(r["goals"]["reached"] for r in rows)}
