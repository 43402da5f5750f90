"""Marshmallow schemas of the notifications service: what its HTTP endpoints answer (for the
OpenAPI document) and the input it takes (strict). The payloads of the events it publishes are
a contract: :mod:`services.contracts.notifications`. It has no private events."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.contracts import notifications as contracts

from .domain.templates import MAX_SOURCE
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
    address_failing = fields.Boolean(required=True, metadata={
        "description": "the recipient's address (theirs, or their guardian's for a guardian's message) was "
                       "refused for good and has not had a message through since"})


class ProgrammeLogView(Schema):
    """A programme's messages, oldest first."""

    programme_id = fields.String(required=True)
    notifications = fields.List(fields.Nested(DeliveryView), required=True)


class PersonLogView(Schema):
    """A person's messages (and their guardian's), oldest first."""

    person_id = fields.String(required=True)
    notifications = fields.List(fields.Nested(DeliveryView), required=True)


# -- a tenant's templates, previews, opt-outs, failing addresses, exports ------------------------

class TemplateInput(Schema):
    """A tenant's own template of one part of a kind of message in a language (Jinja2, checked
    when saved: it parses, names only the variables its kind gives, reaches nothing else)."""

    source = fields.String(required=True, validate=validate.Length(min=1, max=MAX_SOURCE),
                           metadata={"description": "the Jinja2 template"})


class TemplateView(Schema):
    kind = fields.String(required=True)
    language = fields.String(required=True)
    part = fields.String(required=True, validate=validate.OneOf(contracts.TEMPLATE_PARTS))
    source = fields.String(required=True)
    saved_at = fields.String(required=True)


class KindView(Schema):
    languages = fields.List(fields.String(), required=True, metadata={"description": "the platform writes it in"})
    parts = fields.List(fields.String(), required=True)
    variables = fields.List(fields.String(), required=True, metadata={
        "description": "what a template of the kind may use (t: the platform's phrases in the message's language)"})


class TemplatesView(Schema):
    """The tenant's own templates, and what each kind of message lets a template use."""

    templates = fields.List(fields.Nested(TemplateView), required=True)
    kinds = fields.Dict(keys=fields.String(), values=fields.Nested(KindView), required=True)


class TemplateResetView(Schema):
    kind = fields.String(required=True)
    language = fields.String(required=True)
    part = fields.String(required=True)
    reset = fields.Boolean(required=True)


class PreviewQuery(Schema):
    role = fields.String(load_default="mentor", validate=validate.OneOf(contracts.ROLES),
                         metadata={"description": "whose message (default: the mentor's)"})
    pairing_id = fields.String(load_default=None, validate=validate.Length(max=64), metadata={
        "description": "a real pairing of the tenant to render with (else sample data)"})


class PreviewView(Schema):
    """A message rendered as it would be sent, with the tenant's templates: nothing is sent."""

    kind = fields.String(required=True)
    language = fields.String(required=True, metadata={"description": "the language written (English if the "
                                                                      "kind has no translation asked for)"})
    role = fields.String(required=True)
    sample = fields.Boolean(required=True, metadata={"description": "rendered with sample data, not a pairing's"})
    subject = fields.String(required=True)
    text = fields.String(required=True)
    html = fields.String(required=True)
    overridden = fields.List(fields.String(), required=True, metadata={"description": "the tenant's parts used"})
    unsubscribe_url = fields.String(allow_none=True)


class OptOutView(Schema):
    person_id = fields.String(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(contracts.AUDIENCES))
    group = fields.String(required=True, validate=validate.OneOf(contracts.OPT_OUT_GROUPS))
    via = fields.String(required=True, validate=validate.OneOf(contracts.OPT_OUT_VIA))
    since = fields.String(required=True)


class OptOutsView(Schema):
    opt_outs = fields.List(fields.Nested(OptOutView), required=True)


class OptOutQuery(Schema):
    audience = fields.String(load_default="self", validate=validate.OneOf(contracts.AUDIENCES))
    group = fields.String(load_default="reminders", validate=validate.OneOf(contracts.OPT_OUT_GROUPS))


class OptOutClearedView(Schema):
    person_id = fields.String(required=True)
    audience = fields.String(required=True)
    group = fields.String(required=True)
    cleared = fields.Boolean(required=True)


class FailingAddressView(Schema):
    """An address a mail server refused for good (no address: which person's, and whose)."""

    recipient_id = fields.String(required=True)
    audience = fields.String(required=True, validate=validate.OneOf(contracts.AUDIENCES))
    message_id = fields.String(required=True, metadata={"description": "the message it refused"})
    smtp_code = fields.Integer(allow_none=True)
    failed_at = fields.String(required=True)


class FailingAddressesView(Schema):
    failing_addresses = fields.List(fields.Nested(FailingAddressView), required=True)


class PersonExportView(Schema):
    """Everything notifications holds about a person: their delivery log (their guardian's
    messages too), what they turned off, and addresses of theirs that were refused."""

    person_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    exported_at = fields.String(required=True)
    kept_days = fields.Integer(required=True, metadata={"description": "how long a log entry is kept"})
    notifications = fields.List(fields.Nested(DeliveryView), required=True)
    opt_outs = fields.List(fields.Nested(OptOutView), required=True)
    failing_addresses = fields.List(fields.Nested(FailingAddressView), required=True)
