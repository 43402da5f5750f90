"""A programme as matching decisions see it, kept in memory between decisions.

A decision (place a mentee, take from the reserve, answer a request ...) needs the whole
programme: every mentor with their load, every waiting mentee, the pairings, the bars. Read
from the read model each time, that costs time in proportion to the programme (a second at
100,000 people), and consuming N registrations costs N². So each matching process keeps a
:class:`ProgrammeState` per programme and brings it up to date before each decision by
reloading only the people who changed since.

Who changed is the read model's change log (``match_changes``, see
:func:`.read_model.change_log.record_changes`): every transaction that changes a programme's
participants or pairings moves the programme's ``revision`` on by one, under a token unique
to that transaction, and names the people it changed. A state built at revision *r* with token *t*
is brought up to date by reloading the people named after *r*; it is thrown away and loaded
whole when *t* is not the token the log holds for *r* (that transaction rolled back, or the
read model was rebuilt), when the log no longer reaches back to *r*, when everyone changed
(new settings) or when many did.

Decisions on a programme take turns (its row is locked, SQLite serialises writers), and a
transaction takes the state off the shelf while it uses it, so a state is used by one
transaction at a time. A decision updates the state it was given as it goes
(``state.placed[...] = ...``); whatever it changes concerns people its events name, so the
next decision reloads them from what the database holds. The state goes back on the shelf
only once COMMIT has returned; a transaction that fails in any way takes it with it, and the
next turn loads the programme whole (:class:`ProgrammeStates` states the rule).

``MATCHING_VERIFY_STATE=1`` (set by the test suite) compares every state handed out with one
loaded whole, and fails loudly on any difference.
"""
from __future__ import annotations

import os
import sys
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from services.contracts.programme_settings import setting
from services.platform_core.store import StoreTransaction

from . import read_model
from .domain import MatchingRules, MenteeCandidate, MentorCandidate, MentorIndex
from .domain.pairing import ACTIVE
from .domain.requests import CLOSED_WITHOUT_PAIR, OPEN
from .domain.settings import rules_from_settings

#: automatic and approving programmes wait for their cohort round date
ROUND_MODES = ("automatic", "coordinator_approves")
#: what a kept state holds of a participant's and a pairing's read-model rows (memory: a
#: programme of 100,000 people is kept whole)
ROW_FIELDS = ("role", "age", "profile", "consent_required", "training", "team_need", "withdrawn",
              "erased", "vetting_cleared")
PAIRING_FIELDS = ("pairing_id", "mentor_id", "mentee_id", "status", "closed_by", "created_at")
INTERNED = ("mentor_id", "mentee_id", "status")
#: programmes kept in memory per process (the least recently used goes first)
PROGRAMMES_KEPT = 64
#: more people changed than this (and than a tenth of the programme): load it whole
RELOAD_AT = 2000


def _shared(profile: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """A profile whose strings (languages, areas, places: a few values repeated by thousands
    of people) are interned, so that a kept programme holds each once."""
    if not profile:
        return profile
    return {key: [sys.intern(v) if isinstance(v, str) else v for v in value] if isinstance(value, list)
            else sys.intern(value) if isinstance(value, str) else value
            for key, value in profile.items()}


def day_of(value: Optional[str]) -> Optional[date]:
    return date.fromisoformat(value) if value else None


@dataclass
class ProgrammeState:
    id: str
    tenant_id: str
    mode: str
    rules: MatchingRules
    today: date
    start: Optional[date]
    settings: Dict[str, Any]
    round_day: Optional[date] = None        # the cohort round date (``dates.matching_round``)
    updated_at: str = ""
    # what decisions read ------------------------------------------------------------------
    mentors: Dict[str, MentorCandidate] = field(default_factory=dict)
    mentees: Dict[str, MenteeCandidate] = field(default_factory=dict)
    rows: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    active: Dict[str, Dict[str, Any]] = field(default_factory=dict)   # pairing_id -> row
    placed: Dict[str, Dict[str, Any]] = field(default_factory=dict)   # mentee_id -> active row
    barred: Dict[str, Set[str]] = field(default_factory=dict)         # mentee -> never again
    ended: Set[str] = field(default_factory=set)                     # mentees with an ended pair
    waiting: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # mentee_id -> waiting row
    # mentee chooses: shortlists offered, rankings, and requests still open (by mentee)
    shortlists: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    choices: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    open_requests: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    asked: Dict[str, Set[str]] = field(default_factory=dict)  # mentee -> mentors of the choice
    # what they are derived from ---------------------------------------------------------------
    consents: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    pairings: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    pairings_of: Dict[str, Set[str]] = field(default_factory=dict)    # person -> pairing ids
    requests: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    requests_of: Dict[str, Set[str]] = field(default_factory=dict)    # person -> request ids
    mentor_index: Optional[MentorIndex] = None
    revision: int = 0
    token: Optional[str] = None

    # -- what decisions ask ---------------------------------------------------------------------

    @property
    def round_pending(self) -> bool:
        return self.mode in ROUND_MODES and self.round_day is not None and self.today < self.round_day

    @property
    def answer_days(self) -> int:
        return int(setting(self.settings, "matching.answer_days"))

    def in_pool(self, mentee_id: str) -> bool:
        """Waits in the reserve register: taking part, not paired, and not left alone after
        an ended pairing (unless someone put them back)."""
        cand = self.mentees.get(mentee_id)
        if cand is None or cand.withdrawn or mentee_id in self.placed:
            return False
        return mentee_id not in self.ended or mentee_id in self.waiting

    def pool(self) -> List[MenteeCandidate]:
        return [c for mid, c in sorted(self.mentees.items()) if self.in_pool(mid)]

    def index(self) -> MentorIndex:
        """The programme's mentors, indexed for placement (kept up to date, not rebuilt)."""
        if self.mentor_index is None:
            self.mentor_index = MentorIndex(self.rules, self.mentors.values())
        return self.mentor_index

    # -- deriving candidates from rows ------------------------------------------------------------

    @property
    def _communities(self) -> Set[str]:
        return set((self.settings.get("people") or {}).get("mentor_communities") or ())

    def _consent(self, person_id: str) -> Tuple[bool, Optional[date]]:
        day = max(self.today, self.start) if self.start else self.today
        # valid_from and valid_until are never null (match_consents)
        covering = [c for c in self.consents.get(person_id, [])
                    if date.fromisoformat(c["valid_from"]) <= day <= date.fromisoformat(c["valid_until"])
                    and (c["withdrawn_on"] is None or day < date.fromisoformat(c["withdrawn_on"]))]
        return bool(covering), max((date.fromisoformat(c["valid_until"]) for c in covering), default=None)

    def derive(self, person_id: str) -> None:
        """Recompute what decisions read about one person from the rows held."""
        row = self.rows.get(person_id)
        mine = [self.pairings[i] for i in sorted(self.pairings_of.get(person_id, ()),
                                                 key=lambda i: (self.pairings[i]["created_at"], i))]
        for p in mine:
            if p["status"] in ACTIVE:
                self.active[p["pairing_id"]] = p
            else:
                self.active.pop(p["pairing_id"], None)
        if row is None:
            if self.mentors.pop(person_id, None) is not None:
                self.mentor_index = None  # it has no way to drop a mentor: built anew when asked
            self.mentees.pop(person_id, None)
            return
        profile = row["profile"] or {}
        gone = bool(row["withdrawn"] or row["erased"])
        if row["role"] == "mentor":
            self._derive_mentor(person_id, row, profile, gone, mine)
        else:
            self._derive_mentee(person_id, row, profile, gone, mine)

    def _derive_mentor(self, person_id: str, row: Dict[str, Any], profile: Dict[str, Any], gone: bool,
                       mine: List[Dict[str, Any]]) -> None:
        communities = self._communities
        load = sum(1 for p in mine if p["mentor_id"] == person_id and p["status"] in ACTIVE)
        mentor = MentorCandidate(
            id=person_id, age=row["age"], languages=frozenset(profile.get("languages") or ()),
            areas=frozenset(profile.get("areas") or ()), place=profile.get("place"),
            remote=bool(profile.get("remote")), capacity=profile.get("capacity"),
            current_load=load,
            community_member=bool(set(profile.get("community") or ()) & communities)
            if communities else True,
            consent=True, training=bool(row["training"]), vetting=bool(row["vetting_cleared"]),
            withdrawn=gone, never_pair_with=frozenset(profile.get("never_pair_with") or ()))
        self.mentors[person_id] = mentor
        if self.mentor_index is not None:
            self.mentor_index.upsert(mentor)

    def _derive_mentee(self, person_id: str, row: Dict[str, Any], profile: Dict[str, Any], gone: bool,
                       mine: List[Dict[str, Any]]) -> None:
        consent, valid_until = self._consent(person_id) if row["consent_required"] else (True, None)
        # a team's need (seed 003): the mentor must know its first area; the need's areas rank
        # first among the team's areas, so the others are scored too
        need = list((row["team_need"] or {}).get("areas") or [])
        self.mentees[person_id] = MenteeCandidate(
            id=person_id, age=row["age"], languages=frozenset(profile.get("languages") or ()),
            areas=tuple(dict.fromkeys(need + list(profile.get("areas") or ()))), place=profile.get("place"),
            remote=bool(profile.get("remote")),
            preferred_mentor_ids=tuple(profile.get("preferred_mentors") or ()),
            excluded_mentor_ids=frozenset(profile.get("excluded_mentors") or ()),
            never_pair_with=frozenset(profile.get("never_pair_with") or ()),
            consent=consent, consent_valid_until=valid_until, training=True,
            withdrawn=gone, need_area=need[0] if need else None)
        as_mentee = [p for p in mine if p["mentee_id"] == person_id]
        placed = [p for p in as_mentee if p["status"] in ACTIVE]
        if placed:
            self.placed[person_id] = placed[-1]
        else:
            self.placed.pop(person_id, None)
        barred = {p["mentor_id"] for p in as_mentee
                  if p["status"] == "ended" or (p["status"] == "rejected" and p["closed_by"] == "coordinator")}
        if any(p["status"] == "ended" for p in as_mentee):
            self.ended.add(person_id)
        else:
            self.ended.discard(person_id)
        barred |= self._derive_requests(person_id)
        if barred:
            self.barred[person_id] = barred
        else:
            self.barred.pop(person_id, None)

    def _derive_requests(self, person_id: str) -> Set[str]:
        """A mentee's open request and the mentors its current choice asked (when mentees
        choose); returns the mentors whose requests closed without a pairing."""
        self.open_requests.pop(person_id, None)
        self.asked.pop(person_id, None)
        barred: Set[str] = set()
        if self.mode == "mentee_chooses":
            choice = self.choices.get(person_id)
            requests = sorted((self.requests[i] for i in self.requests_of.get(person_id, ())
                               if self.requests[i]["mentee_id"] == person_id),
                              key=lambda r: (r["requested_at"], r["rank"], r["request_id"]))
            for r in requests:
                if choice is not None and choice["choice_id"] == r["choice_id"]:
                    self.asked.setdefault(person_id, set()).add(r["mentor_id"])
                if r["status"] == OPEN:
                    self.open_requests[person_id] = r
                elif r["status"] in CLOSED_WITHOUT_PAIR:  # not offered to them again
                    barred.add(r["mentor_id"])
        return barred

    # -- loading ----------------------------------------------------------------------------------

    def _forget(self, person_ids: Set[str]) -> Set[str]:
        """Drop the rows held about these people; returns everyone whose derived facts depend
        on the dropped rows (the people and the other side of their pairings and requests)."""
        affected = set(person_ids)
        for person in person_ids:
            self.rows.pop(person, None)
            self.consents.pop(person, None)
            self.waiting.pop(person, None)
            self.shortlists.pop(person, None)
            self.choices.pop(person, None)
            for pairing_id in self.pairings_of.pop(person, set()):
                row = self.pairings.pop(pairing_id, None)
                self.active.pop(pairing_id, None)
                if row is not None:
                    for other in (row["mentor_id"], row["mentee_id"]):
                        affected.add(other)
                        self.pairings_of.get(other, set()).discard(pairing_id)
            for request_id in self.requests_of.pop(person, set()):
                row = self.requests.pop(request_id, None)
                if row is not None:
                    for other in (row["mentor_id"], row["mentee_id"]):
                        affected.add(other)
                        self.requests_of.get(other, set()).discard(request_id)
        return affected

    def _take(self, conn: Connection, person_ids: Optional[Set[str]]) -> Set[str]:
        """Read the rows of these people (None: everyone) into the state; returns the people
        the rows concern."""
        tenant, pid = self.tenant_id, self.id
        ids = None if person_ids is None else sorted(person_ids)
        touched: Set[str] = set()
        for row in read_model.participant_rows(conn, tenant, pid, person_ids=ids):
            person = sys.intern(row["person_id"])
            self.rows[person] = {k: _shared(row[k]) if k == "profile" else row[k] for k in ROW_FIELDS}
            touched.add(person)
        needing_consent = [k for k in touched if self.rows[k]["consent_required"]]
        for person, rows in read_model.consent_rows(conn, tenant, needing_consent).items():
            self.consents[person] = rows
        for full in read_model.pairing_rows(conn, tenant, pid, person_ids=ids):
            row = {k: sys.intern(full[k]) if k in INTERNED else full[k] for k in PAIRING_FIELDS}
            self.pairings[row["pairing_id"]] = row
            for other in (row["mentor_id"], row["mentee_id"]):
                self.pairings_of.setdefault(other, set()).add(row["pairing_id"])
                touched.add(other)
        self.waiting.update(read_model.waiting_rows(conn, tenant, pid, ids))
        if self.mode == "mentee_chooses":
            self.shortlists.update(read_model.shortlist_rows(conn, tenant, pid, ids))
            self.choices.update(read_model.choice_rows(conn, tenant, pid, ids))
            for row in read_model.request_rows(conn, tenant, programme_id=pid, person_ids=ids):
                self.requests[row["request_id"]] = row
                for other in (row["mentor_id"], row["mentee_id"]):
                    self.requests_of.setdefault(other, set()).add(row["request_id"])
                    touched.add(other)
        return touched

    def reload(self, conn: Connection, person_ids: Iterable[str]) -> None:
        """Bring these people (and the other side of their pairings) up to date."""
        person_ids = set(person_ids)
        affected = self._forget(person_ids)
        affected |= self._take(conn, person_ids)
        for person in sorted(affected):
            self.derive(person)

    def new_day(self, today: date) -> None:
        """Consent is valid on some days and not others: re-derive those who need it."""
        self.today = today
        for person, row in self.rows.items():
            if row["consent_required"] and row["role"] != "mentor":
                self.derive(person)

    def view(self) -> Dict[str, Any]:
        """What decisions read, for comparing two states (see ``MATCHING_VERIFY_STATE``)."""
        index = self.index()
        return {"mentors": self.mentors, "mentees": self.mentees, "rows": self.rows,
                "active": self.active, "placed": self.placed, "barred": self.barred,
                "ended": self.ended, "waiting": self.waiting, "shortlists": self.shortlists,
                "choices": self.choices, "open_requests": self.open_requests, "asked": self.asked,
                "index": {m.id: m for m in index.mentors()}}


class SettingsUnusable(Exception):
    """A programme's settings cannot be read as matching rules (registration should have
    refused them): its decisions stop with this, and say why."""


def load_whole(conn: Connection, tenant_id: str, programme: Dict[str, Any], today: date) -> ProgrammeState:
    revision, token = read_model.revision_of(conn, tenant_id, programme["programme_id"])
    settings = programme["settings"]
    dates = settings.get("dates") or {}
    try:
        rules = rules_from_settings(settings)
    except (ValueError, TypeError) as exc:
        raise SettingsUnusable(f"programme {programme['programme_id']}'s settings cannot be "
                               f"matched: {exc}") from None
    state = ProgrammeState(
        id=programme["programme_id"], tenant_id=tenant_id, mode=programme["mode"],
        rules=rules, today=today, start=day_of(dates.get("meetings_start")),
        settings=settings, round_day=day_of(dates.get("matching_round")),
        updated_at=programme["updated_at"], revision=revision, token=token)
    everyone = state._take(conn, None) | set(state.rows)
    for person in sorted(everyone):
        state.derive(person)
    state.index()
    return state


def today_in(tx: StoreTransaction, programme: Dict[str, Any]) -> date:
    return tx.now.astimezone(ZoneInfo(programme["time_zone"])).date()


class ProgrammeStates:
    """The programme states one matching process keeps (one per event store).

    **The rule: a kept state changes only after COMMIT has returned.** A transaction that
    uses a programme's state takes it out of the shelf (:meth:`state`): while the
    transaction runs, nobody else can see it, and whatever the decision writes into it stays
    private to the transaction. It goes back on the shelf only from the transaction's
    commit callback (:meth:`StoreTransaction.on_commit`), which runs once COMMIT has
    returned. Any exception in or after the transaction (a rule refusing a command, a
    handler failing, a connection terminated under the transaction, a COMMIT whose outcome
    is unknown) means the callback never runs: the state is dropped, and the programme's
    next turn loads it whole from what the database holds. So there is no path by which
    memory keeps what the database does not: not by undoing (there is nothing to undo), not
    by a second transaction that got the programme's turn because the first one's
    connection died (it finds the shelf empty and loads the programme whole). The database
    holds the promises besides (a mentor's places, a mentee's one active pairing: see
    :func:`.read_model.promises.check_places`), so a bug here costs a retry, not a broken
    promise.
    """

    def __init__(self, kept: int = PROGRAMMES_KEPT) -> None:
        self.kept = kept
        self._states: "OrderedDict[Tuple[str, str], ProgrammeState]" = OrderedDict()
        self.loads_whole = 0      # how often a programme was loaded whole (tests, benchmarks)
        self.reloaded_people = 0  # how many people were reloaded one by one

    def forget(self, tenant_id: str, programme_id: str) -> None:
        self._states.pop((tenant_id, programme_id), None)

    def state(self, tx: StoreTransaction, programme: Dict[str, Any]) -> ProgrammeState:
        """The programme's state as this transaction sees it; the caller holds the
        programme's turn (its row locked)."""
        conn, tenant = tx.conn, tx.tenant_id
        key = (tenant, programme["programme_id"])
        today = today_in(tx, programme)
        mine: Dict[Tuple[str, str], ProgrammeState] = tx.context.setdefault("programme_states", {})
        state = mine.get(key)
        if state is None:  # this transaction's first use: take it off the shelf
            state = self._states.pop(key, None)
        if state is not None and state.updated_at != programme["updated_at"]:
            state = None
        if state is not None:
            if state.today != today:
                state.new_day(today)
            current = read_model.revision_of(conn, tenant, state.id)
            if (state.revision, state.token) != current:
                people = self._changed(conn, state, current[0])
                if people is None:
                    state = None
                else:
                    state.reload(conn, people)
                    state.revision, state.token = current
                    self.reloaded_people += len(people)
        if state is None:
            state = load_whole(conn, tenant, programme, today)
            self.loads_whole += 1
        if mine.get(key) is not state:
            if not mine:
                tx.on_commit(lambda: self._shelve(mine))
            mine[key] = state
        if VERIFY:
            _verify(state, load_whole(conn, tenant, programme, today))
        return state

    def _shelve(self, states: Dict[Tuple[str, str], ProgrammeState]) -> None:
        """COMMIT returned: the states the transaction used are what the database holds."""
        for key, state in states.items():
            if key in self._states:
                # another transaction shelved one meanwhile (it got the turn while this one's
                # connection was failing?): trust neither, load the programme whole next time
                self._states.pop(key)
                continue
            self._states[key] = state
            self._states.move_to_end(key)
        while len(self._states) > self.kept:
            self._states.popitem(last=False)

    def _changed(self, conn: Connection, state: ProgrammeState, revision: int) -> Optional[Set[str]]:
        """The people changed since the state's revision; None: load the programme whole."""
        if state.revision > revision:
            return None
        rows = read_model.change_rows(conn, state.tenant_id, state.id, state.revision)
        if state.revision > 0:
            base = {r["token"] for r in rows if r["revision"] == state.revision}
            if base != {state.token}:
                return None  # that revision rolled back, was pruned, or the model was rebuilt
        if {r["revision"] for r in rows if r["revision"] > state.revision} != \
                set(range(state.revision + 1, revision + 1)):
            return None  # the log no longer reaches back to the state's revision
        people = {r["person_id"] for r in rows if r["revision"] > state.revision}
        if read_model.EVERYONE in people or len(people) > max(RELOAD_AT, len(state.rows) // 10):
            return None
        return people


VERIFY = os.environ.get("MATCHING_VERIFY_STATE") == "1"


def _verify(kept: ProgrammeState, fresh: ProgrammeState) -> None:
    mine, theirs = kept.view(), fresh.view()
    different = [name for name in mine if mine[name] != theirs[name]]
    if different:
        detail = {name: _diff(mine[name], theirs[name]) for name in different}
        raise AssertionError(f"programme {kept.id}: the kept state differs from the read model "
                             f"in {different}: {detail}")


def _diff(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return {k: (a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)}
    return (a, b)


_BY_STORE: "weakref.WeakKeyDictionary[Any, ProgrammeStates]" = weakref.WeakKeyDictionary()


def states_of(store: Any) -> ProgrammeStates:
    """The programme states kept for one event store (one per service container)."""
    states = _BY_STORE.get(store)
    if states is None:
        states = _BY_STORE[store] = ProgrammeStates()
    return states
