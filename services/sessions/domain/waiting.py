"""Who waits for a mentor, and for how long, at a moment: pure functions of what registration
and matching said (a programme's mentees and teams, their pairings, matching's reasons).

A mentee (or team) *waits* at a moment when they registered for the programme by then, had not
left it (withdrawn or erased), and were in no confirmed pairing then. They wait from their
registration until their first introduction; after a pairing of theirs ended they wait again
only once matching put them back in the reserve register (a ``MenteeWaitlisted`` at or after
the end: a coordinator's rematch, a mentor who left, a consent withdrawn), from the end. A
mentee with a proposal awaiting the coordinator still waits. ``reason`` is matching's latest
reason by then (``not_given`` when it gave none).

Days are whole 24-hour days, so the figures of programmes in different time zones add up.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .rules import PairingFacts

NOT_GIVEN = "not_given"


@dataclass(frozen=True)
class Participation:
    """A mentee or team of a programme: since when, and until when (withdrawn or erased)."""

    person_id: str
    programme_id: str
    kind: str
    registered_at: datetime
    left_at: Optional[datetime] = None


@dataclass(frozen=True)
class Wait:
    person_id: str
    kind: str
    since: datetime
    days: int
    reason: str


def waiting_since(participation: Participation, pairings: Sequence[PairingFacts],
                  waitlisted: Sequence[Tuple[datetime, str]], as_of: datetime) -> Optional[datetime]:
    """Since when the participant waits at ``as_of`` (None: they do not wait then)."""
    if participation.registered_at > as_of or (participation.left_at is not None and participation.left_at <= as_of):
        return None
    introduced = [p for p in pairings if p.confirmed_at is not None and p.confirmed_at <= as_of]
    if not introduced:
        return participation.registered_at
    if any(p.ended_at is None or p.ended_at > as_of for p in introduced):
        return None
    last_end = max(p.ended_at for p in introduced if p.ended_at is not None)
    put_back = any(last_end <= at <= as_of for at, _ in waitlisted)
    return last_end if put_back else None


def waits(participations: Iterable[Participation], pairings: Dict[str, List[PairingFacts]],
          waitlisted: Dict[str, List[Tuple[datetime, str]]], as_of: datetime) -> List[Wait]:
    """Everyone waiting at ``as_of``; ``pairings`` and ``waitlisted`` by person id."""
    found = []
    for participation in participations:
        person = participation.person_id
        said = waitlisted.get(person, [])
        since = waiting_since(participation, pairings.get(person, []), said, as_of)
        if since is None:
            continue
        reasons = [reason for at, reason in sorted(said) if at <= as_of]
        found.append(Wait(person, participation.kind, since, (as_of - since).days,
                          reasons[-1] if reasons else NOT_GIVEN))
    return found


def days_to_introduction(participations: Iterable[Participation], pairings: Dict[str, List[PairingFacts]],
                         as_of: datetime) -> List[int]:
    """For each participant introduced by ``as_of``: whole days from registration to their first
    introduction."""
    days = []
    for participation in participations:
        firsts = [p.confirmed_at for p in pairings.get(participation.person_id, [])
                  if p.confirmed_at is not None and p.confirmed_at <= as_of]
        if firsts and participation.registered_at <= as_of:
            days.append(max(0, (min(firsts) - participation.registered_at).days))
    return days


def _median(values: Sequence[int]) -> Optional[float]:
    return float(statistics.median(values)) if values else None


def waiting_summary(found: Sequence[Wait], introduced_after: Sequence[int]) -> Dict[str, Any]:
    """How many wait and for how long (median and longest days), by matching's reason; and how
    long those introduced by then had waited for it."""
    by_reason: Dict[str, int] = {}
    for wait in found:
        by_reason[wait.reason] = by_reason.get(wait.reason, 0) + 1
    days = [w.days for w in found]
    return {"waiting": len(found), "teams": sum(1 for w in found if w.kind == "team"),
            "median_days": _median(days), "longest_days": max(days) if days else None,
            "by_reason": dict(sorted(by_reason.items())),
            "introduced": len(introduced_after), "median_days_to_introduction": _median(introduced_after)}


def meetings_per_month(rows: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A programme's (or tenant's) meetings per calendar month, from the pair projections'
    ``months``: meetings that count, their hours, and how many pairs met."""
    months: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        for month in row.get("months") or []:
            total = months.setdefault(month["month"], {"month": month["month"], "meetings": 0, "minutes": 0,
                                                       "pairs_meeting": 0})
            total["meetings"] += month["meetings"]
            total["minutes"] += month["minutes"]
            total["pairs_meeting"] += 1 if month["meetings"] else 0
    return [{"month": m["month"], "meetings": m["meetings"], "hours": round(m["minutes"] / 60, 2),
             "pairs_meeting": m["pairs_meeting"]} for _, m in sorted(months.items())]
