"""How good a pair is: an integer score made of parts, each one a reason of the proposal.

All numbers are integers; the weights are the programme's :class:`~.model.ScoreWeights`.

=============  ===========================================================================
part           value
=============  ===========================================================================
``areas``      sum over the mentee's areas (most wanted first) that the mentor knows of
               ``weights.area_ranks[rank]`` (default 12, 8, 5, 3, 2, 1; later ranks weigh as
               the last entry). Not scored in ``group`` programmes (e-courses). A team's
               need areas rank first among its areas (the service builds it so).
``place``      ``weights.same_place`` (6) when both give the same place, otherwise
               ``weights.both_remote`` (4) when both accept remote mentoring, otherwise 0.
``preferred``  ``weights.preferred`` (10) when the mentee named this mentor.
``languages``  ``weights.extra_language`` (2) per common language beyond the first (one
               common language is a hard rule).
``need_area``  teams only: ``weights.need_area`` (0 by default) for knowing the team's
               need area (a hard rule for teams; the weight only shows in the percentage).
=============  ===========================================================================

``total`` is the sum of the parts; ``percent`` is ``total`` relative to the best score this
mentee could get from an ideal mentor (:func:`max_score`), rounded half up, 100 when that
maximum is 0. The cohort assignment maximises the sum of ``total`` over the pairs (after the
number of pairs).
"""
from __future__ import annotations

from .model import MatchingRules, MenteeCandidate, MentorCandidate, Score


def score_parts(rules: MatchingRules, mentor: MentorCandidate, mentee: MenteeCandidate) -> dict:
    w = rules.weights
    parts = {}
    if rules.scores_areas:
        parts["areas"] = sum(w.area_weight(rank) for rank, area in enumerate(mentee.areas)
                             if area in mentor.areas)
    if mentee.place is not None and mentor.place == mentee.place:
        parts["place"] = w.same_place
    elif mentee.remote and mentor.remote:
        parts["place"] = w.both_remote
    else:
        parts["place"] = 0
    parts["preferred"] = w.preferred if mentor.id in mentee.preferred_mentor_ids else 0
    common = len(mentor.languages & mentee.languages)
    parts["languages"] = w.extra_language * max(0, common - 1)
    if rules.participant_kind == "team":
        parts["need_area"] = w.need_area if mentee.need_area and mentee.need_area in mentor.areas else 0
    return parts


def max_score(rules: MatchingRules, mentee: MenteeCandidate) -> int:
    """The best total any mentor could reach with this mentee."""
    w = rules.weights
    best = 0
    if rules.scores_areas:
        best += sum(w.area_weight(rank) for rank in range(len(mentee.areas)))
    best += max(w.same_place if mentee.place is not None else 0, w.both_remote if mentee.remote else 0)
    if mentee.preferred_mentor_ids:
        best += w.preferred
    best += w.extra_language * max(0, len(mentee.languages) - 1)
    if rules.participant_kind == "team" and mentee.need_area:
        best += w.need_area
    return best


def percent_of(total: int, best: int) -> int:
    if best <= 0:
        return 100
    return min(100, (200 * total + best) // (2 * best))


def score(rules: MatchingRules, mentor: MentorCandidate, mentee: MenteeCandidate) -> Score:
    """Score a pair (eligibility is not checked here: see :func:`.eligibility.eligible`)."""
    parts = score_parts(rules, mentor, mentee)
    total = sum(parts.values())
    return Score(total=total, parts=parts, percent=percent_of(total, max_score(rules, mentee)))
