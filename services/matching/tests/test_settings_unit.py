"""Programme settings read as MatchingRules (``domain/settings.py``), for every seed kind.

The settings are the ones registration publishes: each seed's builder settings passed
through the registration domain's ``Programme.create``, whose ``ProgrammeCreated`` payload
is what the matching service receives (registration fills in defaults on the way).
Plain Python: no broker, no database.
"""
from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, Dict

import pytest

from services.matching.domain.model import MatchingRules, ScoreWeights
from services.matching.domain.settings import DEFAULT_WEIGHTS, programme_mode, rules_from_settings, weights_from
from services.registration.domain import Programme, ValidationFailed
from services.registration.tests import builders


def published(settings):
    """The settings as registration publishes them in ``ProgrammeCreated``."""
    [event] = Programme(builders.new_id()).create(tenant=builders.tenant(), settings=settings,
                                                  now=builders.NOW)
    assert event.event_type == "ProgrammeCreated"
    return event.payload["settings"]


DEFAULT = ScoreWeights()
SCHOOL_WEIGHTS = ScoreWeights(area_ranks=(18, 12, 8, 5, 3, 2), same_place=3, both_remote=2,
                              preferred=10, extra_language=1)
NO_AREAS = ScoreWeights(area_ranks=(0, 0, 0, 0, 0, 0), same_place=6, both_remote=4, preferred=10,
                        extra_language=2)

SEEDS = {
    "000 youth mentoring": (builders.youth_mentoring_settings, "coordinator_approves", MatchingRules(
        mentor_capacity=1, mentor_min_age=20, mentee_min_age=13, mentee_max_age=25,
        consent="guardian_for_minors", age_of_majority=18, training="before_matching",
        training_applies_to="mentors", vetting_required=True, community_required=False,
        window_opens=None, window_closes=date(2026, 2, 28), participant_kind="individual",
        mode="coordinator_approves", weights=DEFAULT, shortlist_size=3)),
    "001 school": (builders.school_settings, "mentee_chooses", MatchingRules(
        mentor_capacity=1, mentor_min_age=None, mentee_min_age=15, mentee_max_age=18,
        consent="guardian_for_all", training="before_first_meeting", vetting_required=False,
        community_required=True, window_opens=None, window_closes=date(2025, 4, 30),
        participant_kind="individual", mode="mentee_chooses", weights=SCHOOL_WEIGHTS,
        shortlist_size=3)),
    "002 validated youth": (builders.validated_youth_settings, "coordinator_approves", MatchingRules(
        mentor_capacity=2, mentor_min_age=21, mentee_min_age=16, mentee_max_age=24,
        consent="guardian_for_minors", training="before_matching", vetting_required=True,
        window_opens=date(2025, 2, 1), window_closes=date(2026, 3, 14),
        participant_kind="individual", mode="coordinator_approves", weights=DEFAULT,
        shortlist_size=3)),
    "003 organisational": (builders.organisational_settings, "coordinator_assigns", MatchingRules(
        mentor_capacity=1, consent="none", training="not_required", vetting_required=False,
        window_closes=date(2025, 8, 31), participant_kind="team", mode="coordinator_approves",
        weights=DEFAULT, shortlist_size=3)),
    "004 e-course": (builders.e_course_settings, "coordinator_assigns", MatchingRules(
        mentor_capacity=40, consent="none", training="not_required",
        window_closes=date(2025, 6, 30), participant_kind="group", mode="coordinator_approves",
        weights=NO_AREAS, shortlist_size=3)),
}


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_seed_kind_reads_as_its_rules(seed):
    build, mode, expected = SEEDS[seed]
    settings = published(build())
    assert programme_mode(settings) == mode
    assert rules_from_settings(settings) == expected


def test_what_the_seed_rules_mean_for_matching():
    rules = {seed: rules_from_settings(published(build())) for seed, (build, _, _) in SEEDS.items()}
    youth, school, validated = rules["000 youth mentoring"], rules["001 school"], rules["002 validated youth"]
    assert youth.mentors_need_training() and not youth.mentees_need_training()
    assert not school.mentors_need_training()  # a seminar before the first meeting does not block
    assert validated.window_open(date(2025, 2, 1)) and not validated.window_open(date(2025, 1, 31))
    assert not validated.window_open(date(2026, 3, 15))
    assert school.window_open(date(2025, 4, 30)) and not school.window_open(date(2025, 5, 1))
    assert not rules["004 e-course"].scores_areas and rules["003 organisational"].scores_areas


def test_the_builders_settings_read_the_same_before_registration_fills_them_in():
    """What registration adds (a capacity default, the shortlist size) is all that differs."""
    for seed, (build, mode, expected) in SEEDS.items():
        raw = build()
        assert programme_mode(raw) == mode
        filled: Dict[str, Any] = {"shortlist_size": int((raw.get("matching") or {}).get("shortlist_size") or 3),
                  "mentor_capacity": int(((raw.get("people") or {}).get("mentor_capacity") or {})
                                         .get("default") or 1)}
        if seed == "004 e-course":
            filled["weights"] = DEFAULT  # registration zeroes the area weight of a group course
        assert rules_from_settings(raw) == dataclasses.replace(expected, **filled), seed


def test_empty_settings_are_an_automatic_individual_programme_with_default_rules():
    assert programme_mode({}) == "automatic"
    assert programme_mode({"matching": {"mode": None}}) == "automatic"
    assert rules_from_settings({}) == MatchingRules(consent="none", mode="automatic")


def test_coordinator_assigns_reads_as_coordinator_approves_and_other_modes_pass_through():
    for mode, domain_mode in (("automatic", "automatic"), ("coordinator_approves", "coordinator_approves"),
                              ("mentee_chooses", "mentee_chooses"),
                              ("coordinator_assigns", "coordinator_approves")):
        settings = {"matching": {"mode": mode}}
        assert programme_mode(settings) == mode
        assert rules_from_settings(settings).mode == domain_mode


def test_dates_consent_and_shortlist_details():
    rules = rules_from_settings({
        "dates": {"matching_opens": "", "meetings_end": date(2025, 6, 30)},
        "rules": {"consent": {"rule": "guardian_for_minors", "age_of_majority": "16"}},
        "people": {"mentor_communities": [], "mentor_capacity": {"default": "3"}},
        "matching": {"shortlist_size": "7"}})
    assert (rules.window_opens, rules.window_closes) == (None, date(2025, 6, 30))
    assert (rules.age_of_majority, rules.mentor_capacity, rules.shortlist_size) == (16, 3, 7)
    assert rules.community_required is False
    assert rules_from_settings({"dates": {"matching_opens": "2025-03-01"}}).window_opens == date(2025, 3, 1)


def test_a_face_to_face_programme_across_towns_can_require_the_same_place():
    settings = builders.youth_mentoring_settings()
    assert rules_from_settings(published(settings)).same_place_required is False
    settings["matching"] = {**settings["matching"], "same_place_required": True}
    assert rules_from_settings(published(settings)).same_place_required is True
    settings["matching"]["same_place_required"] = "yes"
    with pytest.raises(ValidationFailed) as refused:
        published(settings)
    assert refused.value.errors == {"matching.same_place_required": ["must be true or false"]}


def test_refused_settings_are_refused_by_the_rules():
    with pytest.raises(ValueError, match="closes before it opens"):
        rules_from_settings({"dates": {"matching_opens": "2025-07-01", "meetings_end": "2025-06-30"}})
    with pytest.raises(ValueError, match="consent"):
        rules_from_settings({"rules": {"consent": {"rule": "parents_sometimes"}}})


def test_default_weights_give_the_domain_defaults_exactly():
    assert weights_from(None) == weights_from({}) == weights_from(DEFAULT_WEIGHTS) == DEFAULT


def test_weights_scale_each_part_and_round_half_up():
    doubled = weights_from({"areas": 8, "language": 6, "place": 4, "preferences": 6})
    assert doubled == ScoreWeights(area_ranks=tuple(2 * w for w in DEFAULT.area_ranks),
                                   same_place=12, both_remote=8, preferred=20, extra_language=4)
    assert weights_from({"areas": 6}).area_ranks == (18, 12, 8, 5, 3, 2)  # 7.5 -> 8, 4.5 -> 5
    only_place = weights_from({"place": 1})  # 3 and 2 exactly
    assert (only_place.same_place, only_place.both_remote) == (3, 2)
    assert only_place.area_ranks == DEFAULT.area_ranks and only_place.preferred == DEFAULT.preferred


def test_zero_weights_switch_a_part_off():
    off = weights_from({"areas": 0, "language": 0, "place": 0, "preferences": 0})
    assert off == ScoreWeights(area_ranks=(0,) * 6, same_place=0, both_remote=0, preferred=0,
                               extra_language=0)
    assert weights_from({"areas": 100}).area_ranks == (300, 200, 125, 75, 50, 25)
