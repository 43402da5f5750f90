"""A goal of a pair (seed 000: mērķis; seed 003: tikslas), on its own stream ``goal``/<uuid>:
``GoalSet`` (a target date, the words under ``personal``), ``GoalProgressNoted``, then
``GoalReached`` or ``GoalDropped``. Set on its own or in a logged meeting."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Dict, List, Optional

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import GOAL, PairingFacts, RuleBroken

OPEN, REACHED, DROPPED = "open", "reached", "dropped"


class Goal(Aggregate):
    stream_type: ClassVar[str] = GOAL

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.pairing_id: Optional[str] = None
        self.programme_id: Optional[str] = None
        self.author_id: Optional[str] = None
        self.title: Optional[str] = None
        self.target_date: Optional[str] = None
        self.meeting_id: Optional[str] = None
        self.status: Optional[str] = None
        self.set_at: Optional[datetime] = None
        self.progress: List[Dict[str, Any]] = []

    def _on_GoalSet(self, payload: Dict[str, Any]) -> None:
        self.pairing_id, self.programme_id = payload["pairing_id"], payload["programme_id"]
        self.author_id, self.target_date = payload["by_person_id"], payload["target_date"]
        self.meeting_id = payload.get("meeting_id")
        self.title = (payload.get("personal") or {}).get("title")
        self.set_at = datetime.fromisoformat(payload["set_at"])
        self.status = OPEN

    def _on_GoalProgressNoted(self, payload: Dict[str, Any]) -> None:
        self.progress.append({"by_person_id": payload["by_person_id"], "noted_at": payload["noted_at"],
                              "note": (payload.get("personal") or {}).get("note")})

    def _on_GoalReached(self, payload: Dict[str, Any]) -> None:
        self.status = REACHED

    def _on_GoalDropped(self, payload: Dict[str, Any]) -> None:
        self.status = DROPPED

    def _body(self, by: str, role: str) -> Dict[str, Any]:
        return {"pairing_id": self.pairing_id, "programme_id": self.programme_id,
                "by_person_id": by, "by_role": role}

    def set(self, *, pairing: PairingFacts, by: str, title: str, target_date: date,
            meeting_id: Optional[str] = None, now: datetime) -> List[DomainEvent]:
        if self.exists:
            raise RuleBroken.one("already_set", f"goal {self.id} is set already")
        role = pairing.require_side(by)
        pairing.require_active()
        if target_date < now.date():
            raise RuleBroken.one("target_in_the_past", f"a goal's target date cannot be in the past "
                                 f"({target_date.isoformat()})", "target_date")
        self.pairing_id, self.programme_id = pairing.pairing_id, pairing.programme_id
        return [self._event("GoalSet", {**self._body(by, role), "target_date": target_date.isoformat(),
                                        "meeting_id": meeting_id, "set_at": now.isoformat(),
                                        "personal": {"title": title}})]

    def _open(self, pairing: PairingFacts, by: str) -> str:
        if not self.exists or self.pairing_id != pairing.pairing_id:
            raise RuleBroken.one("no_such_goal", f"goal {self.id} is not of pairing {pairing.pairing_id}",
                                 "goal_id")
        role = pairing.require_side(by)
        pairing.require_active()
        if self.status != OPEN:
            raise RuleBroken.one("goal_closed", f"goal {self.id} is {self.status} already")
        return role

    def note_progress(self, *, pairing: PairingFacts, by: str, note: str, now: datetime) -> List[DomainEvent]:
        role = self._open(pairing, by)
        return [self._event("GoalProgressNoted", {**self._body(by, role), "noted_at": now.isoformat(),
                                                  "personal": {"note": note}})]

    def reach(self, *, pairing: PairingFacts, by: str, meeting_id: Optional[str] = None,
              now: datetime) -> List[DomainEvent]:
        role = self._open(pairing, by)
        return [self._event("GoalReached", {**self._body(by, role), "meeting_id": meeting_id,
                                            "reached_at": now.isoformat()})]

    def drop(self, *, pairing: PairingFacts, by: str, now: datetime) -> List[DomainEvent]:
        role = self._open(pairing, by)
        return [self._event("GoalDropped", {**self._body(by, role), "dropped_at": now.isoformat()})]
