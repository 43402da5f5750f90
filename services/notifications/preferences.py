"""Opt-outs: who turned off which group of messages, a projection of ``RecipientOptedOut`` /
``RecipientOptOutCleared`` (``notif_opt_outs``, projection ``opt-outs``), and the one question
every sending path asks: :func:`may_send`.

The one-click link of a mail is signed with a key derived from ``PLATFORM_SECRET``
(:func:`signing_key`); without it, no link is made and no header is set (the log says so
once), and a link cannot be followed.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.engine import Connection

from services.platform_core import settings
from services.platform_core.db import UtcDateTime
from services.platform_core.envelope import Envelope
from services.platform_core.projection import Projection

from . import read_model
from .domain.preferences import Unsubscribe, audience_of, group_of, token

log = logging.getLogger(__name__)

metadata = MetaData()
opt_outs_table = Table(
    "notif_opt_outs", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("audience", String(12), primary_key=True),
    Column("group", String(20), primary_key=True),
    Column("via", String(20), nullable=False),
    Column("since", UtcDateTime(), nullable=False),
)
OPT_OUTS = Projection("opt-outs", metadata)


@OPT_OUTS.handles("RecipientOptedOut", "RecipientOptOutCleared")
def _opt_out(conn: Connection, envelope: Envelope) -> None:
    payload = envelope.payload
    key = {"tenant_id": envelope.tenant_id, "person_id": payload["person_id"], "audience": payload["audience"],
           "group": payload["group"]}
    read_model.put(conn, opt_outs_table, key, {"via": payload["via"], "since": envelope.occurred_at}
                   if envelope.event_type == "RecipientOptedOut" else None)


def opted_out(conn: Connection, what: Unsubscribe) -> bool:
    return conn.execute(select(opt_outs_table.c.person_id).where(
        opt_outs_table.c.tenant_id == what.tenant_id, opt_outs_table.c.person_id == what.person_id,
        opt_outs_table.c.audience == what.audience, opt_outs_table.c.group == what.group)).first() is not None


def listed(conn: Connection, tenant_id: str, person_id: Optional[str] = None) -> List[Dict[str, Any]]:
    query = select(opt_outs_table).where(opt_outs_table.c.tenant_id == tenant_id)
    if person_id is not None:
        query = query.where(opt_outs_table.c.person_id == person_id)
    return [{**dict(row), "since": row["since"].isoformat() if isinstance(row["since"], datetime) else row["since"]}
            for row in conn.execute(query.order_by(opt_outs_table.c.since, opt_outs_table.c.person_id)).mappings()]


def may_send(conn: Connection, tenant_id: str, recipient_id: str, role: str, kind: str) -> bool:
    """May a ``kind`` message go to this recipient (False: they turned its group off)? Every
    sending path asks this before it renders a message."""
    group = group_of(kind)
    if group is None:
        return True
    return not opted_out(conn, Unsubscribe(tenant_id, recipient_id, audience_of(role), group))


# -- the link ------------------------------------------------------------------------------------

def signing_key(config: Mapping[str, Any]) -> Optional[bytes]:
    """The key one-click links are signed with, derived from ``PLATFORM_SECRET`` (None: unset)."""
    secret = config.get("PLATFORM_SECRET")
    if not secret:
        return None
    return hmac.new(str(secret).encode("utf-8"), b"notifications/unsubscribe", hashlib.sha256).digest()


_warned = {"no_secret": False}


def unsubscribe_url(config: Mapping[str, Any], tenant_id: str, recipient_id: str, role: str,
                    kind: str) -> Optional[str]:
    """The one-click link of a message (None: its kind cannot be turned off, or no secret)."""
    group = group_of(kind)
    if group is None:
        return None
    key = signing_key(config)
    if key is None:
        if not _warned["no_secret"]:
            log.warning("PLATFORM_SECRET is not set: reminders go out without an unsubscribe link")
            _warned["no_secret"] = True
        return None
    base = str(settings.value(config, "NOTIFICATIONS_PUBLIC_URL")).rstrip("/")
    return f"{base}/unsubscribe/{token(key, Unsubscribe(tenant_id, recipient_id, audience_of(role), group))}"


def address_version(config: Mapping[str, Any], address: str) -> str:
    """Which address a message went to, without keeping it: a keyed hash (HMAC-SHA256 under
    a key derived from ``PLATFORM_SECRET``, truncated), so a corrected address differs."""
    key = hmac.new(str(config.get("PLATFORM_SECRET") or "").encode("utf-8"), b"notifications/address",
                   hashlib.sha256).digest()
    return hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]
