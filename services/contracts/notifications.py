"""The events the notifications service publishes: their payload schemas, registered in the
platform's event catalogue.

Each message lives on ``notification``/<message id>: a UUID made from the message's key (the
cause event's id, the recipient's person id, their role, the kind of message, and for a
repeated reminder the how-manieth it is), so the same cause never makes two messages. No
payload holds personal data: people are named by their ids, never an address; an SMTP answer
is kept with every address in it masked.

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
#: note of a student who joined their group outside a round; then notices and reminders; a
#: coordinator's notice of a disputed meeting; a proposal waiting for a coordinator's approval; a
#: survey's invitation to its respondents; a coordinator's notice of a pair's fit concern; an
#: e-course student's reminder of a task's deadline)
KINDS = ("introduction", "pairing_ended", "group_introduction", "group_joined", "registration_received",
         "consent_missing", "training_reminder", "registration_closing", "shortlist_offered", "mentor_requested",
         "request_not_accepted", "pairing_at_risk", "meeting_disputed", "proposal_waiting", "survey_invitation",
         "fit_concern", "task_deadline")
#: to whom a message goes, as a side of what caused it (a guardian: the mentee's), or as the
#: programme's staff (a coordinator, a teacher: their own person id), or as a team's member (the
#: team's id: a member has none of their own)
ROLES = ("mentor", "mentee", "guardian", "coordinator", "teacher", "member")
#: the languages messages are written in
LANGUAGES = ("en", "lv", "lt", "nl")
#: why a message was not delivered
FAILURE_REASONS = ("rejected", "gave_up")
#: the parts of a message a tenant may write its own template for
TEMPLATE_PARTS = ("subject", "text", "html")
#: what a person may turn off with the link in a mail (an introduction cannot be turned off)
OPT_OUT_GROUPS = ("reminders",)
#: whose address a message goes to: the person's own, or (a minor's) their guardian's
AUDIENCES = ("self", "guardian")
#: how an opt-out was made
OPT_OUT_VIA = ("link", "coordinator")


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
                       "the member's place or the group's mentor; a coordinator's registration closing, a UUID "
                       "made from the programme's id (one per programme, whichever event told of it)"})
    cause_event_type = fields.String(required=True)
    occurrence = fields.Integer(load_default=1, metadata={
        "description": "the how-manieth of a repeated reminder of one cause (1 for every other message)"})
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


@event_type("NotificationResent", stream_type="notification", service=SERVICE)
class NotificationResentPayload(PayloadSchema):
    """The coordinator sends a failed message again (same key, a new attempt), to the address
    registration holds now."""

    message_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    recipient_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    programme_id = fields.String(required=True)
    attempts = fields.Integer(required=True, metadata={"description": "attempts made before this resend"})
    address_changed = fields.Boolean(required=True, metadata={
        "description": "the address is not the one that was refused"})
    requested_at = IsoDateTime(required=True)


class _TemplatePayload(PayloadSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    part = fields.String(required=True, validate=validate.OneOf(TEMPLATE_PARTS))


@event_type("TemplateOverridden", stream_type="template", service=SERVICE)
class TemplateOverriddenPayload(_TemplatePayload):
    """A tenant's own template for a part of a kind of message in a language (checked when
    saved: it parses, names only the variables given, reaches nothing else); used for that
    tenant's messages only. The stream: a UUID made from tenant, kind, language and part."""

    source = fields.String(required=True, metadata={"description": "the Jinja2 template"})


@event_type("TemplateReset", stream_type="template", service=SERVICE)
class TemplateResetPayload(_TemplatePayload):
    """The tenant's own template removed: the platform's is used again."""


class _OptOutPayload(PayloadSchema):
    person_id = fields.String(required=True, metadata={"description": "a guardian's: the mentee's id"})
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    group = fields.String(required=True, validate=validate.OneOf(OPT_OUT_GROUPS))


@event_type("RecipientOptedOut", stream_type="optout", service=SERVICE)
class RecipientOptedOutPayload(_OptOutPayload):
    """A person (or a minor's guardian) turned off a group of messages, by the one-click link
    of a mail (RFC 8058). The stream: a UUID made from tenant, person, audience and group."""

    via = fields.String(required=True, validate=validate.OneOf(OPT_OUT_VIA))


@event_type("RecipientOptOutCleared", stream_type="optout", service=SERVICE)
class RecipientOptOutClearedPayload(_OptOutPayload):
    """The coordinator turned the group of messages on again (the person asked)."""


#: Every event type notifications publishes, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    event_type_of(schema): schema for schema in (
        NotificationSentPayload, NotificationFailedPayload, NotificationResentPayload,
        TemplateOverriddenPayload, TemplateResetPayload, RecipientOptedOutPayload, RecipientOptOutClearedPayload)
}
