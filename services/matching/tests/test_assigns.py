"""Coordinator assigns (seed 003): a team's mentor must know its capacity-building need; the
coordinator picks from the suitable candidates, over the real broker and database."""
from __future__ import annotations

import uuid

import pytest

from services.platform_core.tenancy import issue_participant_token
from services.registration.domain import Person
from services.registration.tests import builders

from .conftest import MATCHING_NOW, OPERATOR_TOKEN, PLATFORM_SECRET, REGISTERED_AT, mentee_profile

pytestmark = pytest.mark.integration


def team(reg, programme, **profile):
    person = Person(str(uuid.uuid4()))
    reg.people[person.id] = person
    reg._person_command(person, person.register(
        programme=programme, role="team", personal=builders.team_personal(),
        profile=mentee_profile(**{"languages": ["lt"], "areas": ["fundraising"], "place": "Vilnius",
                                  **profile}),
        now=REGISTERED_AT))
    return person.id


def set_need(reg, programme, team_id, *areas):
    person = reg.people[team_id]
    reg._person_command(person, person.set_team_need(programme=programme, areas=list(areas),
                                                     now=REGISTERED_AT))


def mentor(reg, programme, *areas, place="Vilnius"):
    return reg.mentor(programme, languages=["lt"], areas=list(areas), place=place)


@pytest.fixture(scope="module")
def ngo(platform):
    reg = platform.tenant()
    programme = reg.programme(builders.organisational_settings())
    return reg, programme


def candidates(platform, reg, programme, team_id, token=None):
    return platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/teams/{team_id}/candidates",
                            reg.api_key if token is None else token)


def test_the_coordinator_picks_a_mentor_who_knows_the_teams_need(platform, ngo):
    reg, programme = ngo
    strategist = mentor(reg, programme, "strategy")
    fundraiser = mentor(reg, programme, "fundraising", "communication")
    far_fundraiser = mentor(reg, programme, "fundraising", place="Kaunas")
    epile = team(reg, programme)
    platform.wait_reserve(reg, programme.id, lambda r: [(m["id"], m["reason"]) for m in r["mentees"]]
                          == [(epile, "team_need_area_not_set")] and len(r["mentors"]) == 3,
                          message="the team waiting for its need")
    # no need set yet: nobody can be picked, and the rule is named
    early = candidates(platform, reg, programme, epile)
    assert early.status_code == 422 and early.json()["details"]["failures"] == ["team_need_area_not_set"]
    refused = platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/pairings", reg.api_key,
                                {"mentor_id": fundraiser, "mentee_id": epile})
    assert refused.status_code == 422 and "team_need_area_not_set" in refused.json()["details"]["failures"]

    set_need(reg, programme, epile, "fundraising")
    platform.wait_reserve(reg, programme.id, lambda r: [m["reason"] for m in r["mentees"]]
                          == ["awaiting_coordinator"], message="the team awaiting the coordinator")
    listed = candidates(platform, reg, programme, epile)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["need_area"] == "fundraising" and body["pairing_id"] is None
    assert [c["mentor_id"] for c in body["candidates"]] == [fundraiser, far_fundraiser]
    assert body["candidates"][0]["score"]["percent"] > body["candidates"][1]["score"]["percent"]
    assert body["candidates"][0]["room"] == 1
    assert body["unsuitable"] == [{"mentor_id": strategist, "failures": ["mentor_lacks_team_need_area"]}]

    base = f"/tenants/{reg.slug}/programmes/{programme.id}/pairings"
    wrong = platform.api.post(base, reg.api_key, {"mentor_id": strategist, "mentee_id": epile})
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["details"]["failures"] == ["mentor_lacks_team_need_area"]
    assert "mentor_lacks_team_need_area" in wrong.json()["message"]

    made = platform.api.post(base, reg.api_key, {"mentor_id": fundraiser, "mentee_id": epile})
    assert made.status_code == 201, made.text
    pairing = made.json()["pairing"]
    assert (pairing["mentor_id"], pairing["status"], pairing["origin"]) == (fundraiser, "confirmed", "manual")
    assert candidates(platform, reg, programme, epile).json()["pairing_id"] == pairing["id"]
    assert platform.api.post(base, reg.api_key, {"mentor_id": far_fundraiser,
                                                 "mentee_id": epile}).status_code == 409

    # the team sees its pairing with its own token
    token = issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug, epile, MATCHING_NOW)
    mine = platform.api.get(f"/tenants/{reg.slug}/people/{epile}/pairings", token)
    assert [p["id"] for p in mine.json()["pairings"]] == [pairing["id"]]


def test_candidates_credentials_and_unknown_teams(platform, ngo):
    reg, programme = ngo
    someone = mentor(reg, programme, "governance")
    other_team = team(reg, programme)
    platform.wait_reserve(reg, programme.id, lambda r: other_team in [m["id"] for m in r["mentees"]]
                          and someone in [m["id"] for m in r["mentors"]], message="the team and mentor")
    participant = issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug, other_team,
                                          MATCHING_NOW)
    assert candidates(platform, reg, programme, other_team, token="").status_code == 401
    assert candidates(platform, reg, programme, other_team, token="mk_x_y").status_code == 401
    assert candidates(platform, reg, programme, other_team, token=participant).status_code == 403
    assert candidates(platform, reg, programme, other_team, token=OPERATOR_TOKEN).status_code == 403
    assert candidates(platform, reg, programme, other_team, token=platform.tenant().api_key).status_code == 404
    assert candidates(platform, reg, programme, uuid.uuid4()).status_code == 404
    assert candidates(platform, reg, programme, someone).status_code == 404  # a mentor is no team
    assert candidates(platform, reg, programme, "not-an-id").status_code == 404
    assert platform.api.get(f"/tenants/{reg.slug}/programmes/{uuid.uuid4()}/teams/{other_team}/candidates",
                            reg.api_key).status_code == 404


def test_a_need_of_several_areas_requires_the_first_and_scores_the_others(platform, ngo):
    reg, programme = ngo
    only_first = mentor(reg, programme, "strategy")
    both = mentor(reg, programme, "strategy", "governance")
    only_second = mentor(reg, programme, "governance")
    board = team(reg, programme, areas=["communication"])
    set_need(reg, programme, board, "strategy", "governance")
    platform.wait_reserve(reg, programme.id, lambda r: (board, "awaiting_coordinator") in
                          [(m["id"], m["reason"]) for m in r["mentees"]], message="the team's need known")
    body = candidates(platform, reg, programme, board).json()
    ranked = [c for c in body["candidates"] if c["mentor_id"] in (only_first, both)]
    assert [c["mentor_id"] for c in ranked] == [both, only_first]
    assert [c["score"]["parts"]["areas"] for c in ranked] == [12 + 8, 12]  # need areas rank first
    assert {"mentor_id": only_second, "failures": ["mentor_lacks_team_need_area"]} in body["unsuitable"]
