"""A programme's staff over HTTP: added, listed, changed, removed with the tenant's key; bad input
a 400 naming each field; their contact encrypted in the store, in their export, gone once
erased; and in the contact cards notifications asks for."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.platform_core.store import events_table
from services.registration import read_model
from services.registration.tests import builders

pytestmark = pytest.mark.integration

RUTA = {"name": "Rūta Kazlauskienė", "email": "ruta.staff-secret@example.lt"}


def staff_url(tenant, programme_id, *rest):
    return "/".join([f"/tenants/{tenant['slug']}/programmes/{programme_id}/staff", *rest])


def add(api, tenant, programme_id, body, status=201):
    response = api.post(staff_url(tenant, programme_id), tenant["key"], body)
    assert response.status_code == status, response.text
    return response.json()


def cards(api, tenant, person_ids, programme_id):
    with api.store.transaction(tenant["slug"]) as tx:
        return read_model.contact_cards(tx.conn, tenant["slug"], person_ids, programme_id)


def test_a_coordinator_is_added_listed_changed_and_removed(api):
    tenant = api.tenant()
    pid = api.programme(tenant)["id"]
    added = add(api, tenant, pid, {"role": "coordinator", "language": "lv", "personal": RUTA})
    member = added["staff_member"]
    assert added["events"] == ["StaffMemberAdded"]
    assert (member["role"], member["language"], member["name"], member["email"]) == (
        "coordinator", "lv", RUTA["name"], RUTA["email"])
    listed = api.get(staff_url(tenant, pid), tenant["key"]).json()
    assert [m["person_id"] for m in listed["staff"]] == [member["person_id"]]

    url = staff_url(tenant, pid, member["person_id"])
    stale = api.patch(url, tenant["key"], {"language": "en"}, headers={"If-Match": '"0"'})
    assert stale.status_code == 409, stale.text
    changed = api.patch(url, tenant["key"], {"language": "en", "personal": {"phone": "+370 600 11111"}},
                        headers={"If-Match": f'"{member["version"]}"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["staff_member"]["language"] == "en"
    assert changed.json()["staff_member"]["phone"] == "+370 600 11111"

    other = api.programme(tenant)["id"]  # the same person coordinates another programme
    again = add(api, tenant, other, {"role": "coordinator", "person_id": member["person_id"]})
    assert again["staff_member"]["language"] == "en"

    removed = api.post(url + "/remove", tenant["key"], {})
    assert removed.status_code == 200, removed.text
    assert removed.json()["staff_member"] is None and removed.json()["events"] == ["StaffMemberRemoved"]
    assert api.get(staff_url(tenant, pid), tenant["key"]).json()["staff"] == []
    assert api.post(url + "/remove", tenant["key"], {}).status_code == 404
    assert len(api.get(staff_url(tenant, other), tenant["key"]).json()["staff"]) == 1


def test_bad_staff_input_is_a_400_naming_each_field(api):
    tenant = api.tenant()
    pid = api.programme(tenant)["id"]
    response = api.post(staff_url(tenant, pid), tenant["key"], {
        "role": "janitor", "language": "de", "personal": {"name": "", "email": "nope"}, "extra": 1})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] and body["message"]
    assert {"role", "language", "personal.name", "personal.email", "extra"} <= set(body["details"])
    missing = api.post(staff_url(tenant, pid), tenant["key"], {"role": "coordinator"})
    assert missing.status_code == 400 and {"personal.name", "personal.email"} <= set(missing.json()["details"])
    teacher = api.post(staff_url(tenant, pid), tenant["key"], {"role": "teacher", "personal": RUTA})
    assert teacher.status_code == 400 and "role" in teacher.json()["details"]  # not an e-course
    member = add(api, tenant, pid, {"role": "coordinator", "personal": RUTA})["staff_member"]
    empty = api.patch(staff_url(tenant, pid, member["person_id"]), tenant["key"], {})
    assert empty.status_code == 400, empty.text
    mentee = api.register(tenant, pid, "mentees")
    participant = api.post(staff_url(tenant, pid), tenant["key"], {"role": "coordinator",
                                                                  "person_id": mentee["person_id"]})
    assert participant.status_code == 422 and "participant" in participant.json()["message"]
    token = mentee["participant_token"]
    assert api.post(staff_url(tenant, pid), token, {"role": "coordinator", "personal": RUTA}).status_code == 403
    stranger = api.tenant()
    assert api.get(staff_url(tenant, pid), stranger["key"]).status_code == 404


def test_a_staff_members_contact_is_encrypted_exported_and_erased(api):
    tenant = api.tenant()
    pid = api.programme(tenant)["id"]
    member = add(api, tenant, pid, {"role": "coordinator", "personal": RUTA})["staff_member"]
    person_id = member["person_id"]
    with api.store.engine.connect() as conn:
        stored = "\n".join(conn.execute(select(events_table.c.payload)).scalars())
    assert "staff-secret" not in stored and "Kazlauskienė" not in stored

    export = api.get(f"/tenants/{tenant['slug']}/people/{person_id}/export", tenant["key"])
    assert export.status_code == 200, export.text
    assert export.json()["person"]["kind"] == "staff"
    assert [e["event_type"] for e in export.json()["events"]] == ["StaffMemberAdded"]
    assert export.json()["events"][0]["payload"]["personal"]["email"] == RUTA["email"]

    erased = api.post(f"/tenants/{tenant['slug']}/people/{person_id}/erase", tenant["key"], {})
    assert erased.status_code == 200, erased.text
    assert erased.json()["events"] == ["StaffMemberRemoved", "PersonErased"]
    assert api.get(staff_url(tenant, pid), tenant["key"]).json()["staff"] == []
    after = api.get(f"/tenants/{tenant['slug']}/people/{person_id}/export", tenant["key"]).json()
    assert "staff-secret" not in str(after) and "Kazlauskienė" not in str(after)
    assert cards(api, tenant, [person_id], pid)["people"] == {}


def test_contact_cards_carry_the_staff_and_each_persons_language(api):
    tenant = api.tenant()
    pid = api.programme(tenant)["id"]
    member = add(api, tenant, pid, {"role": "coordinator", "language": "nl", "personal": RUTA})["staff_member"]
    mentee = api.register(tenant, pid, "mentees", profile=builders.profile(
        community=[], languages=["ru", "en", "lt"]))
    chose = api.register(tenant, pid, "mentors", profile=builders.profile(languages=["lt", "en"],
                                                                          message_language="en"))
    got = cards(api, tenant, [mentee["person_id"], chose["person_id"], member["person_id"]], pid)
    assert got["people"][mentee["person_id"]]["language"] == "en"  # the first of theirs the programme offers
    assert got["people"][chose["person_id"]]["language"] == "en"
    staff_card = got["people"][member["person_id"]]
    assert (staff_card["kind"], staff_card["staff_role"], staff_card["language"], staff_card["email"]) == (
        "staff", "coordinator", "nl", RUTA["email"])
    assert [c["person_id"] for c in got["staff"]] == [member["person_id"]]
