"""Factories and a random instance generator for the matching tests."""
from __future__ import annotations

import random
from datetime import date
from typing import Any, Dict

from services.matching.domain import MatchingRules, MenteeCandidate, MentorCandidate

TODAY = date(2025, 2, 10)
AREAS = ["education", "family", "peers", "finance", "goals", "health"]
LANGS = ["lv", "en", "ru"]


def mentor(id="m1", **kw):
    base: Dict[str, Any] = dict(age=35, languages={"lv"}, areas={"education"}, place="Riga", remote=False,
                capacity=None, current_load=0, community_member=True, consent=True,
                training=True, vetting=True)
    base.update(kw)
    return MentorCandidate(id=id, **base)


def mentee(id="t1", **kw):
    base: Dict[str, Any] = dict(age=16, languages={"lv"}, areas=("education",), place="Riga", remote=False,
                consent=True)
    base.update(kw)
    return MenteeCandidate(id=id, **base)


def rules(**kw):
    return MatchingRules(**kw)


def random_instance(seed, n_mentees, n_mentors, *, kind="individual", max_capacity=3):
    """Small random instances with every kind of rule in play."""
    rnd = random.Random(seed)
    mentor_ids = [f"m{k:02d}" for k in range(n_mentors)]
    mentee_ids = [f"t{k:02d}" for k in range(n_mentees)]
    mentors = []
    for mid in mentor_ids:
        mentors.append(MentorCandidate(
            id=mid, age=rnd.choice([19, 25, 40, 60]) if rnd.random() < 0.9 else None,
            languages=frozenset(rnd.sample(LANGS, rnd.randint(1, 2))),
            areas=frozenset(rnd.sample(AREAS, rnd.randint(1, 3))),
            place=rnd.choice(["Riga", "Liepaja", "Cesis", None]), remote=rnd.random() < 0.5,
            capacity=rnd.randint(1, max_capacity) if rnd.random() < 0.8 else None,
            current_load=rnd.choice([0, 0, 0, 1]), community_member=rnd.random() < 0.9,
            consent=rnd.random() < 0.95, training=rnd.random() < 0.9, vetting=rnd.random() < 0.9,
            withdrawn=rnd.random() < 0.05,
            never_pair_with=frozenset({rnd.choice(mentee_ids)}) if rnd.random() < 0.15 else frozenset()))
    mentees = []
    for tid in mentee_ids:
        mentees.append(MenteeCandidate(
            id=tid, age=rnd.choice([14, 15, 16, 17, 18, 19]) if rnd.random() < 0.95 else None,
            languages=frozenset(rnd.sample(LANGS, rnd.randint(1, 2))),
            areas=tuple(rnd.sample(AREAS, rnd.randint(0, 4))),
            place=rnd.choice(["Riga", "Liepaja", "Cesis", None]), remote=rnd.random() < 0.4,
            preferred_mentor_ids=tuple(rnd.sample(mentor_ids, rnd.randint(0, 2))),
            excluded_mentor_ids=frozenset({rnd.choice(mentor_ids)}) if rnd.random() < 0.15 else frozenset(),
            never_pair_with=frozenset({rnd.choice(mentor_ids)}) if rnd.random() < 0.15 else frozenset(),
            consent=rnd.random() < 0.85,
            consent_valid_until=rnd.choice([None, date(2025, 8, 31), date(2024, 8, 31)]),
            training=rnd.random() < 0.9, withdrawn=rnd.random() < 0.05,
            need_area=rnd.choice(AREAS) if kind == "team" else None))
    r = MatchingRules(
        mentor_capacity=rnd.randint(1, 2), mentor_min_age=20, mentee_min_age=15, mentee_max_age=18,
        consent=rnd.choice(["none", "guardian_for_minors", "guardian_for_all"]),
        training=rnd.choice(["not_required", "before_matching", "before_first_meeting"]),
        training_applies_to=rnd.choice(["mentors", "both"]),
        vetting_required=rnd.random() < 0.5, community_required=rnd.random() < 0.5,
        mentor_agreement_required=rnd.random() < 0.3, participant_kind=kind)
    return r, mentors, mentees
