"""A programme's settings (as registration publishes them) read as :class:`MatchingRules`.

Registration's ``settings`` (``ProgrammeCreated``/``Updated``/``Cloned``) say, section by
section: ``people`` (capacity, ages, communities), ``rules`` (consent, training, vetting),
``dates`` and ``matching`` (mode, participant kind, weights 0-100 of ``areas``, ``language``,
``place``, ``preferences``; defaults 4, 3, 2, 3). The weights scale the matching domain's
integer :class:`ScoreWeights` (the defaults give the domain's defaults exactly).

* the matching window runs from ``dates.matching_opens`` (if set) to ``dates.meetings_end``;
* training ``before_matching`` applies to mentors (registration records mentors' training);
* ``people.mentor_communities`` set: a mentor must belong to one of them;
* ``matching.same_place_required`` (face-to-face programmes across towns): only people of the
  same place are paired (someone without a place is paired with nobody);
* ``coordinator_assigns`` (a fourth mode of registration) is not placed automatically; to the
  domain it reads as ``coordinator_approves`` (proposals from a round).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Optional

from services.contracts.programme_settings import setting

from .model import MatchingRules, ScoreWeights

DEFAULT_WEIGHTS = {"areas": 4, "language": 3, "place": 2, "preferences": 3}
PROGRAMME_MODES = ("automatic", "coordinator_approves", "mentee_chooses", "coordinator_assigns")


def _day(value: Any) -> Optional[date]:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _scaled(base: int, weight: int, default: int) -> int:
    return (base * weight + default // 2) // default


def weights_from(given: Optional[Mapping[str, int]]) -> ScoreWeights:
    w = {**DEFAULT_WEIGHTS, **(given or {})}
    base = ScoreWeights()
    return ScoreWeights(
        area_ranks=tuple(_scaled(x, w["areas"], DEFAULT_WEIGHTS["areas"]) for x in base.area_ranks),
        same_place=_scaled(base.same_place, w["place"], DEFAULT_WEIGHTS["place"]),
        both_remote=_scaled(base.both_remote, w["place"], DEFAULT_WEIGHTS["place"]),
        preferred=_scaled(base.preferred, w["preferences"], DEFAULT_WEIGHTS["preferences"]),
        extra_language=_scaled(base.extra_language, w["language"], DEFAULT_WEIGHTS["language"]),
    )


def programme_mode(settings: Mapping[str, Any]) -> str:
    return setting(settings, "matching.mode")


def default_mentor_capacity(settings: Mapping[str, Any]) -> int:
    """How many mentees a mentor takes when their profile does not say."""
    return int(setting(settings, "people.mentor_capacity.default"))


def mentor_capacity(settings: Mapping[str, Any], profile: Mapping[str, Any]) -> int:
    """A mentor's places in a programme: their own ``capacity``, else the programme's default."""
    own = (profile or {}).get("capacity")
    return default_mentor_capacity(settings) if own is None else int(own)


def rules_from_settings(settings: Mapping[str, Any]) -> MatchingRules:
    people = settings.get("people") or {}
    dates = settings.get("dates") or {}
    matching = settings.get("matching") or {}
    mode = programme_mode(settings)
    return MatchingRules(
        mentor_capacity=default_mentor_capacity(settings),
        mentor_min_age=people.get("mentor_min_age"),
        mentor_max_age=people.get("mentor_max_age"),
        mentee_min_age=people.get("mentee_min_age"),
        mentee_max_age=people.get("mentee_max_age"),
        consent=setting(settings, "rules.consent.rule"),
        age_of_majority=int(setting(settings, "rules.consent.age_of_majority")),
        training=setting(settings, "rules.training.rule"),
        training_applies_to="mentors",
        vetting_required=bool(setting(settings, "rules.vetting_required")),
        community_required=bool(people.get("mentor_communities")),
        window_opens=_day(dates.get("matching_opens")),
        window_closes=_day(dates.get("meetings_end")),
        participant_kind=setting(settings, "matching.participant_kind"),
        mode="coordinator_approves" if mode == "coordinator_assigns" else mode,
        weights=weights_from(matching.get("weights")),
        shortlist_size=int(setting(settings, "matching.shortlist_size")),
        same_place_required=bool(setting(settings, "matching.same_place_required")),
    )
