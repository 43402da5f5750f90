"""Marshmallow schemas of the notifications service: what its HTTP endpoints answer (for the
OpenAPI document). The payloads of the events it publishes are a contract:
:mod:`services.contracts.notifications`. It has no private events and takes no input."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts import notifications as contracts

from .read_model import STATUSES

SERVICE = contracts.SERVICE
PAYLOAD_SCHEMAS = contracts.PAYLOAD_SCHEMAS


class DeliveryView(Schema):
    """One message of the delivery log: ids only, never a name or an address."""

    message_id = fields.String(required=True, metadata={"description": "also its Message-ID header's local part"})
    kind = fields.String(required=True, validate=validate.OneOf(contracts.KINDS))
    recipient_id = fields.String(required=True, metadata={"description": "the person (a guardian's: the mentee)"})
    role = fields.String(required=True, validate=validate.OneOf(contracts.ROLES))
    programme_id = fields.String(required=True)
    pairing_id = fields.String(allow_none=True)
    cause_event_id = fields.String(required=True)
    cause_event_type = fields.String(required=True)
    occurrence = fields.Integer(required=True, metadata={"description": "the how-manieth of a repeated reminder"})
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "pending (to be sent or tried again), sent, failed (NotificationFailed), "
                       "skipped (no one to tell: last_error says why)"})
    language = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True, metadata={"description": "the last failure, addresses masked"})
    smtp_code = fields.Integer(allow_none=True)
    recorded_at = fields.String(required=True)
    next_attempt_at = fields.String(allow_none=True)
    sent_at = fields.String(allow_none=True)


class ProgrammeLogView(Schema):
    """A programme's messages, oldest first."""

    programme_id = fields.String(required=True)
    notifications = fields.List(fields.Nested(DeliveryView), required=True)


class PersonLogView(Schema):
    """A person's messages (and their guardian's), oldest first."""

    person_id = fields.String(required=True)
    notifications = fields.List(fields.Nested(DeliveryView), required=True)
