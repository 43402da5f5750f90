"""One matching decision's unit of work, inside one event-store transaction of one tenant.

A :class:`UnitOfWork` holds what every decision shares: the transaction, who acts and the
request or event it came from, the programme's turn, the kept programme states, and the one
way to write (:meth:`UnitOfWork.append`): the events with their expected versions, the
``pairings`` projection applied to them, the places the database promises checked, the
change log moved. The decisions themselves are functions of it, by use case: placement and
the reserve (:mod:`.placement`), mentee choices (:mod:`.choices`), coordinator actions
(:mod:`.coordinator`), people leaving (:mod:`.leaving`), scheduled jobs (:mod:`.schedules`).

Concurrency (two replicas, or a consumer and an HTTP command at once): before it reads any
load or state, a decision takes its programme's turn (a row lock on the programme; SQLite
serialises writers anyway), so decisions on one programme are taken one at a time. Every
place taken or freed also appends a guard event to the mentor's and the mentee's guard
streams (``matchmentor``/<mentor>, ``matchmentee``/<mentee>, see :mod:`..domain.pairing`),
with the versions those streams have when the decision appends: a writer that ever got
past the turn would make the append fail whole (:class:`ConcurrencyConflict`; the consumer
retries the event, an HTTP command answers 409). So a mentor is never over-filled and a
mentee never paired twice, whatever the number of replicas. Only the streams a decision
touches are read, so a decision costs the same in a programme of ten or of ten thousand.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from sqlalchemy.exc import IntegrityError

from services.platform_core.envelope import SYSTEM, Actor, Envelope
from services.platform_core.events import DomainEvent
from services.platform_core.store import StoreTransaction

from .. import read_model
from ..domain.pairing import MENTEE_GUARD, MENTOR_GUARD
from ..programme_state import ProgrammeState, states_of
from .errors import NotFoundError


class UnitOfWork:
    """A decision's transaction, actor, correlation, appends and kept states."""

    def __init__(self, tx: StoreTransaction, *, actor: Actor = SYSTEM,
                 correlation_id: Optional[str] = None, causation_id: Optional[str] = None):
        self.tx = tx
        self.conn = tx.conn
        self.tenant = tx.tenant_id
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.appended: List[Envelope] = []
        self.states = states_of(tx.store)

    @property
    def now(self) -> datetime:
        return self.tx.now

    # -- reading ----------------------------------------------------------------------------------

    def guard_versions(self, programme_id: str) -> Dict[Tuple[str, str], int]:
        """Take the programme's turn, before any load or state is read.

        Returns the expected versions known so far: none. The guard streams a decision
        touches are read when it appends (:meth:`append`), still within the turn."""
        read_model.programme_row(self.conn, self.tenant, programme_id, lock=True)
        return {}

    def state(self, programme_id: str) -> Optional[ProgrammeState]:
        """The programme as decisions see it, after taking its turn (decisions read who is
        free and who waits, then write: without turns, a mentor registering while another
        withdraws could each miss the other). Kept in memory between decisions and brought
        up to date from the read model's change log (:mod:`..programme_state`)."""
        programme = read_model.programme_row(self.conn, self.tenant, programme_id, lock=True)
        if programme is None:
            return None
        return self.states.state(self.tx, programme)

    def existing_state(self, programme_id: str) -> ProgrammeState:
        """:meth:`state` of a programme that must exist (the caller found it, or one of its
        requests or pairings); :class:`NotFoundError` when it does not."""
        state = self.state(programme_id)
        if state is None:
            raise NotFoundError(f"programme {programme_id} not found")
        return state

    def programme(self, programme_id: str) -> Optional[Dict[str, Any]]:
        """The programme's read-model row, without taking its turn."""
        return read_model.programme_row(self.conn, self.tenant, programme_id)

    def load(self, stream_type: str, aggregate, aggregate_id: str):
        """An aggregate of this tenant folded from its stream (an id that is not a uuid: 404)."""
        try:
            uuid.UUID(aggregate_id)
        except (ValueError, TypeError, AttributeError):
            raise NotFoundError(f"{stream_type} {aggregate_id} not found") from None
        stream = [e for e in self.tx.read_stream(stream_type, aggregate_id) if e.tenant_id == self.tenant]
        return aggregate.from_events(aggregate_id, stream)

    # -- writing ----------------------------------------------------------------------------------

    def append(self, events: List[DomainEvent], expected: Mapping[Tuple[str, str], int]) -> List[Envelope]:
        if not events:
            return []
        touched = {(e.stream_type, e.stream_id) for e in events}
        expected = {k: v for k, v in expected.items() if k in touched}
        expected.update(self.tx.stream_versions(
            key for key in touched if key[0] in (MENTOR_GUARD, MENTEE_GUARD) and key not in expected))
        changed = {programme: people for programme, people in read_model.people_changed_by(events).items()
                   if people}
        envelopes = self.tx.append(events, expected=expected,
                                   actor=self.actor, correlation_id=self.correlation_id,
                                   causation_id=self.causation_id)
        try:
            read_model.PAIRINGS.apply_all(self.conn, envelopes)
        except IntegrityError as exc:  # match_placed's key: a mentee paired twice
            raise read_model.PlacesRefused(
                f"a mentee of this decision already has an active pairing in the programme; "
                f"refused ({type(exc.orig).__name__})") from None
        read_model.check_places(self.conn, self.tenant, envelopes)
        for programme_id, people in sorted(changed.items()):
            read_model.record_changes(self.conn, self.tenant, programme_id, people)
        self.appended.extend(envelopes)
        return envelopes
