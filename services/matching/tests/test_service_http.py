"""The matching HTTP API: credentials, tenants, bad input, rules, conflicts."""
from __future__ import annotations

import uuid

import pytest

from services.platform_core.tenancy import issue_participant_token

from .conftest import MATCHING_NOW, OPERATOR_TOKEN, PLATFORM_SECRET, programme_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def setup(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    mentor = reg.mentor(programme, capacity=2)
    mentee = reg.mentee(programme)
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    return reg, programme, mentor, mentee, proposal


def assert_bad_input(response, *fields):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "bad_request"
    for name in fields:
        assert body["details"].get(name), (name, body["details"])


def test_health(platform):
    response = platform.api.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "service": "matching",
                                                               "database": "ok"}


def test_credentials_and_tenants(platform, setup):
    reg, programme, *_ = setup
    path = f"/tenants/{reg.slug}/programmes/{programme.id}/pairings"
    assert platform.api.get(path).status_code == 401
    assert platform.api.get(path, "mk_nope_secret").status_code == 401
    assert platform.api.get(path, "garbage").status_code == 401
    participant = issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug,
                                          str(uuid.uuid4()), MATCHING_NOW)
    assert platform.api.get(path, participant).status_code == 403
    assert platform.api.get(path, OPERATOR_TOKEN).status_code == 403
    # another tenant's key: the programme does not exist for them
    other = platform.tenant()
    assert platform.api.get(path, other.api_key).status_code == 404
    assert platform.api.get(f"/tenants/{other.slug}/programmes/{programme.id}/pairings",
                            other.api_key).status_code == 404
    assert platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/rounds",
                             other.api_key).status_code == 404
    assert platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/reserve",
                            reg.api_key).status_code == 200


def test_bad_input_names_each_field(platform, setup):
    reg, programme, mentor, mentee, proposal = setup
    base = f"/tenants/{reg.slug}/programmes/{programme.id}"
    assert_bad_input(platform.api.post(f"{base}/pairings", reg.api_key, {"mentor_id": "x", "extra": 1}),
                     "mentor_id", "mentee_id", "extra")
    assert_bad_input(platform.api.post(f"{base}/pairings/{proposal['id']}/end", reg.api_key,
                                       {"reason": "bored"}), "reason")
    assert_bad_input(platform.api.post(f"{base}/proposals/{proposal['id']}/reject", reg.api_key,
                                       {"reason": "Not A Code!"}), "reason")
    assert_bad_input(platform.api.post(f"{base}/rounds", reg.api_key, {"now": True}), "now")
    assert_bad_input(platform.api.get(f"{base}/pairings?status=maybe", reg.api_key), "status")
    assert_bad_input(platform.api.post(f"{base}/pairings", reg.api_key, data="{not json",
                                       headers={"Content-Type": "application/json"}))
    assert platform.api.post(f"{base}/proposals/{uuid.uuid4()}/approve", reg.api_key).status_code == 404
    assert platform.api.post(f"{base}/proposals/not-an-id/approve", reg.api_key).status_code == 404
    assert platform.api.get(f"/tenants/{reg.slug}/programmes/{uuid.uuid4()}/pairings",
                            reg.api_key).status_code == 404


def test_assign_by_hand_checks_the_hard_rules(platform, setup):
    reg, programme, mentor, mentee, proposal = setup
    base = f"/tenants/{reg.slug}/programmes/{programme.id}"
    stranger = reg.mentee(programme, languages=["ru"])
    platform.wait_reserve(reg, programme.id, lambda r: [m["id"] for m in r["mentees"]] == [stranger],
                          message="the ru mentee waiting")
    refused = platform.api.post(f"{base}/pairings", reg.api_key, {"mentor_id": mentor, "mentee_id": stranger})
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["failures"] == ["no_common_language"]
    unknown = platform.api.post(f"{base}/pairings", reg.api_key,
                                {"mentor_id": str(uuid.uuid4()), "mentee_id": stranger})
    assert unknown.status_code == 422
    assert unknown.json()["details"]["failures"] == ["not_a_mentor_of_this_programme"]

    # the coordinator assigns the proposed pair by hand: it is confirmed at once
    made = platform.api.post(f"{base}/pairings", reg.api_key, {"mentor_id": mentor, "mentee_id": mentee})
    assert made.status_code == 201, made.text
    assert made.json()["pairing"]["status"] == "confirmed"
    # the mentee is paired now: another assignment is a conflict, approving the old proposal too
    again = platform.api.post(f"{base}/pairings", reg.api_key, {"mentor_id": mentor, "mentee_id": mentee})
    assert again.status_code == 409
    assert platform.api.post(f"{base}/proposals/{made.json()['pairing']['id']}/approve",
                             reg.api_key).status_code == 409
    ended = platform.api.post(f"{base}/pairings/{made.json()['pairing']['id']}/end", reg.api_key,
                              {"reason": "completed"})
    assert ended.status_code == 200, ended.text
    assert platform.api.post(f"{base}/pairings/{made.json()['pairing']['id']}/end", reg.api_key,
                             {"reason": "completed"}).status_code == 409
