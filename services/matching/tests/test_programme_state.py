"""The programme state a matching process keeps in memory between decisions.

Each test drives the decisions as the service does (registration events into the read model,
decisions in store transactions on PostgreSQL) and compares the kept state with one loaded
whole from the read model: they must never differ, whatever rolls back, whoever else writes.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, List

import pytest
from sqlalchemy import delete

from services.matching import read_model
from services.matching.decisions import UnitOfWork, coordinator, placement
from services.matching.programme_state import ProgrammeStates, _verify, load_whole, states_of, today_in
from services.matching.read_model import change_log
from services.platform_core import tenancy
from services.platform_core.clock import ManualClock
from services.platform_core.db import make_engine
from services.platform_core.dependencies import upgrade_database
from services.platform_core.store import EventStore, StoreTransaction, read_model_schemas_table
from services.platform_core.testing import temporary_database

from .conftest import MATCHING_NOW, Registration, programme_settings

pytestmark = pytest.mark.integration


class Setting:
    def __init__(self, producer: EventStore, matching_url: str):
        self.producer = producer
        self.matching_url = matching_url
        self.reg = Registration(producer, amqp_uri="unused")
        self.programme = self.reg.programme(programme_settings("automatic"))
        self.consumed = 0
        self.processes: List[EventStore] = []

    def process(self) -> EventStore:
        """A matching process of its own (its own store object, so its own kept states)."""
        store = EventStore(make_engine(self.matching_url), service="matching", clock=ManualClock(MATCHING_NOW))
        store.create_schema([read_model.metadata, tenancy.metadata])
        self.processes.append(store)
        return store

    def consume(self, store: EventStore) -> None:
        """The registration events not consumed yet, as the consumer applies them."""
        with store.transaction(self.reg.slug) as tx:
            for envelope in self.reg.envelopes[self.consumed:]:
                read_model.consume_registration(tx.conn, envelope)
        self.consumed = len(self.reg.envelopes)

    def check(self, store: EventStore) -> None:
        """The kept state equals the read model loaded whole."""
        with store.transaction(self.reg.slug) as tx:
            programme = read_model.programme_row(tx.conn, self.reg.slug, self.programme.id, lock=True)
            assert programme is not None
            kept = states_of(store).state(tx, programme)
            _verify(kept, load_whole(tx.conn, self.reg.slug, programme, today_in(tx, programme)))


@contextlib.contextmanager
def setting() -> Iterator[Setting]:
    with temporary_database() as producer_url, temporary_database() as matching_url:
        producer = EventStore(make_engine(producer_url), service="registration")
        producer.create_schema()
        value = Setting(producer, matching_url)
        try:
            yield value
        finally:
            producer.engine.dispose()
            for store in value.processes:
                store.engine.dispose()


def place(store: EventStore, s: Setting, mentee_id: str):
    with store.transaction(s.reg.slug) as tx:
        return placement.place(UnitOfWork(tx), s.programme.id, mentee_id)


def test_a_decision_reloads_only_the_people_who_changed():
    with setting() as s:
        store = s.process()
        for n in range(30):
            s.reg.mentor(s.programme, languages=["ru"], place="Cesis" if n % 2 else "Riga")
        best = s.reg.mentor(s.programme, areas=["education", "finance"])
        first = s.reg.mentee(s.programme, areas=["education"])
        s.consume(store)
        assert place(store, s, first)
        states: ProgrammeStates = states_of(store)
        assert states.loads_whole == 1

        second = s.reg.mentee(s.programme, areas=["finance"])
        s.consume(store)
        before = states.reloaded_people
        assert place(store, s, second) is None  # the only Latvian speaker's place is taken
        # the programme is not loaded again: only the newcomer and the pair just made
        assert states.loads_whole == 1
        assert 1 <= states.reloaded_people - before <= 3
        with store.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert state.mentors[best].current_load == 1
            assert state.placed[first]["mentor_id"] == best
            assert state.waiting[second]["reason"] == "no_capacity"
        s.check(store)


def test_a_decision_that_rolls_back_leaves_nothing_in_the_kept_state():
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        with store.transaction(s.reg.slug) as tx:  # the programme is kept from here on
            assert UnitOfWork(tx).existing_state(s.programme.id).mentors[mentor].current_load == 0

        with pytest.raises(RuntimeError):
            with store.transaction(s.reg.slug) as tx:
                uow = UnitOfWork(tx)
                assert placement.place(uow, s.programme.id, mentee)
                state = uow.existing_state(s.programme.id)  # the state followed the placement
                assert state.mentors[mentor].current_load == 1 and mentee in state.placed
                raise RuntimeError("the transaction fails after the decision")

        with store.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert state.mentors[mentor].current_load == 0
            assert mentee not in state.placed and state.active == {}
        assert states_of(store).loads_whole == 2  # dropped with the transaction: loaded whole again
        s.check(store)
        assert place(store, s, mentee)  # and the mentee can still be placed
        s.check(store)


def test_what_another_process_decides_reaches_the_state_kept_here():
    with setting() as s:
        here, there = s.process(), s.process()
        mentor = s.reg.mentor(s.programme)
        first, second = s.reg.mentee(s.programme), s.reg.mentee(s.programme)
        s.consume(here)
        s.check(here)
        s.check(there)
        assert place(there, s, first)      # the other process takes the mentor's only place
        assert place(here, s, second) is None  # so here the mentor is full
        with here.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert state.placed[first]["mentor_id"] == mentor
            assert state.waiting[second]["reason"] == "no_capacity"
        s.check(here)
        s.check(there)


def test_a_rebuilt_read_model_is_loaded_whole():
    with setting() as s:
        store = s.process()
        s.reg.mentor(s.programme)
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        assert place(store, s, mentee)
        loads = states_of(store).loads_whole
        read_model.PAIRINGS.rebuild(store)
        s.check(store)
        assert states_of(store).loads_whole == loads + 1


def test_new_settings_reload_the_programme():
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)
        s.consume(store)
        s.check(store)
        loads = states_of(store).loads_whole
        s.reg.update_programme(s.programme, {"people": {"mentor_capacity": {"min": 1, "max": 3, "default": 2}}})
        s.consume(store)
        with store.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert state.rules.mentor_capacity == 2 and mentor in state.mentors
        assert states_of(store).loads_whole == loads + 1


def test_a_decision_failing_before_its_append_leaves_nothing_in_the_kept_state(monkeypatch):
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        s.check(store)

        def broken(self, keys):  # the guard streams' versions, read just before the append
            raise RuntimeError("the database went away mid-decision")

        with monkeypatch.context() as patch:
            patch.setattr(StoreTransaction, "stream_versions", broken)
            with pytest.raises(RuntimeError):
                with store.transaction(s.reg.slug) as tx:
                    coordinator.assign(UnitOfWork(tx), s.programme.id, mentor, mentee)  # changes the state, then fails
        s.check(store)
        with store.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert mentee not in state.placed and state.mentors[mentor].current_load == 0


def test_a_state_the_pruned_change_log_no_longer_reaches_is_loaded_whole(monkeypatch):
    monkeypatch.setattr(change_log, "PRUNE_EVERY", 4)
    monkeypatch.setattr(change_log, "CHANGES_KEPT", 2)
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme, areas=["education"])
        s.consume(store)
        with store.transaction(s.reg.slug) as tx:  # a read model from before the change log
            tx.conn.execute(read_model.revisions.delete())
            tx.conn.execute(read_model.changes.delete())
        s.check(store)  # kept at revision 0
        loads = states_of(store).loads_whole
        s.reg.update_profile(s.programme, mentor, areas=["finance"])  # a change the pruning drops
        for _ in range(8):
            s.reg.mentee(s.programme, consent=False)
        s.consume(store)  # many revisions, pruned on the way
        with store.transaction(s.reg.slug) as tx:
            assert read_model.change_rows(tx.conn, s.reg.slug, s.programme.id, 0)[0]["revision"] > 2
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert state.mentors[mentor].areas == frozenset({"finance"})
        assert states_of(store).loads_whole == loads + 1
        s.check(store)


# -- issue 7: memory keeps nothing the database does not -------------------------------------


def test_a_mentor_whose_registration_rolled_back_is_never_offered(monkeypatch):
    """The reported path: a mentor's MentorRegistered transaction loaded them into the kept
    state, then failed (a connection terminated before COMMIT). With the suite's whole-load
    check off, as in a deployment, the next mentees must wait: nobody is placed with a
    mentor the database does not have."""
    import services.matching.programme_state as programme_state

    monkeypatch.setattr(programme_state, "VERIFY", False)
    with setting() as s:
        store = s.process()
        s.reg.mentor(s.programme)
        first = s.reg.mentee(s.programme)
        s.consume(store)
        assert place(store, s, first)  # the programme is kept from here on
        phantom = s.reg.mentor(s.programme)
        with pytest.raises(RuntimeError):
            with store.transaction(s.reg.slug) as tx:
                for envelope in s.reg.envelopes[s.consumed:]:
                    read_model.consume_registration(tx.conn, envelope)
                placement.refill(UnitOfWork(tx), s.programme.id, [phantom])  # the state knows the mentor now
                raise RuntimeError("terminating connection due to administrator command")
        mentor_events = len(s.reg.envelopes)
        later = [s.reg.mentee(s.programme) for _ in range(3)]
        with store.transaction(s.reg.slug) as tx:  # the mentor's events stay unconsumed
            for envelope in s.reg.envelopes[mentor_events:]:
                read_model.consume_registration(tx.conn, envelope)
        s.consumed = len(s.reg.envelopes)
        for mentee in later:
            with store.transaction(s.reg.slug) as tx:
                assert mentee in UnitOfWork(tx).existing_state(s.programme.id).mentees
            assert place(store, s, mentee) is None
        with store.transaction(s.reg.slug) as tx:
            assert read_model.loads(tx.conn, s.reg.slug, s.programme.id) == {
                read_model.pairing_rows(tx.conn, s.reg.slug, s.programme.id)[0]["mentor_id"]: 1}


def test_a_transaction_whose_connection_died_cannot_leak_its_state_to_the_next(monkeypatch):
    """Two transactions of one process, the second given the programme's turn while the
    first still holds the state (its connection died, so its lock went with it): the second
    does not see what the first decided in memory."""
    import services.matching.programme_state as programme_state

    monkeypatch.setattr(programme_state, "VERIFY", False)
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        s.check(store)
        with pytest.raises(RuntimeError):
            with store.transaction(s.reg.slug) as first:
                # its turn (the row lock) is gone with its connection: read without one
                programme = read_model.programme_row(first.conn, s.reg.slug, s.programme.id)
                assert programme is not None
                state = states_of(store).state(first, programme)
                state.placed[mentee] = {"pairing_id": "in-memory-only"}  # a decision under way
                with store.transaction(s.reg.slug) as second:
                    seen = UnitOfWork(second).existing_state(s.programme.id)
                    assert seen is not state and mentee not in seen.placed
                raise RuntimeError("the first transaction's connection is gone")
        with store.transaction(s.reg.slug) as tx:
            state = UnitOfWork(tx).existing_state(s.programme.id)
            assert mentee not in state.placed and state.mentors[mentor].current_load == 0


def _pairing_events(s: Setting, mentor: str, mentee: str):
    import uuid

    from services.matching.domain import Score
    from services.matching.domain.pairing import pair

    pairing_id = str(uuid.uuid4())
    return pairing_id, pair(pairing_id, s.programme.id, mentor, mentee, Score(total=1, parts={}, percent=100),
                            mode="automatic", origin="placement", confirm=True,
                            confirmed_by="automatic", now=MATCHING_NOW)


def test_the_database_refuses_a_mentor_above_capacity_whatever_memory_says():
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)  # capacity 1 (the programme's default)
        first, second = s.reg.mentee(s.programme), s.reg.mentee(s.programme)
        s.consume(store)
        assert place(store, s, first)
        with pytest.raises(read_model.PlacesRefused, match="above their capacity of 1"):
            with store.transaction(s.reg.slug) as tx:
                _, events = _pairing_events(s, mentor, second)
                UnitOfWork(tx).append(events, {})  # a stale cache's decision
        with store.transaction(s.reg.slug) as tx:
            assert read_model.loads(tx.conn, s.reg.slug, s.programme.id) == {mentor: 1}


def test_the_database_refuses_a_second_active_pairing_of_a_mentee():
    with setting() as s:
        store = s.process()
        s.reg.mentor(s.programme)
        other = s.reg.mentor(s.programme)
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        assert place(store, s, mentee)
        with pytest.raises(read_model.PlacesRefused, match="already has an active pairing"):
            with store.transaction(s.reg.slug) as tx:
                _, events = _pairing_events(s, other, mentee)
                UnitOfWork(tx).append(events, {})


def test_the_database_refuses_a_pairing_with_someone_who_does_not_take_part():
    with setting() as s:
        store = s.process()
        mentee = s.reg.mentee(s.programme)
        s.consume(store)
        with pytest.raises(read_model.PlacesRefused, match="does not take part"):
            with store.transaction(s.reg.slug) as tx:
                _, events = _pairing_events(s, "0b7f6f0e-0000-4000-8000-000000000000", mentee)
                UnitOfWork(tx).append(events, {})


def test_places_freed_by_an_ending_can_be_taken_again_and_a_rebuild_counts_them_alike():
    with setting() as s:
        store = s.process()
        mentor = s.reg.mentor(s.programme)
        first, second = s.reg.mentee(s.programme), s.reg.mentee(s.programme)
        s.consume(store)
        pairing = place(store, s, first)
        with store.transaction(s.reg.slug) as tx:
            coordinator.end(UnitOfWork(tx), s.programme.id, pairing, "closed_early", rematch=False)  # refills
        with store.transaction(s.reg.slug) as tx:
            active = read_model.pairing_rows(tx.conn, s.reg.slug, s.programme.id, ("confirmed",))
        assert [(p["mentor_id"], p["mentee_id"]) for p in active] == [(mentor, second)]
        with store.transaction(s.reg.slug) as tx:
            before = sorted(map(tuple, tx.conn.execute(read_model.places.select()).all()))
            held = sorted(map(tuple, tx.conn.execute(read_model.placed.select()).all()))
        assert [(r[1], r[3]) for r in before] == [(mentor, 1)]
        read_model.PAIRINGS.rebuild(store)
        with store.transaction(s.reg.slug) as tx:
            assert sorted(map(tuple, tx.conn.execute(read_model.places.select()).all())) == before
            assert sorted(map(tuple, tx.conn.execute(read_model.placed.select()).all())) == held
        # a store from before the tables: the pairings read model changed shape, so the
        # next start rebuilds it from the events
        with store.engine.begin() as conn:
            read_model.places.drop(conn)
            read_model.placed.drop(conn)
            conn.execute(delete(read_model_schemas_table))
        done = upgrade_database(store, [read_model.metadata, tenancy.metadata], read_model.PROJECTIONS, amqp_uri=None)
        assert done == {"participants": "recorded (its tables already matched)",
                        "pairings": "rebuilt from 3 events"}  # confirmed, ended, confirmed
        with store.transaction(s.reg.slug) as tx:
            assert sorted(map(tuple, tx.conn.execute(read_model.places.select()).all())) == before
            assert sorted(map(tuple, tx.conn.execute(read_model.placed.select()).all())) == held
        assert upgrade_database(store, [read_model.metadata, tenancy.metadata], read_model.PROJECTIONS,
                                amqp_uri=None) == {}
