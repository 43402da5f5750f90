import pytest

from services.matching.domain import MatchingRules, ScoreWeights, max_score, score

from .helpers import mentee, mentor, rules


def test_areas_weigh_by_the_mentees_ranking():
    r = rules()
    t = mentee(areas=("finance", "family", "peers"))
    first = score(r, mentor(areas={"finance"}), t)
    second = score(r, mentor(areas={"family"}), t)
    third = score(r, mentor(areas={"peers"}), t)
    assert first.parts["areas"] == 12 and second.parts["areas"] == 8 and third.parts["areas"] == 5
    assert score(r, mentor(areas={"finance", "peers"}), t).parts["areas"] == 17


def test_place_remote_preferred_languages():
    r = rules()
    t = mentee("t1", place="Riga", remote=True, languages={"lv", "en", "ru"}, preferred_mentor_ids=("m2",))
    same = score(r, mentor("m1", place="Riga"), t)
    remote = score(r, mentor("m1", place="Cesis", remote=True), t)
    neither = score(r, mentor("m1", place="Cesis", remote=False), t)
    assert (same.parts["place"], remote.parts["place"], neither.parts["place"]) == (6, 4, 0)
    assert score(r, mentor("m2"), t).parts["preferred"] == 10
    assert score(r, mentor("m1"), t).parts["preferred"] == 0
    assert score(r, mentor("m1", languages={"lv", "en", "ru"}), t).parts["languages"] == 4
    assert score(r, mentor("m1", languages={"lv"}), t).parts["languages"] == 0


def test_total_is_the_sum_of_parts_and_percent_is_relative_to_the_best():
    r = rules()
    t = mentee("t1", areas=("finance", "family"), place="Riga", preferred_mentor_ids=("m1",))
    best = max_score(r, t)
    assert best == 12 + 8 + 6 + 10
    s = score(r, mentor("m1", areas={"finance", "family"}, place="Riga"), t)
    assert s.total == sum(s.parts.values()) == best and s.percent == 100
    s = score(r, mentor("m2", areas={"family"}, place="Cesis"), t)
    assert s.total == 8 and s.percent == round(100 * 8 / best)


def test_weights_are_configurable_integers():
    r = MatchingRules(weights=ScoreWeights(area_ranks=(5, 1), same_place=0, preferred=100))
    t = mentee("t1", areas=("a", "b", "c"), preferred_mentor_ids=("m1",))
    s = score(r, mentor("m1", areas={"a", "b", "c"}), t)
    assert s.parts == {"areas": 7, "place": 0, "preferred": 100, "languages": 0}
    with pytest.raises(ValueError):
        ScoreWeights(same_place=-1)
    with pytest.raises(ValueError):
        ScoreWeights(area_ranks=())


def test_group_programmes_do_not_score_areas():
    r = rules(participant_kind="group")
    s = score(r, mentor(areas={"education"}), mentee(areas=("education",)))
    assert "areas" not in s.parts
    assert max_score(r, mentee(areas=("education",))) == 6


def test_percent_when_nothing_can_be_scored():
    r = MatchingRules(weights=ScoreWeights(area_ranks=(0,), same_place=0, both_remote=0, preferred=0,
                                           extra_language=0))
    assert score(r, mentor(), mentee()).percent == 100
