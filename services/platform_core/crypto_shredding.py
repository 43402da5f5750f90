"""Crypto-shredding: personal data encrypted with a key of its own per person, so that
forgetting the key erases the data wherever it went.

A service plugs a :class:`PersonalDataCodec` into its event store as the payload codec and
tells it which payload parts are personal (by default the one part the catalogue knows as
encrypted, ``payload["personal"]``) and in which streams. When an event of such a stream is
appended, each personal part it carries is encrypted with its person's key (Fernet: AES-128-CBC
with an HMAC-SHA256, from ``cryptography``), so what is stored and published carries only::

    {"personal": {"encrypted": "<Fernet token>", "key_id": "<person id>"}, ...clear facts...}

The person is the stream's own id (a ``person`` stream) unless the service says whose data an
event carries (``person_of``, e.g. a note of one participant in a shared stream). Reading a
stream decrypts each part while its key exists; without the key the part reads as ``null``.

The keys are kept behind :class:`PersonKeys`. :class:`PersonKeyTable` keeps them in the
``person_keys`` table of the service's own database (list :data:`keys_metadata` among the
store's tables), created inside the appending transaction the first time a person's data is
written (the store hands the codec its connection). Erasure is :meth:`PersonKeys.forget`, in the
transaction that records it: the history stays whole, but only undecryptable ciphertext of the
person remains, in the store and in whatever copies subscribers kept. The keys are not a read
model: no projection owns the table, so a rebuild never touches it.
"""
from __future__ import annotations

import json
from typing import Callable, Dict, Iterable, Mapping, Optional, Protocol

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Connection

from .envelope import Envelope
from .events import ENCRYPTED_FIELD
from .store import PayloadCodec

keys_metadata = MetaData()

person_keys = Table(
    "person_keys", keys_metadata,
    Column("person_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("key", String(64), nullable=False),
)


class PersonKeys(Protocol):
    """Where each person's key is kept; every call runs in the caller's transaction."""

    def key_for(self, tenant_id: str, person_id: str, conn: Connection) -> Optional[str]:
        """The person's key (a Fernet key, text), or None if they have none or it was forgotten."""

    def create(self, tenant_id: str, person_id: str, conn: Connection) -> str:
        """Give the person a new key and return it."""

    def forget(self, tenant_id: str, person_id: str, conn: Connection) -> None:
        """Crypto-shred: delete the person's key, so their personal data can't be read again."""


class PersonKeyTable:
    """:class:`PersonKeys` in the ``person_keys`` table of the service's own database.

    A person id is unique across tenants (a uuid), so a key is found by it alone; the row's
    ``tenant_id`` is what the tenant wall (row-level security) checks."""

    def key_for(self, tenant_id: str, person_id: str, conn: Connection) -> Optional[str]:
        return conn.execute(select(person_keys.c.key).where(
            person_keys.c.person_id == person_id)).scalar()

    def create(self, tenant_id: str, person_id: str, conn: Connection) -> str:
        key = Fernet.generate_key().decode("ascii")
        conn.execute(insert(person_keys).values(person_id=person_id, tenant_id=tenant_id, key=key))
        return key

    def forget(self, tenant_id: str, person_id: str, conn: Connection) -> None:
        conn.execute(delete(person_keys).where(person_keys.c.person_id == person_id))


#: whose personal data an event carries, from its stream and payload
PersonOf = Callable[[str, str, Mapping], str]


def _stream_id(stream_type: str, stream_id: str, payload: Mapping) -> str:
    return stream_id


class PersonalDataCodec(PayloadCodec):
    """Encrypts the personal ``parts`` of payloads of ``stream_types`` with a per-person key."""

    def __init__(self, keys: PersonKeys, *, stream_types: Iterable[str],
                 parts: Iterable[str] = (ENCRYPTED_FIELD,), person_of: PersonOf = _stream_id):
        self.keys = keys
        self.stream_types = frozenset(stream_types)
        self.parts = tuple(parts)
        self.person_of = person_of

    def encode(self, tenant_id: str, stream_type: str, stream_id: str, payload: Dict,
               conn: Optional[Connection] = None) -> Dict:
        if stream_type not in self.stream_types:
            return payload
        personal = [part for part in self.parts if payload.get(part) is not None]
        if not personal:
            return payload
        if conn is None:
            raise RuntimeError("encrypting personal data needs the appending transaction's connection")
        person_id = self.person_of(stream_type, stream_id, payload)
        key = self.keys.key_for(tenant_id, person_id, conn) or self.keys.create(tenant_id, person_id, conn)
        fernet = Fernet(key.encode())
        sealed = {part: {"encrypted": fernet.encrypt(json.dumps(payload[part], sort_keys=True)
                                                     .encode("utf-8")).decode("ascii"),
                         "key_id": person_id}
                  for part in personal}
        return {**payload, **sealed}

    def decode(self, conn: Connection, envelope: Envelope) -> Envelope:
        if envelope.stream_type not in self.stream_types:
            return envelope
        opened = {}
        for part in self.parts:
            sealed = envelope.payload.get(part)
            if isinstance(sealed, dict) and "encrypted" in sealed:
                opened[part] = self._open(conn, envelope, sealed)
        if not opened:
            return envelope
        return envelope.with_payload({**envelope.payload, **opened})

    def _open(self, conn: Connection, envelope: Envelope, sealed: Mapping) -> Optional[object]:
        """The clear part, or None once its key is gone (or the token is not one of its key)."""
        key = self.keys.key_for(envelope.tenant_id, sealed.get("key_id") or envelope.stream_id, conn)
        if key is None:
            return None
        try:
            return json.loads(Fernet(key.encode()).decrypt(sealed["encrypted"].encode()))
        except (InvalidToken, ValueError):
            return None
