"""The one aggregate base of every service: an aggregate's state is the fold of its stream.

A domain's aggregate takes commands and returns :class:`~.events.DomainEvent`s; its state is
rebuilt by folding its stream's events (``Aggregate.from_events(stream_id, events)``, the
same signature everywhere). ``version`` is the number of events folded: the expected version
of the next append. An event of another stream is refused (a caller mixed streams up); an
event type the aggregate does not know still counts (an older reader of a newer stream).

A subclass handles an event either with a method ``_on_<EventType>(payload)`` or, where one
body reads better, by overriding :meth:`Aggregate.when`.
"""
from __future__ import annotations

from typing import Any, ClassVar, Dict, Iterable, Optional, TypeVar

from .events import DomainEvent

A = TypeVar("A", bound="Aggregate")


class Aggregate:
    stream_type: ClassVar[str] = ""
    id: str
    version: int

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0

    @classmethod
    def from_events(cls: type[A], stream_id: str, events: Iterable[Any]) -> A:
        """Fold ``events`` (DomainEvents or envelopes of the stream ``stream_id``); none: a
        blank aggregate, to be created."""
        aggregate = cls(stream_id)
        for event in events:
            aggregate.apply(event)
        return aggregate

    @property
    def exists(self) -> bool:
        return self.version > 0

    def apply(self: A, event: Any) -> A:
        """Fold one event of this aggregate's stream into its state."""
        if event.stream_type != self.stream_type or event.stream_id != self.id:
            raise ValueError(f"an event of {event.stream_type}/{event.stream_id} cannot be folded "
                             f"into {self.stream_type}/{self.id}")
        self.when(event)
        self.version += 1
        return self

    def apply_all(self: A, events: Iterable[Any]) -> A:
        for event in events:
            self.apply(event)
        return self

    def when(self, event: Any) -> None:
        """What an event changes in the state: ``_on_<EventType>(payload)``, if there is one."""
        handler = getattr(self, f"_on_{event.event_type}", None)
        if handler is not None:
            handler(event.payload)

    def _event(self, event_type: str, payload: Dict[str, Any],
               stream_id: Optional[str] = None) -> DomainEvent:
        return DomainEvent(event_type, self.stream_type, stream_id or self.id, payload)
