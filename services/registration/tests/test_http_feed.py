"""The HTTP feed an external system reads: one tenant's public events, paged."""
import pytest

pytestmark = pytest.mark.integration


def test_a_tenant_key_pages_through_its_own_public_events(api):
    tenant, other = api.tenant(), api.tenant()
    programme = api.programme(tenant)
    api.register(tenant, programme["id"], "mentees")
    api.register(other, api.programme(other)["id"], "mentees")
    feed = f"/tenants/{tenant['slug']}/events"

    first = api.get(feed + "?limit=2", tenant["key"])
    assert first.status_code == 200, first.text
    assert len(first.json()["events"]) == 2 and first.json()["more"] is True
    rest = api.get(f"{feed}?after={first.json()['next']}", tenant["key"]).json()
    events = first.json()["events"] + rest["events"]
    types = [e["event_type"] for e in events]
    assert types == ["TenantCreated", "ProgrammeCreated", "PersonRegistered", "MenteeRegistered"]
    assert "TenantKeyRotated" not in types  # internal: key hashes never leave the platform
    assert {e["tenant_id"] for e in events} == {tenant["slug"]}
    assert "Jonas" not in str(events)  # personal data only as ciphertext
    assert rest["more"] is False
    assert api.get(f"{feed}?after={rest['next']}", tenant["key"]).json()["events"] == []


def test_the_feed_refuses_strangers_and_bad_paging(api):
    tenant, other = api.tenant(), api.tenant()
    feed = f"/tenants/{tenant['slug']}/events"
    assert api.get(feed).status_code == 401
    assert api.get(feed, other["key"]).status_code == 404  # another tenant's key
    bad = api.get(feed + "?after=soon&limit=0", tenant["key"])
    assert bad.status_code == 400 and "after" in bad.json()["message"]
    assert api.get(feed + "?limit=5000", tenant["key"]).status_code == 400


def test_an_unknown_path_or_method_is_answered_in_json(api):
    missing = api.get("/no/such/thing")
    assert missing.status_code == 404 and missing.json()["message"] == "there is no /no/such/thing here"
    wrong = api.call("DELETE", "/health")
    assert wrong.status_code == 405 and "DELETE is not allowed on /health" in wrong.json()["message"]
    assert "GET" in wrong.headers["Allow"]
