"""A tenant's own templates: one per kind of message, language and part (subject, plain text,
HTML), saved as events on a stream of their own, used for that tenant only.

Whether a template may be saved (it parses, names only the variables its kind gives, reaches
nothing else) is checked by :mod:`services.notifications.tenant_templates` with Jinja2's own
parser and sandbox; here are the words and the events.
"""
from __future__ import annotations

import uuid
from typing import List, Optional

from services.platform_core.events import DomainEvent

PARTS = ("subject", "text", "html")
STREAM = "template"
#: the longest template a tenant may save (characters)
MAX_SOURCE = 20000
#: what every template is given besides its kind's own variables: the message's language, the
#: platform's phrases of the kind in that language (``t.<phrase>``, plain text) and, for a
#: message a person may turn off, the one-click link (else None)
COMMON_VARIABLES = ("language", "t", "unsubscribe_url")

_NAMESPACE = uuid.UUID("4b8e2a57-90d3-4c39-8d5e-61f0c2b7a3d9")


def stream_id(tenant_id: str, kind: str, language: str, part: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/{kind}/{language}/{part}"))


def override(tenant_id: str, kind: str, language: str, part: str, source: str,
             current: Optional[str]) -> List[DomainEvent]:
    """Save the tenant's template (nothing when it is the same as the saved one)."""
    if current == source:
        return []
    return [DomainEvent("TemplateOverridden", STREAM, stream_id(tenant_id, kind, language, part),
                        {"kind": kind, "language": language, "part": part, "source": source})]


def reset(tenant_id: str, kind: str, language: str, part: str, current: Optional[str]) -> List[DomainEvent]:
    """Remove the tenant's template (nothing when there is none)."""
    if current is None:
        return []
    return [DomainEvent("TemplateReset", STREAM, stream_id(tenant_id, kind, language, part),
                        {"kind": kind, "language": language, "part": part})]
