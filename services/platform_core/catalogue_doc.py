"""The published catalogue of events, generated from the event catalogue (``mentoring catalogue``).

For each event type: its version, stream type, visibility, producing service, exchange and
routing-key pattern, and its payload fields (from the marshmallow schema) with their types;
plus the envelope every event carries (from :class:`~.envelope.EnvelopeSchema`). That is
``docs/events.md``, for people; :func:`contract_files` are the same contracts for machines
(``docs/contracts/``): a JSON Schema per published event type and version, and an AsyncAPI
document of the exchanges.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from marshmallow import Schema, fields, validate

from . import asyncapi, json_schema
from .envelope import EVENTS_EXCHANGE, INTERNAL_EXCHANGE, EnvelopeSchema
from .events import CATALOGUE, EventType

_TYPES = [
    (fields.AwareDateTime, "string (date-time, with offset)"), (fields.DateTime, "string (date-time)"),
    (fields.Date, "string (date)"), (fields.Time, "string (time)"), (fields.UUID, "string (uuid)"),
    (fields.Email, "string (email)"), (fields.Url, "string (url)"), (fields.String, "string"),
    (fields.Boolean, "boolean"), (fields.Integer, "integer"), (fields.Float, "number"),
    (fields.Decimal, "number"), (fields.Number, "number"), (fields.Dict, "object"),
    (fields.Mapping, "object"), (fields.Raw, "any"),
]
_MAX_DEPTH = 5


def _one_line(text: Optional[str]) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


def _type_of(field: fields.Field) -> str:
    if isinstance(field, fields.List):
        return f"list of {_type_of(field.inner)}"
    if isinstance(field, fields.Nested):
        return "list of object" if field.many else "object"
    if isinstance(field, fields.Tuple):
        return "array [" + ", ".join(_type_of(f) for f in field.tuple_fields) + "]"
    if isinstance(field, fields.Enum):
        return "string (enum)"
    for kind, name in _TYPES:
        if type(field) is kind:
            return name
    for kind, name in _TYPES:  # subclasses (custom fields) of a known kind
        if isinstance(field, kind) and kind is not fields.Raw:
            return name
    name = type(field).__name__  # a custom field: guess from its name, explain with its docstring
    if "DateTime" in name:
        return "string (date-time)"
    if "Date" in name:
        return "string (date)"
    return name


def _notes(field: fields.Field) -> List[str]:
    notes = []
    description = (field.metadata or {}).get("description")
    if description:
        notes.append(str(description))
    validators = list(getattr(field, "validators", []) or [])
    if isinstance(field, fields.List):
        validators += list(getattr(field.inner, "validators", []) or [])
    for validator in validators:
        if isinstance(validator, validate.OneOf):
            choices = [str(c) for c in validator.choices]
            notes.append("one of: " + ", ".join(choices) if len(choices) <= 12
                         else f"one of {len(choices)} values")
        elif isinstance(validator, validate.Range):
            notes.append(f"range {validator.min if validator.min is not None else ''}.."
                         f"{validator.max if validator.max is not None else ''}")
        elif isinstance(validator, validate.Length):
            notes.append(f"length {validator.min if validator.min is not None else ''}.."
                         f"{validator.max if validator.max is not None else ''}")
        elif isinstance(validator, validate.Regexp):
            pattern = validator.regex.pattern
            notes.append(f"matches `{pattern.decode() if isinstance(pattern, bytes) else pattern}`")
    if isinstance(field, fields.Enum):
        notes.append("one of: " + ", ".join(str(m.name) for m in field.enum))
    if not description and type(field).__module__ != fields.__name__ and type(field).__doc__:
        notes.append(_one_line(type(field).__doc__))
    return notes


def describe_fields(schema: Any, prefix: str = "", depth: int = 0) -> List[Dict[str, Any]]:
    """The fields of a marshmallow schema (class or instance), nested ones flattened
    with dotted names (``profile.areas``; ``items[].name`` for a list of objects)."""
    if schema is None or depth > _MAX_DEPTH:
        return []
    instance = schema() if isinstance(schema, type) and issubclass(schema, Schema) else schema
    if not isinstance(instance, Schema):
        return []
    described = []
    for name, field in instance.fields.items():
        if field.load_only:
            continue
        path = prefix + (field.data_key or name)
        described.append({"name": path, "type": _type_of(field), "required": bool(field.required),
                          "nullable": bool(field.allow_none), "notes": "; ".join(_notes(field))})
        nested = None
        if isinstance(field, fields.Nested):
            nested, suffix = field.schema, "[]." if field.many else "."
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            nested, suffix = field.inner.schema, "[]."
        if nested is not None:
            described.extend(describe_fields(nested, path + suffix, depth + 1))
    return described


def _exchange(visibility: str) -> Optional[str]:
    return {"public": EVENTS_EXCHANGE, "internal": INTERNAL_EXCHANGE}.get(visibility)


def describe_event(event: EventType) -> Dict[str, Any]:
    exchange = _exchange(event.visibility)
    return {
        "name": event.name, "version": event.version, "stream_type": event.stream_type,
        "visibility": event.visibility, "service": event.service,
        "exchange": exchange,
        "routing_key": f"<tenant_id>.{event.stream_type}.{event.name}" if exchange else None,
        "description": _one_line(event.description),
        "payload": describe_fields(event.schema),
    }


def build(services: Optional[Iterable[str]] = None) -> Dict[str, Any]:
    """The catalogue as data; ``services`` limits it to the event types of those services."""
    wanted = set(services) if services is not None else None
    events = [describe_event(e) for e in CATALOGUE if wanted is None or e.service in wanted]
    return {"envelope": describe_fields(EnvelopeSchema), "events": events}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _field_table(rows: List[Dict[str, Any]]) -> List[str]:
    lines = ["| Field | Type | Required | Notes |", "|---|---|---|---|"]
    for row in rows:
        required = "yes" if row["required"] else "no"
        if row["nullable"]:
            required += " (nullable)"
        lines.append(f"| `{_cell(row['name'])}` | {_cell(row['type'])} | {required} | {_cell(row['notes'])} |")
    return lines


def to_markdown(catalogue: Dict[str, Any]) -> str:
    lines = [
        "# Catalogue of events",
        "",
        "Generated by `mentoring catalogue --output docs/events.md` from the platform's event "
        "catalogue; do not edit by hand.",
        "",
        "Every event is one JSON object: the envelope below, with the event's own fields under "
        f"`payload`. Public events are published on the topic exchange `{EVENTS_EXCHANGE}` and "
        f"internal ones on `{INTERNAL_EXCHANGE}` (the platform's own services only); private "
        "events are stored and never published. The routing key is "
        "`<tenant_id>.<stream_type>.<EventType>`; the AMQP `message_id` is the event id, and a "
        "redelivery carries the same id. Consumers ignore fields they do not know, so fields may "
        "be added without a new version; a new version means a field changed meaning or was removed.",
        "",
        "## Envelope",
        "",
        *_field_table(catalogue["envelope"]),
        "",
        "## Event types",
        "",
        "| Event | Version | Service | Stream type | Visibility | Routing key |",
        "|---|---|---|---|---|---|",
    ]
    for event in catalogue["events"]:
        key = f"`{event['routing_key']}`" if event["routing_key"] else "(not published)"
        lines.append(f"| [{event['name']}](#{event['name'].lower()}) | {event['version']} | "
                     f"{_cell(event['service'])} | {event['stream_type']} | {event['visibility']} | {key} |")
    current_service = None
    for event in catalogue["events"]:
        if event["service"] != current_service:
            current_service = event["service"]
            lines += ["", f"## {current_service or '(no service)'}"]
        lines += ["", f"### {event['name']}", ""]
        if event["description"]:
            lines += [event["description"], ""]
        published = (f"published on `{event['exchange']}` with routing key `{event['routing_key']}`"
                     if event["exchange"] else "stored only, never published")
        lines += [f"Version {event['version']}; stream type `{event['stream_type']}`; "
                  f"visibility {event['visibility']}; {published}.", ""]
        lines += _field_table(event["payload"]) if event["payload"] else ["(no payload fields)"]
    return "\n".join(lines) + "\n"


def to_json(catalogue: Dict[str, Any]) -> str:
    return json.dumps(catalogue, indent=2, sort_keys=False) + "\n"


# -- machine-readable contracts ----------------------------------------------------------------------

#: Where ``mentoring catalogue --contracts`` writes them in the repository.
CONTRACTS_DIR = "docs/contracts"
SCHEMAS_DIR = "events"
ASYNCAPI_FILE = "asyncapi.yaml"


def published_events(services: Optional[Iterable[str]] = None) -> List[EventType]:
    """The public and internal event types (of ``services``), as the catalogue lists them."""
    wanted = set(services) if services is not None else None
    return [e for e in CATALOGUE if e.visibility in json_schema.EXCHANGES
            and (wanted is None or e.service in wanted)]


def contract_files(services: Optional[Iterable[str]] = None) -> Dict[str, str]:
    """Path (relative to the contracts folder) -> text of each generated contract file."""
    events = published_events(services)
    files = {f"{SCHEMAS_DIR}/{json_schema.file_name(e)}": json_schema.to_json(json_schema.event_schema(e))
             for e in events}
    files[ASYNCAPI_FILE] = asyncapi.to_yaml(asyncapi.document(events))
    return files


def stale_contract_files(directory: Path, files: Dict[str, str]) -> List[str]:
    """Schema files in ``directory`` that ``files`` no longer has. An older version of an event
    type still published is not stale: consumers may still read events of that version."""
    parsed_names = (json_schema.parse_file_name(Path(name).name) for name in files if name.endswith(".json"))
    current = dict(parsed for parsed in parsed_names if parsed is not None)
    stale = []
    for path in sorted((directory / SCHEMAS_DIR).glob("*")):
        name = f"{SCHEMAS_DIR}/{path.name}"
        parsed = json_schema.parse_file_name(path.name)
        if name in files or (parsed and parsed[0] in current and parsed[1] < current[parsed[0]]):
            continue
        stale.append(name)
    return stale


def write_contracts(directory: Path, services: Optional[Iterable[str]] = None) -> Dict[str, List[str]]:
    """Write the contract files into ``directory``, remove stale ones; says what it did."""
    files = contract_files(services)
    removed = stale_contract_files(directory, files)
    for name in removed:
        (directory / name).unlink()
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"written": sorted(files), "removed": removed}
