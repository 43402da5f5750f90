"""Rules hold after the fact: what changes once a proposal or a pairing exists.

A coordinator approving late, a profile that now relates the pair, a rejection or an early
end that frees a mentor, a stale read, odd input: over the real broker and database.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.platform_core.testing import wait_for

from .conftest import programme_settings

pytestmark = pytest.mark.integration


def base_of(reg, programme):
    return f"/tenants/{reg.slug}/programmes/{programme.id}"


def of_mentee(rows, mentee):
    return [(r["mentor_id"], r["status"], r["close_reason"]) for r in rows if r["mentee_id"] == mentee]


def test_approving_checks_the_rules_again_and_a_stale_version_is_a_conflict(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    reg.mentor(programme)
    reg.mentee(programme)
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    base = base_of(reg, programme)
    stale = platform.api.post(f"{base}/proposals/{proposal['id']}/approve", reg.api_key,
                              {"version": proposal["version"] + 1})
    assert stale.status_code == 409 and "changed since you read it" in stale.json()["message"]
    platform.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))  # matching closed 28 Feb
    late = platform.api.post(f"{base}/proposals/{proposal['id']}/approve", reg.api_key,
                             {"version": proposal["version"]})
    assert late.status_code == 422, late.text
    # the window closed (and the guardian's consent for that school year ran out too)
    assert "outside_matching_window" in late.json()["details"]["failures"]
    assert platform.pairings(reg, programme.id, "proposed")[0]["id"] == proposal["id"]  # untouched


def test_a_profile_that_now_relates_the_pair_ends_it_and_one_that_excludes_drops_the_proposal(platform):
    reg = platform.tenant()
    confirmed = reg.programme(programme_settings("automatic"))
    parent = reg.mentor(confirmed)
    child = reg.mentee(confirmed)
    platform.wait_pairings(reg, confirmed.id, 1, "confirmed")
    reg.update_profile(confirmed, child, never_pair_with=[parent])  # registration learns they are family
    [ended] = platform.wait_pairings(reg, confirmed.id, 1, "ended")
    assert (ended["close_reason"], ended["closed_by"]) == ("related_pair", "system")
    reserve = platform.wait_reserve(reg, confirmed.id, lambda r: [m["id"] for m in r["mentees"]] == [child],
                                    message="the child back in the reserve")
    assert reserve["mentees"][0]["reason"] == "no_suitable_mentor"  # never with their parent again

    proposing = reg.programme(programme_settings("coordinator_approves"))
    mentor = reg.mentor(proposing)
    mentee = reg.mentee(proposing)
    platform.wait_pairings(reg, proposing.id, 1, "proposed")
    reg.update_profile(proposing, mentee, excluded_mentors=[mentor])
    wait_for(lambda: of_mentee(platform.pairings(reg, proposing.id), mentee) ==
             [(mentor, "rejected", "excluded_by_mentee")], message="the proposal dropped")


def test_a_rejected_proposal_gives_the_mentors_place_to_someone_waiting(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    mentor = reg.mentor(programme, capacity=1)
    first = reg.mentee(programme)
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    assert proposal["mentee_id"] == first
    second = reg.mentee(programme)
    platform.wait_reserve(reg, programme.id, lambda r: [(m["id"], m["reason"]) for m in r["mentees"]]
                          == [(second, "no_capacity")], message="the second waiting for a place")
    rejected = platform.api.post(f"{base_of(reg, programme)}/proposals/{proposal['id']}/reject", reg.api_key,
                                 {"reason": "not_suitable", "version": proposal["version"]})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["next_proposal"] is None  # the first is never proposed this mentor again
    rows = platform.pairings(reg, programme.id, "proposed")
    assert [(r["mentor_id"], r["mentee_id"]) for r in rows] == [(mentor, second)]


def test_a_pairing_ended_early_puts_the_mentee_back_in_the_reserve(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    first_mentor = reg.mentor(programme)
    mentee = reg.mentee(programme)
    [pairing] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    ended = platform.api.post(f"{base_of(reg, programme)}/pairings/{pairing['id']}/end", reg.api_key,
                              {"reason": "closed_early"})
    assert ended.status_code == 200, ended.text
    platform.wait_reserve(reg, programme.id, lambda r: [m["id"] for m in r["mentees"]] == [mentee],
                          message="the mentee back in the reserve")
    second_mentor = reg.mentor(programme)
    rows = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert [(r["mentor_id"], r["mentee_id"]) for r in rows] == [(second_mentor, mentee)]
    assert first_mentor != second_mentor


def test_a_withdrawn_mentor_leaves_the_shortlists_and_withdrawn_consent_cancels_a_request(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("mentee_chooses", shortlist_size=3, answer_days=5))
    leaving = reg.mentor(programme, areas=["education", "finance"])
    staying = reg.mentor(programme, areas=["education"])
    platform.wait_mentors_known(reg, programme.id, [leaving, staying])
    chooser = reg.mentee(programme, areas=["education", "finance"])
    shortlist = f"{base_of(reg, programme)}/mentees/{chooser}/shortlist"

    def offered():
        response = platform.api.get(shortlist, reg.api_key)
        return [m["mentor_id"] for m in response.json()["mentors"]] if response.ok else None

    wait_for(lambda: offered() == [leaving, staying], message="both offered")
    reg.withdraw(programme, leaving)
    wait_for(lambda: offered() == [staying], message="the shortlist without the mentor who left")

    chosen = platform.api.post(f"{base_of(reg, programme)}/mentees/{chooser}/choices", reg.api_key,
                               {"mentor_ids": [staying]})
    assert chosen.status_code == 201, chosen.text
    reg.withdraw_consent(programme, chooser)
    wait_for(lambda: [(r["status"], r["close_reason"]) for r in
                      platform.api.get(shortlist, reg.api_key).json()["requests"]]
             == [("cancelled", "consent_withdrawn")], message="the request cancelled")
    assert platform.api.get(shortlist, reg.api_key).json()["status"] == "no_consent"


def test_odd_input_is_a_readable_400_never_a_500(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    reg.mentor(programme)
    reg.mentee(programme)
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    base = base_of(reg, programme)
    long_code = platform.api.post(f"{base}/proposals/{proposal['id']}/reject", reg.api_key, {"reason": "a" * 50})
    assert long_code.status_code == 400 and long_code.json()["details"]["reason"], long_code.text
    nul_body = platform.api.post(f"{base}/proposals/{proposal['id']}/reject", reg.api_key, {"reason": "a\x00b"})
    assert nul_body.status_code == 400 and nul_body.json()["details"] == {"reason": ["contains a NUL character"]}
    for path in (f"/tenants/{reg.slug}/programmes/%00/pairings", f"{base}/pairings?status=%00"):
        response = platform.api.get(path, reg.api_key)
        assert response.status_code == 400 and "NUL" in response.json()["message"], (path, response.text)
    assert platform.api.post(f"/tenants/{reg.slug}/programmes/%00/rounds", reg.api_key).status_code == 400
    assert platform.pairings(reg, programme.id, "proposed")[0]["id"] == proposal["id"]
