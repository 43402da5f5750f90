"""Rolling placement: a late mentee placed at once, shortlists, and the reserve register.

:class:`MentorIndex` is the matching service's in-memory index of a programme's mentors, kept
up to date from events (mentor registered or changed, pairing made or ended). It keeps the
mentors as numpy columns (:class:`.encoding.MentorTable`) and an index by language, so a
placement only scores the mentors who share a language with the mentee (a hard rule), in a
few vectorised operations, then confirms the winner with the plain rule functions (which also
apply the per-pair rules: excluded, related).
"""
from __future__ import annotations

import dataclasses
from datetime import date
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .assignment import Assignment, assign_cohort
from .eligibility import eligible, mentee_waiting_reason, mentor_failures, pair_failures
from .encoding import MenteeBatch, MentorTable, pair_block
from .model import MatchingRules, MenteeCandidate, MentorCandidate, Proposal, Score, Waiting
from .scoring import score


class MentorIndex:
    """A programme's mentors, indexed for fast placement."""

    def __init__(self, rules: MatchingRules, mentors: Iterable[MentorCandidate] = ()) -> None:
        self.rules = rules
        self.table = MentorTable(rules)
        self._by_language: Dict[str, List[int]] = {}
        self._language_rows: Dict[str, np.ndarray] = {}
        for mentor in mentors:
            self.upsert(mentor)

    def __len__(self) -> int:
        return self.table.n

    def __contains__(self, mentor_id: str) -> bool:
        return mentor_id in self.table.row_of

    def upsert(self, mentor: MentorCandidate) -> None:
        """A mentor registered, changed profile, trained, was vetted, withdrew ..."""
        old_row = self.table.row_of.get(mentor.id)
        old = self.table.mentors[old_row] if old_row is not None else None
        row = self.table.upsert(mentor)
        old_langs = old.languages if old is not None else frozenset()
        for lang in old_langs - mentor.languages:
            self._by_language[lang].remove(row)
            self._language_rows.pop(lang, None)
        for lang in mentor.languages - old_langs:
            self._by_language.setdefault(lang, []).append(row)
            self._language_rows.pop(lang, None)

    def get(self, mentor_id: str) -> MentorCandidate:
        """The mentor with its current load."""
        row = self.table.row_of[mentor_id]
        mentor = self.table.mentors[row]
        assert mentor is not None  # row_of names only the rows of mentors
        load = int(self.table.load[row])
        return mentor if mentor.current_load == load else dataclasses.replace(mentor, current_load=load)

    def mentors(self) -> List[MentorCandidate]:
        return [self.get(mentor_id) for mentor_id in self.table.ids]

    def record_pairing(self, mentor_id: str, count: int = 1) -> None:
        """A pairing was made (positive ``count``) or ended (negative)."""
        row = self.table.row_of[mentor_id]
        self.table.load[row] = max(0, int(self.table.load[row]) + count)

    def rows_for_languages(self, languages) -> np.ndarray:
        parts = []
        for lang in languages:
            rows = self._language_rows.get(lang)
            if rows is None and lang in self._by_language:
                rows = self._language_rows[lang] = np.asarray(sorted(self._by_language[lang]), dtype=np.int64)
            if rows is not None and rows.size:
                parts.append(rows)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))


def _ranked(index: MentorIndex, mentee: MenteeCandidate, today: date, *, need_room: bool):
    """Candidate rows (sharing a language, passing the vectorised rules) with their scores."""
    table = index.table
    rows = index.rows_for_languages(mentee.languages)
    if rows.size:
        keep = table.ok[rows]
        if need_room:
            keep &= table.load[rows] < table.capacity[rows]
        rows = rows[keep]
    if not rows.size:
        return rows, np.zeros(0, dtype=np.int64)
    batch = MenteeBatch(table, [mentee], today)
    elig, sc = pair_block(table, batch, [0], rows)
    return rows[elig[0]], sc[0][elig[0]].astype(np.int64)


def _best_first(index: MentorIndex, rows: np.ndarray, scores: np.ndarray):
    """Yield rows by score (highest first), ties by mentor id."""
    ids = index.table.ids
    remaining = np.ones(rows.size, dtype=bool)
    while remaining.any():
        top = scores[remaining].max()
        tied = np.nonzero(remaining & (scores == top))[0]
        for k in sorted(tied, key=lambda k: ids[rows[k]]):
            yield rows[k]
        remaining[tied] = False


def _confirmed(index, mentee, today, rows, scores, limit):
    out = []
    for row in _best_first(index, rows, scores):
        mentor = index.get(index.table.ids[row])
        if not eligible(index.rules, mentor, mentee, today):
            out.append(mentor)
            if len(out) >= limit:
                break
    return out


def place_one(rules: MatchingRules, mentors_index: MentorIndex, mentee: MenteeCandidate,
              today: date) -> Union[Tuple[str, Score], str]:
    """The best mentor with room for a mentee who arrives alone: ``(mentor_id, score)``, or
    the reason the mentee waits (see :class:`.model.Waiting`). The index is not changed:
    the caller records the pairing once it is made."""
    reason = mentee_waiting_reason(rules, mentee, today)
    if reason is not None:
        return reason
    rows, scores = _ranked(mentors_index, mentee, today, need_room=True)
    best = _confirmed(mentors_index, mentee, today, rows, scores, 1)
    if best:
        return best[0].id, score(rules, best[0], mentee)
    return _no_mentor_reason(mentors_index, mentee, today)


def _no_mentor_reason(index: MentorIndex, mentee: MenteeCandidate, today: date) -> str:
    rows, _ = _ranked(index, mentee, today, need_room=False)
    for row in rows:
        mentor = index.table.mentors[row]
        if not mentor_failures(index.rules, mentor, check_capacity=False) and \
                not pair_failures(index.rules, mentor, mentee):
            return Waiting.NO_CAPACITY
    return Waiting.NO_SUITABLE_MENTOR


def shortlist(rules: MatchingRules, mentors: Union[MentorIndex, Iterable[MentorCandidate]],
              mentee: MenteeCandidate, today: date, n: Optional[int] = None) -> List[Proposal]:
    """The best ``n`` (default ``rules.shortlist_size``) eligible mentors with room, for a
    programme where the mentee chooses: highest score first, ties by mentor id; each proposal
    carries its score parts and match percentage."""
    index = mentors if isinstance(mentors, MentorIndex) else MentorIndex(rules, mentors)
    n = rules.shortlist_size if n is None else n
    if n <= 0 or mentee_waiting_reason(rules, mentee, today) is not None:
        return []
    rows, scores = _ranked(index, mentee, today, need_room=True)
    return [Proposal(mentee.id, mentor.id, score(rules, mentor, mentee))
            for mentor in _confirmed(index, mentee, today, rows, scores, n)]


def take_from_reserve(rules: MatchingRules, mentors_index: MentorIndex,
                      waiting: Sequence[MenteeCandidate], today: date, *,
                      mentor_ids: Optional[Iterable[str]] = None) -> Assignment:
    """Which waiting mentees can be placed now (a mentor arrived or got room, a mentee's
    consent or training came in): an optimal round of the waiting mentees against the mentors
    with room (only ``mentor_ids`` when given, e.g. the mentor who just arrived). Mentees
    that still cannot be placed stay in ``waiting`` with their reason."""
    table = mentors_index.table
    if mentor_ids is None:
        rows = np.nonzero(table.ok[:table.n] & (table.load[:table.n] < table.capacity[:table.n]))[0]
        ids = [table.ids[r] for r in rows]
    else:
        ids = [m for m in dict.fromkeys(mentor_ids) if m in table.row_of]
    return assign_cohort(rules, [mentors_index.get(m) for m in ids], waiting, today)
