"""The events the notifications service publishes: their payload schemas, registered in the
platform's event catalogue.

Each message lives on ``notification``/<message id>: a UUID made from the message's key (the
cause event's id, the recipient's person id, their role, the kind of message), so the same
cause never makes two messages. No payload holds personal data: people are named by their ids,
never an address; an SMTP answer is kept with every address in it masked.

The vocabularies below are the published words of the notifications domain; the domain keeps
its own (``services/notifications/domain/``) and ``tests/test_contracts.py`` holds the two to
each other.
"""
from __future__ import annotations

from typing import Dict, Type

from marshmallow import Schema, fields, validate

from services.platform_core.events import event_type, event_type_of
from services.platform_core.schemas import PayloadSchema

from .registration import IsoDateTime

SERVICE = "notifications"

#: the kinds of message (an e-course group's introduction, one per mentor and round; the mentor's
#: note of a student who joined their group outside a round)
KINDS = ("introduction", "pairing_ended", "group_introduction", "group_joined")
#: to whom a message goes, as a side of what caused it (a guardian: the mentee's), or as the
#: programme's staff (a coordinator, a teacher: their own person id), or as a team's member (the
#: team's id: a member has none of their own)
ROLES = ("mentor", "mentee", "guardian", "coordinator", "teacher", "member")
#: the languages messages are written in
LANGUAGES = ("en", "lv", "lt", "nl")
#: why a message was not delivered
FAILURE_REASONS = ("rejected", "gave_up")


class _MessagePayload(PayloadSchema):
    message_id = fields.String(required=True, metadata={
        "description": "the message's id, from its key; its Message-ID header is <message_id@sender's domain>"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    recipient_id = fields.String(required=True, metadata={
        "description": "the person it is for (a guardian's message: the mentee's id; a team member's: the "
                       "team's id)"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    programme_id = fields.String(required=True)
    pairing_id = fields.String(allow_none=True, load_default=None)
    cause_event_id = fields.String(required=True, metadata={
        "description": "the event it answers; where one event makes several messages for the same recipient "
                       "and role (a team's members, a round's groups), a UUID made from that event's id and "
                       "the member's place or the group's mentor"})
    cause_event_type = fields.String(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    attempts = fields.Integer(required=True, metadata={"description": "sending attempts, this one included"})


@event_type("NotificationSent", stream_type="notification", service=SERVICE)
class NotificationSentPayload(_MessagePayload):
    """The mail server accepted the message."""

    sent_at = IsoDateTime(required=True)


@event_type("NotificationFailed", stream_type="notification", service=SERVICE)
class NotificationFailedPayload(_MessagePayload):
    """The message cannot be delivered: the mail server refused it for good (a 5xx answer), or
    it still failed after the last attempt."""

    reason = fields.String(required=True, validate=validate.OneOf(FAILURE_REASONS))
    smtp_code = fields.Integer(allow_none=True, load_default=None)
    error = fields.String(required=True, metadata={"description": "the last answer, addresses masked"})
    failed_at = IsoDateTime(required=True)


#: Every event type notifications publishes, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    event_type_of(schema): schema for schema in (NotificationSentPayload, NotificationFailedPayload)
}
