"""JSON Schema (draft 2020-12) of each published event, from the marshmallow schemas.

:func:`event_schema` describes one event type and version as it travels: the envelope
(:class:`~.envelope.EnvelopeSchema`) with ``event_type``, ``schema_version`` and
``stream_type`` fixed, and ``payload`` described by the event's payload schema. Nested
schemas go to ``$defs``.

The mapping covers the fields the platform's schemas use: strings (with ``Email``, ``Url``,
``UUID``, dates and times as formats), numbers, booleans, ``Dict`` (values as
``additionalProperties``, constrained keys as ``propertyNames``), ``List``, ``Nested``,
``Enum`` and ``Raw``; the validators ``OneOf`` (``enum``), ``Range``, ``Length`` and
``Regexp``; ``required``, ``allow_none`` and ``metadata["description"]``. A custom field says
what it is with a class attribute ``json_schema`` (e.g. ``{"type": "string", "format":
"date"}``); a field it cannot describe is an error, so a contract never silently says less
than the code. Function validators (a uuid check) are not expressible and are left out.

Objects allow properties they do not list: consumers read events tolerantly, and a producer
may add a field without a new version. The ``personal`` payload field travels encrypted
(:data:`~.events.ENCRYPTED_FIELD`): it is described as ciphertext or ``null``, with its clear
shape under ``x-decrypted``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

from marshmallow import Schema, fields, validate

from .envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, EnvelopeSchema
from .events import ENCRYPTED_FIELD, EventType

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: The visibilities whose events leave their service, and the exchange each is published on.
EXCHANGES = {"public": EVENTS_EXCHANGE, "internal": INTERNAL_EXCHANGE}

_FORMATS = [  # most specific first: AwareDateTime is a DateTime, Email and Url are Strings
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Time, {"type": "string", "format": "time"}),
    (fields.TimeDelta, {"type": "number"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.Url, {"type": "string", "format": "uri"}),
    (fields.String, {"type": "string"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Number, {"type": "number"}),  # Float, Decimal
]


class UnsupportedField(TypeError):
    """A field the mapping cannot describe: give its class a ``json_schema`` attribute."""


def _text(doc: Optional[str]) -> str:
    return " ".join((doc or "").split())


def file_name(event: EventType) -> str:
    return f"{event.name}.v{event.version}.json"


def schema_id(event: EventType) -> str:
    return f"urn:mentoring-platform:event:{event.name}:v{event.version}"


class _Builder:
    """Turns marshmallow schemas into JSON Schema, collecting nested ones in ``defs``."""

    def __init__(self) -> None:
        self.defs: Dict[str, Dict[str, Any]] = {}
        self._names: Dict[Any, str] = {}

    def ref(self, schema: Any) -> Dict[str, Any]:
        instance = schema() if isinstance(schema, type) else schema
        key = (type(instance), bool(instance.partial))
        if key not in self._names:
            name = type(instance).__name__ + ("Partial" if instance.partial else "")
            taken = set(self._names.values())
            unique, n = name, 2
            while unique in taken:
                unique, n = f"{name}{n}", n + 1
            self._names[key] = unique
            self.defs[unique] = {}  # reserve the name: a schema may nest itself
            self.defs[unique] = self.object(instance)
        return {"$ref": f"#/$defs/{self._names[key]}"}

    def object(self, schema: Any) -> Dict[str, Any]:
        instance = schema() if isinstance(schema, type) else schema
        if not isinstance(instance, Schema):
            raise UnsupportedField(f"{schema!r} is not a marshmallow schema")
        if instance.only or instance.exclude:
            raise UnsupportedField(f"{type(instance).__name__}: only/exclude are not described")
        described: Dict[str, Any] = {"type": "object"}
        doc = _text(type(instance).__doc__)
        if doc and type(instance).__doc__ is not Schema.__doc__:
            described["description"] = doc
        properties: Dict[str, Any] = {}
        required: List[str] = []
        for name, field in instance.fields.items():
            if field.load_only:
                continue
            key = field.data_key or name
            properties[key] = self.field(field)
            if field.required and instance.partial is not True:
                required.append(key)
        described["properties"] = properties
        if required:
            described["required"] = required
        return described

    def field(self, field: fields.Field) -> Dict[str, Any]:
        described = self._shape(field)
        described.update(_constraints(field, described))
        if field.allow_none:
            described = _nullable(described)
        note = (field.metadata or {}).get("description")
        if note:
            described = {"description": str(note), **described}
        return described

    def _shape(self, field: fields.Field) -> Dict[str, Any]:
        own = getattr(type(field), "json_schema", None)
        if own is not None:
            return dict(own)
        if isinstance(field, fields.Nested):
            nested = self.ref(field.schema)
            return {"type": "array", "items": nested} if field.many else nested
        if isinstance(field, fields.Pluck):
            raise UnsupportedField("Pluck is not described")
        if isinstance(field, fields.List):
            return {"type": "array", "items": self.field(field.inner)}
        if isinstance(field, fields.Tuple):
            return {"type": "array", "prefixItems": [self.field(f) for f in field.tuple_fields],
                    "items": False}
        if isinstance(field, fields.Enum):
            return {"enum": [m.value if field.by_value else m.name for m in field.enum]}
        if isinstance(field, fields.Mapping):  # Dict
            return self._mapping(field)
        return _scalar(field)

    def _mapping(self, field: fields.Mapping) -> Dict[str, Any]:
        described: Dict[str, Any] = {"type": "object"}
        if field.key_field is not None:
            keys = self.field(field.key_field)
            if keys != {"type": "string"}:
                described["propertyNames"] = keys
        if field.value_field is not None:
            described["additionalProperties"] = self.field(field.value_field)
        return described


def _scalar(field: fields.Field) -> Dict[str, Any]:
    """The shape of a field that holds no other fields: a JSON type and format, or anything (Raw)."""
    for kind, shape in _FORMATS:
        if isinstance(field, kind):
            return dict(shape)
    if type(field) is fields.Raw:
        return {}
    raise UnsupportedField(f"no JSON Schema for {type(field).__module__}.{type(field).__name__}: "
                           "give the field class a json_schema attribute")


def _constraints(field: fields.Field, shape: Dict[str, Any]) -> Dict[str, Any]:
    kind = shape.get("type")
    out: Dict[str, Any] = {}
    for validator in getattr(field, "validators", None) or []:
        if isinstance(validator, validate.OneOf):
            out["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                out["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
            if validator.max is not None:
                out["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
        elif isinstance(validator, validate.Length):
            words: Dict[Optional[str], Tuple[str, str]] = {
                "array": ("minItems", "maxItems"), "object": ("minProperties", "maxProperties")}
            low, high = words.get(kind, ("minLength", "maxLength"))
            if validator.equal is not None:
                out[low] = out[high] = validator.equal
            if validator.min is not None:
                out[low] = validator.min
            if validator.max is not None:
                out[high] = validator.max
        elif isinstance(validator, validate.Regexp):
            pattern = validator.regex.pattern
            out["pattern"] = pattern if isinstance(pattern, str) else pattern.decode()
        elif isinstance(validator, (validate.Equal,)):
            out["const"] = validator.comparable
    return out


def _nullable(described: Dict[str, Any]) -> Dict[str, Any]:
    if not described:
        return described  # anything, null included
    if "type" in described and "$ref" not in described:
        types = described["type"] if isinstance(described["type"], list) else [described["type"]]
        described = {**described, "type": types + ["null"]}
        if "enum" in described:
            described["enum"] = list(described["enum"]) + [None]
        return described
    return {"anyOf": [described, {"type": "null"}]}


def _encrypted(clear: Dict[str, Any], note: Optional[str]) -> Dict[str, Any]:
    clear = {k: v for k, v in clear.items() if k != "description"}
    if "anyOf" in clear:  # nullable: keep the clear shape itself
        clear = next(s for s in clear["anyOf"] if s != {"type": "null"})
    return {
        "description": _text(f"{note or 'personal data'}. On the wire: ciphertext only its "
                             "producer can read (an object such as {\"encrypted\": ..., "
                             "\"key_id\": ...}) or null; x-decrypted is its shape in clear."),
        "type": ["object", "null"],
        "x-decrypted": clear,
    }


def payload_schema(event: EventType, builder: Optional[_Builder] = None) -> Dict[str, Any]:
    """The JSON Schema of an event's payload as it travels (``personal`` encrypted)."""
    builder = builder or _Builder()
    described = builder.object(event.schema)
    described = {"title": event.schema.__name__, **described}
    if event.description:
        described["description"] = _text(event.description)
    properties = described["properties"]
    if ENCRYPTED_FIELD in properties:
        field = event.schema().fields.get(ENCRYPTED_FIELD)
        note = (field.metadata or {}).get("description") if field is not None else None
        properties[ENCRYPTED_FIELD] = _encrypted(properties[ENCRYPTED_FIELD], note)
        if ENCRYPTED_FIELD in described.get("required", []):
            described["required"].remove(ENCRYPTED_FIELD)
    return described


def event_schema(event: EventType) -> Dict[str, Any]:
    """The JSON Schema of a published event: its envelope with that payload."""
    builder = _Builder()
    envelope = builder.object(EnvelopeSchema)
    properties = envelope["properties"]
    properties["event_type"] = {**properties["event_type"], "const": event.name}
    properties["schema_version"] = {**properties["schema_version"], "const": event.version}
    properties["stream_type"] = {**properties["stream_type"], "const": event.stream_type}
    properties["payload"] = payload_schema(event, builder)
    exchange = EXCHANGES.get(event.visibility)
    described = {
        "$schema": DIALECT,
        "$id": schema_id(event),
        "title": f"{event.name} v{event.version}",
        "description": _text(event.description),
        "x-service": event.service,
        "x-visibility": event.visibility,
        "x-exchange": exchange,
        "x-routing-key": f"<tenant_id>.{event.stream_type}.{event.name}" if exchange else None,
        "type": "object",
        "properties": properties,
        "required": envelope["required"],
    }
    if builder.defs:
        described["$defs"] = dict(sorted(builder.defs.items()))
    return described


def to_json(schema: Dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


_FILE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+)\.v(?P<version>[0-9]+)\.json$")


def parse_file_name(name: str) -> Optional[Tuple[str, int]]:
    """``("MentorRegistered", 1)`` for ``MentorRegistered.v1.json``; None if not such a name."""
    match = _FILE.match(name)
    return (match["name"], int(match["version"])) if match else None
