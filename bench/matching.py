"""Benchmark of the matching service's domain layer.

    python bench/matching.py            # full run (10,000 x 4,000 cohort, scaling, placement)
    python bench/matching.py --quick    # a small run in a few seconds

Profiles are seeded random but realistic: 12 support areas (some far more wanted than others),
4 languages (most speak the local one), 20 places (a capital and towns), capacity 1-3,
some remote, some preferences, exclusions and related pairs, a few people failing rules.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from datetime import date
from typing import Dict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from services.matching.domain import (  # noqa: E402
    MatchingRules,
    MenteeCandidate,
    MentorCandidate,
    MentorIndex,
    assign_cohort,
    eligible,
    place_one,
    score,
)
from services.matching.domain.encoding import MenteeBatch, MentorTable, pair_block  # noqa: E402

TODAY = date(2025, 2, 10)
AREAS = ["education", "adolescence", "family", "free_time", "peers", "relationships",
         "finance", "goals", "mental_health", "physical_health", "self_care", "careers"]
AREA_P = np.array([14, 9, 7, 6, 6, 4, 8, 12, 10, 5, 4, 15], dtype=float)
AREA_P /= AREA_P.sum()
LANGS = [("lv", 0.9), ("en", 0.55), ("ru", 0.35), ("lt", 0.05)]
PLACES = [f"place{k:02d}" for k in range(20)]
PLACE_P = np.array([30] + [8, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2], dtype=float)
PLACE_P /= PLACE_P.sum()

RULES = MatchingRules(mentor_capacity=2, mentor_min_age=20, mentee_min_age=15, mentee_max_age=18,
                      consent="guardian_for_minors", training="before_matching",
                      vetting_required=True, window_opens=date(2025, 1, 1),
                      window_closes=date(2025, 6, 30))


def _languages(rng):
    langs = [name for name, p in LANGS if rng.random() < p]
    return langs or ["lv"]


def make_people(n_mentees: int, n_mentors: int, seed: int, prefix: str = ""):
    rng = np.random.default_rng(seed)
    mentor_ids = [f"{prefix}mentor-{k:06d}" for k in range(n_mentors)]
    mentors = []
    for mid in mentor_ids:
        n_areas = int(rng.integers(2, 5))
        mentors.append(MentorCandidate(
            id=mid, age=int(rng.integers(20, 70)) if rng.random() > 0.02 else 19,
            languages=_languages(rng),
            areas=frozenset(rng.choice(AREAS, n_areas, replace=False, p=AREA_P)),
            place=str(rng.choice(PLACES, p=PLACE_P)), remote=bool(rng.random() < 0.5),
            capacity=int(rng.integers(1, 4)), current_load=0, community_member=True,
            consent=True, training=bool(rng.random() < 0.95), vetting=bool(rng.random() < 0.97)))
    mentees = []
    for k in range(n_mentees):
        n_areas = int(rng.integers(1, 5))
        preferred = tuple(rng.choice(mentor_ids, int(rng.integers(1, 3)))) if rng.random() < 0.1 else ()
        excluded = frozenset({str(rng.choice(mentor_ids))}) if rng.random() < 0.02 else frozenset()
        related = frozenset({str(rng.choice(mentor_ids))}) if rng.random() < 0.01 else frozenset()
        mentees.append(MenteeCandidate(
            id=f"{prefix}mentee-{k:06d}", age=int(rng.integers(15, 19)),
            languages=_languages(rng),
            areas=tuple(rng.choice(AREAS, n_areas, replace=False, p=AREA_P)),
            place=str(rng.choice(PLACES, p=PLACE_P)), remote=bool(rng.random() < 0.4),
            preferred_mentor_ids=preferred, excluded_mentor_ids=excluded, never_pair_with=related,
            consent=bool(rng.random() < 0.93), consent_valid_until=date(2025, 8, 31)))
    return mentors, mentees


def greedy_fcfs(rules, mentors, mentees, today):
    """First come, first served: each mentee in registration order takes the best mentor
    still free (the same rules and score, no look-ahead)."""
    index = MentorIndex(rules, mentors)
    total = paired = 0
    for mentee in mentees:
        placed = place_one(rules, index, mentee, today)
        if isinstance(placed, tuple):
            index.record_pairing(placed[0])
            total += placed[1].total
            paired += 1
    return paired, total


def exact_milp(rules, mentors, mentees, today):
    """An independent exact solution: every pair checked with the plain rule and score
    functions, the b-matching solved as a MILP by HiGHS (scipy.optimize.milp)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix
    mentee_of, mentor_of, score_of = [], [], []  # one entry per eligible pair
    for i, mentee in enumerate(mentees):
        for j, mentor in enumerate(mentors):
            if not eligible(rules, mentor, mentee, today):
                mentee_of.append(i)
                mentor_of.append(j)
                score_of.append(score(rules, mentor, mentee).total)
    ii, jj, ss = np.array(mentee_of), np.array(mentor_of), np.array(score_of, dtype=float)
    n_e = len(ii)
    big = float(ss.max() + 1) * (len(mentees) + 1) if n_e else 1.0
    rows = coo_matrix((np.ones(n_e), (ii, np.arange(n_e))), shape=(len(mentees), n_e))
    cols = coo_matrix((np.ones(n_e), (jj, np.arange(n_e))), shape=(len(mentors), n_e))
    room = np.array([m.room(rules) for m in mentors], dtype=float)
    res = milp(-(big + ss), constraints=[LinearConstraint(rows, 0, 1), LinearConstraint(cols, 0, room)],
               integrality=np.ones(n_e), bounds=Bounds(0, 1))
    x = np.round(res.x).astype(int)
    return int(x.sum()), int((ss * x).sum()), n_e


def lp_dual_check(rules, mentors, mentees, today, result):
    """Check the certificate: u_i + v_j >= big + score_ij on every eligible pair (recomputed
    over the full mentee x mentor matrix) and its value equal to the pairing's value; the
    dual value is then an upper bound of the LP relaxation, hence of every pairing."""
    cert = result.certificate
    table = MentorTable(rules, sorted(mentors, key=lambda p: p.id))
    mentees = sorted(mentees, key=lambda p: p.id)
    batch = MenteeBatch(table, mentees, today)
    room = table.room()
    u = np.array([cert.mentee_values.get(p.id, 0) for p in mentees], dtype=np.int64)
    v = np.array([cert.mentor_prices.get(i, 0) for i in table.ids], dtype=np.int64)
    worst = 0
    for start in range(0, len(mentees), 1024):
        sel = np.arange(start, min(len(mentees), start + 1024))
        elig, sc = pair_block(table, batch, sel)
        elig &= (room > 0)[None, :]
        slack = u[sel][:, None] + v[None, :] - (cert.big + sc.astype(np.int64))
        if elig.any():
            worst = min(worst, int(slack[elig].min()))
    dual_value = int(u.sum() + (room * v).sum())
    primal_value = result.paired * cert.big + result.total_score
    # the vectorised rules agree with the plain ones on a sample of pairs
    rng = np.random.default_rng(7)
    by_id = {m.id: m for m in mentors}
    disagree = 0
    for _ in range(3000):
        i, j = int(rng.integers(len(mentees))), int(rng.integers(table.n))
        mentee, mentor = mentees[i], by_id[table.ids[j]]
        elig, sc = pair_block(table, batch, [i], [j])
        plain_ok = not eligible(rules, mentor, mentee, today)
        encoded_ok = bool(elig[0, 0] and room[j] > 0)
        if encoded_ok != plain_ok or (plain_ok and sc[0, 0] != score(rules, mentor, mentee).total):
            disagree += 1
    return worst >= 0, dual_value, primal_value, disagree


def line(label, value):
    print(f"  {label:<44} {value}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a small run in a few seconds")
    ap.add_argument("--mentees", type=int, default=10_000)
    ap.add_argument("--mentors", type=int, default=4_000)
    ap.add_argument("--exact-mentees", type=int, default=1_000, help="size of the MILP cross-check")
    ap.add_argument("--scales", default="1000,10000,30000", help="mentee counts for the timing series")
    ap.add_argument("--programme", type=int, default=100_000, help="people in the placement programme")
    ap.add_argument("--placements", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    if args.quick:
        args.mentees, args.mentors, args.exact_mentees = 1_000, 400, 150
        args.scales, args.programme, args.placements = "500,1000", 10_000, 50
    ratio = args.mentors / args.mentees
    print(f"matching benchmark (seed {args.seed}; numpy {np.__version__}; cpus {os.cpu_count()})")

    print(f"\n1. cohort round: {args.mentees} mentees, {args.mentors} mentors (capacity 1-3)")
    mentors, mentees = make_people(args.mentees, args.mentors, args.seed)
    res = assign_cohort(RULES, mentors, mentees, TODAY)
    slots = int(res.stats["slots"])  # places of the mentors who pass the mentor-only rules
    line("time (s)", f"{res.solver_seconds:.2f}  (scoring {res.stats['scoring_seconds']:.2f}, "
         f"solve {res.stats['solve_seconds']:.2f}, verify {res.stats['verify_seconds']:.2f})")
    line("places of eligible mentors / eligible mentees", f"{slots} / {int(res.stats['mentees'])}")
    line("paired / total score", f"{res.paired} / {res.total_score}")
    line("candidate edges / rounds / rows checked", f"{int(res.stats['edges'])} / {int(res.stats['rounds'])} / "
         f"{int(res.stats['rows_checked_exactly'])}")
    line("mean match percent", f"{statistics.mean(s.percent for _, _, s in res.pairs):.1f}")
    reasons: Dict[str, int] = {}
    for reason in res.waiting.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    line("waiting", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    t = time.perf_counter()
    feasible, dual_value, primal_value, disagree = lp_dual_check(RULES, mentors, mentees, TODAY, res)
    line("LP dual check over all pairs (s)", f"{time.perf_counter() - t:.2f}")
    line("LP upper bound (pairs*BIG+score) / pairing", f"{dual_value} / {primal_value}")
    line("dual feasible on every eligible pair", feasible)
    line("optimal (bound == pairing)", feasible and dual_value == primal_value)
    line("vectorised vs plain rules, 3000 sampled pairs", f"{disagree} disagreements")

    t = time.perf_counter()
    g_paired, g_total = greedy_fcfs(RULES, mentors, mentees, TODAY)
    g_time = time.perf_counter() - t
    line("greedy first-come-first-served: paired/score", f"{g_paired} / {g_total}  ({g_time:.2f} s)")
    line("optimal / greedy: paired, score",
         f"{res.paired / max(g_paired, 1):.4f}, {res.total_score / max(g_total, 1):.4f}")
    line("mean score per pair optimal / greedy",
         f"{res.total_score / max(res.paired, 1):.2f} / {g_total / max(g_paired, 1):.2f}")

    n_x = args.exact_mentees
    print(f"\n2. independent exact check: {n_x} mentees, {int(n_x * ratio)} mentors (scipy.optimize.milp)")
    xm, xt = make_people(n_x, int(n_x * ratio), args.seed + 1)
    small = assign_cohort(RULES, xm, xt, TODAY)
    t = time.perf_counter()
    m_paired, m_total, n_edges = exact_milp(RULES, xm, xt, TODAY)
    line("MILP: eligible pairs / time (s)", f"{n_edges} / {time.perf_counter() - t:.2f}")
    line("assign_cohort: paired / score / time (s)",
         f"{small.paired} / {small.total_score} / {small.solver_seconds:.3f}")
    line("MILP:          paired / score", f"{m_paired} / {m_total}")
    line("equal", (small.paired, small.total_score) == (m_paired, m_total))

    print("\n3. scaling (mentors = {:.0%} of mentees)".format(ratio))
    for n in [int(s) for s in args.scales.split(",") if s]:
        sm, st = make_people(n, int(n * ratio), args.seed + n)
        r = assign_cohort(RULES, sm, st, TODAY)
        line(f"{n} mentees x {int(n * ratio)} mentors", f"{r.solver_seconds:.2f} s, paired {r.paired}, "
             f"score {r.total_score}, rounds {int(r.stats['rounds'])}")

    n_mentors = int(args.programme * 0.4)
    print(f"\n4. rolling placement in a programme of {args.programme} people ({n_mentors} mentors)")
    pm, pt = make_people(args.placements, n_mentors, args.seed + 7, prefix="p")
    rng = np.random.default_rng(args.seed)
    loads = rng.integers(0, 4, n_mentors)  # most mentors already busy
    t = time.perf_counter()
    index = MentorIndex(RULES, [m if m.capacity is None else
                                dataclasses.replace(m, current_load=int(min(loads[k], m.capacity)))
                                for k, m in enumerate(pm)])
    line("index build (s)", f"{time.perf_counter() - t:.2f}")
    times, placed = [], 0
    for mentee in pt:
        t = time.perf_counter()
        out = place_one(RULES, index, mentee, TODAY)
        times.append(time.perf_counter() - t)
        if isinstance(out, tuple):
            index.record_pairing(out[0])
            placed += 1
    times_ms = sorted(1000 * x for x in times)
    line("placements / placed", f"{len(times)} / {placed}")
    line("per placement median / p95 / max (ms)",
         f"{statistics.median(times_ms):.2f} / {times_ms[int(0.95 * (len(times_ms) - 1))]:.2f} / {times_ms[-1]:.2f}")


if __name__ == "__main__":
    main()
