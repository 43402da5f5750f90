"""The sessions service's OpenAPI document against the running service: it is valid OpenAPI
3.1, it is served with its docs page, and a property-based fuzz of every operation
(schemathesis, a few examples each) as a side of a confirmed pairing, its coordinator or the
operator finds no 5xx and no answer that breaks the documented statuses, content types and
schemas (the CSV reports included)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.matching.tests.conftest import OPERATOR_TOKEN, programme_settings
from services.platform_core import openapi
from services.sessions.service import SessionsService

from .conftest import START

pytestmark = pytest.mark.integration
pytest.importorskip("schemathesis")

from services.platform_core import openapi_testing  # noqa: E402

SCHEMA = openapi_testing.load(openapi.document(SessionsService))


@pytest.fixture(scope="module")
def world(platform):
    """A confirmed pairing with a meeting the mentor logged and a goal: what the fuzz's paths
    name. The fuzz calls as the mentee (who may confirm or dispute the mentor's meeting). A
    final review ends its pairing, so it is fuzzed on a pairing of its own."""
    pair = platform.pair(programme_settings("automatic"))
    reviewed = platform.pair(programme_settings("automatic"))
    platform.clock.set(START + timedelta(days=1))
    logged = platform.api.post(f"{pair.base}/meetings", pair.mentor_token, {
        "started_at": (START + timedelta(hours=2)).isoformat(), "minutes": 60, "mode": "in_person",
        "areas": ["education"], "note": "a first talk"})
    assert logged.status_code == 201, logged.text
    goal = platform.api.post(f"{pair.base}/goals", pair.mentee_token,
                             {"title": "Pass maths", "target_date": "2025-06-01"})
    assert goal.status_code == 201, goal.text
    return {**names(pair), "programme_id": pair.programme.id, "meeting_id": logged.json()["id"],
            "goal_id": goal.json()["id"], "reviewed": names(reviewed), **certified(platform, pair)}


def certified(platform, pair):
    """A learning outcome the mentor validated, and the certificate issued of it."""
    outcome = platform.api.post(f"{pair.base}/outcomes", pair.mentee_token, {"title": "Teamwork"})
    assert outcome.status_code == 201, outcome.text
    validated = platform.api.post(f"{pair.base}/outcomes/{outcome.json()['id']}/validate", pair.mentor_token, {})
    assert validated.status_code == 200, validated.text
    issued = platform.api.post(f"{pair.base}/certificates", pair.key, {"name": "Jānis Bērziņš"})
    assert issued.status_code == 201, issued.text
    return {"outcome_id": outcome.json()["id"], "certificate_id": issued.json()["id"], "code": issued.json()["code"]}


def names(pair):
    """The pairing's tenant and id, the mentee (whose export is read), and the tokens of its
    callers (the mentee as participant)."""
    return {"tenant_id": pair.reg.slug, "pairing_id": pair.id, "person_id": pair.mentee,
            "tokens": {"operator": OPERATOR_TOKEN, "coordinator": pair.key, "participant": pair.mentee_token}}


def test_the_document_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi.build(SessionsService))


def test_the_document_and_its_page_are_served(platform):
    served = platform.api.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi.document(SessionsService)
    page = platform.api.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "/tenants/{tenant_id}/pairings/{pairing_id}/meetings" in page.text
    assert "<script" not in page.text and "<link" not in page.text  # nothing fetched from elsewhere


def test_the_csv_reports_are_documented_as_csv():
    paths = openapi.document(SessionsService)["paths"]
    for path in ("/tenants/{tenant_id}/pairings/{pairing_id}/progress.csv",
                 "/tenants/{tenant_id}/programmes/{programme_id}/progress.csv"):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["text/csv"]


@SCHEMA.parametrize()
@openapi_testing.fuzz_settings
def test_fuzz(case, platform, world):
    if case.operation.path.endswith("/final-review"):
        world = {**world, **world["reviewed"]}
    openapi_testing.fuzz_case(case, platform.api.base, world)
