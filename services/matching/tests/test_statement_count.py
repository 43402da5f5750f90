"""How many SQL statements matching sends for one consumed mentee event (issue 13).

Counted, not timed: a listener on the matching store's engine groups every statement by the
transaction it ran in; the transaction that records the mentee's ``MenteeRegistered`` in the
inbox is the consumer's whole work for that event (its bookkeeping, the read model, the
decision, the append). The counts are what the cuts of issue 13 brought them to; a change that
adds a round trip per event fails here and says which statements there are now.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import event, select

from services.matching import programme_state
from services.platform_core.store import inbox_table
from services.platform_core.testing import wait_for
from services.registration.domain import Person
from services.registration.tests import builders

from .conftest import REGISTERED_AT, mentee_profile, programme_settings, running_platform

pytestmark = pytest.mark.integration

#: statements of the transaction consuming a placed mentee's MenteeRegistered, at most: 42 on
#: both before issue 13's cuts (SQLite sends one INSERT per event of an append where
#: PostgreSQL sends one for all, and needs no SET ROLE); the cuts: the consumer's bookkeeping
#: 5 -> 3, upserts for delete-and-insert or read-then-write (3), the programme's row read
#: once a transaction (4), the streams' versions in one query each for the guards and the
#: append (3), a new pairing inserted without trying an update first (1)
MAX_STATEMENTS = {"postgresql": 29, "sqlite": 29}


class StatementLog:
    """Every statement an engine runs, grouped by transaction (per connection, BEGIN to the end)."""

    def __init__(self, engine):
        self.engine = engine
        self.transactions: List[List[tuple]] = []
        self._open: Dict[int, List[tuple]] = {}
        self._lock = threading.Lock()

    def _begin(self, conn) -> None:
        with self._lock:
            self._open[id(conn)] = []

    def _end(self, conn) -> None:
        with self._lock:
            statements = self._open.pop(id(conn), None)
            if statements is not None:
                self.transactions.append(statements)

    def _statement(self, conn, _cursor, statement, parameters, _context, _many) -> None:
        with self._lock:
            self._open.setdefault(id(conn), []).append((statement, parameters))

    def __enter__(self) -> "StatementLog":
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._end)
        event.listen(self.engine, "rollback", self._end)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "rollback", self._end)
        event.remove(self.engine, "commit", self._end)
        event.remove(self.engine, "begin", self._begin)

    def transaction_recording(self, event_id: str) -> Optional[List[tuple]]:
        """The committed transaction that put ``event_id`` into the inbox."""
        with self._lock:
            for statements in self.transactions:
                if any("INSERT INTO inbox" in sql and event_id in str(params) for sql, params in statements):
                    return statements
        return None


def _consume_one_mentee(platform) -> tuple:
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    mentors = [reg.mentor(programme, areas=["education"], capacity=3) for _ in range(3)]
    platform.wait_mentors_known(reg, programme.id, mentors)
    for _ in range(2):  # the programme's state is loaded whole by the first decision: warm it
        reg.mentee(programme, born="2004-01-01", consent=False)
    platform.wait_pairings(reg, programme.id, 2, "confirmed")
    store = platform.matching_store
    # an adult (no consent needed) whose PersonRegistered is consumed first: MenteeRegistered
    # then finds no gap in the person's stream (a gap would bring the first in with it)
    person = Person(str(uuid.uuid4()))
    events = person.register(programme=programme, role="mentee", profile=mentee_profile(),
                             personal=builders.pupil(born="2004-01-01"), now=REGISTERED_AT)
    assert [e.event_type for e in events] == ["PersonRegistered", "MenteeRegistered"]
    reg.people[person.id] = person
    [first] = reg._person_command(person, events[:1])
    wait_for(lambda: _in_inbox(store, first.event_id), message="PersonRegistered consumed")
    with StatementLog(store.engine) as log:
        [registered] = reg._person_command(person, events[1:])
        platform.wait_pairings(reg, programme.id, 3, "confirmed")
        statements = wait_for(lambda: log.transaction_recording(registered.event_id),
                              message="the consumer's transaction of MenteeRegistered")
    return store, statements


def _in_inbox(store, event_id: str) -> bool:
    with store.transaction() as tx:
        return tx.conn.execute(select(inbox_table.c.event_id).where(
            inbox_table.c.event_id == event_id)).first() is not None


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_a_consumed_mentee_costs_at_most_so_many_statements(kind, tmp_path, monkeypatch):
    # the test suite's check of every kept state against the read model reads it all again
    monkeypatch.setattr(programme_state, "VERIFY", False)
    database = None if kind == "postgresql" else f"sqlite:///{tmp_path / 'matching.sqlite3'}"
    with running_platform(matching_database=database) as platform:
        store, statements = _consume_one_mentee(platform)
        assert store.engine.dialect.name == kind
        listing = "\n".join(f"{i + 1:3}. {sql.splitlines()[0][:150]}" for i, (sql, _p) in enumerate(statements))
        print(f"\n{kind}: {len(statements)} statements\n{listing}")
        assert len(statements) <= MAX_STATEMENTS[kind], (
            f"consuming one mentee's MenteeRegistered took {len(statements)} statements on {kind}, "
            f"more than {MAX_STATEMENTS[kind]}:\n{listing}")
