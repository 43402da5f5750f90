"""The cohort round: the optimal pairing of many mentees with mentors that have capacities.

Objective (lexicographic): first pair as many mentees as possible, then maximise the sum of
the pair scores. Every hard rule of :mod:`.eligibility` holds for every pair and no mentor
takes more than ``capacity - current_load`` mentees. A re-run considers the mentees passed in
(the waiting ones) against the mentors' remaining capacity.

How it is solved, exactly and fast
----------------------------------
The problem is a maximum-weight b-matching with integer weights ``w = BIG + score`` where
``BIG = (max_score + 1) * (min(mentees, slots) + 1)``, large enough that one more pair always
outweighs any gain in score. Its LP relaxation has an integral optimum, and
``(u, v) >= 0`` with ``u_i + v_j >= w_ij`` on every eligible edge is a dual whose value
``sum(u) + sum(room_j * v_j)`` bounds every pairing from above.

1. The eligible edges are computed in blocks with numpy (:mod:`.encoding`); each mentee keeps
   only its ``candidates`` best mentors (score, then mentor id).
2. That sparse graph, with each mentor's remaining places as identical slot columns and one
   costlier "wait" column per mentee, is solved with
   :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching` (costs
   ``max_score + 1 - score`` for a real edge, ``BIG + max_score + 1`` for waiting: exact
   integers, no epsilon).
3. Mentor prices ``v`` are computed from the matching (the least fixpoint of the
   complementary slackness conditions, a longest-path relaxation over the alternating graph),
   ``u`` follows. Every pruned edge is checked against ``u_i + v_j >= w_ij``: cheaply through
   the best pruned score of the mentee, exactly (its row recomputed) when that is not enough.
   Violating edges are added and the graph solved again. When no edge violates, ``(u, v)`` is a
   feasible dual equal in value to the pairing: the pairing is optimal for the full problem
   (:class:`Certificate`).

Ties are broken deterministically: mentees and mentors are processed in id order and the
solver is deterministic, so the same input gives the same output.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .eligibility import eligible, mentee_waiting_reason, mentor_failures
from .encoding import MenteeBatch, MentorTable, pair_block
from .model import MatchingRules, MenteeCandidate, MentorCandidate, Score, Waiting
from .scoring import max_score, score

DEFAULT_CANDIDATES = 12
BLOCK = 1024
#: largest mentees x mentors matrix of scores kept in memory (int8: 1 byte per pair)
MATRIX_LIMIT = 400_000_000


@dataclass(frozen=True)
class Certificate:
    """Proof of optimality: a feasible LP dual whose value equals the pairing's value.

    ``weight(pair) = big + score``; ``mentee_values`` are ``u``, ``mentor_prices`` ``v``.
    ``bound == len(pairs) * big + total_score`` for an optimal assignment.
    """

    big: int
    mentee_values: Dict[str, int]
    mentor_prices: Dict[str, int]
    bound: int


@dataclass(frozen=True)
class Assignment:
    pairs: List[Tuple[str, str, Score]]
    waiting: Dict[str, str]
    total_score: int
    solver_seconds: float
    stats: Dict[str, float] = field(default_factory=dict)
    certificate: Optional[Certificate] = None

    @property
    def paired(self) -> int:
        return len(self.pairs)

    def mentor_of(self) -> Dict[str, str]:
        return {mentee: mentor for mentee, mentor, _ in self.pairs}


def _check_unique(items, what: str) -> None:
    seen = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} {item.id!r} appears twice")
        seen.add(item.id)


def _solve(n: int, ei, ej, es, room, s_max: int, big: int):
    """Optimal matching of the candidate graph; returns (mate, mate_score) per mentee."""
    mate = np.full(n, -1, dtype=np.int64)
    mate_score = np.zeros(n, dtype=np.int64)
    if n == 0:
        return mate, mate_score
    m = room.shape[0]
    degree = np.bincount(ej, minlength=m)
    slots = np.minimum(room, degree)
    slot_start = np.concatenate([[0], np.cumsum(slots)[:-1]])
    n_slots = int(slots.sum())
    owner = np.repeat(np.arange(m), slots)
    rows, cols, costs = [], [], []
    for copy in range(int(slots.max()) if n_slots else 0):
        keep = slots[ej] > copy
        rows.append(ei[keep])
        cols.append(slot_start[ej[keep]] + copy)
        costs.append(s_max + 1 - es[keep])
    rows.append(np.arange(n))
    cols.append(n_slots + np.arange(n))
    costs.append(np.full(n, big + s_max + 1, dtype=np.int64))
    graph = csr_matrix((np.concatenate(costs).astype(np.float64),
                        (np.concatenate(rows), np.concatenate(cols))), shape=(n, n_slots + n))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    real = col_ind < n_slots
    matched_rows = row_ind[real]
    mate[matched_rows] = owner[col_ind[real]]
    # the score of each matched edge, looked up by key i*m+j among the edges
    keys = ei * m + ej
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], matched_rows * m + mate[matched_rows])
    mate_score[matched_rows] = es[order[pos]]
    return mate, mate_score


def _prices(m: int, ei, ej, es, mate, mate_score, room, big: int, mode: str = "max"):
    """Mentor prices ``v >= 0`` satisfying complementary slackness with ``mate``.

    ``mode="min"``: the least such prices; ``"max"``: the greatest (full mentors start at the
    value of their cheapest pair and come down along alternating paths).
    """
    matched = mate[ei] >= 0
    load = np.bincount(mate[mate >= 0], minlength=m)
    alt = matched & (ej != mate[ei])
    src, dst = mate[ei[alt]], ej[alt]
    gain = es[alt] - mate_score[ei[alt]]  # v[dst] >= v[src] + gain
    if mode == "min":
        v = np.zeros(m, dtype=np.int64)
        free = ~matched
        if free.any():
            np.maximum.at(v, ej[free], big + es[free])
    else:
        v = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
        mi = np.nonzero(mate >= 0)[0]
        np.minimum.at(v, mate[mi], big + mate_score[mi])
        v[load < room] = 0
        v[v == np.iinfo(np.int64).max] = 0
        src, dst, gain = dst, src, -gain  # v[src_old] <= v[dst_old] - gain
    if dst.size:
        order = np.argsort(dst, kind="stable")
        src, dst, gain = src[order], dst[order], gain[order]
        targets, starts = np.unique(dst, return_index=True)
        for _ in range(m + 2):
            if mode == "min":
                best = np.maximum.reduceat(v[src] + gain, starts)
                changed = best > v[targets]
            else:
                best = np.minimum.reduceat(v[src] + gain, starts)
                changed = best < v[targets]
            if not changed.any():
                break
            v[targets[changed]] = best[changed]
        else:  # pragma: no cover - would mean the matching is not optimal
            raise RuntimeError("mentor prices do not converge: the matching is not optimal")
    return v


@dataclass
class _Graph:
    """Phase 1's result: the mentees who can be paired (``active``, in id order) and the
    sparse candidate graph between them and the mentors with room (edge ``k`` pairs mentee
    ``ei[k]`` with mentor ``ej[k]`` at score ``es[k]``)."""

    active: List[MenteeCandidate]
    waiting: Dict[str, str]
    table: MentorTable
    batch: MenteeBatch
    room: np.ndarray
    s_max: int
    ei: np.ndarray
    ej: np.ndarray
    es: np.ndarray
    #: per mentee, the best score among the room-eligible edges left out (-1: none)
    pruned_best: np.ndarray
    #: per mentee, whether any mentor (with room or not) may take them
    any_eligible: np.ndarray
    #: the scores of the eligible pairs with room (-1: not eligible), when not too large
    kept: Optional[np.ndarray]
    seconds: float

    @property
    def n(self) -> int:
        return len(self.active)

    @property
    def m(self) -> int:
        return self.table.n

    def add(self, ei, ej, es) -> None:
        """Edges in, each pair once (the first of duplicates), ordered by (mentee, mentor)."""
        m = self.m
        _, first = np.unique(ei * max(m, 1) + ej, return_index=True)
        self.ei, self.ej, self.es = ei[first], ej[first], es[first]

    def scores_of(self, sel):
        """``(eligible with room, score)`` of the mentees ``sel`` against every mentor."""
        if self.kept is not None:
            sc = self.kept[sel]
            return sc >= 0, sc
        elig, sc = pair_block(self.table, self.batch, sel)
        return elig & (self.room > 0)[None, :], sc


@dataclass
class _Solution:
    """Phase 2's result: each mentee's mentor (``mate``, -1: none) and its pair score, the
    dual ``(u, v)`` that proves it optimal, and what it took."""

    mate: np.ndarray
    mate_score: np.ndarray
    u: np.ndarray
    v: np.ndarray
    big: int
    stats: Dict[str, float]


def _candidate_graph(rules: MatchingRules, mentors: Iterable[MentorCandidate],
                     mentees: Iterable[MenteeCandidate], today: date, candidates: int,
                     mentor_candidates: int) -> _Graph:
    """Phase 1: who waits whatever happens, and the first candidate graph: each mentee's
    ``candidates`` best mentors with room and each mentor's ``mentor_candidates`` best
    mentees, computed in blocks (:mod:`.encoding`)."""
    mentors = sorted(mentors, key=lambda p: p.id)
    mentees = sorted(mentees, key=lambda p: p.id)
    _check_unique(mentors, "mentor")
    _check_unique(mentees, "mentee")
    waiting: Dict[str, str] = {}
    active: List[MenteeCandidate] = []
    for mentee in mentees:
        reason = mentee_waiting_reason(rules, mentee, today)
        if reason is None:
            active.append(mentee)
        else:
            waiting[mentee.id] = reason
    table = MentorTable(rules, [p for p in mentors if not mentor_failures(rules, p, check_capacity=False)])
    room = table.room()
    batch = MenteeBatch(table, active, today)
    n, m = len(active), table.n
    s_max = max((max_score(rules, p) for p in active), default=0)
    candidates = max(1, int(candidates))

    t_score = time.perf_counter()
    any_eligible = np.zeros(n, dtype=bool)
    pruned_best = np.full(n, -1, dtype=np.int64)  # best score among room-eligible edges left out
    ei_parts, ej_parts, es_parts = [], [], []
    col_tiebreak = (m - 1 - np.arange(m)).astype(np.int64)
    has_room = room > 0
    # the scores of the eligible pairs with room (-1: not eligible) are kept for the checks
    # of phase 2 when the matrix is not too large; otherwise rows are recomputed when checked
    kept = None
    if n * m <= MATRIX_LIMIT:
        kept = np.empty((n, m), dtype=np.int8 if s_max < 127 else np.int16 if s_max < 32767 else np.int32)
    # each mentor also keeps its best mentees, so that mentors nobody ranks high still get
    # candidates (it is what lets the first solve reach the most pairs)
    per_mentor = max(1, int(mentor_candidates))
    col_keys = np.full((0, m), -1, dtype=np.int64)
    col_rows = np.zeros((0, m), dtype=np.int64)
    for start in range(0, n, BLOCK):
        sel = np.arange(start, min(n, start + BLOCK))
        elig, sc = pair_block(table, batch, sel)
        any_eligible[sel] = elig.any(axis=1)
        elig &= has_room[None, :]
        if kept is not None:
            kept[start:start + len(sel)] = np.where(elig, sc, -1)
        ck = np.where(elig, sc.astype(np.int64) * (n + 1) + (n - sel)[:, None], -1)
        col_keys = np.concatenate([col_keys, ck])
        col_rows = np.concatenate([col_rows, np.broadcast_to(sel[:, None], ck.shape)])
        if col_keys.shape[0] > per_mentor:
            part = np.argpartition(-col_keys, per_mentor - 1, axis=0)[:per_mentor]
            col_keys = np.take_along_axis(col_keys, part, axis=0)
            col_rows = np.take_along_axis(col_rows, part, axis=0)
        key = np.where(elig, sc.astype(np.int64) * max(m, 1) + col_tiebreak[None, :], -1)
        if m > candidates:
            part = np.argpartition(-key, candidates, axis=1)
            top = part[:, :candidates]
            kth = np.take_along_axis(key, part[:, candidates:candidates + 1], axis=1)[:, 0]
            pruned_best[sel] = np.where(kth >= 0, kth // m, -1)
        else:
            top = np.broadcast_to(np.arange(m), (len(sel), m))
        top_key = np.take_along_axis(key, top, axis=1)
        ii, kk = np.nonzero(top_key >= 0)
        jj = top[ii, kk]
        ei_parts.append(sel[ii])
        ej_parts.append(jj)
        es_parts.append(sc[ii, jj].astype(np.int64))
    rr, cc = np.nonzero(col_keys >= 0)
    ei_parts.append(col_rows[rr, cc])
    ej_parts.append(cc)
    es_parts.append(col_keys[rr, cc] // (n + 1))
    empty = np.zeros(0, dtype=np.int64)
    graph = _Graph(active=active, waiting=waiting, table=table, batch=batch, room=room, s_max=s_max,
                   ei=empty, ej=empty, es=empty, pruned_best=pruned_best, any_eligible=any_eligible,
                   kept=kept, seconds=0.0)
    graph.add(np.concatenate(ei_parts).astype(np.int64), np.concatenate(ej_parts).astype(np.int64),
              np.concatenate(es_parts).astype(np.int64))
    graph.seconds = time.perf_counter() - t_score
    return graph


def _violations(graph: _Graph, u, v, big: int, add_per_row: int, margin: int):
    """The pruned edges the dual ``(u, v)`` does not cover, the worst ``add_per_row`` of each
    mentee (and those within ``margin``): ``(ei, ej, es)`` to add, mentees in violation,
    rows checked exactly."""
    m = graph.m
    suspect = np.nonzero((graph.pruned_best >= 0) & (u < big + graph.pruned_best))[0]
    new_i, new_j, new_s = [], [], []
    violations = 0
    for start in range(0, len(suspect), BLOCK):
        sel = suspect[start:start + BLOCK]
        elig, sc = graph.scores_of(sel)
        # excess > 0: the pair is worth more than the dual allows (a violated constraint)
        excess = np.where(elig, (big - u[sel])[:, None] + sc - v[None, :], -big)
        bad = np.nonzero((excess > 0).any(axis=1))[0]
        violations += len(bad)
        if not bad.size:
            continue
        excess, sc, sel = excess[bad], sc[bad], sel[bad]
        if m > add_per_row:
            part = np.argpartition(-excess, add_per_row, axis=1)[:, :add_per_row]
        else:
            part = np.broadcast_to(np.arange(m), excess.shape)
        ii, kk = np.nonzero(np.take_along_axis(excess, part, axis=1) > -margin)
        jj = part[ii, kk]
        new_i.append(sel[ii])
        new_j.append(jj.astype(np.int64))
        new_s.append(sc[ii, jj].astype(np.int64))
    return (new_i, new_j, new_s), violations, len(suspect)


def _solve_price_verify(graph: _Graph, add_per_row: int, margin: int, price_mode: str) -> _Solution:
    """Phase 2: solve the candidate graph, price the mentors, check every pruned edge against
    the dual; add the violated ones and solve again until none is (the pairing is then
    optimal for the whole problem)."""
    n, m, room, s_max = graph.n, graph.m, graph.room, graph.s_max
    big = (s_max + 1) * (min(n, int(room.sum())) + 1)
    solve_seconds = verify_seconds = 0.0
    rounds = exact_rows = 0
    while True:
        rounds += 1
        t = time.perf_counter()
        mate, mate_score = _solve(n, graph.ei, graph.ej, graph.es, room, s_max, big)
        solve_seconds += time.perf_counter() - t
        t = time.perf_counter()
        v = _prices(m, graph.ei, graph.ej, graph.es, mate, mate_score, room, big, price_mode)
        matched = mate >= 0
        u = np.where(matched, big + mate_score - (v[np.maximum(mate, 0)] if m else 0), 0)
        load = np.bincount(mate[matched], minlength=m)
        if (v[load < room] != 0).any() or (v < 0).any() or (u < 0).any():  # pragma: no cover
            raise RuntimeError("complementary slackness fails: the matching is not optimal")
        (new_i, new_j, new_s), violations, checked = _violations(graph, u, v, big, add_per_row, margin)
        exact_rows += checked
        verify_seconds += time.perf_counter() - t
        if not violations:
            break
        graph.add(np.concatenate([graph.ei] + new_i), np.concatenate([graph.ej] + new_j),
                  np.concatenate([graph.es] + new_s))
    stats = {"edges": int(len(graph.ei)), "rounds": rounds, "rows_checked_exactly": exact_rows,
             "solve_seconds": solve_seconds, "verify_seconds": verify_seconds}
    return _Solution(mate=mate, mate_score=mate_score, u=u, v=v, big=big, stats=stats)


def _assemble(rules: MatchingRules, today: date, graph: _Graph, solution: _Solution,
              started: float) -> Assignment:
    """Phase 3: the pairs (each re-checked by the scalar rules), who waits and why, and the
    certificate."""
    active, table, room = graph.active, graph.table, graph.room
    mate, u, v = solution.mate, solution.u, solution.v
    n, m = graph.n, graph.m
    matched = mate >= 0
    waiting = dict(graph.waiting)
    pairs: List[Tuple[str, str, Score]] = []
    total = 0
    for i in np.nonzero(matched)[0]:
        mentee, mentor = active[i], table.mentors[mate[i]]
        failures = eligible(rules, mentor, mentee, today)
        pair_score = score(rules, mentor, mentee)
        if failures or pair_score.total != solution.mate_score[i]:  # pragma: no cover - a bug guard
            raise RuntimeError(f"vectorised rules disagree for {mentee.id}/{mentor.id}: {failures}")
        pairs.append((mentee.id, mentor.id, pair_score))
        total += pair_score.total
    for i in np.nonzero(~matched)[0]:
        waiting[active[i].id] = Waiting.NO_CAPACITY if graph.any_eligible[i] else Waiting.NO_SUITABLE_MENTOR
    certificate = Certificate(
        big=solution.big,
        mentee_values={active[i].id: int(u[i]) for i in range(n)},
        mentor_prices={table.ids[j]: int(v[j]) for j in range(m) if v[j]},
        bound=int(u.sum() + (room * v).sum()))
    elapsed = time.perf_counter() - started
    stats = {"mentees": n, "mentors": m, "slots": int(room.sum()), "edges": solution.stats["edges"],
             "rounds": solution.stats["rounds"],
             "rows_checked_exactly": solution.stats["rows_checked_exactly"],
             "scoring_seconds": graph.seconds, "solve_seconds": solution.stats["solve_seconds"],
             "verify_seconds": solution.stats["verify_seconds"]}
    return Assignment(pairs=pairs, waiting=dict(sorted(waiting.items())), total_score=total,
                      solver_seconds=elapsed, stats=stats, certificate=certificate)


def assign_cohort(rules: MatchingRules, mentors: Iterable[MentorCandidate],
                  mentees: Iterable[MenteeCandidate], today: date, *,
                  candidates: int = DEFAULT_CANDIDATES, mentor_candidates: int = 1,
                  add_per_row: int = 8, margin: int = 0, price_mode: str = "min") -> Assignment:
    """Pair a cohort optimally (see the module docstring); every mentee not paired waits with
    a reason.

    The keyword arguments only tune speed, never the result: ``candidates`` best mentors per
    mentee and ``mentor_candidates`` best mentees per mentor in the first graph;
    ``add_per_row`` most violated edges added per mentee and round (and those within
    ``margin`` of violating); ``price_mode`` ``"min"`` or ``"max"`` dual prices.
    """
    started = time.perf_counter()
    graph = _candidate_graph(rules, mentors, mentees, today, candidates, mentor_candidates)
    solution = _solve_price_verify(graph, add_per_row, margin, price_mode)
    return _assemble(rules, today, graph, solution, started)
