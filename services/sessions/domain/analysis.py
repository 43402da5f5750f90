"""A team's analysis meetings (seed 003), on their own stream ``analysismeeting``/<uuid>.

An organisation joins as a team; before a mentor is picked, the coordinator holds joint
sessions with it that analyse its resources, competences, aspirations and needs, and from
them the capacity-building need is set (registration's ``TeamNeedSet``). The coordinator logs
each such meeting on the team, not on a pairing (there is none yet): when, how long, in person
or remote, the programme's areas touched, and under ``personal`` who took part and the notes on
the need found (the team's personal data, encrypted with the team's key).

Once the team is paired, its meetings are the pair's, like anyone's: an analysis meeting
cannot start at or after the team's introduction. A coordinator's mistake is taken back with
``AnalysisMeetingWithdrawn``. The pair's progress shows a team's analysis meetings apart
(``analysis``): they neither count towards the pair's cadence nor its first meeting, as the
mentor was not there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .meeting import fact_failures, parse_time
from .rules import ANALYSIS_MEETING, ProgrammeRules, RuleBroken, failure

LOGGED, WITHDRAWN = "logged", "withdrawn"


@dataclass(frozen=True)
class TeamFacts:
    """A team as sessions knows it from registration's and matching's events: when it joined
    the programme, whether it left, and when it was introduced to its mentor (if it was)."""

    team_id: str
    programme_id: str
    registered_at: Optional[datetime] = None
    left_at: Optional[datetime] = None
    introduced_at: Optional[datetime] = None


class AnalysisMeeting(Aggregate):
    stream_type: ClassVar[str] = ANALYSIS_MEETING

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.team_id: Optional[str] = None
        self.programme_id: Optional[str] = None
        self.started_at: Optional[datetime] = None
        self.minutes = 0
        self.mode: Optional[str] = None
        self.areas: List[str] = []
        self.attendees = 0
        self.took_part: Optional[List[str]] = None
        self.need_found: Optional[str] = None
        self.logged_at: Optional[datetime] = None
        self.status: Optional[str] = None

    def _on_AnalysisMeetingLogged(self, payload: Dict[str, Any]) -> None:
        self.team_id, self.programme_id = payload["team_id"], payload["programme_id"]
        self.started_at, self.minutes = parse_time(payload["started_at"]), int(payload["minutes"])
        self.mode, self.areas = payload["mode"], list(payload.get("areas") or [])
        self.attendees = int(payload.get("attendees") or 0)
        personal = payload.get("personal") or {}  # null once the team's key is forgotten
        self.took_part = personal.get("took_part")
        self.need_found = personal.get("need_found")
        self.logged_at = parse_time(payload["logged_at"])
        self.status = LOGGED

    def _on_AnalysisMeetingWithdrawn(self, payload: Dict[str, Any]) -> None:
        self.status = WITHDRAWN

    @property
    def counted(self) -> bool:
        return self.status == LOGGED

    def log(self, *, team: TeamFacts, rules: ProgrammeRules, started_at: datetime, minutes: int, mode: str,
            areas: Sequence[str], took_part: Sequence[str], need_found: Optional[str],
            now: datetime) -> List[DomainEvent]:
        """The coordinator logs an analysis meeting with the team."""
        if self.exists:
            raise RuleBroken.one("already_logged", f"analysis meeting {self.id} is logged already")
        failures = []
        if team.left_at is not None and team.left_at <= now:
            failures.append(failure("team_left", f"team {team.team_id} left the programme on "
                                    f"{team.left_at.isoformat()}"))
        failures += fact_failures(rules, started_at=started_at, minutes=minutes, areas=areas, now=now)
        if team.introduced_at is not None and team.introduced_at <= started_at <= now:
            failures.append(failure("after_the_pairing", f"the team was paired on "
                                    f"{team.introduced_at.isoformat()}: log this meeting as the pair's",
                                    "started_at"))
        if failures:
            raise RuleBroken(failures)
        self.team_id, self.programme_id = team.team_id, team.programme_id
        return [self._event("AnalysisMeetingLogged", {
            "team_id": team.team_id, "programme_id": team.programme_id,
            "started_at": started_at.isoformat(), "minutes": minutes, "mode": mode, "areas": list(areas),
            "attendees": len(took_part), "logged_at": now.isoformat(),
            "personal": {"took_part": list(took_part), "need_found": need_found}})]

    def withdraw(self, *, now: datetime) -> List[DomainEvent]:
        """The coordinator takes a meeting logged by mistake back: it no longer counts."""
        if self.status == WITHDRAWN:
            raise RuleBroken.one("meeting_withdrawn", f"analysis meeting {self.id} was withdrawn already")
        return [self._event("AnalysisMeetingWithdrawn", {
            "team_id": self.team_id, "programme_id": self.programme_id, "withdrawn_at": now.isoformat()})]


def analysis_summary(meetings: Sequence[AnalysisMeeting], as_of: datetime) -> Dict[str, Any]:
    """A team's analysis meetings that count (not withdrawn, started by ``as_of``)."""
    held = sorted((m for m in meetings if m.counted and m.started_at is not None and m.started_at <= as_of),
                  key=lambda m: m.started_at or as_of)
    return {"meetings": len(held), "hours": round(sum(m.minutes for m in held) / 60, 2),
            "first_at": held[0].started_at.isoformat() if held and held[0].started_at else None,
            "last_at": held[-1].started_at.isoformat() if held and held[-1].started_at else None}


def fold_analysis(events: Sequence[Any]) -> Dict[str, List[AnalysisMeeting]]:
    """The analysis meetings, by team id, of the events given (in the order recorded)."""
    found: Dict[str, AnalysisMeeting] = {}
    for event in events:
        if event.stream_type == ANALYSIS_MEETING:
            found.setdefault(event.stream_id, AnalysisMeeting(event.stream_id)).apply(event)
    by_team: Dict[str, List[AnalysisMeeting]] = {}
    for meeting in found.values():
        if meeting.team_id is not None:
            by_team.setdefault(meeting.team_id, []).append(meeting)
    return by_team
