"""A short reason for each part of a pair's score, for the people who read it.

``{"need_area": 0, "languages": 0}`` says nothing to a coordinator; the reasons say what
each number stands for: ``{"need_area": "knows the team's first need area (fundraising):
required, so not scored", "languages": "shares Latvian: required, so not scored"}``. A pure
function of the programme's rules and the two people's facts (see :mod:`.scoring` for what
each part weighs); the service shows the reasons beside the parts in its HTTP views. Events
carry only the numbers.
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional

from .model import MatchingRules, MenteeCandidate, MentorCandidate
from .scoring import score_parts

#: names of the languages the seed programmes use; other codes are shown as they are
LANGUAGE_NAMES = {
    "en": "English", "lv": "Latvian", "lt": "Lithuanian", "et": "Estonian", "ru": "Russian",
    "uk": "Ukrainian", "pl": "Polish", "de": "German", "fi": "Finnish", "sv": "Swedish",
    "fr": "French", "es": "Spanish", "it": "Italian",
}

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def _ordinal(n: int) -> str:
    return _ORDINALS.get(n, f"{n}th")


def _language(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _listed(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def score_reasons(rules: MatchingRules, mentor: MentorCandidate, mentee: MenteeCandidate,
                  parts: Optional[Mapping[str, int]] = None,
                  area_names: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """A sentence per score part (those of ``parts``; by default the pair's parts now).

    ``area_names``: how to call each area code (e.g. its English label)."""
    w = rules.weights
    names = area_names or {}
    parts = score_parts(rules, mentor, mentee) if parts is None else parts
    team = rules.participant_kind == "team"
    subject = "the team" if team else "the mentee"
    whose = subject + "'s"
    reasons: Dict[str, str] = {}
    for part in parts:
        if part == "areas":
            shared = [(rank, area) for rank, area in enumerate(mentee.areas) if area in mentor.areas]
            if not shared:
                reasons[part] = f"knows none of {whose} areas: 0"
            else:
                reasons[part] = "knows " + _listed(
                    f"{names.get(area, area)} ({_ordinal(rank + 1)} wanted: {w.area_weight(rank)})"
                    for rank, area in shared)
        elif part == "place":
            if mentee.place is not None and mentor.place == mentee.place:
                reasons[part] = f"both in {mentee.place}: {w.same_place}"
            elif mentee.remote and mentor.remote:
                reasons[part] = f"different places, both accept remote mentoring: {w.both_remote}"
            else:
                reasons[part] = "different places, and not both remote: 0"
        elif part == "preferred":
            reasons[part] = (f"{subject} named this mentor: {w.preferred}"
                             if mentor.id in mentee.preferred_mentor_ids
                             else f"not among the mentors {subject} named: 0")
        elif part == "languages":
            common = sorted(mentor.languages & mentee.languages, key=_language)
            if not common:
                reasons[part] = "no common language"
            elif len(common) == 1:
                reasons[part] = f"shares {_language(common[0])}: required, so not scored"
            else:
                reasons[part] = (f"shares {_listed(_language(c) for c in common)}: one is required, "
                                 f"so not scored; {w.extra_language} for each other "
                                 f"({w.extra_language * (len(common) - 1)})")
        elif part == "need_area":
            need = mentee.need_area
            if not need:
                reasons[part] = "the team's need area is not set: 0"
            elif need in mentor.areas:
                label = names.get(need, need)
                reasons[part] = (f"knows the team's first need area ({label}): required, so not scored"
                                 if w.need_area == 0 else
                                 f"knows the team's first need area ({label}): required; {w.need_area}")
            else:
                reasons[part] = f"does not know the team's first need area ({names.get(need, need)}): 0"
        else:
            reasons[part] = "a part this version does not explain"
    return reasons
