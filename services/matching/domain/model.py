"""The matching service's own read model: programme rules and the people to be paired.

Plain, immutable dataclasses. They are built by the service from registration events
(programme settings, registrations, consent, training, vetting, withdrawal, pairings); the
domain functions never look anything else up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Dict, FrozenSet, Optional, Tuple

CONSENT_RULES = ("none", "guardian_for_minors", "guardian_for_all")
TRAINING_RULES = ("not_required", "before_matching", "before_first_meeting")
TRAINING_APPLIES_TO = ("mentors", "mentees", "both")
PARTICIPANT_KINDS = ("individual", "team", "group")
MATCHING_MODES = ("automatic", "coordinator_approves", "mentee_chooses")


class Failure:
    """Codes of the hard rules a pair can fail (what :func:`eligible` returns)."""

    OUTSIDE_WINDOW = "outside_matching_window"
    MENTOR_WITHDRAWN = "mentor_withdrawn"
    MENTEE_WITHDRAWN = "mentee_withdrawn"
    MENTOR_TOO_YOUNG = "mentor_too_young"
    MENTOR_TOO_OLD = "mentor_too_old"
    MENTOR_AGE_UNKNOWN = "mentor_age_unknown"
    MENTEE_TOO_YOUNG = "mentee_too_young"
    MENTEE_TOO_OLD = "mentee_too_old"
    MENTEE_AGE_UNKNOWN = "mentee_age_unknown"
    NO_CONSENT = "mentee_consent_missing"
    MENTOR_NO_AGREEMENT = "mentor_agreement_missing"
    MENTOR_NO_TRAINING = "mentor_training_missing"
    MENTEE_NO_TRAINING = "mentee_training_missing"
    MENTOR_NOT_VETTED = "mentor_not_vetted"
    MENTOR_NOT_COMMUNITY = "mentor_not_community_member"
    NO_COMMON_LANGUAGE = "no_common_language"
    RELATED = "related_pair"
    EXCLUDED = "excluded_by_mentee"
    MENTOR_FULL = "mentor_at_capacity"
    NEED_AREA = "mentor_lacks_team_need_area"
    NEED_AREA_UNSET = "team_need_area_not_set"
    DIFFERENT_PLACE = "different_place"


class Waiting:
    """Why a mentee waits in the reserve register (one code per mentee)."""

    WITHDRAWN = "withdrawn"
    OUTSIDE_WINDOW = "outside_matching_window"
    NO_CONSENT = "no_consent"
    NO_TRAINING = "no_training"
    AGE = "age_outside_limits"
    NEED_AREA_UNSET = "team_need_area_not_set"
    NO_SUITABLE_MENTOR = "no_suitable_mentor"
    NO_CAPACITY = "no_capacity"


@dataclass(frozen=True)
class ScoreWeights:
    """Integer weights of the score parts (see :mod:`.scoring`)."""

    #: weight of a shared area by the mentee's ranking: rank 1, rank 2, ...; ranks beyond the
    #: tuple weigh as its last entry.
    area_ranks: Tuple[int, ...] = (12, 8, 5, 3, 2, 1)
    same_place: int = 6
    both_remote: int = 4
    preferred: int = 10
    #: per common language beyond the first (the first is a hard rule)
    extra_language: int = 2
    #: teams: the mentor knows the team's need area (it is a hard rule; this rewards it in the
    #: percentage so a team's best mentor reads as a good match)
    need_area: int = 0

    def __post_init__(self) -> None:
        for name in ("same_place", "both_remote", "preferred", "extra_language", "need_area"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"weight {name} must be a non-negative integer, not {value!r}")
        if not self.area_ranks or any((not isinstance(w, int)) or w < 0 for w in self.area_ranks):
            raise ValueError("area_ranks must be a non-empty tuple of non-negative integers")

    def area_weight(self, rank: int) -> int:
        """Weight of the mentee's area at 0-based ``rank``."""
        ranks = self.area_ranks
        return ranks[rank] if rank < len(ranks) else ranks[-1]


@dataclass(frozen=True)
class MatchingRules:
    """A programme's matching settings (from its ``programme`` events)."""

    mentor_capacity: int = 1
    mentor_min_age: Optional[int] = None
    mentor_max_age: Optional[int] = None
    mentee_min_age: Optional[int] = None
    mentee_max_age: Optional[int] = None
    consent: str = "guardian_for_minors"
    age_of_majority: int = 18
    training: str = "not_required"
    training_applies_to: str = "mentors"
    vetting_required: bool = False
    community_required: bool = False
    #: the mentor has agreed to the programme's terms (code of conduct, data processing)
    mentor_agreement_required: bool = False
    #: face-to-face only: mentor and mentee must be in the same place
    same_place_required: bool = False
    window_opens: Optional[date] = None
    window_closes: Optional[date] = None
    participant_kind: str = "individual"
    mode: str = "automatic"
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    shortlist_size: int = 3  # the contracts' default (services/contracts/programme_settings.py)

    def __post_init__(self) -> None:
        for name, allowed in (("consent", CONSENT_RULES), ("training", TRAINING_RULES),
                              ("training_applies_to", TRAINING_APPLIES_TO),
                              ("participant_kind", PARTICIPANT_KINDS), ("mode", MATCHING_MODES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        if self.mentor_capacity < 1:
            raise ValueError("mentor_capacity must be at least 1")
        if self.shortlist_size < 1:
            raise ValueError("shortlist_size must be at least 1")
        if (self.mentee_min_age is not None and self.mentee_max_age is not None
                and self.mentee_min_age > self.mentee_max_age):
            raise ValueError("mentee_min_age is above mentee_max_age")
        if self.window_opens and self.window_closes and self.window_opens > self.window_closes:
            raise ValueError("the matching window closes before it opens")

    @property
    def scores_areas(self) -> bool:
        """Group programmes (e-courses) do not match by area."""
        return self.participant_kind != "group"

    def mentors_need_training(self) -> bool:
        return self.training == "before_matching" and self.training_applies_to in ("mentors", "both")

    def mentees_need_training(self) -> bool:
        return self.training == "before_matching" and self.training_applies_to in ("mentees", "both")

    def window_open(self, today: date) -> bool:
        if self.window_opens is not None and today < self.window_opens:
            return False
        if self.window_closes is not None and today > self.window_closes:
            return False
        return True


def _frozen(values) -> FrozenSet[str]:
    return frozenset(values or ())


@dataclass(frozen=True, slots=True)
class MentorCandidate:
    id: str
    age: Optional[int] = None
    languages: FrozenSet[str] = frozenset()
    areas: FrozenSet[str] = frozenset()
    place: Optional[str] = None
    remote: bool = False
    #: ``None``: the programme's ``mentor_capacity``
    capacity: Optional[int] = None
    current_load: int = 0
    community_member: bool = False
    consent: bool = False  # agreed to the programme's terms
    training: bool = False
    vetting: bool = False
    withdrawn: bool = False
    #: people this mentor must never be paired with (e.g. their own child)
    never_pair_with: FrozenSet[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("languages", "areas", "never_pair_with"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def capacity_in(self, rules: MatchingRules) -> int:
        return rules.mentor_capacity if self.capacity is None else self.capacity

    def room(self, rules: MatchingRules) -> int:
        return max(0, self.capacity_in(rules) - self.current_load)


@dataclass(frozen=True, slots=True)
class MenteeCandidate:
    """A mentee: a person, a team (seed 003, one unit) or a group of an e-course (seed 004)."""

    id: str
    age: Optional[int] = None
    languages: FrozenSet[str] = frozenset()
    #: the mentee's areas, most wanted first
    areas: Tuple[str, ...] = ()
    place: Optional[str] = None
    remote: bool = False
    preferred_mentor_ids: Tuple[str, ...] = ()
    excluded_mentor_ids: FrozenSet[str] = frozenset()
    never_pair_with: FrozenSet[str] = frozenset()
    consent: bool = False
    #: last day the consent is valid (a parent's consent is given once per school year)
    consent_valid_until: Optional[date] = None
    training: bool = False
    withdrawn: bool = False
    #: teams: the capacity-building need set from the joint sessions
    need_area: Optional[str] = None

    def __post_init__(self) -> None:
        seen = []
        for area in self.areas or ():
            if area not in seen:
                seen.append(area)
        object.__setattr__(self, "areas", tuple(seen))
        object.__setattr__(self, "preferred_mentor_ids", tuple(dict.fromkeys(self.preferred_mentor_ids or ())))
        for name in ("languages", "excluded_mentor_ids", "never_pair_with"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def consent_valid(self, today: date) -> bool:
        return self.consent and (self.consent_valid_until is None or today <= self.consent_valid_until)


@dataclass(frozen=True)
class Score:
    """An integer score with its parts (the reasons of a proposal) and its percentage of the
    best score this mentee could get."""

    total: int
    parts: Dict[str, int]
    percent: int


@dataclass(frozen=True)
class Proposal:
    mentee_id: str
    mentor_id: str
    score: Score
