"""Marshmallow schemas of the sessions service: its HTTP input (strict: an unknown field is an
error; :func:`load_input` raises a 400 naming each field). The payloads of the events it
publishes are a contract: :mod:`services.contracts.sessions`. It has no private events."""
from __future__ import annotations

import re
import uuid
from typing import Any, Dict, Iterator, Type

from marshmallow import Schema, ValidationError, fields, validate

from services.contracts import sessions as contracts
from services.platform_core.schemas import InputSchema, flatten_errors
from services.platform_core.web import BadRequest

SERVICE = contracts.SERVICE
PAYLOAD_SCHEMAS = contracts.PAYLOAD_SCHEMAS


class AwareDateTime(fields.AwareDateTime):
    default_error_messages = {"invalid": "Not a valid ISO 8601 date-time.",
                              "invalid_awareness": "Give the time zone too (e.g. 2025-03-10T16:00:00+02:00)."}


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError("Not a valid id (uuid).") from None
    return True


def Text(maximum: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=maximum), **kwargs)


class NewGoalInput(InputSchema):
    title = Text(500, required=True)
    target_date = fields.Date(required=True)


class MeetingFactsInput(InputSchema):
    started_at = AwareDateTime(required=True)
    minutes = fields.Integer(strict=True, required=True, metadata={"description": "5 to 600"})
    mode = fields.String(required=True, validate=validate.OneOf(contracts.MODES))
    areas = fields.List(fields.String(validate=validate.Length(max=63)), load_default=list,
                        validate=validate.Length(max=50))
    plan = Text(4000, load_default=None, allow_none=True)
    note = Text(4000, load_default=None, allow_none=True)


class LogMeetingInput(MeetingFactsInput):
    goals_set = fields.List(fields.Nested(NewGoalInput), load_default=list, validate=validate.Length(max=20))
    goals_reached = fields.List(fields.String(validate=_uuid), load_default=list, validate=validate.Length(max=50))


class DisputeInput(InputSchema):
    reason = Text(2000, load_default=None, allow_none=True)


class EmptyInput(InputSchema):
    """Commands that take no input."""


class ProgressInput(InputSchema):
    note = Text(4000, required=True)


class FinalReviewInput(InputSchema):
    achievements = Text(8000, required=True)
    further_goals = fields.List(Text(500), load_default=list, validate=validate.Length(max=20))
    next_steps = Text(8000, required=True)


class ReportInput(InputSchema):
    as_of = AwareDateTime(load_default=None, metadata={"description": "the moment the report is of (default: now)"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _surrogates(value: Any, path: str = "") -> Iterator[str]:
    """Where the input holds a lone UTF-16 surrogate (``"\\ud800"``): valid JSON, but no text,
    so it could be stored yet never be sent back (UTF-8 cannot encode it)."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            yield path or "(body)"
    elif isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _SURROGATE.search(str(key)):
                yield here.encode("utf-8", "backslashreplace").decode("utf-8")
            else:
                yield from _surrogates(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _surrogates(item, f"{path}.{index}" if path else str(index))


def load_input(schema: Type[Schema], data: Any) -> Dict[str, Any]:
    """The input loaded by ``schema``, or a 400 naming each bad field."""
    broken = sorted(set(_surrogates(data)))
    if broken:
        raise BadRequest("the input has characters that are not text (lone UTF-16 surrogates)",
                         details={field: ["contains a lone surrogate (\\ud800-\\udfff), which is not text"]
                                  for field in broken})
    try:
        return schema().load(data if data is not None else {})
    except ValidationError as error:
        details = flatten_errors(error.messages)
        raise BadRequest(f"the input is invalid: {', '.join(sorted(details))}", details=details) from None
