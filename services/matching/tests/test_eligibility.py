from datetime import date

import pytest

from services.matching.domain import Failure, MatchingRules, Waiting, eligible, waiting_reason
from services.matching.domain.settings import rules_from_settings

from .helpers import TODAY, mentee, mentor, rules


def test_a_plain_pair_is_eligible():
    assert eligible(rules(), mentor(), mentee(), TODAY) == []


@pytest.mark.parametrize("kw,failure", [
    (dict(window_opens=date(2025, 3, 1)), Failure.OUTSIDE_WINDOW),
    (dict(window_closes=date(2025, 2, 9)), Failure.OUTSIDE_WINDOW),
])
def test_matching_window(kw, failure):
    assert failure in eligible(rules(**kw), mentor(), mentee(), TODAY)
    assert eligible(rules(window_opens=TODAY, window_closes=TODAY), mentor(), mentee(), TODAY) == []


def test_withdrawn_people_are_never_paired():
    assert Failure.MENTOR_WITHDRAWN in eligible(rules(), mentor(withdrawn=True), mentee(), TODAY)
    assert Failure.MENTEE_WITHDRAWN in eligible(rules(), mentor(), mentee(withdrawn=True), TODAY)


def test_mentor_minimum_age():
    r = rules(mentor_min_age=20)
    assert eligible(r, mentor(age=20), mentee(), TODAY) == []
    assert Failure.MENTOR_TOO_YOUNG in eligible(r, mentor(age=19), mentee(), TODAY)
    assert Failure.MENTOR_AGE_UNKNOWN in eligible(r, mentor(age=None), mentee(), TODAY)


def test_mentor_maximum_age_from_the_settings():
    r = rules_from_settings({"people": {"mentor_min_age": 20, "mentor_max_age": 30}})
    assert eligible(r, mentor(age=30), mentee(), TODAY) == []
    assert eligible(r, mentor(age=31), mentee(), TODAY) == [Failure.MENTOR_TOO_OLD]
    assert eligible(rules(mentor_max_age=30), mentor(age=None), mentee(), TODAY) == [Failure.MENTOR_AGE_UNKNOWN]


def test_mentee_age_range():
    r = rules(mentee_min_age=15, mentee_max_age=18)
    assert eligible(r, mentor(), mentee(age=15), TODAY) == []
    assert eligible(r, mentor(), mentee(age=18), TODAY) == []
    assert Failure.MENTEE_TOO_YOUNG in eligible(r, mentor(), mentee(age=14), TODAY)
    assert Failure.MENTEE_TOO_OLD in eligible(r, mentor(), mentee(age=19), TODAY)
    assert Failure.MENTEE_AGE_UNKNOWN in eligible(r, mentor(), mentee(age=None), TODAY)


def test_consent_for_minors():
    r = rules(consent="guardian_for_minors")
    assert Failure.NO_CONSENT in eligible(r, mentor(), mentee(age=16, consent=False), TODAY)
    assert eligible(r, mentor(), mentee(age=18, consent=False), TODAY) == []
    # unknown age counts as a minor
    assert Failure.NO_CONSENT in eligible(r, mentor(), mentee(age=None, consent=False), TODAY)
    # a consent of last school year is no longer valid
    expired = mentee(age=16, consent=True, consent_valid_until=date(2024, 8, 31))
    assert Failure.NO_CONSENT in eligible(r, mentor(), expired, TODAY)
    valid = mentee(age=16, consent=True, consent_valid_until=date(2025, 8, 31))
    assert eligible(r, mentor(), valid, TODAY) == []


def test_consent_for_all_and_none():
    assert Failure.NO_CONSENT in eligible(rules(consent="guardian_for_all"), mentor(),
                                          mentee(age=30, consent=False), TODAY)
    assert eligible(rules(consent="none"), mentor(), mentee(age=12, consent=False), TODAY) == []


def test_training_before_matching_only():
    m = mentor(training=False)
    assert Failure.MENTOR_NO_TRAINING in eligible(rules(training="before_matching"), m, mentee(), TODAY)
    assert eligible(rules(training="before_first_meeting"), m, mentee(), TODAY) == []
    assert eligible(rules(training="not_required"), m, mentee(), TODAY) == []
    t = mentee(training=False)
    assert eligible(rules(training="before_matching"), mentor(), t, TODAY) == []
    assert Failure.MENTEE_NO_TRAINING in eligible(
        rules(training="before_matching", training_applies_to="both"), mentor(), t, TODAY)


def test_vetting_community_and_agreement():
    assert Failure.MENTOR_NOT_VETTED in eligible(rules(vetting_required=True), mentor(vetting=False), mentee(), TODAY)
    assert eligible(rules(vetting_required=False), mentor(vetting=False), mentee(), TODAY) == []
    assert Failure.MENTOR_NOT_COMMUNITY in eligible(rules(community_required=True),
                                                    mentor(community_member=False), mentee(), TODAY)
    assert Failure.MENTOR_NO_AGREEMENT in eligible(rules(mentor_agreement_required=True),
                                                   mentor(consent=False), mentee(), TODAY)


def test_common_language():
    assert Failure.NO_COMMON_LANGUAGE in eligible(rules(), mentor(languages={"en"}), mentee(languages={"lv"}), TODAY)
    assert eligible(rules(), mentor(languages={"en", "lv"}), mentee(languages={"lv", "ru"}), TODAY) == []


def test_related_people_are_never_paired_either_way():
    assert Failure.RELATED in eligible(rules(), mentor("m1"), mentee("t1", never_pair_with={"m1"}), TODAY)
    assert Failure.RELATED in eligible(rules(), mentor("m1", never_pair_with={"t1"}), mentee("t1"), TODAY)


def test_mentee_exclusion():
    assert Failure.EXCLUDED in eligible(rules(), mentor("m1"), mentee(excluded_mentor_ids={"m1"}), TODAY)


def test_capacity():
    r = rules(mentor_capacity=2)
    assert eligible(r, mentor(current_load=1), mentee(), TODAY) == []
    assert Failure.MENTOR_FULL in eligible(r, mentor(current_load=2), mentee(), TODAY)
    assert Failure.MENTOR_FULL in eligible(r, mentor(capacity=1, current_load=1), mentee(), TODAY)
    assert eligible(r, mentor(capacity=3, current_load=2), mentee(), TODAY) == []


def test_team_needs_a_mentor_who_knows_its_need_area():
    r = rules(participant_kind="team")
    team = mentee(age=None, consent=False, need_area="fundraising")
    assert eligible(r, mentor(areas={"fundraising"}), team, TODAY) == []
    assert Failure.NEED_AREA in eligible(r, mentor(areas={"strategy"}), team, TODAY)
    assert Failure.NEED_AREA_UNSET in eligible(r, mentor(), mentee(age=None, need_area=None), TODAY)


def test_face_to_face_programme_needs_the_same_place():
    r = rules(same_place_required=True)
    assert eligible(r, mentor(place="Riga"), mentee(place="Riga"), TODAY) == []
    assert Failure.DIFFERENT_PLACE in eligible(r, mentor(place="Cesis"), mentee(place="Riga"), TODAY)


def test_rules_are_validated():
    with pytest.raises(ValueError):
        MatchingRules(consent="parents")
    with pytest.raises(ValueError):
        MatchingRules(mentee_min_age=18, mentee_max_age=15)
    with pytest.raises(ValueError):
        MatchingRules(mentor_capacity=0)


def test_waiting_reasons():
    r = rules(mentor_capacity=1)
    mentors = [mentor("m1", current_load=1), mentor("m2", languages={"en"})]
    assert waiting_reason(r, mentee(consent=False), mentors, TODAY) == Waiting.NO_CONSENT
    assert waiting_reason(r, mentee(withdrawn=True), mentors, TODAY) == Waiting.WITHDRAWN
    assert waiting_reason(rules(window_closes=date(2025, 1, 1)), mentee(), mentors, TODAY) == Waiting.OUTSIDE_WINDOW
    assert waiting_reason(rules(training="before_matching", training_applies_to="mentees"),
                          mentee(training=False), mentors, TODAY) == Waiting.NO_TRAINING
    assert waiting_reason(rules(mentee_max_age=15), mentee(age=17), mentors, TODAY) == Waiting.AGE
    assert waiting_reason(r, mentee(), mentors, TODAY) == Waiting.NO_CAPACITY
    assert waiting_reason(r, mentee(languages={"ru"}), mentors, TODAY) == Waiting.NO_SUITABLE_MENTOR
    assert waiting_reason(r, mentee(languages={"en"}), mentors, TODAY) is None
