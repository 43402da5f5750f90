import itertools
from collections import Counter
from datetime import date

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from services.matching.domain import Waiting, assign_cohort, eligible, max_score, score
from services.matching.domain.encoding import MenteeBatch, MentorTable, pair_block

from .helpers import TODAY, mentee, mentor, random_instance, rules


def brute_force(r, mentors, mentees, today):
    """Best (pairs, score) by trying every assignment."""
    options = []
    for t in mentees:
        opts = [None] + [j for j, m in enumerate(mentors) if not eligible(r, m, t, today)]
        options.append(opts)
    room = [m.room(r) for m in mentors]
    best = (0, 0)
    for choice in itertools.product(*options):
        used = Counter(c for c in choice if c is not None)
        if any(used[j] > room[j] for j in used):
            continue
        total = sum(score(r, mentors[j], mentees[i]).total for i, j in enumerate(choice) if j is not None)
        best = max(best, (sum(1 for c in choice if c is not None), total))
    return best


def dense_optimum(r, mentors, mentees, today):
    """Best (pairs, score) with linear_sum_assignment on the dense mentee x slot matrix."""
    slots = [j for j, m in enumerate(mentors) for _ in range(m.room(r))]
    if not slots or not mentees:
        return (0, 0)
    s_max = max(max_score(r, t) for t in mentees)
    big = (s_max + 1) * (len(mentees) + 1)
    w = np.zeros((len(mentees), len(slots)), dtype=np.int64)
    for i, t in enumerate(mentees):
        for k, j in enumerate(slots):
            if not eligible(r, mentors[j], t, today):
                w[i, k] = big + score(r, mentors[j], t).total
    rows, cols = linear_sum_assignment(w, maximize=True)
    chosen = w[rows, cols]
    chosen = chosen[chosen > 0]
    return (len(chosen), int((chosen - big).sum()))


def check_valid(r, mentors, mentees, result, today=TODAY):
    by_mentor = {m.id: m for m in mentors}
    by_mentee = {t.id: t for t in mentees}
    counts = Counter(mid for _, mid, _ in result.pairs)
    for mid, count in counts.items():
        assert count <= by_mentor[mid].room(r), "capacity exceeded"
    seen = set()
    for tid, mid, s in result.pairs:
        assert tid not in seen
        seen.add(tid)
        assert eligible(r, by_mentor[mid], by_mentee[tid], today) == []
        assert tid not in by_mentor[mid].never_pair_with and mid not in by_mentee[tid].never_pair_with
        assert s == score(r, by_mentor[mid], by_mentee[tid])
    assert set(result.waiting) | seen == set(by_mentee) and not (set(result.waiting) & seen)
    assert result.total_score == sum(s.total for _, _, s in result.pairs)
    cert = result.certificate
    assert cert.bound == len(result.pairs) * cert.big + result.total_score


@pytest.mark.parametrize("seed", range(60))
def test_optimal_against_brute_force(seed):
    r, mentors, mentees = random_instance(seed, n_mentees=6, n_mentors=3, max_capacity=2)
    result = assign_cohort(r, mentors, mentees, TODAY, candidates=1 + seed % 3)
    check_valid(r, mentors, mentees, result)
    assert (result.paired, result.total_score) == brute_force(r, mentors, mentees, TODAY)


@pytest.mark.parametrize("seed", range(25))
def test_optimal_against_dense_assignment(seed):
    kind = ["individual", "team", "group"][seed % 3]
    r, mentors, mentees = random_instance(1000 + seed, n_mentees=40, n_mentors=14, kind=kind)
    # a few candidates per mentee forces the verification rounds to add edges back
    result = assign_cohort(r, mentors, mentees, TODAY, candidates=1 + seed % 4)
    check_valid(r, mentors, mentees, result)
    assert (result.paired, result.total_score) == dense_optimum(r, mentors, mentees, TODAY)


def test_vectorised_rules_agree_with_the_plain_functions():
    for seed in range(30):
        kind = ["individual", "team", "group"][seed % 3]
        r, mentors, mentees = random_instance(500 + seed, n_mentees=15, n_mentors=12, kind=kind)
        table = MentorTable(r, mentors)
        batch = MenteeBatch(table, mentees, TODAY)
        elig, sc = pair_block(table, batch, np.arange(len(mentees)))
        for i, t in enumerate(mentees):
            for j, m in enumerate(mentors):
                plain = eligible(r, m, t, TODAY)
                ok_ignoring_capacity = not [f for f in plain if f != "mentor_at_capacity"]
                assert bool(elig[i, j]) == ok_ignoring_capacity, (seed, t, m, plain)
                assert int(sc[i, j]) == score(r, m, t).total


def test_capacity_spreads_mentees_and_the_best_pairs_win():
    r = rules(mentor_capacity=1)
    mentors = [mentor("m1", areas={"finance"}), mentor("m2", areas={"family"})]
    mentees = [mentee("t1", areas=("finance", "family")), mentee("t2", areas=("finance",))]
    # greedy would give t1 its favourite m1 and leave t2 with nobody suitable... here t2 can
    # take m2 only without an area, the optimum gives m1 to t2 and m2 to t1 (12+8 > 12+0)
    result = assign_cohort(r, mentors, mentees, TODAY)
    assert result.mentor_of() == {"t1": "m2", "t2": "m1"}
    assert result.total_score == 8 + 12 + 2 * 6


def test_more_pairs_come_before_a_higher_score():
    r = rules(mentor_capacity=1)
    mentors = [mentor("m1", areas={"finance", "family", "peers"}), mentor("m2", languages={"en"})]
    mentees = [mentee("t1", areas=("finance", "family", "peers"), languages={"lv", "en"}),
               mentee("t2", areas=("finance",))]
    result = assign_cohort(r, mentors, mentees, TODAY)
    assert result.paired == 2 and result.mentor_of() == {"t1": "m2", "t2": "m1"}


def test_related_pair_never_paired_even_if_best():
    r = rules(mentor_capacity=1)
    mentors = [mentor("parent", areas={"finance"}, never_pair_with={"child"}), mentor("m2", areas=set())]
    result = assign_cohort(r, mentors, [mentee("child", areas=("finance",))], TODAY)
    assert result.mentor_of() == {"child": "m2"}
    mentors = [mentor("parent", areas={"finance"})]
    result = assign_cohort(r, mentors, [mentee("child", never_pair_with={"parent"})], TODAY)
    assert result.pairs == [] and result.waiting == {"child": Waiting.NO_SUITABLE_MENTOR}


def test_waiting_reasons_in_a_round():
    r = rules(mentor_capacity=1)
    mentors = [mentor("m1")]
    mentees = [mentee("a", areas=("education",)), mentee("b", areas=()), mentee("c", consent=False),
               mentee("d", languages={"ru"})]
    result = assign_cohort(r, mentors, mentees, TODAY)
    assert result.mentor_of() == {"a": "m1"}
    assert result.waiting == {"b": Waiting.NO_CAPACITY, "c": Waiting.NO_CONSENT,
                              "d": Waiting.NO_SUITABLE_MENTOR}


def test_outside_the_window_nobody_is_paired():
    r = rules(window_opens=date(2025, 3, 1))
    result = assign_cohort(r, [mentor()], [mentee()], TODAY)
    assert result.pairs == [] and result.waiting == {"t1": Waiting.OUTSIDE_WINDOW}


def test_deterministic_whatever_the_input_order():
    r, mentors, mentees = random_instance(77, n_mentees=60, n_mentors=20)
    first = assign_cohort(r, mentors, mentees, TODAY)
    again = assign_cohort(r, list(reversed(mentors)), list(reversed(mentees)), TODAY)
    assert first.pairs == again.pairs and first.waiting == again.waiting
    # identical candidates: ties go the same way every time
    twins = [mentor(f"m{k}") for k in range(3)]
    kids = [mentee(f"t{k}") for k in range(5)]
    results = {tuple((a, b) for a, b, _ in assign_cohort(rules(), twins, kids, TODAY).pairs) for _ in range(3)}
    assert len(results) == 1


def test_rerun_takes_current_loads_and_waiting_mentees_only():
    r = rules(mentor_capacity=2)
    mentors = [mentor("m1"), mentor("m2")]
    first = assign_cohort(r, mentors, [mentee(f"t{k}") for k in range(3)], TODAY)
    assert first.paired == 3
    loads = Counter(m for _, m, _ in first.pairs)
    after = [mentor(m.id, current_load=loads[m.id]) for m in mentors]
    second = assign_cohort(r, after, [mentee("t3"), mentee("t4")], TODAY)
    assert second.paired == 1 and list(second.waiting.values()) == [Waiting.NO_CAPACITY]


def test_teams_are_one_unit_with_a_mentor_who_knows_their_need():
    r = rules(participant_kind="team", mentor_capacity=1, consent="guardian_for_minors")
    mentors = [mentor("m1", areas={"fundraising"}), mentor("m2", areas={"strategy", "communication"})]
    teams = [mentee("ngo1", age=None, consent=False, need_area="strategy", areas=("fundraising",)),
             mentee("ngo2", age=None, consent=False, need_area="fundraising", areas=("strategy",))]
    result = assign_cohort(r, mentors, teams, TODAY)
    assert result.mentor_of() == {"ngo1": "m2", "ngo2": "m1"}


def test_group_programme_ignores_areas_and_uses_large_capacity():
    r = rules(participant_kind="group", mentor_capacity=20, consent="none")
    mentors = [mentor("m1", areas={"finance"}), mentor("m2", areas=set(), capacity=1)]
    students = [mentee(f"s{k:02d}", areas=("education",)) for k in range(25)]
    result = assign_cohort(r, mentors, students, TODAY)
    assert result.paired == 21
    assert all("areas" not in s.parts for _, _, s in result.pairs)
    assert Counter(m for _, m, _ in result.pairs) == {"m1": 20, "m2": 1}
    assert Counter(result.waiting.values()) == {Waiting.NO_CAPACITY: 4}


def test_duplicate_ids_are_rejected():
    with pytest.raises(ValueError):
        assign_cohort(rules(), [mentor("m1"), mentor("m1")], [mentee()], TODAY)


def test_empty_inputs():
    assert assign_cohort(rules(), [], [], TODAY).pairs == []
    result = assign_cohort(rules(), [], [mentee()], TODAY)
    assert result.waiting == {"t1": Waiting.NO_SUITABLE_MENTOR}
    assert assign_cohort(rules(), [mentor()], [], TODAY).pairs == []


@pytest.mark.parametrize("seed", range(8))
def test_tuning_knobs_never_change_the_optimum(seed, monkeypatch):
    import services.matching.domain.assignment as assignment
    r, mentors, mentees = random_instance(2000 + seed, n_mentees=45, n_mentors=15)
    expected = dense_optimum(r, mentors, mentees, TODAY)
    if seed % 2:
        monkeypatch.setattr(assignment, "MATRIX_LIMIT", 0)  # rows recomputed when checked
    for kw in (dict(price_mode="max"), dict(mentor_candidates=4, candidates=2),
               dict(add_per_row=1, margin=5, candidates=1)):
        result = assign_cohort(r, mentors, mentees, TODAY, **kw)
        check_valid(r, mentors, mentees, result)
        assert (result.paired, result.total_score) == expected
