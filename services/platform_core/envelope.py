"""The event envelope: what every stored and published event carries.

An :class:`Envelope` wraps a domain event's payload with the facts every consumer and
external subscriber relies on: its id, type and schema version, its tenant, the stream it
belongs to and its position there, its position in the producing service's store, when it
happened, who caused it, and the correlation/causation chain.

On the wire an envelope is one JSON object (content type ``application/json``), published
on a durable topic exchange with the routing key ``<tenant_id>.<stream_type>.<EventType>``.
Consumers load envelopes tolerantly: unknown fields are ignored, so adding a field breaks
nobody; a message that lacks a required field is malformed and is dead-lettered.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

#: The topic exchange of public domain events (external subscribers may bind to it).
EVENTS_EXCHANGE = "mentoring.events"
#: The topic exchange of internal events (credential hashes...): the platform's services only.
INTERNAL_EXCHANGE = "mentoring.internal"

ACTOR_KINDS = ("operator", "coordinator", "participant", "system")
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
ROUTING_WORD = re.compile(r"^[A-Za-z0-9_-]+$")


class MalformedEvent(ValueError):
    """A message that cannot be read as an event envelope; says what is wrong."""


@dataclass(frozen=True)
class Actor:
    """Who caused an event: an operator, a tenant's coordinator, a participant or the system."""

    kind: str
    id: Optional[str] = None

    def __post_init__(self):
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor kind must be one of {ACTOR_KINDS}, not {self.kind!r}")

    def as_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "id": self.id}


SYSTEM = Actor("system", None)


def new_id() -> str:
    return str(uuid.uuid4())


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the platform only deals in timezone-aware times")
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    schema_version: int
    tenant_id: str
    stream_type: str
    stream_id: str
    stream_position: int
    global_position: Optional[int]
    occurred_at: datetime
    actor: Actor
    correlation_id: str
    causation_id: Optional[str]
    payload: Dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def routing_key(self) -> str:
        return routing_key(self.tenant_id, self.stream_type, self.event_type)

    def with_payload(self, payload: Dict[str, Any]) -> "Envelope":
        return replace(self, payload=payload)

    def to_message(self) -> Dict[str, Any]:
        return EnvelopeSchema().dump(self)

    def to_json(self) -> str:
        return json.dumps(self.to_message(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_message(cls, message: Any) -> "Envelope":
        """Load an envelope from a decoded message body, tolerantly (unknown fields ignored)."""
        if isinstance(message, (bytes, str)):
            try:
                message = json.loads(message)
            except ValueError as exc:
                raise MalformedEvent(f"body is not JSON: {exc}") from None
        if not isinstance(message, dict):
            raise MalformedEvent(f"body must be a JSON object, not {type(message).__name__}")
        try:
            return EnvelopeSchema().load(message)
        except ValidationError as exc:
            problems = "; ".join(f"{name}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                                 for name, msgs in sorted(exc.normalized_messages().items()))
            raise MalformedEvent(f"not a valid event envelope: {problems}") from None


def routing_key(tenant_id: str, stream_type: str, event_type: str) -> str:
    return f"{tenant_id}.{stream_type}.{event_type}"


class ActorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(ACTOR_KINDS))
    id = fields.String(load_default=None, allow_none=True)


class EnvelopeSchema(Schema):
    """The envelope every event carries, on the wire and in the catalogue."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    event_id = fields.UUID(required=True, metadata={"description": "unique id; a redelivery carries the same"})
    event_type = fields.String(required=True, validate=validate.Regexp(ROUTING_WORD))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    tenant_id = fields.String(required=True, validate=validate.Regexp(TENANT_ID))
    stream_type = fields.String(required=True, validate=validate.Regexp(ROUTING_WORD))
    stream_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    stream_position = fields.Integer(required=True, validate=validate.Range(min=1))
    global_position = fields.Integer(load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    actor = fields.Nested(ActorSchema, required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(load_default=None, allow_none=True)
    source = fields.String(load_default="")
    payload = fields.Dict(keys=fields.String(), required=True)

    def load(self, data, **kwargs):
        loaded = super().load(data, **kwargs)
        loaded["event_id"] = str(loaded["event_id"])
        loaded["actor"] = Actor(**loaded["actor"])
        loaded["occurred_at"] = utc(loaded["occurred_at"])
        return Envelope(**loaded)

    def dump(self, obj, **kwargs):
        data = asdict(obj) if isinstance(obj, Envelope) else dict(obj)
        data["actor"] = obj.actor.as_dict() if isinstance(obj, Envelope) else data["actor"]
        data["occurred_at"] = utc(data["occurred_at"]).isoformat()
        return {name: data[name] for name in self.fields}
