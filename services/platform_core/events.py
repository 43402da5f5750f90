"""Domain events as the domain sees them, and the catalogue of every event type.

``DomainEvent`` is the only thing a service's domain module needs from the platform: an
aggregate takes a command and returns a list of them. It is plain Python (no nameko, no
SQLAlchemy, no marshmallow). The plumbing wraps each one in an envelope
(:mod:`services.platform_core.envelope`) when it is appended to the store.

Every event type is registered in :data:`CATALOGUE` with the marshmallow schema of its
payload; the published catalogue of events (``mentoring catalogue``) is generated from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Type


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, in the domain's words.

    ``stream_type``/``stream_id`` name the aggregate the event belongs to (``person``/<id>,
    ``programme``/<id>, ``pairing``/<id> ...). ``payload`` holds JSON-compatible values only.
    """

    event_type: str
    stream_type: str
    stream_id: str
    payload: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    stream_type: str
    schema: Any  # a marshmallow Schema class
    description: str = ""
    visibility: str = "public"  # see VISIBILITIES
    service: str = ""


#: public: published on the domain-events exchange, which external subscribers may read;
#: internal: published on the internal exchange, read by the platform's own services only
#: (e.g. credential hashes); private: stored, never published (e.g. sensitive facts).
VISIBILITIES = ("public", "internal", "private")


#: The one payload key whose content a producer may encrypt before the event leaves it
#: (crypto-shredded personal data): on the wire it is ciphertext, or null once erased.
ENCRYPTED_FIELD = "personal"


def payload_problems(event_type: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    """What is wrong with a payload as it travels, by its registered schema ({} if nothing,
    or if the type or its schema is unknown). Unknown fields are fine: consumers are tolerant."""
    registered = CATALOGUE.find(event_type)
    schema_class = registered.schema if registered else None
    if not (isinstance(schema_class, type) and hasattr(schema_class, "validate")):
        return {}
    checked = {k: v for k, v in payload.items() if k != ENCRYPTED_FIELD}
    return _tolerant_schema(schema_class).validate(checked)


_TOLERANT: Dict[type, Any] = {}


def _tolerant_schema(schema_class: type) -> Any:
    """The schema instance that checks payloads of ``schema_class`` as they travel, built once
    per class (building one per message was a fifth of a consumer's bookkeeping): marshmallow
    keeps no state of a ``validate`` call on the instance."""
    schema = _TOLERANT.get(schema_class)
    if schema is None:
        from marshmallow import EXCLUDE

        schema = _TOLERANT[schema_class] = schema_class(unknown=EXCLUDE, partial=(ENCRYPTED_FIELD,))
    return schema


class UnknownEventType(KeyError):
    pass


class EventCatalogue:
    """Every event type of the platform with the schema of its payload."""

    def __init__(self) -> None:
        self._types: Dict[str, EventType] = {}

    def register(self, name: str, schema: Any, *, stream_type: str, version: int = 1,
                 service: str = "", visibility: str = "public", description: str = "") -> EventType:
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")
        existing = self._types.get(name)
        event_type = EventType(name=name, version=version, stream_type=stream_type, schema=schema,
                               description=description or (schema.__doc__ or "").strip(),
                               visibility=visibility, service=service)
        if existing is not None and existing != event_type:
            raise ValueError(f"event type {name!r} is registered twice with different definitions")
        self._types[name] = event_type
        return event_type

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def find(self, name: str) -> Optional[EventType]:
        return self._types.get(name)

    def __iter__(self):
        return iter(sorted(self._types.values(), key=lambda t: (t.service, t.name)))

    def __contains__(self, name: str) -> bool:
        return name in self._types


CATALOGUE = EventCatalogue()


def event_type(name: str, *, stream_type: str, version: int = 1, service: str = "",
               visibility: str = "public"):
    """Class decorator: register a marshmallow schema as the payload schema of an event type."""

    def register(schema: Type) -> Type:
        CATALOGUE.register(name, schema, stream_type=stream_type, version=version,
                           service=service, visibility=visibility)
        schema.event_type_name = name
        return schema

    return register


def event_type_of(schema: Type) -> str:
    """The event type a payload schema was registered for (by :func:`event_type`)."""
    return vars(schema)["event_type_name"]
