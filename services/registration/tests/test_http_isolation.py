"""Tenant isolation and participant scope, for every read and every write (PostgreSQL)."""
from __future__ import annotations

import pytest

from services.registration.tests import builders

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(api):
    """Two tenants, each with a programme, a mentee and a mentor."""
    found = {}
    for name in ("a", "b"):
        tenant = api.tenant()
        programme = api.programme(tenant)
        mentee = api.register(tenant, programme["id"], "mentees")
        mentor = api.register(tenant, programme["id"], "mentors", personal=builders.adult())
        found[name] = {**tenant, "programme": programme, "mentee": mentee, "mentor": mentor}
    return found


def every_request(tenant_slug, programme, person_id, *, other_programme_id):
    """Every endpoint of a tenant, aimed at ``tenant_slug``'s resources, with valid bodies."""
    t, p = f"/tenants/{tenant_slug}", programme["id"]
    person = f"{t}/people/{person_id}"
    register = {"personal": builders.pupil(), "profile": builders.profile(community=[])}
    return [
        ("GET", t, None),
        ("POST", f"{t}/keys/rotate", None),
        ("POST", f"{t}/programmes", builders.school_settings()),
        ("GET", f"{t}/programmes", None),
        ("GET", f"{t}/programmes/{p}", None),
        ("PATCH", f"{t}/programmes/{p}", {"name": "Taken over"}),
        ("POST", f"{t}/programmes/{p}/clone", {"shift_months": 6}),
        ("GET", f"{t}/programmes/{p}/participants", None),
        ("POST", f"{t}/programmes/{p}/mentees", register),
        ("POST", f"{t}/programmes/{p}/mentors", {**register, "personal": builders.adult(),
                                                 "profile": builders.profile()}),
        ("GET", person, None),
        ("PATCH", person, {"personal": {"name": "Someone else"}}),
        ("POST", f"{person}/consent", {"programme_id": other_programme_id, "given_by": "guardian"}),
        ("POST", f"{person}/consent/withdraw", {"programme_id": other_programme_id}),
        ("POST", f"{person}/training", {"programme_id": other_programme_id, "completed_on": "2025-01-10"}),
        ("POST", f"{person}/vetting", {"programme_id": other_programme_id, "cleared": True,
                                       "checked_on": "2025-01-10"}),
        ("POST", f"{person}/team-need", {"programme_id": other_programme_id, "areas": ["law"]}),
        ("POST", f"{person}/sensitive-needs", {"programme_id": other_programme_id,
                                               "needs": {"health": "x"}}),
        ("POST", f"{person}/withdraw", {"programme_id": other_programme_id}),
        ("POST", f"{person}/erase", None),
        ("GET", f"{person}/export", None),
    ]


def test_a_key_of_tenant_a_finds_nothing_of_tenant_b(api, world):
    a, b = world["a"], world["b"]
    count = api.event_count()
    for method, path, body in every_request(b["slug"], b["programme"], b["mentee"]["person_id"],
                                            other_programme_id=b["programme"]["id"]):
        response = api.call(method, path, a["key"], json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert b["slug"] not in response.text or "not found" in response.text
        assert "Jonas" not in response.text
    assert api.event_count() == count


def test_b_resources_named_under_a_tenant_path_are_missing(api, world):
    """A's own tenant in the path, B's programme or person ids: still 404 (the store and the
    read models are walled per tenant, whatever the id)."""
    a, b = world["a"], world["b"]
    count = api.event_count()
    for method, path, body in every_request(a["slug"], b["programme"], b["mentee"]["person_id"],
                                            other_programme_id=b["programme"]["id"]):
        if path in (f"/tenants/{a['slug']}", f"/tenants/{a['slug']}/keys/rotate",
                    f"/tenants/{a['slug']}/programmes"):
            continue  # A's own tenant-level resources
        response = api.call(method, path, a["key"], json=body)
        assert response.status_code == 404, (method, path, response.text)
    # A's own person, with B's programme named in the body
    person = f"/tenants/{a['slug']}/people/{a['mentee']['person_id']}"
    response = api.post(person + "/consent", a["key"],
                        {"programme_id": b["programme"]["id"], "given_by": "guardian"})
    assert response.status_code == 404
    # B's person through A's programme: a known person of another tenant is not found
    response = api.post(f"/tenants/{a['slug']}/programmes/{a['programme']['id']}/mentees", a["key"],
                        {"person_id": b["mentee"]["person_id"], "profile": builders.profile(community=[])})
    assert response.status_code == 404
    assert api.event_count() == count


def test_a_participant_of_tenant_a_finds_nothing_of_tenant_b(api, world):
    a, b = world["a"], world["b"]
    count = api.event_count()
    token = a["mentee"]["participant_token"]
    for method, path, body in every_request(b["slug"], b["programme"], b["mentee"]["person_id"],
                                            other_programme_id=b["programme"]["id"]):
        response = api.call(method, path, token, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # the participant's own person id under B's tenant path: still 404
    own_under_b = f"/tenants/{b['slug']}/people/{a['mentee']['person_id']}"
    assert api.get(own_under_b, token).status_code == 404
    assert api.event_count() == count


def test_a_participant_reaches_only_their_own_data(api, world):
    a = world["a"]
    mentee, mentor = a["mentee"], a["mentor"]
    token = mentee["participant_token"]
    count = api.event_count()
    # someone else of the same tenant: 404 for every person endpoint
    for method, path, body in every_request(a["slug"], a["programme"], mentor["person_id"],
                                            other_programme_id=a["programme"]["id"]):
        if "/people/" not in path:
            continue
        response = api.call(method, path, token, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert "Ona" not in response.text
    # coordinator work in their own tenant: 403 (they are inside, but not a coordinator)
    t, p = f"/tenants/{a['slug']}", a["programme"]["id"]
    for method, path, body in [("GET", t, None), ("POST", f"{t}/keys/rotate", None),
                               ("GET", f"{t}/programmes", None), ("GET", f"{t}/programmes/{p}", None),
                               ("POST", f"{t}/programmes", builders.school_settings()),
                               ("PATCH", f"{t}/programmes/{p}", {"name": "x"}),
                               ("POST", f"{t}/programmes/{p}/clone", {}),
                               ("GET", f"{t}/programmes/{p}/participants", None),
                               ("POST", f"{t}/programmes/{p}/mentees",
                                {"person_id": mentor["person_id"], "profile": builders.profile()})]:
        response = api.call(method, path, token, json=body)
        assert response.status_code in (403, 404), (method, path, response.text)
        assert response.status_code != 200
    assert api.event_count() == count
    # their own data: yes
    own = f"{t}/people/{mentee['person_id']}"
    assert api.get(own, token).status_code == 200
    export = api.get(own + "/export", token)
    assert export.status_code == 200 and export.json()["person_id"] == mentee["person_id"]


def test_the_operator_reads_no_personal_data(api, world):
    from services.registration.tests.conftest import OPERATOR_TOKEN

    a = world["a"]
    person = f"/tenants/{a['slug']}/people/{a['mentee']['person_id']}"
    for path in (person, person + "/export"):
        response = api.get(path, OPERATOR_TOKEN)
        assert response.status_code == 403
        assert "Jonas" not in response.text
    assert api.get(f"/tenants/{a['slug']}/programmes", OPERATOR_TOKEN).status_code == 403
