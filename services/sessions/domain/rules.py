"""What every sessions rule reads: the pairing as sessions knows it (from matching's events),
the programme's rules (areas and cadence, from registration's settings), and the refusals.

Plain Python: no nameko, SQLAlchemy or marshmallow here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from services.contracts.programme_settings import default, setting

MEETING, GOAL, FINAL_REVIEW, PAIR_WATCH = "meeting", "goal", "finalreview", "pairwatch"
#: a team's analysis meeting before it is paired (seed 003)
ANALYSIS_MEETING = "analysismeeting"

IN_PERSON, REMOTE = "in_person", "remote"
MODES = (IN_PERSON, REMOTE)
MENTOR, MENTEE, COORDINATOR = "mentor", "mentee", "coordinator"
#: who did something to a meeting, a goal or a final review
ROLES = (MENTOR, MENTEE, COORDINATOR)
#: a meeting's length, in minutes
MIN_MINUTES, MAX_MINUTES = 5, 600

PROPOSED, CONFIRMED, REJECTED, ENDED = "proposed", "confirmed", "rejected", "ended"


class RuleBroken(Exception):
    """A command the rules refuse (HTTP 422): each failure has a code, the field it is about
    (or None) and a sentence."""

    def __init__(self, failures: List[Dict[str, Optional[str]]]):
        self.failures = failures
        self.message = "; ".join(f["message"] or "" for f in failures)
        super().__init__(self.message)

    @classmethod
    def one(cls, code: str, message: str, field: Optional[str] = None) -> "RuleBroken":
        return cls([failure(code, message, field)])

    @property
    def codes(self) -> List[str]:
        return [f["code"] or "" for f in self.failures]


def failure(code: str, message: str, field: Optional[str] = None) -> Dict[str, Optional[str]]:
    return {"code": code, "field": field, "message": message}


class NotInPairing(Exception):
    """The caller is not a side of the pairing (HTTP 404: nothing of it is shown)."""


@dataclass(frozen=True)
class Cadence:
    """How often pairs meet (seed 000: at least twice a month, about 1 h, face to face only),
    and the grace period after the introduction before a pair is judged on it."""

    min_per_month: int = 0
    max_per_month: Optional[int] = None
    meeting_minutes: Optional[int] = None
    remote_counts: bool = True
    #: the first days after the introduction, when a pair is never at risk (the programme sets it)
    grace_days: int = default("content.cadence.grace_days")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "Cadence":
        raw = (settings.get("content") or {}).get("cadence") or {}
        return cls(min_per_month=int(setting(settings, "content.cadence.min_per_month")),
                   max_per_month=raw.get("max_per_month"), meeting_minutes=raw.get("meeting_minutes"),
                   remote_counts=bool(setting(settings, "content.cadence.remote_counts")),
                   grace_days=int(setting(settings, "content.cadence.grace_days")))

    def counts(self, mode: str) -> bool:
        """Does a meeting of this mode count towards the cadence?"""
        return mode == IN_PERSON or self.remote_counts

    def to_dict(self) -> Dict[str, Any]:
        return {"min_per_month": self.min_per_month, "max_per_month": self.max_per_month,
                "meeting_minutes": self.meeting_minutes, "remote_counts": self.remote_counts,
                "grace_days": self.grace_days}


@dataclass(frozen=True)
class ProgrammeRules:
    """The programme's areas (ids) and cadence, and the time zone its months are counted in."""

    area_ids: Tuple[str, ...] = ()
    cadence: Cadence = Cadence()
    time_zone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], time_zone: str = "UTC") -> "ProgrammeRules":
        areas = (settings.get("content") or {}).get("areas") or []
        return cls(area_ids=tuple(a["id"] for a in areas if isinstance(a, Mapping) and "id" in a),
                   cadence=Cadence.from_settings(settings), time_zone=time_zone or "UTC")


@dataclass(frozen=True)
class PairingFacts:
    """A pairing as matching published it: who, and since when; ``ended_at`` once it ended."""

    pairing_id: str
    programme_id: str
    mentor_id: str
    mentee_id: str
    status: str = CONFIRMED
    confirmed_at: Optional[datetime] = None
    ended_at: Optional[datetime] = None
    end_reason: Optional[str] = None
    #: who ended it: coordinator, mentor, mentee or system
    ended_by: Optional[str] = None

    def as_of(self, moment: datetime) -> "PairingFacts":
        """The pairing as it stood at ``moment`` (confirmed later: proposed; ended later: not ended)."""
        if self.confirmed_at is None or self.confirmed_at > moment:
            return replace(self, status=PROPOSED, ended_at=None, end_reason=None, ended_by=None)
        if self.ended_at is not None and self.ended_at > moment:
            return replace(self, status=CONFIRMED, ended_at=None, end_reason=None, ended_by=None)
        return self

    @property
    def active(self) -> bool:
        return self.status == CONFIRMED

    def role_of(self, person_id: Optional[str]) -> Optional[str]:
        if person_id == self.mentor_id:
            return MENTOR
        if person_id == self.mentee_id:
            return MENTEE
        return None

    def require_side(self, person_id: Optional[str]) -> str:
        """The person's role in the pair, or :class:`NotInPairing`."""
        role = self.role_of(person_id)
        if role is None:
            raise NotInPairing(f"pairing {self.pairing_id} not found")
        return role

    def require_active(self) -> None:
        if self.status == CONFIRMED:
            return
        if self.status == ENDED:
            raise RuleBroken.one("pairing_ended", f"pairing {self.pairing_id} has ended "
                                 f"({self.end_reason or 'ended'}): nothing more is recorded in it")
        raise RuleBroken.one("pairing_not_confirmed", f"pairing {self.pairing_id} is {self.status}, "
                             f"not confirmed: meetings and goals start once it is confirmed")
