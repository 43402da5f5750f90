"""Every registration event the service consumes has a reaction, or is ignored on purpose."""
from __future__ import annotations

from typing import Any

from services.matching import reactions
from services.matching.service import REGISTRATION_EVENTS


def test_every_consumed_event_type_has_a_reaction_or_is_ignored_on_purpose():
    unhandled = set(REGISTRATION_EVENTS) - set(reactions.REACTIONS) - set(reactions.IGNORED)
    assert not unhandled, f"consumed without a reaction nor listed as ignored: {sorted(unhandled)}"


def test_no_reaction_waits_for_an_event_type_the_service_does_not_consume():
    assert set(reactions.REACTIONS) <= set(REGISTRATION_EVENTS)
    assert set(reactions.IGNORED) <= set(REGISTRATION_EVENTS)


def test_an_event_type_is_either_reacted_to_or_ignored_never_both():
    assert not set(reactions.REACTIONS) & set(reactions.IGNORED)


def test_an_ignored_event_changes_nothing():
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"an ignored event used the unit of work ({name})")

    class Event:
        event_type, stream_id, payload = "PersonRegistered", "someone", {}

    uow: Any = Untouchable()  # stand-ins for a unit of work and an envelope
    envelope: Any = Event()
    reactions.react(uow, envelope)
