"""A meeting (seed 000: tikšanās, mentorsesija; seed 003: sesija) logged by one side of a
confirmed pairing, on its own stream ``meeting``/<uuid>.

``MeetingLogged`` (when, how long, in person or remote, the programme's areas covered, goals
set or reached, and under ``personal`` the plan until next time and a private note), then the
other side's ``MeetingConfirmed`` or ``MeetingDisputed`` (a disputed meeting leaves the
counts). The facts are never edited: the author's ``MeetingCorrected`` states them anew (and
asks the other side to confirm again), ``MeetingWithdrawn`` takes the meeting back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import (
    MAX_MINUTES,
    MEETING,
    MIN_MINUTES,
    PairingFacts,
    ProgrammeRules,
    RuleBroken,
    failure,
)

LOGGED, CONFIRMED, DISPUTED, WITHDRAWN = "logged", "confirmed", "disputed", "withdrawn"
#: statuses whose meeting counts (a dispute or a withdrawal takes it out)
COUNTED = (LOGGED, CONFIRMED)


@dataclass(frozen=True)
class MeetingFacts:
    """When a logged meeting started, how long it lasted and how it was held: what progress reads."""

    started_at: datetime
    minutes: int
    mode: str


def parse_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def fact_failures(rules: ProgrammeRules, *, started_at: datetime, minutes: int, areas: Sequence[str],
                  now: datetime) -> List[Dict[str, Optional[str]]]:
    """What a meeting's facts break, whoever held it: the time, the length, the areas."""
    failures = []
    if started_at > now:
        failures.append(failure("in_the_future", "a meeting cannot start in the future", "started_at"))
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        failures.append(failure("duration_out_of_range", f"a meeting lasts {MIN_MINUTES} to "
                                f"{MAX_MINUTES} minutes, not {minutes}", "minutes"))
    unknown = [area for area in areas if area not in rules.area_ids]
    if unknown:
        failures.append(failure("unknown_area", f"not an area of the programme: {', '.join(unknown)}"
                                + (f" (its areas: {', '.join(rules.area_ids)})" if rules.area_ids
                                   else " (it has none)"), "areas"))
    return failures


def check_facts(pairing: PairingFacts, rules: ProgrammeRules, *, started_at: datetime, minutes: int,
                areas: Sequence[str], now: datetime) -> None:
    """Every rule a meeting's facts break, at once (422 naming each field)."""
    failures = fact_failures(rules, started_at=started_at, minutes=minutes, areas=areas, now=now)
    if started_at <= now and pairing.confirmed_at is not None and started_at < pairing.confirmed_at:
        failures.insert(0, failure(
            "before_the_pairing", f"the pair was made on {pairing.confirmed_at.isoformat()}: a meeting "
            f"cannot be before it", "started_at"))
    if failures:
        raise RuleBroken(failures)


def _personal(plan: Optional[str], note: Optional[str]) -> Dict[str, Any]:
    if plan is None and note is None:
        return {}
    return {"personal": {"plan": plan, "note": note}}


class Meeting(Aggregate):
    stream_type: ClassVar[str] = MEETING

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.pairing_id: Optional[str] = None
        self.programme_id: Optional[str] = None
        self.author_id: Optional[str] = None
        self.author_role: Optional[str] = None
        self.started_at: Optional[datetime] = None
        self.minutes = 0
        self.mode: Optional[str] = None
        self.areas: List[str] = []
        self.goals_set: List[str] = []
        self.goals_reached: List[str] = []
        self.status: Optional[str] = None
        self.plan: Optional[str] = None
        self.note: Optional[str] = None
        self.logged_at: Optional[datetime] = None
        self.answered_by: Optional[str] = None
        self.dispute_reason: Optional[str] = None

    # -- state ------------------------------------------------------------------------------------

    def _facts(self, payload: Dict[str, Any]) -> None:
        self.started_at = parse_time(payload["started_at"])
        self.minutes, self.mode = int(payload["minutes"]), payload["mode"]
        self.areas = list(payload.get("areas") or [])
        if "personal" in payload:  # null once the author's key is forgotten
            personal = payload["personal"] or {}
            self.plan, self.note = personal.get("plan"), personal.get("note")

    def _on_MeetingLogged(self, payload: Dict[str, Any]) -> None:
        self.pairing_id, self.programme_id = payload["pairing_id"], payload["programme_id"]
        self.author_id, self.author_role = payload["by_person_id"], payload["by_role"]
        self.goals_set = list(payload.get("goals_set") or [])
        self.goals_reached = list(payload.get("goals_reached") or [])
        self.logged_at = parse_time(payload["logged_at"])
        self._facts(payload)
        self.status = LOGGED

    def _on_MeetingCorrected(self, payload: Dict[str, Any]) -> None:
        self._facts(payload)
        self.status, self.answered_by = LOGGED, None

    def _on_MeetingConfirmed(self, payload: Dict[str, Any]) -> None:
        self.status, self.answered_by = CONFIRMED, payload["by_person_id"]

    def _on_MeetingDisputed(self, payload: Dict[str, Any]) -> None:
        self.status, self.answered_by = DISPUTED, payload["by_person_id"]
        self.dispute_reason = (payload.get("personal") or {}).get("reason")

    def _on_MeetingWithdrawn(self, payload: Dict[str, Any]) -> None:
        self.status = WITHDRAWN

    @property
    def counted(self) -> bool:
        return self.status in COUNTED

    def facts(self) -> MeetingFacts:
        """Its facts as last stated; only a meeting that was logged has them."""
        if self.started_at is None or self.mode is None:
            raise ValueError(f"meeting {self.id} was never logged: it has no facts")
        return MeetingFacts(self.started_at, self.minutes, self.mode)

    # -- commands ---------------------------------------------------------------------------------

    def _body(self, by: str, role: str) -> Dict[str, Any]:
        return {"pairing_id": self.pairing_id, "programme_id": self.programme_id,
                "by_person_id": by, "by_role": role}

    def log(self, *, pairing: PairingFacts, rules: ProgrammeRules, by: str, started_at: datetime,
            minutes: int, mode: str, areas: Sequence[str], goals_set: Sequence[str] = (),
            goals_reached: Sequence[str] = (), plan: Optional[str] = None, note: Optional[str] = None,
            now: datetime) -> List[DomainEvent]:
        if self.exists:
            raise RuleBroken.one("already_logged", f"meeting {self.id} is logged already")
        role = pairing.require_side(by)
        pairing.require_active()
        check_facts(pairing, rules, started_at=started_at, minutes=minutes, areas=areas, now=now)
        self.pairing_id, self.programme_id = pairing.pairing_id, pairing.programme_id
        return [self._event("MeetingLogged", {
            **self._body(by, role), "started_at": started_at.isoformat(), "minutes": minutes,
            "mode": mode, "areas": list(areas), "goals_set": list(goals_set),
            "goals_reached": list(goals_reached), "logged_at": now.isoformat(), **_personal(plan, note)})]

    def _require(self, pairing: PairingFacts, by: str) -> str:
        if not self.exists or self.pairing_id != pairing.pairing_id:
            raise RuleBroken.one("no_such_meeting", f"meeting {self.id} is not of pairing "
                                 f"{pairing.pairing_id}")
        role = pairing.require_side(by)
        if self.status == WITHDRAWN:
            raise RuleBroken.one("meeting_withdrawn", f"meeting {self.id} was withdrawn by its author")
        return role

    def _answer(self, pairing: PairingFacts, by: str) -> str:
        role = self._require(pairing, by)
        if by == self.author_id:
            raise RuleBroken.one("own_meeting", "the other side of the pair confirms or disputes "
                                 "a meeting, not its author")
        if self.status != LOGGED:
            raise RuleBroken.one("already_answered", f"meeting {self.id} is {self.status} already")
        return role

    def confirm(self, *, pairing: PairingFacts, by: str, now: datetime) -> List[DomainEvent]:
        role = self._answer(pairing, by)
        return [self._event("MeetingConfirmed", {**self._body(by, role), "confirmed_at": now.isoformat()})]

    def dispute(self, *, pairing: PairingFacts, by: str, reason: Optional[str],
                now: datetime) -> List[DomainEvent]:
        role = self._answer(pairing, by)
        facts = self.facts()
        personal = {"personal": {"reason": reason}} if reason is not None else {}
        return [self._event("MeetingDisputed", {
            **self._body(by, role), "meeting_id": self.id, "mentor_id": pairing.mentor_id,
            "mentee_id": pairing.mentee_id, "logged_by_person_id": self.author_id,
            "logged_by_role": self.author_role, "started_at": facts.started_at.isoformat(),
            "minutes": facts.minutes, "mode": facts.mode, "disputed_at": now.isoformat(), **personal})]

    def _authored(self, pairing: PairingFacts, by: str) -> str:
        role = self._require(pairing, by)
        if by != self.author_id:
            raise RuleBroken.one("not_the_author", "only the meeting's author corrects or withdraws it")
        return role

    def correct(self, *, pairing: PairingFacts, rules: ProgrammeRules, by: str, started_at: datetime,
                minutes: int, mode: str, areas: Sequence[str], plan: Optional[str] = None,
                note: Optional[str] = None, now: datetime) -> List[DomainEvent]:
        role = self._authored(pairing, by)
        check_facts(pairing, rules, started_at=started_at, minutes=minutes, areas=areas, now=now)
        return [self._event("MeetingCorrected", {
            **self._body(by, role), "started_at": started_at.isoformat(), "minutes": minutes,
            "mode": mode, "areas": list(areas), "corrected_at": now.isoformat(), **_personal(plan, note)})]

    def withdraw(self, *, pairing: PairingFacts, by: str, now: datetime) -> List[DomainEvent]:
        role = self._authored(pairing, by)
        return [self._event("MeetingWithdrawn", {**self._body(by, role), "withdrawn_at": now.isoformat()})]
