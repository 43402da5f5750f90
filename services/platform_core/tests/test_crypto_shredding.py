"""Crypto-shredding as a service configures it: which streams, which parts, whose key."""
import pytest
from sqlalchemy import select

from services.platform_core.crypto_shredding import PersonalDataCodec, PersonKeyTable, keys_metadata, person_keys
from services.platform_core.db import make_engine
from services.platform_core.events import DomainEvent
from services.platform_core.store import EventStore, events_table

KEYS = PersonKeyTable()


def store_with(tmp_path, codec):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    store = EventStore(engine, service="test", codec=codec)
    store.create_schema([keys_metadata])
    return store


@pytest.fixture
def notes(tmp_path):
    """A service whose session streams carry each participant's private note."""
    codec = PersonalDataCodec(KEYS, stream_types=("session",), parts=("private_note",),
                              person_of=lambda stream_type, stream_id, payload: payload["author"])
    store = store_with(tmp_path, codec)
    yield store
    store.engine.dispose()


def stored_payloads(store):
    with store.transaction() as tx:
        return list(tx.conn.execute(select(events_table.c.payload)).scalars())


def test_the_configured_parts_are_stored_encrypted_under_their_persons_key(notes):
    notes.append("school-a", [
        DomainEvent("NoteWritten", "session", "s1", {"author": "ann", "private_note": "shy at first"}),
        DomainEvent("NoteWritten", "session", "s1", {"author": "bob", "private_note": "keen"}),
        DomainEvent("NoteWritten", "pairing", "p1", {"author": "ann", "private_note": "in clear"}),
    ])
    stored = "".join(stored_payloads(notes))
    assert "shy at first" not in stored and "keen" not in stored and "in clear" in stored
    assert '"key_id": "ann"' in stored and '"key_id": "bob"' in stored
    read = notes.read_stream("school-a", "session", "s1")
    assert [e.payload["private_note"] for e in read] == ["shy at first", "keen"]


def test_forgetting_a_person_shreds_only_their_parts(notes):
    notes.append("school-a", [
        DomainEvent("NoteWritten", "session", "s1", {"author": "ann", "private_note": "shy at first"}),
        DomainEvent("NoteWritten", "session", "s1", {"author": "bob", "private_note": "keen"}),
    ])
    with notes.transaction("school-a") as tx:
        KEYS.forget("school-a", "ann", tx.conn)
        assert tx.conn.execute(select(person_keys.c.person_id)).scalars().all() == ["bob"]
    read = notes.read_stream("school-a", "session", "s1")
    assert [(e.payload["author"], e.payload["private_note"]) for e in read] == [
        ("ann", None), ("bob", "keen")]


def test_by_default_personal_of_a_stream_is_under_the_stream_ids_key(tmp_path):
    store = store_with(tmp_path, PersonalDataCodec(KEYS, stream_types=("person",)))
    store.append("school-a", [DomainEvent("Registered", "person", "ann", {
        "kind": "individual", "personal": {"name": "Ann"}})])
    assert '"key_id": "ann"' in stored_payloads(store)[0]
    assert store.read_stream("school-a", "person", "ann")[0].payload == {
        "kind": "individual", "personal": {"name": "Ann"}}
    store.engine.dispose()
