"""The final review of a pair (seed 003: after six months the organisation names its
achievements, sets further goals and plans its own next steps), once per pairing, on the
stream ``finalreview``/<pairing id>. ``FinalReviewRecorded`` closes the pairing: matching
ends it as ``completed``. What was achieved and what comes next are the mentee's personal
data (encrypted under the mentee's key)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import COORDINATOR, FINAL_REVIEW, PairingFacts, RuleBroken


class FinalReview(Aggregate):
    stream_type: ClassVar[str] = FINAL_REVIEW

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.recorded_at: Optional[str] = None
        self.personal: Optional[Dict[str, Any]] = None
        self.by_role: Optional[str] = None

    def _on_FinalReviewRecorded(self, payload: Dict[str, Any]) -> None:
        self.recorded_at, self.by_role = payload["recorded_at"], payload["by_role"]
        self.personal = payload.get("personal")

    def record(self, *, pairing: PairingFacts, by: Optional[str], achievements: str,
               further_goals: Sequence[str], next_steps: str, goals_reached: int, goals_open: int,
               now: datetime) -> List[DomainEvent]:
        """``by``: the person recording it (a side of the pair), or None for the coordinator."""
        role = COORDINATOR if by is None else pairing.require_side(by)
        if self.exists:
            raise RuleBroken.one("already_recorded", f"the final review of pairing {self.id} was "
                                 f"recorded on {self.recorded_at}")
        pairing.require_active()
        return [self._event("FinalReviewRecorded", {
            "pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
            "mentor_id": pairing.mentor_id, "mentee_id": pairing.mentee_id,
            "by_person_id": by, "by_role": role, "goals_reached": goals_reached,
            "goals_open": goals_open, "recorded_at": now.isoformat(),
            "personal": {"achievements": achievements, "further_goals": list(further_goals),
                         "next_steps": next_steps}})]
