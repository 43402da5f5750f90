"""The pure domain layer of the matching service (plain Python, numpy and scipy).

* :mod:`.model` - the service's read model: :class:`MatchingRules`, :class:`MentorCandidate`,
  :class:`MenteeCandidate`, :class:`Score`, :class:`Proposal`; failure and waiting codes.
* :mod:`.eligibility` - the hard rules: :func:`eligible`, :func:`waiting_reason`.
* :mod:`.scoring` - integer scores with their parts: :func:`score`, :func:`max_score`.
* :mod:`.assignment` - the optimal cohort round: :func:`assign_cohort`.
* :mod:`.placement` - :class:`MentorIndex`, :func:`place_one`, :func:`shortlist`,
  :func:`take_from_reserve`.
"""
from .assignment import Assignment, Certificate, assign_cohort
from .eligibility import eligible, mentee_failures, mentor_failures, pair_failures, waiting_reason
from .model import (
    CONSENT_RULES,
    MATCHING_MODES,
    PARTICIPANT_KINDS,
    TRAINING_RULES,
    Failure,
    MatchingRules,
    MenteeCandidate,
    MentorCandidate,
    Proposal,
    Score,
    ScoreWeights,
    Waiting,
)
from .placement import MentorIndex, place_one, shortlist, take_from_reserve
from .scoring import max_score, score

__all__ = [
    "Assignment", "Certificate", "assign_cohort", "eligible", "mentee_failures", "mentor_failures",
    "pair_failures", "waiting_reason", "CONSENT_RULES", "MATCHING_MODES", "PARTICIPANT_KINDS",
    "TRAINING_RULES", "Failure", "MatchingRules", "MenteeCandidate", "MentorCandidate", "Proposal",
    "Score", "ScoreWeights", "Waiting", "MentorIndex", "place_one", "shortlist", "take_from_reserve",
    "max_score", "score",
]
