"""The daily watch over a pair, on the stream ``pairwatch``/<pairing id>: ``PairingAtRisk``
when an assessment (:func:`.progress.assess`) finds it at risk and it was not,
``PairingBackOnTrack`` when it was and no longer is. Nothing is said twice."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, List

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .progress import Assessment
from .rules import PAIR_WATCH, PairingFacts, ProgrammeRules


class PairWatch(Aggregate):
    stream_type: ClassVar[str] = PAIR_WATCH

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.at_risk = False

    def _on_PairingAtRisk(self, payload: Dict[str, Any]) -> None:
        self.at_risk = True

    def _on_PairingBackOnTrack(self, payload: Dict[str, Any]) -> None:
        self.at_risk = False

    def judge(self, pairing: PairingFacts, rules: ProgrammeRules, assessment: Assessment,
              now: datetime) -> List[DomainEvent]:
        body = {"pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
                "mentor_id": pairing.mentor_id, "mentee_id": pairing.mentee_id,
                "towards_cadence_last_30_days": assessment.towards_cadence_last_30_days,
                "min_per_month": rules.cadence.min_per_month,
                "days_since_last_meeting": assessment.days_since_last_meeting,
                "assessed_at": now.isoformat()}
        if assessment.at_risk and not self.at_risk:
            return [self._event("PairingAtRisk", {**body, "reasons": list(assessment.reasons)})]
        if self.at_risk and not assessment.at_risk:
            return [self._event("PairingBackOnTrack", body)]
        return []
