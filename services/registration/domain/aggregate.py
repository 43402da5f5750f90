"""Registration's aggregate base: an aggregate's state is the fold of its stream."""
from __future__ import annotations

from typing import Any, ClassVar, Dict, Iterable, Optional

from services.platform_core.events import DomainEvent

from .errors import RuleBroken


class Aggregate:
    """An event-sourced aggregate: its state is the fold of its stream.

    ``version`` is the number of events applied: the expected version for the next append.
    Event types this code does not know are skipped (an older reader of a newer stream).
    """

    stream_type: ClassVar[str] = ""

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0

    @classmethod
    def from_events(cls, events: Iterable[DomainEvent], stream_id: Optional[str] = None):
        """Fold a stream; with no events, ``stream_id`` gives a blank aggregate to create."""
        events = list(events)
        if stream_id is None:
            if not events:
                raise ValueError("an empty stream needs its stream_id")
            stream_id = events[0].stream_id
        aggregate = cls(stream_id)
        for event in events:
            aggregate.apply(event)
        return aggregate

    @property
    def exists(self) -> bool:
        return self.version > 0

    def apply(self, event: DomainEvent):
        """Fold one event of this aggregate's stream into its state."""
        if event.stream_type != self.stream_type or event.stream_id != self.id:
            raise ValueError(f"event of {event.stream_type}/{event.stream_id} "
                             f"applied to {self.stream_type}/{self.id}")
        handler = getattr(self, f"_on_{event.event_type}", None)
        if handler is not None:
            handler(event.payload)
        self.version += 1
        return self

    def apply_all(self, events: Iterable[DomainEvent]):
        for event in events:
            self.apply(event)
        return self

    def _event(self, event_type: str, payload: Dict[str, Any],
               stream_id: Optional[str] = None) -> DomainEvent:
        return DomainEvent(event_type, self.stream_type, stream_id or self.id, payload)

    def _require_exists(self) -> None:
        if not self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")

    def _require_new(self) -> None:
        if self.exists:
            raise RuleBroken(f"{self.stream_type} {self.id} already exists")
