"""Learning outcomes (seed 002: what a mentee learned outside school, validated so that
employers and training providers can trust it), each on its own stream ``outcome``/<uuid>.

The mentee of a pair records an outcome (``LearningOutcomeRecorded``): a title, a description
and the programme's competence areas it belongs to, all the mentee's personal data (under
``personal``, encrypted with the mentee's key). The pair's mentor, and only they, assesses it:
``OutcomeValidated`` (with a note) or ``OutcomeNotYetValidated`` (with a note: what is still
missing); an outcome not yet validated may be validated later, a validated one stays so. The
note is the mentor's words (their key).

The competence areas are the programme's areas (``content.areas`` of its settings, with their
label per language).

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Tuple

from services.platform_core.aggregate import Aggregate
from services.platform_core.events import DomainEvent

from .rules import CONFIRMED, ENDED, MENTEE, MENTOR, PairingFacts, RuleBroken, failure

OUTCOME = "outcome"
RECORDED, VALIDATED, NOT_YET = "recorded", "validated", "not_yet"
#: where an outcome stands: recorded by the mentee, validated by the mentor, or not yet
OUTCOME_STATUSES = (RECORDED, VALIDATED, NOT_YET)
#: the languages a certificate is written in; a programme in none of them gets English
CERTIFICATE_LANGUAGES = ("en", "lv", "lt", "nl")


class WrongSide(Exception):
    """A side of the pair asks for what only the other side may do (HTTP 403: the mentee
    validating their own outcome, the mentor recording one)."""


@dataclass(frozen=True)
class CompetenceArea:
    """One of the programme's competence areas, with its label per language."""

    id: str
    labels: Mapping[str, str]

    def label(self, language: str) -> str:
        """Its label in ``language``, else in English, else in any language it has, else its id."""
        return self.labels.get(language) or self.labels.get("en") or next(iter(self.labels.values()), self.id)


def competence_areas(settings: Mapping[str, Any]) -> Tuple[CompetenceArea, ...]:
    """The programme's competence areas: the areas of its settings (``content.areas``)."""
    areas = (settings.get("content") or {}).get("areas") or []
    return tuple(CompetenceArea(str(a["id"]), dict(a.get("labels") or {}))
                 for a in areas if isinstance(a, Mapping) and "id" in a)


def certificate_language(settings: Mapping[str, Any]) -> str:
    """The programme's language: the first of its languages a certificate is written in (else en)."""
    for language in (settings.get("content") or {}).get("languages") or []:
        if language in CERTIFICATE_LANGUAGES:
            return str(language)
    return "en"


class LearningOutcome(Aggregate):
    stream_type: ClassVar[str] = OUTCOME

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.pairing_id: Optional[str] = None
        self.programme_id: Optional[str] = None
        self.mentee_id: Optional[str] = None
        self.title: Optional[str] = None
        self.description: Optional[str] = None
        self.areas: Optional[List[str]] = None
        self.recorded_at: Optional[str] = None
        self.status: Optional[str] = None
        self.assessed_at: Optional[str] = None
        self.assessed_by: Optional[str] = None
        self.note: Optional[str] = None

    def _on_LearningOutcomeRecorded(self, payload: Dict[str, Any]) -> None:
        self.pairing_id, self.programme_id = payload["pairing_id"], payload["programme_id"]
        self.mentee_id, self.recorded_at = payload["by_person_id"], payload["recorded_at"]
        personal = payload.get("personal") or {}
        self.title, self.description = personal.get("title"), personal.get("description")
        self.areas = personal.get("areas")
        self.status = RECORDED

    def _assessed(self, payload: Dict[str, Any], status: str, at: str) -> None:
        self.status, self.assessed_at, self.assessed_by = status, payload[at], payload["by_person_id"]
        self.note = (payload.get("personal") or {}).get("note")

    def _on_OutcomeValidated(self, payload: Dict[str, Any]) -> None:
        self._assessed(payload, VALIDATED, "validated_at")

    def _on_OutcomeNotYetValidated(self, payload: Dict[str, Any]) -> None:
        self._assessed(payload, NOT_YET, "assessed_at")

    @property
    def validated(self) -> bool:
        return self.status == VALIDATED

    def record(self, *, pairing: PairingFacts, by: str, title: str, description: Optional[str],
               areas: Sequence[str], area_ids: Sequence[str], now: datetime) -> List[DomainEvent]:
        """The mentee of the pair records what they learned, in the programme's competence areas."""
        if self.exists:
            raise RuleBroken.one("already_recorded", f"outcome {self.id} is recorded already")
        if pairing.require_side(by) != MENTEE:
            raise WrongSide("only the mentee of the pair records their learning outcomes")
        pairing.require_active()
        unknown = [a for a in areas if a not in area_ids]
        if unknown:
            raise RuleBroken([failure("unknown_area", f"not a competence area of the programme: "
                                                      f"{', '.join(unknown)}", "areas")])
        return [self._event("LearningOutcomeRecorded", {
            "pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
            "mentor_id": pairing.mentor_id, "mentee_id": pairing.mentee_id,
            "by_person_id": by, "by_role": MENTEE, "recorded_at": now.isoformat(),
            "personal": {"title": title, "description": description, "areas": list(areas)}})]

    def _assess(self, pairing: PairingFacts, by: str) -> Dict[str, Any]:
        if not self.exists or self.pairing_id != pairing.pairing_id:
            raise RuleBroken.one("no_such_outcome", f"outcome {self.id} is not of pairing "
                                 f"{pairing.pairing_id}", "outcome_id")
        if pairing.require_side(by) != MENTOR:
            raise WrongSide("only the mentor of the pair validates its learning outcomes")
        if pairing.status not in (CONFIRMED, ENDED):
            pairing.require_active()
        if self.status == VALIDATED:
            raise RuleBroken.one("already_validated", f"outcome {self.id} was validated on {self.assessed_at}")
        return {"pairing_id": pairing.pairing_id, "programme_id": pairing.programme_id,
                "by_person_id": by, "by_role": MENTOR}

    def validate(self, *, pairing: PairingFacts, by: str, note: Optional[str], now: datetime) -> List[DomainEvent]:
        """The pair's mentor validates the outcome (also once the pairing ended: at the end)."""
        body = self._assess(pairing, by)
        return [self._event("OutcomeValidated", {**body, "validated_at": now.isoformat(),
                                                 "personal": {"note": note}})]

    def not_yet(self, *, pairing: PairingFacts, by: str, note: Optional[str], now: datetime) -> List[DomainEvent]:
        """The pair's mentor finds the outcome not (yet) shown; it may be validated later."""
        body = self._assess(pairing, by)
        return [self._event("OutcomeNotYetValidated", {**body, "assessed_at": now.isoformat(),
                                                       "personal": {"note": note}})]
