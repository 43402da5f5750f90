from datetime import date

import pytest

from services.matching.domain import MentorIndex, Waiting, eligible, place_one, score, shortlist, take_from_reserve

from .helpers import TODAY, mentee, mentor, random_instance, rules


def best_by_brute_force(r, mentors, t):
    options = [(-score(r, m, t).total, m.id) for m in mentors if not eligible(r, m, t, TODAY)]
    return min(options)[1] if options else None


@pytest.mark.parametrize("seed", range(40))
def test_place_one_picks_the_best_eligible_mentor(seed):
    kind = ["individual", "team", "group"][seed % 3]
    r, mentors, mentees = random_instance(seed, n_mentees=10, n_mentors=25, kind=kind)
    index = MentorIndex(r, mentors)
    for t in mentees:
        out = place_one(r, index, t, TODAY)
        expected = best_by_brute_force(r, mentors, t)
        if expected is None:
            assert isinstance(out, str)
        else:
            assert out[0] == expected
            assert out[1] == score(r, index.get(expected), t)


def test_place_one_waiting_reasons_and_loads():
    r = rules(mentor_capacity=1)
    index = MentorIndex(r, [mentor("m1", areas={"finance"}), mentor("m2", areas=set())])
    assert place_one(r, index, mentee("a", consent=False), TODAY) == Waiting.NO_CONSENT
    first = place_one(r, index, mentee("a", areas=("finance",)), TODAY)
    assert first[0] == "m1"
    index.record_pairing("m1")
    assert place_one(r, index, mentee("b", areas=("finance",)), TODAY)[0] == "m2"
    index.record_pairing("m2")
    assert place_one(r, index, mentee("c"), TODAY) == Waiting.NO_CAPACITY
    assert place_one(r, index, mentee("d", languages={"en"}), TODAY) == Waiting.NO_SUITABLE_MENTOR
    index.record_pairing("m1", -1)  # the pair ended
    assert place_one(r, index, mentee("c"), TODAY)[0] == "m1"


def test_place_one_honours_exclusions_and_relations():
    r = rules()
    index = MentorIndex(r, [mentor("parent", areas={"finance"}, never_pair_with={"kid"}),
                            mentor("m2", areas={"finance"}, place="Cesis"), mentor("m3", areas=set())])
    assert place_one(r, index, mentee("kid", areas=("finance",)), TODAY)[0] == "m2"
    assert place_one(r, index, mentee("x", areas=("finance",), excluded_mentor_ids={"parent", "m2"}),
                     TODAY)[0] == "m3"


def test_index_follows_profile_changes():
    r = rules(vetting_required=True)
    index = MentorIndex(r, [mentor("m1", vetting=False)])
    assert place_one(r, index, mentee(), TODAY) == Waiting.NO_SUITABLE_MENTOR
    index.upsert(mentor("m1", vetting=True))
    assert place_one(r, index, mentee(), TODAY)[0] == "m1"
    index.upsert(mentor("m1", vetting=True, languages={"en"}))
    assert place_one(r, index, mentee(), TODAY) == Waiting.NO_SUITABLE_MENTOR
    index.upsert(mentor("m1", withdrawn=True))
    assert place_one(r, index, mentee(languages={"en"}), TODAY) == Waiting.NO_SUITABLE_MENTOR
    # many new areas and languages grow the index's columns
    for k in range(40):
        index.upsert(mentor(f"n{k}", areas={f"area{k}"}, languages={f"lang{k}"}))
    assert place_one(r, index, mentee(languages={"lang39"}, areas=("area39",)), TODAY)[0] == "n39"


def test_shortlist_orders_by_score_then_id_with_percentages():
    r = rules(shortlist_size=3)
    mentors = [mentor("m1", areas={"finance"}), mentor("m2", areas={"family"}),
               mentor("m3", areas={"finance", "family"}), mentor("m4", areas={"family"}),
               mentor("m5", areas={"family"}, current_load=1, capacity=1)]
    t = mentee("t1", areas=("finance", "family"))
    picks = shortlist(r, mentors, t, TODAY)
    assert [p.mentor_id for p in picks] == ["m3", "m1", "m2"]
    assert picks[0].score.percent == 100 and picks[0].score.parts["areas"] == 20
    assert [p.mentor_id for p in shortlist(r, MentorIndex(r, mentors), t, TODAY, n=10)] == ["m3", "m1", "m2", "m4"]
    assert shortlist(r, mentors, mentee("t2", consent=False), TODAY) == []


def test_take_from_reserve_when_a_mentor_arrives_or_consent_comes():
    r = rules(mentor_capacity=1)
    index = MentorIndex(r, [mentor("m1", current_load=1)])
    waiting = [mentee("a", areas=("finance",)), mentee("b", consent=False), mentee("c", areas=("family",))]
    assert take_from_reserve(r, index, waiting, TODAY).paired == 0
    index.upsert(mentor("m2", areas={"family"}, capacity=2))
    result = take_from_reserve(r, index, waiting, TODAY, mentor_ids=["m2"])
    assert result.mentor_of() == {"a": "m2", "c": "m2"}
    assert result.waiting == {"b": Waiting.NO_CONSENT}
    for _ in result.pairs:
        index.record_pairing("m2")
    index.upsert(mentor("m3"))
    consented = mentee("b", consent=True, consent_valid_until=date(2025, 8, 31))
    result = take_from_reserve(r, index, [consented], TODAY)
    assert result.mentor_of() == {"b": "m3"}


def test_place_one_is_fast_on_a_large_index():
    import time
    r, mentors, mentees = random_instance(3, n_mentees=20, n_mentors=40)
    many = [mentor(f"x{k:05d}", areas={"education", "family"} if k % 2 else {"peers"},
                   place=["Riga", "Cesis"][k % 2], remote=bool(k % 3), languages={"lv", "en"})
            for k in range(20000)]
    index = MentorIndex(r, many)
    started = time.perf_counter()
    for t in mentees:
        place_one(r, index, t, TODAY)
    assert (time.perf_counter() - started) / len(mentees) < 0.05
