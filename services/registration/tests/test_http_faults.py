"""What a school system sees when the database fails under it, and how it repeats safely.

The registration service runs in-process on PostgreSQL; failures are injected where the
store meets the database (a connection lost before COMMIT, during COMMIT, or none to be
had), as psycopg2 reports them. The real outages (backends terminated, a proxy cut, the
database away for ten seconds) are in ``tests/faults``.
"""
from __future__ import annotations

import uuid

import psycopg2
import pytest
from sqlalchemy.exc import OperationalError

from services.platform_core import store as store_module
from services.platform_core.faults import CommitOutcomeUnknown
from services.platform_core.store import EventStore, StoreTransaction
from services.registration.tests import builders

pytestmark = pytest.mark.integration


def lost(statement="COMMIT") -> OperationalError:
    return OperationalError(statement, {}, psycopg2.OperationalError(
        "terminating connection due to administrator command\nserver closed the connection unexpectedly"))


def register(api, tenant, programme, key=None, body=None):
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"/tenants/{tenant['slug']}/programmes/{programme['id']}/mentees", tenant["key"],
                    body or {"personal": builders.pupil(), "profile": builders.profile(community=[])},
                    headers=headers)


def participants(api, tenant, programme):
    response = api.get(f"/tenants/{tenant['slug']}/programmes/{programme['id']}/participants", tenant["key"])
    assert response.status_code == 200, response.text
    return response.json()["participants"]


def test_a_database_that_cannot_be_reached_answers_503_with_retry_after(api, monkeypatch):
    tenant = api.tenant()
    programme = api.programme(tenant)
    real = EventStore.transaction

    def unreachable(self, tenant_id="*"):
        raise OperationalError("connect", {}, psycopg2.OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'))

    monkeypatch.setattr(EventStore, "transaction", unreachable)
    response = register(api, tenant, programme)
    health = api.get("/health")
    monkeypatch.setattr(EventStore, "transaction", real)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    body = response.json()
    assert body["error"] == "temporarily_unavailable"
    assert "nothing was changed" in body["message"] and "Traceback" not in response.text
    assert health.status_code == 200 or health.json()["status"] == "unavailable"
    assert participants(api, tenant, programme) == []


def test_the_health_check_says_when_the_database_cannot_be_reached(api, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("connect", {}, psycopg2.OperationalError("Connection refused"))

    monkeypatch.setattr(api.store.engine, "connect", refused)
    response = api.get("/health")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "database cannot be reached" in response.json()["problems"][0]
    assert api.get("/health").json()["status"] == "ok"


def test_a_connection_lost_before_commit_is_tried_once_more(api, monkeypatch):
    tenant = api.tenant()
    programme = api.programme(tenant)
    real, calls = StoreTransaction.append, []

    def dies_once(self, events, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise lost("INSERT INTO events ...")
        return real(self, events, **kwargs)

    monkeypatch.setattr(StoreTransaction, "append", dies_once)
    response = register(api, tenant, programme)
    monkeypatch.undo()
    assert response.status_code == 201, response.text
    assert len(calls) == 2
    assert [p["person_id"] for p in participants(api, tenant, programme)] == [response.json()["person_id"]]


def test_a_commit_of_unknown_outcome_says_so_and_the_repeat_gets_the_answer_and_creates_nothing(api, monkeypatch):
    tenant = api.tenant()
    programme = api.programme(tenant)
    real_commit, real_append, appending = store_module._commit, StoreTransaction.append, []

    def append(self, events, **kwargs):
        appending.append(self.conn)
        return real_append(self, events, **kwargs)

    def committed_then_lost(transaction):
        real_commit(transaction)
        if transaction.connection in appending:  # it did commit: the answer is what got lost
            raise CommitOutcomeUnknown(lost())

    key = str(uuid.uuid4())
    body = {"personal": builders.pupil(), "profile": builders.profile(community=[])}
    monkeypatch.setattr(StoreTransaction, "append", append)
    monkeypatch.setattr(store_module, "_commit", committed_then_lost)
    first = register(api, tenant, programme, key, body)
    monkeypatch.undo()
    assert first.status_code == 503, first.text
    assert first.json()["error"] == "outcome_unknown"
    assert "same Idempotency-Key is safe" in first.json()["message"]
    again = register(api, tenant, programme, key, body)  # the answer committed with the change
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    [stored] = participants(api, tenant, programme)
    assert again.json()["person_id"] == stored["person_id"]


def test_a_repeated_post_with_the_same_key_returns_the_first_answer_and_creates_nothing(api):
    tenant = api.tenant()
    programme = api.programme(tenant)
    key = str(uuid.uuid4())
    body = {"personal": builders.pupil(), "profile": builders.profile(community=[])}
    first = register(api, tenant, programme, key, body)
    events = api.event_count()
    again = register(api, tenant, programme, key, body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.event_count() == events
    assert len(participants(api, tenant, programme)) == 1
    other = register(api, tenant, programme, str(uuid.uuid4()), body)  # a new key: a new request
    assert other.status_code == 201 and other.json()["person_id"] != first.json()["person_id"]


def test_the_same_key_with_another_body_or_caller_is_not_a_repeat(api):
    tenant, other_tenant = api.tenant(), api.tenant()
    programme = api.programme(tenant)
    key = str(uuid.uuid4())
    assert register(api, tenant, programme, key).status_code == 201
    different = register(api, tenant, programme, key,
                         {"personal": builders.pupil(name="Kitas Vardas"), "profile": builders.profile(community=[])})
    assert different.status_code == 422, different.text
    assert different.json()["details"] == {"Idempotency-Key": ["used for a different request"]}
    # another tenant's key with the same Idempotency-Key is another request (here: a 404)
    foreign = api.post(f"/tenants/{tenant['slug']}/programmes/{programme['id']}/mentees", other_tenant["key"],
                       {"personal": builders.pupil(), "profile": builders.profile(community=[])},
                       headers={"Idempotency-Key": key})
    assert foreign.status_code == 404


def test_a_malformed_idempotency_key_is_a_400_naming_the_header(api):
    tenant = api.tenant()
    programme = api.programme(tenant)
    response = register(api, tenant, programme, key="has spaces in it")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["details"]
    assert participants(api, tenant, programme) == []


def test_creating_a_tenant_twice_with_one_key_creates_one(api):
    from services.registration.tests.conftest import OPERATOR_TOKEN

    slug = f"t-{uuid.uuid4().hex[:10]}"
    body = {"slug": slug, "name": "Idempotent school", "kind": "school", "default_language": "lv",
            "time_zone": "Europe/Riga"}
    key = str(uuid.uuid4())
    first = api.post("/tenants", OPERATOR_TOKEN, body, headers={"Idempotency-Key": key})
    again = api.post("/tenants", OPERATOR_TOKEN, body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json()["api_key"] == first.json()["api_key"]  # the same answer, not a second key
