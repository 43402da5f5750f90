"""Personal data: encrypted per person in the store, exported on request, erased for good;
and every read model rebuilt from the events, also after an erasure."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from services.platform_core.crypto_shredding import person_keys
from services.platform_core.store import ALL_TENANTS, events_table
from services.platform_core.tenancy import CREDENTIALS
from services.platform_core.tenancy import metadata as credentials_metadata
from services.registration import read_model
from services.registration.tests import builders

pytestmark = pytest.mark.integration

NAME, EMAIL, GUARDIAN = "Žygimantas Trinamasis", "zygis.erase-me@example.lt", "Guardian Trinamoji"
#: what is held about the mentee who will be erased
SECRETS = (NAME, EMAIL, GUARDIAN, "Trinamasis", "erase-me", "asthma-xyz", "+370 600 12345")
#: what is held about a mentor who stays
KEPT = ("Mentor Keeps", "LT-VETTING-777")


def raw_payloads(api) -> str:
    with api.store.engine.connect() as conn:
        return "\n".join(conn.execute(select(events_table.c.payload)).scalars())


def credentials_snapshot(conn):
    return {table.name: [dict(row) for row in conn.execute(
        select(table).order_by(*table.primary_key.columns)).mappings()]
        for table in credentials_metadata.sorted_tables}


def rebuild_everything(api):
    with api.store.transaction(ALL_TENANTS) as tx:
        before = read_model.snapshot(tx.conn), credentials_snapshot(tx.conn)
    read_model.READ_MODELS.rebuild(api.store)
    CREDENTIALS.rebuild(api.store)
    with api.store.transaction(ALL_TENANTS) as tx:
        after = read_model.snapshot(tx.conn), credentials_snapshot(tx.conn)
    return before, after


def test_personal_data_is_stored_encrypted_exported_and_erased(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    pid = school["id"]
    personal = builders.pupil(name=NAME, email=EMAIL)
    personal["guardian"] = {"name": GUARDIAN, "email": "guardian.trinamoji@example.lt"}
    mentee = api.register(tenant, pid, "mentees", personal=personal,
                          sensitive_needs={"health": "asthma-xyz"})
    person_id, token = mentee["person_id"], mentee["participant_token"]
    path = f"/tenants/{slug}/people/{person_id}"
    mentor = api.register(tenant, pid, "mentors", personal=builders.adult(name="Mentor Keeps"))
    assert api.post(path + "/consent", key, {"programme_id": pid, "given_by": "guardian"}).status_code == 200
    assert api.patch(path, token, {"personal": {"phone": "+370 600 12345"}}).status_code == 200
    mentor_path = f"/tenants/{slug}/people/{mentor['person_id']}"
    assert api.post(mentor_path + "/vetting", key, {"programme_id": pid, "cleared": True,
                                                    "checked_on": "2025-01-02",
                                                    "reference": "LT-VETTING-777"}).status_code == 200

    # stored events (and so published ones) carry ciphertext only, from the first write on
    raw = raw_payloads(api)
    for secret in SECRETS + KEPT:
        assert secret not in raw and json.dumps(secret)[1:-1] not in raw, secret
    with api.store.engine.connect() as conn:
        stored = [json.loads(p) for p in conn.execute(select(events_table.c.payload).where(
            events_table.c.stream_id == person_id, events_table.c.event_type == "PersonRegistered")).scalars()]
    assert set(stored[0]["personal"]) == {"encrypted", "key_id"}
    # ... and the private event's sensitive facts are not queued for publishing
    with api.store.engine.connect() as conn:
        private = conn.execute(text(
            "SELECT count(*) FROM outbox o JOIN events e USING (global_position) "
            "WHERE e.event_type = 'SensitiveNeedsRecorded'")).scalar()
    assert private == 0

    # access on request: everything held, decrypted
    export = api.get(path + "/export", token)
    assert export.status_code == 200
    body = export.json()
    assert body["person"]["personal"]["name"] == NAME
    assert body["person"]["sensitive_needs"] == {pid: {"health": "asthma-xyz"}}
    types = [event["event_type"] for event in body["events"]]
    assert types == ["PersonRegistered", "MenteeRegistered", "SensitiveNeedsRecorded",
                     "ConsentGiven", "ProfileUpdated"]
    assert body["events"][0]["payload"]["personal"]["email"] == EMAIL

    # the participant erases themself
    erased = api.post(path + "/erase", token)
    assert erased.status_code == 200, erased.text
    assert erased.json()["events"] == ["PersonErased"]
    view = erased.json()["person"]
    assert view["erased"] is True and view["personal"] is None and view["participations"] == []

    # nothing of the person can be read any more: API, export, token, read models, replay
    assert api.get(path, token).status_code == 401                     # token revoked
    assert "revoked" in api.get(path, token).json()["message"]
    for response in (api.get(path, key), api.get(path + "/export", key),
                     api.get(f"/tenants/{slug}/programmes/{pid}/participants", key)):
        assert response.status_code == 200
        for secret in SECRETS:
            assert secret not in response.text, (secret, response.text)
    export = api.get(path + "/export", key).json()
    assert all(event["payload"].get("personal") is None for event in export["events"])
    assert export["events"][-1]["event_type"] == "PersonErased"
    with api.store.transaction(slug) as tx:
        replayed = tx.read_stream("person", person_id)
        assert all(event.payload.get("personal") is None for event in replayed)
        assert tx.conn.execute(select(person_keys).where(
            person_keys.c.person_id == person_id)).first() is None
        dump = json.dumps(read_model.snapshot(tx.conn), default=str)
    for secret in SECRETS:
        assert secret not in dump
    assert "Mentor Keeps" in dump                                      # others are untouched
    for secret in SECRETS + KEPT:
        assert secret not in raw_payloads(api)
    # every command on an erased person is refused; erasing twice too
    assert api.post(path + "/erase", key).status_code == 422
    assert api.patch(path, key, {"personal": {"name": "Back again"}}).status_code == 422

    # every projection rebuilds from the events, to the same rows, erasure included
    before, after = rebuild_everything(api)
    assert after == before
    rows = {row["person_id"]: row for row in after[0]["people"]}
    assert rows[person_id]["erased"] is True and rows[person_id]["name"] is None
    assert rows[mentor["person_id"]]["name"] == "Mentor Keeps"
    assert rows[mentor["person_id"]]["vetting_reference"] == "LT-VETTING-777"
    assert api.get(mentor_path, mentor["participant_token"]).status_code == 200
    assert api.get(path, token).status_code == 401                     # still revoked


def test_rebuild_reproduces_every_read_model(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    school = api.programme(tenant)
    clone = api.post(f"/tenants/{slug}/programmes/{school['id']}/clone", key, {"shift_months": 2}).json()
    mentee = api.register(tenant, school["id"], "mentees")
    api.post(f"/tenants/{slug}/programmes/{clone['id']}/mentees", key,
             {"person_id": mentee["person_id"], "profile": builders.profile(community=[])})
    path = f"/tenants/{slug}/people/{mentee['person_id']}"
    api.post(path + "/consent", key, {"programme_id": school["id"], "given_by": "guardian"})
    api.patch(f"/tenants/{slug}/programmes/{clone['id']}", key, {"name": "Renamed"})
    api.post(path + "/withdraw", key, {"programme_id": clone["id"], "reason": "too busy"})
    api.post(f"/tenants/{slug}/keys/rotate", key)
    before, after = rebuild_everything(api)
    assert after == before
    assert any(row["tenant_id"] == slug and row["active"] for row in after[1]["credentials"])



def test_a_teams_need_note_is_personal_and_goes_with_the_teams_erasure(api):
    tenant = api.tenant()
    slug, key = tenant["slug"], tenant["key"]
    organisational = api.programme(tenant, builders.organisational_settings())
    team = api.register(tenant, organisational["id"], "teams", personal=builders.team_personal(),
                        profile={"languages": ["lt"], "areas": ["strategy"]})
    path = f"/tenants/{slug}/people/{team['person_id']}"
    note = "Director Jonas-note-xyz struggles since the loss of funding"
    need = api.post(path + "/team-need", key, {"programme_id": organisational["id"],
                                               "areas": ["fundraising"], "note": note})
    assert need.status_code == 200, need.text
    assert need.json()["person"]["participations"][0]["team_need"]["note"] == note
    feed = api.get(f"/tenants/{slug}/events?after=0&limit=1000", key)
    assert feed.status_code == 200 and "Jonas-note-xyz" not in feed.text   # what subscribers see
    assert "Jonas-note-xyz" not in raw_payloads(api)                        # what the store holds
    [shared] = [e for e in feed.json()["events"] if e["event_type"] == "TeamNeedSet"]
    assert shared["payload"]["areas"] == ["fundraising"]                   # the need itself is shared
    assert api.post(path + "/erase", key).status_code == 200
    export = api.get(path + "/export", key)
    assert export.status_code == 200 and "Jonas-note-xyz" not in export.text
