"""A short reason for each part of a pair's score, for the people who read it.

``{"need_area": 0, "languages": 0}`` says nothing to a coordinator; the reasons say what
each number stands for: ``{"need_area": "knows the team's first need area (fundraising):
required, so not scored", "languages": "shares Latvian: required, so not scored"}``. A pure
function of the programme's rules and the two people's facts (see :mod:`.scoring` for what
each part weighs); the service shows the reasons beside the parts in its HTTP views. Events
carry only the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional

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
    parts = score_parts(rules, mentor, mentee) if parts is None else parts
    pair = _Pair(rules, mentor, mentee, area_names or {})
    return {part: _REASONS[part](pair) if part in _REASONS else "a part this version does not explain"
            for part in parts}


@dataclass(frozen=True)
class _Pair:
    rules: MatchingRules
    mentor: MentorCandidate
    mentee: MenteeCandidate
    names: Mapping[str, str]

    @property
    def subject(self) -> str:
        return "the team" if self.rules.participant_kind == "team" else "the mentee"

    def name(self, area: str) -> str:
        return self.names.get(area, area)


def _areas(p: _Pair) -> str:
    shared = [(rank, area) for rank, area in enumerate(p.mentee.areas) if area in p.mentor.areas]
    if not shared:
        return f"knows none of {p.subject}'s areas: 0"
    return "knows " + _listed(f"{p.name(area)} ({_ordinal(rank + 1)} wanted: {p.rules.weights.area_weight(rank)})"
                              for rank, area in shared)


def _place(p: _Pair) -> str:
    w = p.rules.weights
    if p.mentee.place is not None and p.mentor.place == p.mentee.place:
        return f"both in {p.mentee.place}: {w.same_place}"
    if p.mentee.remote and p.mentor.remote:
        return f"different places, both accept remote mentoring: {w.both_remote}"
    return "different places, and not both remote: 0"


def _preferred(p: _Pair) -> str:
    if p.mentor.id in p.mentee.preferred_mentor_ids:
        return f"{p.subject} named this mentor: {p.rules.weights.preferred}"
    return f"not among the mentors {p.subject} named: 0"


def _languages(p: _Pair) -> str:
    w = p.rules.weights
    common = sorted(p.mentor.languages & p.mentee.languages, key=_language)
    if not common:
        return "no common language"
    if len(common) == 1:
        return f"shares {_language(common[0])}: required, so not scored"
    return (f"shares {_listed(_language(c) for c in common)}: one is required, so not scored; "
            f"{w.extra_language} for each other ({w.extra_language * (len(common) - 1)})")


def _need_area(p: _Pair) -> str:
    need, weight = p.mentee.need_area, p.rules.weights.need_area
    if not need:
        return "the team's need area is not set: 0"
    if need not in p.mentor.areas:
        return f"does not know the team's first need area ({p.name(need)}): 0"
    known = f"knows the team's first need area ({p.name(need)}): required"
    return f"{known}, so not scored" if weight == 0 else f"{known}; {weight}"


_REASONS: Dict[str, Callable[[_Pair], str]] = {
    "areas": _areas, "place": _place, "preferred": _preferred, "languages": _languages,
    "need_area": _need_area}
