"""The whole life of a person, on each database the store supports (PostgreSQL and SQLite).

SQLite has no row-level security: the service's own checks are the only wall there, so the
cross-tenant cases are repeated on it."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.platform_core.store import ALL_TENANTS, events_table
from services.platform_core.tenancy import CREDENTIALS
from services.registration import read_model
from services.registration.tests import builders
from services.registration.tests.conftest import running_service

pytestmark = pytest.mark.integration


def test_register_isolate_erase_rebuild(database_url, amqp_uri):
    with running_service(database_url, amqp_uri) as api:
        a, b = api.tenant(), api.tenant()
        programme_a, programme_b = api.programme(a), api.programme(b)
        mentee_b = api.register(b, programme_b["id"], "mentees")
        mentee = api.register(a, programme_a["id"], "mentees",
                              personal=builders.pupil(name="Ieva Dzēšamā", email="ieva.x@example.lv"))
        person = f"/tenants/{a['slug']}/people/{mentee['person_id']}"
        assert api.post(person + "/consent", a["key"], {"programme_id": programme_a["id"],
                                                        "given_by": "guardian"}).status_code == 200

        count = api.event_count()
        b_person = f"/tenants/{a['slug']}/people/{mentee_b['person_id']}"
        assert api.get(b_person, a["key"]).status_code == 404
        assert api.get(b_person + "/export", a["key"]).status_code == 404
        assert api.post(b_person + "/erase", a["key"]).status_code == 404
        assert api.get(f"/tenants/{a['slug']}/programmes/{programme_b['id']}", a["key"]).status_code == 404
        assert api.post(f"/tenants/{a['slug']}/programmes/{programme_b['id']}/mentees", a["key"], {
            "personal": builders.pupil(), "profile": builders.profile(community=[])}).status_code == 404
        assert api.patch(f"/tenants/{a['slug']}/programmes/{programme_b['id']}", a["key"],
                         {"name": "x"}).status_code == 404
        assert api.get(f"/tenants/{b['slug']}/people/{mentee_b['person_id']}",
                       mentee["participant_token"]).status_code == 404
        assert api.event_count() == count

        assert api.post(person + "/erase", a["key"]).status_code == 200
        assert api.get(person, mentee["participant_token"]).status_code == 401
        export = api.get(person + "/export", a["key"])
        assert "Ieva" not in export.text and "ieva.x" not in export.text
        with api.store.engine.connect() as conn:
            raw = "\n".join(conn.execute(select(events_table.c.payload)).scalars())
        assert "Ieva" not in raw and "ieva.x" not in raw and "Jonas" not in raw

        with api.store.transaction(ALL_TENANTS) as tx:
            before = json.dumps(read_model.snapshot(tx.conn), default=str, sort_keys=True)
        read_model.READ_MODELS.rebuild(api.store)
        CREDENTIALS.rebuild(api.store)
        with api.store.transaction(ALL_TENANTS) as tx:
            after = json.dumps(read_model.snapshot(tx.conn), default=str, sort_keys=True)
        assert after == before and "Ieva" not in after
        # B's mentee is untouched, and everyone's credentials still work after the rebuild
        got = api.get(f"/tenants/{b['slug']}/people/{mentee_b['person_id']}", b["key"])
        assert got.status_code == 200 and got.json()["personal"]["name"] == "Jonas Jonaitis"
        assert api.get(f"/tenants/{a['slug']}", a["key"]).status_code == 200
        assert api.get(person, mentee["participant_token"]).status_code == 401
