"""What a person may turn off, and the signed one-click link that turns it off (RFC 8058).

An introduction cannot be turned off: it is what a person signed up for. Every other kind of
message belongs to a group a person may leave (today one: ``reminders``). A link names the
tenant, the person, the audience (their own address, or a minor's guardian's) and the group,
signed with HMAC-SHA256 under a key the caller derives from the platform's secret; nothing
else is needed to follow it, and a changed letter makes it worthless.

:func:`group_of` is the one rule the sender asks before every message (:func:`may_send` in
:mod:`services.notifications.preferences` reads the opt-outs): a kind added later is a reminder
unless it is listed in :data:`NOT_OPTIONAL`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import List, Optional

from services.platform_core.events import DomainEvent

from .introduction import INTRODUCTION, PAIRING_ENDED
from .reminders import FIT_CONCERN, MEETING_DISPUTED

REMINDERS = "reminders"
OPT_OUT_GROUPS = (REMINDERS,)
AUDIENCES = ("self", "guardian")
OPT_OUT_VIA = ("link", "coordinator")
#: the kinds nobody can turn off (they carry what a person needs to take part, or a coordinator
#: needs to act on)
NOT_OPTIONAL = frozenset({INTRODUCTION, PAIRING_ENDED, MEETING_DISPUTED, FIT_CONCERN})
STREAM = "optout"

_NAMESPACE = uuid.UUID("0d7c61a4-5a53-4f0e-a3f7-2c1a3c0b9e52")


def group_of(kind: str) -> Optional[str]:
    """The group a kind of message belongs to for opting out (None: it cannot be turned off)."""
    return None if kind in NOT_OPTIONAL else REMINDERS


def audience_of(role: str) -> str:
    return "guardian" if role == "guardian" else "self"


def stream_id(tenant_id: str, person_id: str, audience: str, group: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/{person_id}/{audience}/{group}"))


@dataclass(frozen=True)
class Unsubscribe:
    """What a one-click link names."""

    tenant_id: str
    person_id: str
    audience: str
    group: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token(key: bytes, what: Unsubscribe) -> str:
    """The link's token: the fields in clear (base64url) and their HMAC-SHA256 (truncated to
    128 bits)."""
    body = "|".join((what.tenant_id, what.person_id, what.audience, what.group))
    signature = hmac.new(key, body.encode("utf-8"), hashlib.sha256).digest()[:16]
    return f"{_b64(body.encode('utf-8'))}.{_b64(signature)}"


def read_token(key: bytes, text: str) -> Optional[Unsubscribe]:
    """What a token names, or None when it is not one of ours (bad shape or signature)."""
    try:
        body_part, signature_part = text.split(".")
        body = _unb64(body_part)
        signature = _unb64(signature_part)
    except (ValueError, TypeError):
        return None
    expected = hmac.new(key, body, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        return None
    parts = body.decode("utf-8", "replace").split("|")
    if len(parts) != 4 or parts[2] not in AUDIENCES or parts[3] not in OPT_OUT_GROUPS:
        return None
    return Unsubscribe(*parts)


def opt_out(what: Unsubscribe, *, opted_out: bool, via: str) -> List[DomainEvent]:
    """Turn the group off (nothing when it is off already: a second click changes nothing)."""
    if opted_out:
        return []
    return [DomainEvent("RecipientOptedOut", STREAM, stream_id(what.tenant_id, what.person_id, what.audience,
                                                               what.group),
                        {"person_id": what.person_id, "audience": what.audience, "group": what.group, "via": via})]


def clear(what: Unsubscribe, *, opted_out: bool) -> List[DomainEvent]:
    """Turn the group on again (nothing when it is on)."""
    if not opted_out:
        return []
    return [DomainEvent("RecipientOptOutCleared", STREAM, stream_id(what.tenant_id, what.person_id, what.audience,
                                                                    what.group),
                        {"person_id": what.person_id, "audience": what.audience, "group": what.group})]
