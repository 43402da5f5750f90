"""The registration service's OpenAPI document against the running service: it is served with
its docs page, and a property-based fuzz of every operation (schemathesis, a few examples
each) finds no 5xx and no answer that breaks the documented statuses and schemas."""
from __future__ import annotations

import pytest

from services.platform_core import openapi
from services.registration.service import RegistrationService
from services.registration.tests import builders
from services.registration.tests.conftest import OPERATOR_TOKEN

pytestmark = pytest.mark.integration
schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from services.platform_core import openapi_testing  # noqa: E402

SCHEMA = openapi_testing.load(openapi.document(RegistrationService))


def test_the_document_and_its_page_are_served(api):
    served = api.get("/openapi.json")
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("application/json")
    assert served.json() == openapi.document(RegistrationService)
    page = api.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "POST</span> <code>/tenants/{tenant_id}/programmes</code>" in page.text
    assert "http://" not in page.text and "https://" not in page.text.replace(
        "https://spec.openapis.org", "").replace("https://json-schema.org", "")


@pytest.fixture(scope="module")
def world(api):
    """A tenant with a programme and a registered mentee: what the fuzz's paths name."""
    tenant = api.tenant()
    programme = api.programme(tenant)
    mentee = api.register(tenant, programme["id"], "mentees", profile=builders.profile(community=[]))
    return {"tenant_id": tenant["slug"], "programme_id": programme["id"], "person_id": mentee["person_id"],
            "tokens": {"operator": OPERATOR_TOKEN, "coordinator": tenant["key"],
                       "participant": mentee["participant_token"]}}


@SCHEMA.parametrize()
@openapi_testing.fuzz_settings
def test_fuzz(case, api, world):
    response = openapi_testing.fuzz_case(case, api.base, world)
    if case.operation.path.endswith("/keys/rotate") and response.status_code == 201:
        world["tokens"]["coordinator"] = response.json()["api_key"]  # the old key no longer works


def test_a_team_without_a_leader_is_bad_input_naming_its_members(api):
    """As the document says (tests/test_openapi.py): 400 naming personal.members (the registration domain reads a
    team's members against the programme's settings with every other field), not 422."""
    tenant = api.tenant(kind="ngo")
    programme = api.programme(tenant, builders.organisational_settings())
    response = api.post(f"/tenants/{tenant['slug']}/programmes/{programme['id']}/teams", tenant["key"], {
        "personal": builders.team_personal(leaders=0), "profile": builders.profile(areas=["strategy"], community=[])})
    assert response.status_code == 400, response.text
    assert "leading role" in " ".join(response.json()["details"].get("personal.members", [])), response.text
