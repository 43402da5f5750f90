"""Hard rules: who may be paired with whom.

A pair is eligible when :func:`eligible` returns no failure. The rules, in order:

* the matching window of the programme is open on ``today``;
* neither side has withdrawn;
* the mentor is at least ``mentor_min_age`` (an unknown age fails when a minimum is set);
* an individual mentee is within ``mentee_min_age``..``mentee_max_age`` (unknown fails when a
  limit is set);
* consent: ``guardian_for_minors`` needs a valid consent from a mentee under
  ``age_of_majority`` (or of unknown age); ``guardian_for_all`` from every mentee; teams and
  groups are not asked for a guardian's consent unless the rule is ``guardian_for_all``;
* training ``before_matching``: mentors (and/or mentees, ``training_applies_to``) trained;
  ``before_first_meeting`` does not block matching;
* vetting (a recorded background check) and community membership of the mentor where required;
  the mentor's agreement to the programme's terms where required;
* at least one common language;
* never a related pair (either side's ``never_pair_with`` names the other);
* not excluded by the mentee;
* the mentor has room (``current_load < capacity``);
* teams: the mentor knows the team's need area (the first of its need, the most important);
  programmes that require it (``same_place_required``): the same place.

The mentor-only and mentee-only rules are split out (:func:`mentor_failures`,
:func:`mentee_failures`) so that the vectorised cohort code can apply them once per person.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, List, Optional

from .model import Failure, MatchingRules, MenteeCandidate, MentorCandidate, Waiting


def mentor_failures(rules: MatchingRules, mentor: MentorCandidate, *,
                    check_capacity: bool = True) -> List[str]:
    """The rules a mentor fails whoever the mentee."""
    out: List[str] = []
    if mentor.withdrawn:
        out.append(Failure.MENTOR_WITHDRAWN)
    if rules.mentor_min_age is not None or rules.mentor_max_age is not None:
        if mentor.age is None:
            out.append(Failure.MENTOR_AGE_UNKNOWN)
        elif rules.mentor_min_age is not None and mentor.age < rules.mentor_min_age:
            out.append(Failure.MENTOR_TOO_YOUNG)
        elif rules.mentor_max_age is not None and mentor.age > rules.mentor_max_age:
            out.append(Failure.MENTOR_TOO_OLD)
    if rules.mentor_agreement_required and not mentor.consent:
        out.append(Failure.MENTOR_NO_AGREEMENT)
    if rules.mentors_need_training() and not mentor.training:
        out.append(Failure.MENTOR_NO_TRAINING)
    if rules.vetting_required and not mentor.vetting:
        out.append(Failure.MENTOR_NOT_VETTED)
    if rules.community_required and not mentor.community_member:
        out.append(Failure.MENTOR_NOT_COMMUNITY)
    if check_capacity and mentor.room(rules) <= 0:
        out.append(Failure.MENTOR_FULL)
    return out


def needs_consent(rules: MatchingRules, mentee: MenteeCandidate) -> bool:
    if rules.consent == "guardian_for_all":
        return True
    if rules.consent == "guardian_for_minors" and rules.participant_kind == "individual":
        return mentee.age is None or mentee.age < rules.age_of_majority
    return False


def mentee_failures(rules: MatchingRules, mentee: MenteeCandidate, today: date) -> List[str]:
    """The rules a mentee fails whoever the mentor (including the matching window)."""
    out: List[str] = []
    if not rules.window_open(today):
        out.append(Failure.OUTSIDE_WINDOW)
    if mentee.withdrawn:
        out.append(Failure.MENTEE_WITHDRAWN)
    if rules.participant_kind == "individual" and (
            rules.mentee_min_age is not None or rules.mentee_max_age is not None):
        if mentee.age is None:
            out.append(Failure.MENTEE_AGE_UNKNOWN)
        elif rules.mentee_min_age is not None and mentee.age < rules.mentee_min_age:
            out.append(Failure.MENTEE_TOO_YOUNG)
        elif rules.mentee_max_age is not None and mentee.age > rules.mentee_max_age:
            out.append(Failure.MENTEE_TOO_OLD)
    if needs_consent(rules, mentee) and not mentee.consent_valid(today):
        out.append(Failure.NO_CONSENT)
    if rules.mentees_need_training() and not mentee.training:
        out.append(Failure.MENTEE_NO_TRAINING)
    if rules.participant_kind == "team" and not mentee.need_area:
        out.append(Failure.NEED_AREA_UNSET)
    return out


def pair_failures(rules: MatchingRules, mentor: MentorCandidate,
                  mentee: MenteeCandidate) -> List[str]:
    """The rules about the two of them together."""
    out: List[str] = []
    if not (mentor.languages & mentee.languages):
        out.append(Failure.NO_COMMON_LANGUAGE)
    if mentor.id in mentee.never_pair_with or mentee.id in mentor.never_pair_with:
        out.append(Failure.RELATED)
    if mentor.id in mentee.excluded_mentor_ids:
        out.append(Failure.EXCLUDED)
    if rules.participant_kind == "team" and mentee.need_area and mentee.need_area not in mentor.areas:
        out.append(Failure.NEED_AREA)
    if rules.same_place_required and (mentor.place is None or mentor.place != mentee.place):
        out.append(Failure.DIFFERENT_PLACE)
    return out


def eligible(rules: MatchingRules, mentor: MentorCandidate, mentee: MenteeCandidate,
             today: date) -> List[str]:
    """Every hard rule the pair fails; an empty list means they may be paired."""
    return (mentee_failures(rules, mentee, today) + mentor_failures(rules, mentor)
            + pair_failures(rules, mentor, mentee))


_MENTEE_WAITING = (
    (Failure.MENTEE_WITHDRAWN, Waiting.WITHDRAWN),
    (Failure.OUTSIDE_WINDOW, Waiting.OUTSIDE_WINDOW),
    (Failure.MENTEE_AGE_UNKNOWN, Waiting.AGE),
    (Failure.MENTEE_TOO_YOUNG, Waiting.AGE),
    (Failure.MENTEE_TOO_OLD, Waiting.AGE),
    (Failure.NO_CONSENT, Waiting.NO_CONSENT),
    (Failure.MENTEE_NO_TRAINING, Waiting.NO_TRAINING),
    (Failure.NEED_AREA_UNSET, Waiting.NEED_AREA_UNSET),
)


def mentee_waiting_reason(rules: MatchingRules, mentee: MenteeCandidate,
                          today: date) -> Optional[str]:
    """The reason a mentee waits whatever mentors there are, or ``None``."""
    failures = mentee_failures(rules, mentee, today)
    for failure, reason in _MENTEE_WAITING:
        if failure in failures:
            return reason
    return None


def waiting_reason(rules: MatchingRules, mentee: MenteeCandidate,
                   mentors: Iterable[MentorCandidate], today: date) -> Optional[str]:
    """Why ``mentee`` cannot be placed now, or ``None`` if some mentor can take them.

    Mentee-side reasons come first (withdrawn, window, age, consent, training); then
    ``no_suitable_mentor`` when no mentor passes the rules even ignoring capacity, and
    ``no_capacity`` when suitable mentors exist but all are full.
    """
    reason = mentee_waiting_reason(rules, mentee, today)
    if reason is not None:
        return reason
    suitable = False
    for mentor in mentors:
        if mentor_failures(rules, mentor, check_capacity=False) or pair_failures(rules, mentor, mentee):
            continue
        if mentor.room(rules) > 0:
            return None
        suitable = True
    return Waiting.NO_CAPACITY if suitable else Waiting.NO_SUITABLE_MENTOR
