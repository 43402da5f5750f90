"""The matching service's OpenAPI document against the running service: it is served with its
docs page, scores carry a reason per part, and a property-based fuzz of every operation
(schemathesis, a few examples each) finds no 5xx and no answer that breaks the documented
statuses and schemas."""
from __future__ import annotations

import pytest

from services.matching.service import MatchingService
from services.platform_core import openapi
from services.platform_core.tenancy import issue_participant_token

from .conftest import MATCHING_NOW, OPERATOR_TOKEN, PLATFORM_SECRET, programme_settings

pytestmark = pytest.mark.integration
pytest.importorskip("schemathesis")

from services.platform_core import openapi_testing  # noqa: E402

SCHEMA = openapi_testing.load(openapi.document(MatchingService))


@pytest.fixture(scope="module")
def world(platform):
    """A programme whose coordinator approves, with a proposal waiting: what the fuzz's paths name."""
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    reg.mentor(programme, capacity=2, languages=["lv", "en"])
    mentee = reg.mentee(programme, languages=["lv", "en"])
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    participant = issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug, mentee, MATCHING_NOW)
    return {"tenant_id": reg.slug, "programme_id": programme.id, "pairing_id": proposal["id"],
            "mentee_id": mentee, "person_id": mentee, "proposal": proposal,
            "tokens": {"operator": OPERATOR_TOKEN, "coordinator": reg.api_key, "participant": participant}}


def test_the_document_and_its_page_are_served(platform):
    served = platform.api.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi.document(MatchingService)
    page = platform.api.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "/tenants/{tenant_id}/programmes/{programme_id}/pairings" in page.text
    assert "<script" not in page.text and "<link" not in page.text  # nothing fetched from elsewhere


def test_a_score_gives_a_reason_for_each_part(world):
    score = world["proposal"]["score"]
    assert set(score["reasons"]) == set(score["parts"])
    assert score["reasons"]["languages"] == (
        "shares English and Latvian: one is required, so not scored; 2 for each other (2)")
    assert score["reasons"]["place"] == "both in Riga: 6"


@SCHEMA.parametrize()
@openapi_testing.fuzz_settings
def test_fuzz(case, platform, world):
    openapi_testing.fuzz_case(case, platform.api.base, world)
