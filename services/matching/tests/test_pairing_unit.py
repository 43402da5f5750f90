"""The Pairing aggregate and the event builders of ``domain/pairing.py``: plain Python, no
broker, no database. Every command, every refusal, and folding a stream back."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any, Dict

import pytest

import services.matching.schemas  # noqa: F401 - registers the private payload schemas (guards)
from services.contracts.matching import PairingConfirmedPayload  # and the published ones
from services.matching.domain.model import Score
from services.matching.domain.pairing import (
    CONFIRMED,
    END_REASONS,
    ENDED,
    MENTEE_GUARD,
    MENTOR_GUARD,
    ORIGINS,
    PAIRING,
    PROPOSED,
    REJECTED,
    ROUND,
    Pairing,
    PairingRuleBroken,
    guard_events,
    pair,
    round_completed,
    score_payload,
    waitlisted,
)
from services.platform_core.events import CATALOGUE, payload_problems

NOW = datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)
SCORE = Score(total=18, parts={"areas": 12, "place": 6, "preferred": 0, "languages": 0}, percent=75)
IDS = dict(pairing_id="p-1", programme_id="prog-1", mentor_id="mentor-1", mentee_id="mentee-1")


def new(confirm: bool, origin: str = "placement", mode: str = "automatic", **kw):
    return pair(IDS["pairing_id"], IDS["programme_id"], IDS["mentor_id"], IDS["mentee_id"], SCORE,
                mode=mode, origin=origin, confirm=confirm, confirmed_by=kw.get("by", "automatic"),
                now=NOW)


def folded(*batches) -> Pairing:
    return Pairing.from_events("p-1", [e for batch in batches for e in batch])


def shape(events):
    return [(e.event_type, e.stream_type, e.stream_id) for e in events]


def assert_valid(events):
    # the schemas are registered (importing PairingConfirmedPayload did): payload_problems checks them
    assert PairingConfirmedPayload is CATALOGUE.get("PairingConfirmed").schema
    for event in events:
        assert payload_problems(event.event_type, event.payload) == {}, event


def assert_closes(events, event_type, **payload):
    """A pairing closed: its closing event, then both places freed."""
    assert shape(events) == [(event_type, PAIRING, "p-1")] + FREED
    assert events[0].payload == {"programme_id": "prog-1", "mentor_id": "mentor-1",
                                 "mentee_id": "mentee-1", **payload}
    assert_valid(events)


FREED = [("MentorSlotFreed", MENTOR_GUARD, "mentor-1"), ("MenteeReleased", MENTEE_GUARD, "mentee-1")]


# -- event builders ------------------------------------------------------------------------------

def test_score_payload_is_plain_integers():
    # numbers of other types than Score declares, as a solver may hand them over
    odd_numbers: Dict[str, Any] = {"total": 17.0, "parts": {"areas": 12.0, "place": 5}, "percent": 70.9}
    odd = Score(**odd_numbers)
    assert score_payload(odd) == {"score": 17, "parts": {"areas": 12, "place": 5}, "percent": 70}
    assert all(type(v) is int for v in score_payload(odd)["parts"].values())


@pytest.mark.parametrize("taken, types", [(True, ("MentorSlotTaken", "MenteePlaced")),
                                          (False, ("MentorSlotFreed", "MenteeReleased"))])
def test_guard_events_go_to_both_people_streams(taken, types):
    events = guard_events("p-1", "prog-1", "mentor-1", "mentee-1", taken=taken)
    assert shape(events) == [(types[0], MENTOR_GUARD, "mentor-1"), (types[1], MENTEE_GUARD, "mentee-1")]
    assert events[0].payload == {"programme_id": "prog-1", "pairing_id": "p-1", "mentee_id": "mentee-1"}
    assert events[1].payload == {"programme_id": "prog-1", "pairing_id": "p-1", "mentor_id": "mentor-1"}
    assert_valid(events)


def test_a_confirmed_pair_takes_both_places_at_once():
    events = new(confirm=True, by="coordinator", origin="manual")
    assert shape(events) == [("PairingConfirmed", PAIRING, "p-1"),
                             ("MentorSlotTaken", MENTOR_GUARD, "mentor-1"),
                             ("MenteePlaced", MENTEE_GUARD, "mentee-1")]
    assert events[0].payload == {
        "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "mode": "automatic", "origin": "manual", "score": 18,
        "parts": {"areas": 12, "place": 6, "preferred": 0, "languages": 0}, "percent": 75,
        "confirmed_by": "coordinator", "confirmed_at": "2025-02-10T09:00:00+00:00"}
    assert_valid(events)


def test_a_proposal_takes_the_places_too_but_is_not_confirmed():
    events = new(confirm=False, mode="coordinator_approves")
    assert [e.event_type for e in events] == ["PairingProposed", "MentorSlotTaken", "MenteePlaced"]
    payload = events[0].payload
    assert payload["proposed_at"] == NOW.isoformat() and payload["mode"] == "coordinator_approves"
    assert "confirmed_by" not in payload and "confirmed_at" not in payload
    assert_valid(events)


@pytest.mark.parametrize("origin", ORIGINS)
def test_every_origin_is_accepted(origin):
    assert new(confirm=True, origin=origin)[0].payload["origin"] == origin


def test_an_unknown_origin_is_refused():
    with pytest.raises(ValueError, match="origin"):
        new(confirm=True, origin="lottery")


def test_waitlisted_and_round_completed():
    event = waitlisted("prog-1", "mentee-1", "no_capacity", NOW)
    assert shape([event]) == [("MenteeWaitlisted", MENTEE_GUARD, "mentee-1")]
    assert event.payload == {"programme_id": "prog-1", "reason": "no_capacity",
                             "waitlisted_at": NOW.isoformat()}
    solver_total: Any = 41.0  # a solver's float
    done = round_completed("r-1", "prog-1", paired=3, waiting=2, total_score=solver_total,
                           solver_seconds=0.12345678, superseded=1, now=NOW, confirmed=2)
    assert shape([done]) == [("MatchingRoundCompleted", ROUND, "r-1")]
    assert done.payload == {"programme_id": "prog-1", "paired": 3, "waiting": 2, "total_score": 41,
                            "solver_seconds": 0.123457, "superseded": 1, "confirmed": 2,
                            "completed_at": NOW.isoformat()}
    assert type(done.payload["total_score"]) is int
    assert_valid([event, done])


# -- folding --------------------------------------------------------------------------------------

def test_a_new_pairing_does_not_exist():
    pairing = Pairing("p-1")
    assert (pairing.exists, pairing.version, pairing.status) == (False, 0, None)
    assert Pairing.from_events("p-1", []) == pairing


def test_folding_a_proposal_then_its_confirmation():
    proposal = new(confirm=False, origin="round", mode="coordinator_approves")[:1]
    pairing = folded(proposal)
    assert (pairing.exists, pairing.version, pairing.status) == (True, 1, PROPOSED)
    assert (pairing.programme_id, pairing.mentor_id, pairing.mentee_id) == ("prog-1", "mentor-1", "mentee-1")
    assert (pairing.mode, pairing.origin) == ("coordinator_approves", "round")
    assert pairing.score == {"score": 18, "parts": SCORE.parts, "percent": 75}

    # a confirmation with other values does not rewrite who and how the pair was made
    other = SimpleNamespace(stream_type=PAIRING, stream_id="p-1", event_type="PairingConfirmed", payload={
        "programme_id": "x", "mentor_id": "y", "mentee_id": "z", "mode": "automatic",
        "origin": "manual", "score": 1, "parts": {}, "percent": 1})
    pairing = folded(proposal, [other])
    assert (pairing.version, pairing.status, pairing.mentor_id, pairing.origin) == (2, CONFIRMED, "mentor-1", "round")
    assert pairing.score["score"] == 18


def test_folding_envelope_like_objects_and_tolerating_missing_optional_fields():
    bare = SimpleNamespace(stream_type=PAIRING, stream_id="p-1", event_type="PairingConfirmed", payload={
        "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1"})
    pairing = Pairing.from_events("p-1", [bare])
    assert (pairing.status, pairing.mode, pairing.origin) == (CONFIRMED, None, None)
    assert pairing.score == {"score": None, "parts": None, "percent": None}


@pytest.mark.parametrize("closing, status", [("PairingRejected", REJECTED), ("PairingEnded", ENDED)])
def test_folding_a_closed_pairing(closing, status):
    closed = SimpleNamespace(stream_type=PAIRING, stream_id="p-1", event_type=closing, payload={})
    pairing = folded(new(confirm=False)[:1], [closed])
    assert (pairing.version, pairing.status) == (2, status)


def test_every_event_of_the_stream_counts_towards_the_version():
    unknown = SimpleNamespace(stream_type=PAIRING, stream_id="p-1", event_type="SomethingNew", payload={})
    pairing = folded(new(confirm=True)[:1], [unknown])
    assert (pairing.version, pairing.status) == (2, CONFIRMED)


# -- commands -------------------------------------------------------------------------------------

def proposed() -> Pairing:
    return folded(new(confirm=False, mode="coordinator_approves")[:1])


def confirmed() -> Pairing:
    return folded(new(confirm=True)[:1])


def rejected() -> Pairing:
    pairing = proposed()
    return folded(new(confirm=False)[:1], pairing.reject(by="coordinator", reason="no", now=NOW)[:1])


def ended() -> Pairing:
    pairing = confirmed()
    return folded(new(confirm=True)[:1], pairing.end(reason="completed", ended_by="coordinator", now=NOW)[:1])


STATES = {"new": lambda: Pairing("p-1"), "proposed": proposed, "confirmed": confirmed,
          "rejected": rejected, "ended": ended}


def test_approving_a_proposal_confirms_it_with_its_score_and_origin():
    events = proposed().approve(now=LATER)
    assert shape(events) == [("PairingConfirmed", PAIRING, "p-1")]  # the places are already taken
    assert events[0].payload == {
        "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "mode": "coordinator_approves", "origin": "placement", "score": 18, "parts": SCORE.parts,
        "percent": 75, "confirmed_by": "coordinator", "confirmed_at": LATER.isoformat()}
    assert_valid(events)
    assert folded(new(confirm=False)[:1], events).status == CONFIRMED


COMMANDS = {  # command -> (the one state it applies to, the refusal's code elsewhere)
    "approve": (lambda p: p.approve(now=NOW), "proposed", "not_proposed"),
    "reject": (lambda p: p.reject(by="coordinator", reason="no", now=NOW), "proposed", "not_proposed"),
    "end": (lambda p: p.end(reason="completed", ended_by="coordinator", now=NOW), "confirmed",
            "not_confirmed"),
}


@pytest.mark.parametrize("command, state", [(c, s) for c in COMMANDS for s in STATES if s != COMMANDS[c][1]])
def test_a_command_in_the_wrong_state_is_refused_with_a_code(command, state):
    run, allowed, code = COMMANDS[command]
    with pytest.raises(PairingRuleBroken) as refused:
        run(STATES[state]())
    assert refused.value.code == code
    assert f"is {STATES[state]().status}, not {allowed}" in refused.value.message


def test_approving_a_proposal_of_unknown_origin_says_placement():
    bare = SimpleNamespace(stream_type=PAIRING, stream_id="p-1", event_type="PairingProposed", payload={
        "programme_id": "prog-1", "mentor_id": "mentor-1", "mentee_id": "mentee-1",
        "score": 5, "parts": {}, "percent": 10})
    [event] = Pairing.from_events("p-1", [bare]).approve(now=NOW)
    assert event.payload["origin"] == "placement"


@pytest.mark.parametrize("by", ["coordinator", "system"])
def test_rejecting_a_proposal_frees_both_places(by):
    assert_closes(proposed().reject(by=by, reason="superseded", now=LATER), "PairingRejected",
                  rejected_by=by, reason="superseded", rejected_at=LATER.isoformat())


def test_a_rejection_names_a_known_rejecter_before_anything_else():
    for pairing in (proposed(), confirmed()):
        with pytest.raises(ValueError, match="by must be one of"):
            pairing.reject(by="mentee", reason="no", now=NOW)


@pytest.mark.parametrize("reason", END_REASONS)
def test_ending_a_confirmed_pair_frees_both_places(reason):
    events = confirmed().end(reason=reason, ended_by="mentor", now=LATER)
    assert_closes(events, "PairingEnded", reason=reason, ended_by="mentor", ended_at=LATER.isoformat())
    assert folded(new(confirm=True)[:1], events[:1]).status == ENDED


def test_an_end_needs_a_known_reason():
    with pytest.raises(ValueError, match="reason must be one of"):
        confirmed().end(reason="bored", ended_by="coordinator", now=NOW)


def test_someone_leaving_ends_a_confirmed_pair_and_drops_a_proposal():
    ends = confirmed().release(reason="withdrew", by_role="mentee", now=NOW)
    assert [e.event_type for e in ends] == ["PairingEnded", "MentorSlotFreed", "MenteeReleased"]
    assert (ends[0].payload["reason"], ends[0].payload["ended_by"]) == ("withdrew", "mentee")
    drops = proposed().release(reason="erased", by_role="mentor", now=NOW)
    assert [e.event_type for e in drops] == ["PairingRejected", "MentorSlotFreed", "MenteeReleased"]
    assert (drops[0].payload["rejected_by"], drops[0].payload["reason"]) == ("system", "erased")


@pytest.mark.parametrize("state", ["new", "rejected", "ended"])
def test_someone_leaving_a_closed_pairing_changes_nothing(state):
    assert STATES[state]().release(reason="withdrew", by_role="mentor", now=NOW) == []


def test_a_whole_life_folded_back_from_the_events_the_commands_returned():
    stream = [e for e in new(confirm=False, mode="coordinator_approves") if e.stream_type == PAIRING]
    stream += Pairing.from_events("p-1", stream).approve(now=NOW)
    stream += [e for e in Pairing.from_events("p-1", stream).end(reason="completed", ended_by="coordinator",
                                                                 now=LATER) if e.stream_type == PAIRING]
    pairing = Pairing.from_events("p-1", stream)
    assert (pairing.version, pairing.status) == (3, ENDED)
    assert [e.event_type for e in stream] == ["PairingProposed", "PairingConfirmed", "PairingEnded"]
    with pytest.raises(PairingRuleBroken):
        pairing.end(reason="completed", ended_by="coordinator", now=LATER)
    assert pairing.release(reason="withdrew", by_role="mentee", now=LATER) == []
