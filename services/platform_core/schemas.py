"""The two kinds of marshmallow schema every service writes.

An :class:`InputSchema` reads an HTTP body strictly: an unknown field is an error that
names it. A :class:`PayloadSchema` describes an event payload and reads it tolerantly:
unknown fields are left out, so a producer adding a field breaks no consumer.
"""
from typing import Any, Dict, List, Mapping

from marshmallow import EXCLUDE, RAISE, Schema


class InputSchema(Schema):
    """An HTTP command body: unknown fields are errors."""

    class Meta:
        unknown = RAISE


class PayloadSchema(Schema):
    """An event payload: read tolerantly, unknown fields are left out."""

    class Meta:
        unknown = EXCLUDE


def flatten_errors(messages: Any, prefix: str = "") -> Dict[str, List[str]]:
    """marshmallow's nested error dict as ``{dotted.path: [messages]}``."""
    if isinstance(messages, Mapping):
        flat: Dict[str, List[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_schema"
            for name, found in flatten_errors(value, path).items():
                flat.setdefault(name, []).extend(found)
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}
