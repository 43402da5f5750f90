"""Vectorised eligibility and scoring: the same rules as :mod:`.eligibility` and
:mod:`.scoring`, computed for a block of mentees against many mentors at once with numpy.

Areas and languages become 0/1 columns, so the area part of the score is one matrix product
(mentee's rank weights x mentor's areas) and the number of common languages another; all the
values are small integers, exact in float32. Rules that concern one side only (age, consent,
training, vetting, window ...) are evaluated once per person with the plain functions;
per-pair lists (excluded, related, preferred) are applied sparsely.

The cohort assignment and the placement index use this module; the tests check it against the
plain functions on random instances.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .eligibility import mentee_failures, mentor_failures
from .model import MatchingRules, MenteeCandidate, MentorCandidate

_NO_PLACE_MENTOR = -1
_NO_PLACE_MENTEE = -2
_UNKNOWN_PLACE = -3


class Vocabulary:
    """Interned names (areas, languages, places) -> column numbers."""

    def __init__(self) -> None:
        self.index: Dict[str, int] = {}

    def add(self, name: str) -> int:
        code = self.index.get(name)
        if code is None:
            code = self.index[name] = len(self.index)
        return code

    def get(self, name, default: int = -1) -> int:
        return self.index.get(name, default)

    def __len__(self) -> int:
        return len(self.index)


def _grow(array: np.ndarray, rows: int, cols: Optional[int] = None) -> np.ndarray:
    shape = (rows,) + array.shape[1:] if cols is None else (rows, cols)
    out = np.zeros(shape, dtype=array.dtype)
    out[tuple(slice(0, s) for s in array.shape)] = array
    return out


class MentorTable:
    """Mentors as numpy columns; grows as mentors register (amortised doubling)."""

    def __init__(self, rules: MatchingRules, mentors: Iterable[MentorCandidate] = ()) -> None:
        self.rules = rules
        self.areas = Vocabulary()
        self.languages = Vocabulary()
        self.places = Vocabulary()
        self.ids: List[str] = []
        self.mentors: List[Optional[MentorCandidate]] = []
        self.row_of: Dict[str, int] = {}
        #: mentee id -> rows of mentors who must never be paired with them
        self.never_by_mentee: Dict[str, set] = {}
        n0 = 16
        self.H = np.zeros((n0, 8), dtype=np.float32)
        self.L = np.zeros((n0, 4), dtype=np.float32)
        self.place = np.full(n0, _NO_PLACE_MENTOR, dtype=np.int32)
        self.remote = np.zeros(n0, dtype=bool)
        self.capacity = np.zeros(n0, dtype=np.int64)
        self.load = np.zeros(n0, dtype=np.int64)
        self.ok = np.zeros(n0, dtype=bool)  # mentor-only rules pass (capacity aside)
        for mentor in mentors:
            self.upsert(mentor)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n(self) -> int:
        return len(self.ids)

    def _ensure(self, rows: int, n_areas: int, n_langs: int) -> None:
        cap = self.H.shape[0]
        if rows > cap or n_areas > self.H.shape[1] or n_langs > self.L.shape[1]:
            new_cap = max(cap, 16)
            while new_cap < rows:
                new_cap *= 2
            a = max(self.H.shape[1], 1)
            while a < n_areas:
                a *= 2
            lc = max(self.L.shape[1], 1)
            while lc < n_langs:
                lc *= 2
            self.H = _grow(self.H, new_cap, a)
            self.L = _grow(self.L, new_cap, lc)
            for name in ("place", "remote", "capacity", "load", "ok"):
                old = getattr(self, name)
                new = np.full(new_cap, _NO_PLACE_MENTOR, dtype=old.dtype) if name == "place" \
                    else np.zeros(new_cap, dtype=old.dtype)
                new[:old.shape[0]] = old
                setattr(self, name, new)

    def upsert(self, mentor: MentorCandidate) -> int:
        """Add or replace a mentor (its ``current_load`` included); returns its row."""
        row = self.row_of.get(mentor.id)
        if row is None:
            row = len(self.ids)
            self.ids.append(mentor.id)
            self.mentors.append(None)
            self.row_of[mentor.id] = row
        else:
            old = self.mentors[row]
            for mentee_id in old.never_pair_with if old is not None else ():
                self.never_by_mentee.get(mentee_id, set()).discard(row)
        area_codes = [self.areas.add(a) for a in sorted(mentor.areas)]
        lang_codes = [self.languages.add(lang) for lang in sorted(mentor.languages)]
        self._ensure(row + 1, len(self.areas), len(self.languages))
        self.mentors[row] = mentor
        self.H[row] = 0
        self.H[row, area_codes] = 1
        self.L[row] = 0
        self.L[row, lang_codes] = 1
        self.place[row] = self.places.add(mentor.place) if mentor.place is not None else _NO_PLACE_MENTOR
        self.remote[row] = mentor.remote
        self.capacity[row] = mentor.capacity_in(self.rules)
        self.load[row] = mentor.current_load
        self.ok[row] = not mentor_failures(self.rules, mentor, check_capacity=False)
        for mentee_id in mentor.never_pair_with:
            self.never_by_mentee.setdefault(mentee_id, set()).add(row)
        return row

    def room(self) -> np.ndarray:
        n = self.n
        return np.maximum(self.capacity[:n] - self.load[:n], 0)


class MenteeBatch:
    """A list of mentees encoded against a :class:`MentorTable`'s vocabularies."""

    def __init__(self, table: MentorTable, mentees: Sequence[MenteeCandidate], today) -> None:
        rules = table.rules
        w = rules.weights
        n = len(mentees)
        self.mentees = list(mentees)
        self.W = np.zeros((n, table.H.shape[1]), dtype=np.float32)
        self.L = np.zeros((n, table.L.shape[1]), dtype=np.float32)
        self.need = np.full(n, -1, dtype=np.int64)
        self.place = np.full(n, _NO_PLACE_MENTEE, dtype=np.int32)
        self.remote = np.zeros(n, dtype=bool)
        self.ok = np.zeros(n, dtype=bool)
        #: per mentee: mentor rows excluded (excluded, related) and preferred
        self.excluded: List[Optional[np.ndarray]] = [None] * n
        self.preferred: List[Optional[np.ndarray]] = [None] * n
        self.team = rules.participant_kind == "team"
        self.preferred_weight = w.preferred
        self.need_weight = w.need_area if self.team else 0
        self.extra_language = w.extra_language
        self.same_place, self.both_remote = w.same_place, w.both_remote
        self.same_place_required = rules.same_place_required
        for i, mentee in enumerate(mentees):
            self._encode_profile(table, i, mentee)
            self.ok[i] = not mentee_failures(rules, mentee, today)
            self._encode_mentor_rows(table, i, mentee)

    def _encode_profile(self, table: MentorTable, i: int, mentee: MenteeCandidate) -> None:
        """Row ``i`` of the area weights, languages, needed area, place and remote flag."""
        rules = table.rules
        if rules.scores_areas:
            for rank, area in enumerate(mentee.areas):
                code = table.areas.get(area)
                if code >= 0:
                    self.W[i, code] = rules.weights.area_weight(rank)
        for lang in mentee.languages:
            code = table.languages.get(lang)
            if code >= 0:
                self.L[i, code] = 1
        if self.team and mentee.need_area:
            self.need[i] = table.areas.get(mentee.need_area)
        if mentee.place is not None:
            self.place[i] = table.places.get(mentee.place, _UNKNOWN_PLACE)
        self.remote[i] = mentee.remote

    def _encode_mentor_rows(self, table: MentorTable, i: int, mentee: MenteeCandidate) -> None:
        """The mentor rows mentee ``i`` may not be paired with, and those it prefers."""
        rows = set()
        for mentor_id in mentee.excluded_mentor_ids | mentee.never_pair_with:
            row = table.row_of.get(mentor_id)
            if row is not None:
                rows.add(row)
        rows |= table.never_by_mentee.get(mentee.id, set())
        if rows:
            self.excluded[i] = np.fromiter(sorted(rows), dtype=np.int64)
        pref = [table.row_of[m] for m in mentee.preferred_mentor_ids if m in table.row_of]
        if pref:
            self.preferred[i] = np.asarray(pref, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.mentees)


def pair_block(table: MentorTable, batch: MenteeBatch, sel, rows=None):
    """``(eligible, score)`` for mentees ``sel`` (indices into ``batch``) x mentor ``rows``
    (table rows; all when ``None``). ``eligible`` ignores mentor capacity; ``score`` is int32.
    """
    sel = np.atleast_1d(np.asarray(sel, dtype=np.int64))
    n = table.n
    full = rows is None
    rows = np.arange(n) if full else np.asarray(rows, dtype=np.int64)
    H, L = table.H[rows], table.L[rows]
    W, Lm = batch.W[sel], batch.L[sel]
    area_part = W @ H.T
    common = Lm @ L.T
    score = area_part.astype(np.int32)
    score += (batch.extra_language * np.maximum(common - 1, 0)).astype(np.int32)
    same_place = batch.place[sel][:, None] == table.place[rows][None, :]
    both_remote = batch.remote[sel][:, None] & table.remote[rows][None, :]
    score += np.where(same_place, batch.same_place, np.where(both_remote, batch.both_remote, 0)).astype(np.int32)
    elig = common > 0
    elig &= batch.ok[sel][:, None]
    elig &= table.ok[rows][None, :]
    if batch.same_place_required:
        elig &= same_place
    if batch.team:
        need = batch.need[sel]
        knows = np.zeros((len(sel), len(rows)), dtype=bool)
        has_need = need >= 0
        if has_need.any():
            knows[has_need] = table.H[rows][:, need[has_need]].T > 0
        elig &= knows
        if batch.need_weight:
            score += np.where(knows, batch.need_weight, 0).astype(np.int32)
    pos: Optional[np.ndarray] = None
    for k, i in enumerate(sel):
        ex, pref = batch.excluded[i], batch.preferred[i]
        if ex is None and pref is None:
            continue
        if pos is None and not full:
            pos = np.full(n, -1, dtype=np.int64)
            pos[rows] = np.arange(len(rows))
        if ex is not None:
            cols = ex if pos is None else pos[ex]  # pos: only when not every row is paired
            elig[k, cols[cols >= 0]] = False
        if pref is not None:
            cols = pref if pos is None else pos[pref]
            score[k, cols[cols >= 0]] += batch.preferred_weight
    return elig, score
