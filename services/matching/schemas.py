"""Marshmallow schemas of the matching service: its private event payloads and its HTTP input.

* **Payload schemas** (``...Payload``) of the events matching publishes are a contract:
  :mod:`services.contracts.matching`. Here are the guard events (``MentorSlotTaken``/``Freed``
  on ``matchmentor``, ``MenteePlaced``/``Released`` on ``matchmentee``), registered in the
  platform's catalogue as *private*: stored, never published; they exist so that concurrent
  decisions about one person conflict (see :mod:`.domain.pairing`).
* **Input schemas** (``...Input``): strict, an unknown field is an error;
  :func:`load_input` raises :class:`~services.platform_core.web.BadRequest` naming each field.

No payload holds personal data: people are named by their ids only.
"""
from __future__ import annotations

import uuid
from typing import Any, Dict, Type

from marshmallow import Schema, ValidationError, fields, validate

from services.contracts import matching as contracts
from services.platform_core.events import event_type, event_type_of
from services.platform_core.schemas import InputSchema, PayloadSchema
from services.platform_core.web import load_input as load_input  # one for every service

from .domain.pairing import COORDINATOR_END_REASONS

SERVICE = contracts.SERVICE


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError("Not a valid id (uuid).") from None
    return True


def Id(**kwargs) -> fields.String:
    return fields.String(validate=_uuid, **kwargs)


CODE = r"^[a-z0-9][a-z0-9_-]{0,62}$"


# ---------------------------------------------------------------------------------------------
# Private event payloads (the published ones are in services/contracts/matching.py)
# ---------------------------------------------------------------------------------------------


class _GuardPayload(PayloadSchema):
    programme_id = fields.String(required=True)
    pairing_id = fields.String(required=True)


@event_type("MentorSlotTaken", stream_type="matchmentor", service=SERVICE, visibility="private")
class MentorSlotTakenPayload(_GuardPayload):
    """Guard: a mentor's place was taken by a pairing (never published)."""

    mentee_id = fields.String(required=True)


@event_type("MentorSlotFreed", stream_type="matchmentor", service=SERVICE, visibility="private")
class MentorSlotFreedPayload(_GuardPayload):
    """Guard: a mentor's place was freed (never published)."""

    mentee_id = fields.String(required=True)


@event_type("MenteePlaced", stream_type="matchmentee", service=SERVICE, visibility="private")
class MenteePlacedPayload(_GuardPayload):
    """Guard: a mentee was placed with a mentor (never published)."""

    mentor_id = fields.String(required=True)


@event_type("MenteeReleased", stream_type="matchmentee", service=SERVICE, visibility="private")
class MenteeReleasedPayload(_GuardPayload):
    """Guard: a mentee's pairing or proposal ended (never published)."""

    mentor_id = fields.String(required=True)


@event_type("RoundRequested", stream_type="matchround", service=SERVICE, visibility="private")
class RoundRequestedPayload(PayloadSchema):
    """A coordinator asked for a cohort round with ``Prefer: respond-async``: it runs after the
    answer (never published; the round's publication is ``MatchingRoundCompleted``)."""

    programme_id = fields.String(required=True)
    requested_at = fields.String(required=True)


@event_type("RoundResultRecorded", stream_type="matchround", service=SERVICE, visibility="private")
class RoundResultRecordedPayload(PayloadSchema):
    """An asked round ran: what it did, as the synchronous answer says it (never published)."""

    programme_id = fields.String(required=True)
    result = fields.Dict(required=True)
    finished_at = fields.String(required=True)


@event_type("RoundFailed", stream_type="matchround", service=SERVICE, visibility="private")
class RoundFailedPayload(PayloadSchema):
    """An asked round could not be run; nothing of it was written (never published)."""

    programme_id = fields.String(required=True)
    reason = fields.String(required=True)
    code = fields.String(required=True)
    finished_at = fields.String(required=True)


#: Every event type this service emits, by name: the published ones, the guards and an asked round's.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    **contracts.PAYLOAD_SCHEMAS,
    **{event_type_of(schema): schema for schema in (
        MentorSlotTakenPayload, MentorSlotFreedPayload, MenteePlacedPayload, MenteeReleasedPayload,
        RoundRequestedPayload, RoundResultRecordedPayload, RoundFailedPayload)}}


# ---------------------------------------------------------------------------------------------
# HTTP input
# ---------------------------------------------------------------------------------------------


class EmptyInput(InputSchema):
    """Commands that take no input (approve, run a round)."""


class RejectInput(InputSchema):
    reason = fields.String(load_default="rejected_by_coordinator", validate=[
        validate.Length(max=40),
        validate.Regexp(CODE, error="Not a code (lower-case letters, digits, '_' or '-').")])
    version = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "the pairing's version you read: 409 if it changed since"})


class AssignInput(InputSchema):
    mentor_id = Id(required=True)
    mentee_id = Id(required=True)


class VersionInput(InputSchema):
    """Approve: optionally the version read, so a change meanwhile is a conflict (409)."""
    version = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "the pairing's version you read: 409 if it changed since"})


class EndInput(InputSchema):
    reason = fields.String(required=True, validate=validate.OneOf(COORDINATOR_END_REASONS))
    rematch = fields.Boolean(load_default=None, metadata={
        "description": "put the mentee back in the reserve register to be matched again "
                       "(default: yes, unless the pairing is completed)"})
    version = fields.Integer(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "the pairing's version you read: 409 if it changed since"})


class ChoicesInput(InputSchema):
    mentor_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=20), metadata={
        "description": "mentors of the mentee's shortlist, most wanted first"})


class DeclineInput(InputSchema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


#: stored to make concurrent decisions conflict; never shown in a command's list of events
GUARD_EVENTS = ("MentorSlotTaken", "MentorSlotFreed", "MenteePlaced", "MenteeReleased")

STATUSES = ("proposed", "confirmed", "rejected", "ended")
REQUEST_STATUSES = ("open", "accepted", "declined", "expired", "cancelled")


class RequestListInput(InputSchema):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))


class ListInput(InputSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))





# ---------------------------------------------------------------------------------------------
# HTTP views: what the endpoints answer (described for the OpenAPI document, never loaded)
# ---------------------------------------------------------------------------------------------


def _when(**kwargs) -> fields.String:
    return fields.String(metadata={"description": "ISO 8601 time or date"}, **kwargs)


def _parts(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "the score's parts: areas, place, preferred, languages, need_area (teams)"}, **kwargs)


def _reasons(**kwargs) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "a short reason for each part, e.g. {\"languages\": \"shares Latvian: "
                       "required, so not scored\"}"}, **kwargs)


class ScoreView(Schema):
    """How good the pair is: the total, its parts with a reason each, and the percentage of
    the best score this mentee could get."""

    total = fields.Integer(required=True)
    parts = _parts(required=True)
    reasons = _reasons(required=True)
    percent = fields.Integer(required=True)


class PairingView(Schema):
    """A pairing (or a proposal): who, how it came about, its score, and where it stands;
    ``version`` is sent back to approve, reject or end it."""

    id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    mode = fields.String(required=True)
    origin = fields.String(required=True, allow_none=True)
    score = fields.Nested(ScoreView, required=True)
    created_at = _when(required=True)
    confirmed_at = _when(required=True, allow_none=True)
    confirmed_by = fields.String(required=True, allow_none=True)
    closed_at = _when(required=True, allow_none=True)
    close_reason = fields.String(required=True, allow_none=True)
    closed_by = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)
    role = fields.String(validate=validate.OneOf(("mentor", "mentee")),
                         metadata={"description": "in a person's own list: their side of the pair"})


def _list_view(name: str, owner: str, key: str, item: Type[Schema], doc: str) -> Type[Schema]:
    """``{owner: id, key: [item, ...]}``: a programme's or a person's list."""
    return type(name, (Schema,), {"__doc__": doc, owner: fields.String(required=True),
                                  key: fields.List(fields.Nested(item), required=True)})


PairingListView = _list_view("PairingListView", "programme_id", "pairings", PairingView,
                             "A programme's pairings (of the status asked for), oldest first.")
ProposalListView = _list_view("ProposalListView", "programme_id", "proposals", PairingView,
                              "The proposals waiting for the coordinator.")
PersonPairingsView = _list_view("PersonPairingsView", "person_id", "pairings", PairingView,
                                "A person's pairings in every programme, with their side (role).")


class PairingResultView(Schema):
    """The pairing after the command and the events it wrote (a rejection: the next proposal)."""

    pairing = fields.Nested(PairingView, required=True, allow_none=True)
    events = fields.List(fields.String(), required=True)
    next_proposal = fields.Nested(PairingView, allow_none=True)


class RoundView(Schema):
    """What a cohort round did: the pairs it made, the proposals it kept or replaced, who waits."""

    round_id = fields.String(required=True)
    paired = fields.Integer(required=True)
    new_pairings = fields.List(fields.String(), required=True)
    kept_proposals = fields.Integer(required=True)
    superseded = fields.Integer(required=True)
    waiting = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "mentee id -> why they wait"})
    total_score = fields.Integer(required=True)
    solver_seconds = fields.Float(required=True)
    pairings = fields.List(fields.Nested(PairingView), required=True)


class RoundAcceptedView(Schema):
    """A cohort round asked with ``Prefer: respond-async``: it runs after this answer; its
    progress and result are read at ``location`` (the ``Location`` header)."""

    round_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("running",)))
    requested_at = _when(required=True)
    location = fields.String(required=True)


class AskedRoundView(Schema):
    """A round asked with ``Prefer: respond-async``: ``running``; ``completed`` with ``result``
    (what the round did, as the synchronous answer says it, its pairings as they are now); or
    ``failed`` with ``reason`` (in words) and ``code``: nothing of the round was written."""

    round_id = fields.String(required=True)
    programme_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("running", "completed", "failed")))
    requested_at = _when(required=True)
    finished_at = _when(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    code = fields.String(required=True, allow_none=True)
    result = fields.Nested(RoundView, required=True, allow_none=True)
    location = fields.String(required=True)


class ReserveMenteeView(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True)
    reason = fields.String(required=True)
    recorded_reason = fields.String(required=True, allow_none=True)
    since = _when(required=True, allow_none=True)


class ReserveMentorView(Schema):
    id = fields.String(required=True)
    capacity = fields.Integer(required=True)
    current_load = fields.Integer(required=True, data_key="load", attribute="load")  # not Schema.load
    room = fields.Integer(required=True)
    reason = fields.String(required=True)
    failures = fields.List(fields.String(), required=True)


class ReserveView(Schema):
    """Who waits, and why: mentees and mentors with free places."""

    programme_id = fields.String(required=True)
    mode = fields.String(required=True)
    mentees = fields.List(fields.Nested(ReserveMenteeView), required=True)
    mentors = fields.List(fields.Nested(ReserveMentorView), required=True)


class RequestView(Schema):
    """A mentee's request to one mentor of their ranking."""

    id = fields.String(required=True)
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    rank = fields.Integer(required=True)
    score = fields.Nested(ScoreView, required=True)
    status = fields.String(required=True, validate=validate.OneOf(REQUEST_STATUSES))
    requested_at = _when(required=True)
    answer_by = _when(required=True)
    closed_at = _when(required=True, allow_none=True)
    close_reason = fields.String(required=True, allow_none=True)
    pairing_id = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


RequestListView = _list_view("RequestListView", "programme_id", "requests", RequestView,
                             "Every request to a mentor in the programme.")
PersonRequestsView = _list_view("PersonRequestsView", "person_id", "requests", RequestView,
                                "Requests to a mentor (to answer) or of a mentee (to follow).")


class ShortlistedView(Schema):
    mentor_id = fields.String(required=True)
    score = fields.Integer(required=True)
    parts = _parts(required=True)
    reasons = _reasons(required=True)
    percent = fields.Integer(required=True)


class ChoiceView(Schema):
    choice_id = fields.String(required=True)
    mentor_ids = fields.List(fields.String(), required=True)
    chosen_at = _when(required=True)


class ShortlistView(Schema):
    """What a mentee sees: the mentors offered (best first), their ranking and its requests."""

    programme_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    mentors = fields.List(fields.Nested(ShortlistedView), required=True)
    offered_at = _when(required=True, allow_none=True)
    choice = fields.Nested(ChoiceView, required=True, allow_none=True)
    requests = fields.List(fields.Nested(RequestView), required=True)
    pairing_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"description": "paired, or why they wait"})


class ChosenView(Schema):
    """The request to the first mentor who could be asked (null: nobody could), the events,
    and the shortlist after."""

    request = fields.Nested(RequestView, required=True, allow_none=True)
    events = fields.List(fields.String(), required=True)
    shortlist = fields.Nested(ShortlistView, required=True)


class AnsweredView(Schema):
    """The request after the mentor's answer: accepted, the pairing; declined, the next request."""

    request = fields.Nested(RequestView, required=True, allow_none=True)
    events = fields.List(fields.String(), required=True)
    pairing = fields.Nested(PairingView, allow_none=True)
    next_request = fields.Nested(RequestView, allow_none=True)


class CandidateView(Schema):
    mentor_id = fields.String(required=True)
    room = fields.Integer(required=True)
    areas = fields.List(fields.String(), required=True)
    score = fields.Nested(ScoreView, required=True)


class UnsuitableView(Schema):
    mentor_id = fields.String(required=True)
    failures = fields.List(fields.String(), required=True)


class CandidatesView(Schema):
    """The mentors a coordinator may pick for a team, best first; the others with the rules
    they fail."""

    programme_id = fields.String(required=True)
    mentee_id = fields.String(required=True)
    need_area = fields.String(required=True, allow_none=True)
    pairing_id = fields.String(required=True, allow_none=True)
    candidates = fields.List(fields.Nested(CandidateView), required=True)
    unsuitable = fields.List(fields.Nested(UnsuitableView), required=True)


# ---------------------------------------------------------------------------------------------
# Examples of HTTP input (in the OpenAPI document)
# ---------------------------------------------------------------------------------------------

EXAMPLES: Dict[str, Dict[str, Any]] = {
    "version": {"version": 1},
    "reject": {"reason": "rejected_by_coordinator", "version": 1},
    "assign": {"mentor_id": "5b0c2f8e-8c1a-4d7e-9f0b-1a2b3c4d5e6f",
               "mentee_id": "9e8d7c6b-5a49-4382-8716-05f4e3d2c1b0"},
    "end": {"reason": "completed", "rematch": False, "version": 2},
    "empty": {},
    "choices": {"mentor_ids": ["5b0c2f8e-8c1a-4d7e-9f0b-1a2b3c4d5e6f", "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b"]},
    "decline": {"reason": "I have no time this term"},
}
