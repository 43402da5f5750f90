"""Who is calling, and what they may reach: shared by every service.

Three kinds of caller, each sending ``Authorization: Bearer <token>``:

``operator``
    Hosts the platform. Its token is the ``OPERATOR_TOKEN`` of the service's config. It
    creates tenants and rotates their keys; it reads no personal data.

``coordinator``
    Runs the programmes of one tenant, with the tenant's API key
    ``mk_<key_id>_<secret>``. A key is shown once, when it is made (tenant creation, or a
    rotation by the operator or a coordinator); the platform keeps only its SHA-256 hash.
    Rotating a key makes a new one and revokes the old one at once.

``participant``
    A mentor, mentee or team, with the token issued when they registered. Tokens are signed,
    not stored: ``pt_`` + base64url(``<tenant>.<person_id>.<issued_at>``) + ``.`` +
    base64url(HMAC-SHA256 of that text with the config's ``PLATFORM_SECRET``). A token
    reaches only its own person's data. It is revoked when the person is erased
    (``PersonErased``) or has withdrawn from every programme they were in (re-registering
    in a programme gives access back).

Every event records the actor that caused it: ``Actor("operator"|"coordinator"|
"participant", id)``, the id being ``operator``, the key id, or the person id.

How services check credentials without reading each other's tables
--------------------------------------------------------------------
Registration owns tenants and keys. A key's hash travels in the ``TenantKeyRotated`` event,
whose visibility is ``internal``: it goes only to the platform's internal exchange, never to
external subscribers. Every service keeps its own small tables, filled by the projection
:data:`CREDENTIALS` from the events it sees (registration applies it to the events it
appends; the others apply it to the events they consume):

* ``credentials`` (tenant_id, key_id, key_hash, active): a key is active from its
  ``TenantKeyRotated`` until a later one names it in ``revoked_key_ids``;
* ``participant_programmes`` (tenant_id, person_id, programme_id): the programmes a person
  takes part in (``MentorRegistered``/``MenteeRegistered``/``TeamRegistered`` add one,
  ``ParticipantWithdrew`` removes it);
* ``revoked_participants`` (tenant_id, person_id, reason, revoked_at): people whose tokens no
  longer work (erased, or withdrawn from every programme).

:func:`authenticate` turns a token into a :class:`Caller` or raises ``Unauthorized`` (401)
saying what is wrong: missing header, unknown key, bad signature, revoked. Handlers then
call :meth:`Caller.require_tenant` (a key of tenant A asking for anything of tenant B gets
**404**, exactly like something that does not exist: never 403, never a hint),
:meth:`Caller.require_person` (a participant asking for someone else: 404) and
:meth:`Caller.require_kind` (the right tenant but the wrong role, e.g. a participant
recording their own background check: 403).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Tuple

from sqlalchemy import Boolean, Column, MetaData, String, Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection

from . import settings
from .db import UtcDateTime, insert_for
from .envelope import TENANT_ID, Actor, Envelope
from .projection import Projection
from .web import Forbidden, NotFound, ServiceUnavailable, Unauthorized

OPERATOR, COORDINATOR, PARTICIPANT = "operator", "coordinator", "participant"
KEY_PREFIX, TOKEN_PREFIX = "mk_", "pt_"

metadata = MetaData()

credentials_table = Table(
    "credentials", metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("key_id", String(64), primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("rotated_at", UtcDateTime(), nullable=False),
)

participant_programmes_table = Table(
    "participant_programmes", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("person_id", String(64), primary_key=True),
    Column("programme_id", String(64), primary_key=True),
)

revoked_participants_table = Table(
    "revoked_participants", metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("person_id", String(64), primary_key=True),
    Column("reason", String(20), nullable=False),  # erased | withdrawn
    Column("revoked_at", UtcDateTime(), nullable=False),
)


# ---------------------------------------------------------------------------------------------
# Callers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    kind: str
    tenant_id: Optional[str]
    id: Optional[str]

    @property
    def actor(self) -> Actor:
        return Actor(self.kind, self.id)

    def require_tenant(self, tenant_id: str) -> "Caller":
        """Anything of another tenant reads as missing (404); the operator reaches every
        tenant. A path that is not a tenant id at all is missing too."""
        if not isinstance(tenant_id, str) or not TENANT_ID.match(tenant_id):
            raise NotFound(f"tenant {tenant_id!r} not found")
        if self.kind != OPERATOR and tenant_id != self.tenant_id:
            raise NotFound(f"tenant {tenant_id} not found")
        return self

    def require_person(self, person_id: str) -> "Caller":
        """A participant reaches only their own person (someone else: 404); a coordinator
        reaches every person of their tenant; the operator reads no personal data (403)."""
        if self.kind == PARTICIPANT and person_id != self.id:
            raise NotFound(f"person {person_id} not found")
        if self.kind == OPERATOR:
            raise Forbidden("the operator does not read or change people's data; use a "
                            "coordinator key of the tenant")
        return self

    def require_kind(self, *kinds: str) -> "Caller":
        """The right tenant but the wrong role: 403 (nothing leaks, the caller is inside)."""
        if self.kind not in kinds:
            raise Forbidden(f"this needs a {' or '.join(kinds)}; you are the {self.kind}"
                            if self.kind == OPERATOR else
                            f"this needs a {' or '.join(kinds)}, not a {self.kind}")
        return self


# ---------------------------------------------------------------------------------------------
# Keys and tokens
# ---------------------------------------------------------------------------------------------


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_api_key() -> Tuple[str, str]:
    """A fresh coordinator key: ``(key_id, "mk_<key_id>_<secret>")``."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SecretMissing(ServiceUnavailable):
    """The deployment has no PLATFORM_SECRET: nothing signed can be issued or checked."""


def _secret(config: Mapping[str, Any]) -> bytes:
    secret = config.get("PLATFORM_SECRET")
    if not secret:
        raise SecretMissing("PLATFORM_SECRET is not configured on this service: participant "
                            "tokens and sign-up links cannot be issued or checked; the operator "
                            "must set it (the same value on every service and replica)")
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def _sign(config: Mapping[str, Any], text: str) -> str:
    return _b64(hmac.new(_secret(config), text.encode("utf-8"), hashlib.sha256).digest())


def issue_participant_token(config: Mapping[str, Any], tenant_id: str, person_id: str,
                            now: datetime) -> str:
    body = _b64(f"{tenant_id}.{person_id}.{int(now.timestamp())}".encode("utf-8"))
    return f"{TOKEN_PREFIX}{body}.{_sign(config, body)}"


def signed_code(config: Mapping[str, Any], *parts: str, length: int = 24) -> str:
    """An unguessable, stable code for ``parts`` (e.g. a programme's public sign-up link)."""
    return _sign(config, "|".join(("code",) + parts))[:length]


def codes_match(given: Optional[str], expected: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------


def authenticate(conn: Connection, config: Mapping[str, Any], token: Optional[str],
                 now: datetime) -> Caller:
    """The caller a bearer token names, or :class:`Unauthorized` saying why not.

    ``conn`` must see every tenant's credentials (a transaction of all tenants): a key of
    tenant A used on tenant B must be recognised as A's, so that B's resources read as 404.
    """
    if not token:
        raise Unauthorized("missing credentials: send the header 'Authorization: Bearer "
                           "<token>' (an operator token, a tenant API key or a participant token)")
    operator_token = config.get("OPERATOR_TOKEN")
    if operator_token and hmac.compare_digest(token.encode(), str(operator_token).encode()):
        return Caller(OPERATOR, None, OPERATOR)
    if token.startswith(KEY_PREFIX):
        return _coordinator(conn, token)
    if token.startswith(TOKEN_PREFIX):
        return _participant(conn, config, token, now)
    raise Unauthorized("unknown token: not the operator token, not a tenant API key "
                       "(mk_...) and not a participant token (pt_...)")


def _coordinator(conn: Connection, token: str) -> Caller:
    key_id, _, secret = token[len(KEY_PREFIX):].partition("_")
    if not key_id or not secret:
        raise Unauthorized("malformed API key: expected mk_<key_id>_<secret>")
    wanted = hash_key(token)
    rows = conn.execute(select(credentials_table).where(
        credentials_table.c.key_id == key_id)).mappings().all()
    for row in rows:
        if hmac.compare_digest(row["key_hash"], wanted):
            if not row["active"]:
                raise Unauthorized("this API key was revoked by a key rotation; use the "
                                   "tenant's current key")
            return Caller(COORDINATOR, row["tenant_id"], key_id)
    raise Unauthorized("unknown API key")


def _participant(conn: Connection, config: Mapping[str, Any], token: str, now: datetime) -> Caller:
    body, _, signature = token[len(TOKEN_PREFIX):].partition(".")
    if not body or not signature:
        raise Unauthorized("malformed participant token")
    if not hmac.compare_digest(signature.encode(), _sign(config, body).encode()):
        raise Unauthorized("bad signature: this participant token was not issued here")
    try:
        tenant_id, person_id, issued = _unb64(body).decode("utf-8").split(".")
        issued_at = datetime.fromtimestamp(int(issued), tz=timezone.utc)
    except (ValueError, UnicodeDecodeError):  # pragma: no cover - signed, so ours
        raise Unauthorized("malformed participant token") from None
    max_days = settings.value(config, "PARTICIPANT_TOKEN_MAX_AGE_DAYS")
    if max_days and now - issued_at > timedelta(days=int(max_days)):
        raise Unauthorized("this participant token has expired; ask the coordinator for a new one")
    revoked = conn.execute(select(revoked_participants_table.c.reason).where(
        revoked_participants_table.c.tenant_id == tenant_id,
        revoked_participants_table.c.person_id == person_id)).scalar()
    if revoked is not None:
        why = "the person's data was erased" if revoked == "erased" else \
            "the person has withdrawn from every programme"
        raise Unauthorized(f"this participant token was revoked: {why}")
    return Caller(PARTICIPANT, tenant_id, person_id)


# ---------------------------------------------------------------------------------------------
# The projection every service keeps
# ---------------------------------------------------------------------------------------------

CREDENTIALS = Projection("credentials", metadata)


@CREDENTIALS.handles("TenantKeyRotated")
def _key_rotated(conn: Connection, envelope: Envelope) -> None:
    payload, tenant = envelope.payload, envelope.tenant_id
    revoked = list(payload.get("revoked_key_ids") or [])
    if revoked:
        conn.execute(update(credentials_table).where(
            credentials_table.c.tenant_id == tenant,
            credentials_table.c.key_id.in_(revoked)).values(active=False))
    key = and_(credentials_table.c.tenant_id == tenant,
               credentials_table.c.key_id == payload["key_id"])
    conn.execute(delete(credentials_table).where(key))
    conn.execute(insert(credentials_table).values(
        tenant_id=tenant, key_id=payload["key_id"], key_hash=payload["key_hash"], active=True,
        rotated_at=envelope.occurred_at))


@CREDENTIALS.handles("MentorRegistered", "MenteeRegistered", "TeamRegistered")
def _participant_joined(conn: Connection, envelope: Envelope) -> None:
    person, programme = envelope.stream_id, envelope.payload["programme_id"]
    table = participant_programmes_table
    conn.execute(insert_for(conn)(table).values(
        tenant_id=envelope.tenant_id, person_id=person, programme_id=programme).on_conflict_do_update(
        index_elements=[table.c.person_id, table.c.programme_id], set_={"tenant_id": envelope.tenant_id}))
    conn.execute(delete(revoked_participants_table).where(
        revoked_participants_table.c.person_id == person,
        revoked_participants_table.c.reason == "withdrawn"))


@CREDENTIALS.handles("ParticipantWithdrew")
def _participant_left(conn: Connection, envelope: Envelope) -> None:
    person = envelope.stream_id
    conn.execute(delete(participant_programmes_table).where(
        participant_programmes_table.c.person_id == person,
        participant_programmes_table.c.programme_id == envelope.payload["programme_id"]))
    remaining = conn.execute(select(participant_programmes_table.c.programme_id).where(
        participant_programmes_table.c.person_id == person).limit(1)).first()
    if remaining is None:
        _revoke(conn, envelope, "withdrawn")


@CREDENTIALS.handles("PersonErased")
def _person_erased(conn: Connection, envelope: Envelope) -> None:
    conn.execute(delete(participant_programmes_table).where(
        participant_programmes_table.c.person_id == envelope.stream_id))
    _revoke(conn, envelope, "erased")


def _revoke(conn: Connection, envelope: Envelope, reason: str) -> None:
    conn.execute(delete(revoked_participants_table).where(
        revoked_participants_table.c.person_id == envelope.stream_id))
    conn.execute(insert(revoked_participants_table).values(
        tenant_id=envelope.tenant_id, person_id=envelope.stream_id, reason=reason,
        revoked_at=envelope.occurred_at))
