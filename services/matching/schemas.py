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
from services.platform_core.events import event_type
from services.platform_core.schemas import InputSchema, PayloadSchema, flatten_errors
from services.platform_core.web import BadRequest

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


#: Every event type this service emits, by name: the published ones and the guards.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    **contracts.PAYLOAD_SCHEMAS,
    **{schema.event_type_name: schema for schema in (
        MentorSlotTakenPayload, MentorSlotFreedPayload, MenteePlacedPayload, MenteeReleasedPayload)}}


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


def load_input(schema: Type[Schema], data: Any) -> Dict[str, Any]:
    try:
        return schema().load(data if data is not None else {})
    except ValidationError as error:
        details = flatten_errors(error.messages)
        raise BadRequest(f"the input is invalid: {', '.join(sorted(details))}",
                         details=details) from None
