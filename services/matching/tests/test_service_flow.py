"""Matching over the real broker: registrations in, pairings out, each exactly once."""
from __future__ import annotations

from collections import Counter

import pytest

from services.platform_core.testing import wait_for

from .conftest import programme_settings

pytestmark = pytest.mark.integration


def test_automatic_mode_pairs_each_mentee_once_even_when_events_come_twice(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    mentor = reg.mentor(programme, areas=["education", "finance"], capacity=2)
    first = reg.mentee(programme, areas=["finance"])
    second = reg.mentee(programme, areas=["education"])
    rows = platform.wait_pairings(reg, programme.id, 2, "confirmed")
    reg.publish_again()  # the broker delivers every registration event a second time
    assert {(r["mentor_id"], r["mentee_id"]) for r in rows} == {(mentor, first), (mentor, second)}
    by_mentee = {r["mentee_id"]: r for r in rows}
    assert by_mentee[first]["score"]["parts"]["areas"] == 12
    assert by_mentee[first]["score"]["percent"] == 100
    assert by_mentee[first]["origin"] in ("placement", "reserve")

    # an external subscriber sees PairingConfirmed exactly once per mentee
    wait_for(lambda: len(platform.watcher.of(reg.slug, "PairingConfirmed")) >= 2,
             message="two published confirmations")
    wait_for(lambda: platform.api.get("/health").ok)
    # let the redelivered events be consumed, then check nothing more came
    third = reg.mentee(programme)
    # (the third waits for consent until its ConsentGiven is consumed, then for capacity)
    platform.wait_reserve(reg, programme.id, lambda r: [(m["id"], m["recorded_reason"]) for m in r["mentees"]]
                          == [(third, "no_capacity")], message="the third mentee waits for capacity")
    confirmed = platform.watcher.of(reg.slug, "PairingConfirmed")
    assert Counter(m["payload"]["mentee_id"] for m in confirmed) == {first: 1, second: 1}
    assert all(m["payload"]["score"] >= 0 and "parts" in m["payload"] for m in confirmed)
    assert len(platform.pairings(reg, programme.id)) == 2

    # the mentor is full: the third mentee waits for capacity, with the reason recorded
    reserve = platform.reserve(reg, programme.id)
    assert [(m["id"], m["reason"], m["recorded_reason"]) for m in reserve["mentees"]] == [
        (third, "no_capacity", "no_capacity")]
    waitlisted = platform.watcher.of(reg.slug, "MenteeWaitlisted")
    # (first without consent, as MenteeRegistered comes before ConsentGiven)
    assert [m["payload"]["reason"] for m in waitlisted if m["stream_id"] == third][-1] == "no_capacity"


def test_consent_and_a_new_mentor_take_people_from_the_reserve(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    waiting_consent = reg.mentee(programme, consent=False)
    russian = reg.mentee(programme, languages=["ru"])
    expected = {waiting_consent: "no_consent", russian: "no_suitable_mentor"}
    # (the russian mentee's consent may come a moment after their registration)
    platform.wait_reserve(reg, programme.id,
                          lambda r: {m["id"]: m["reason"] for m in r["mentees"]} == expected,
                          message="two waiting mentees, for their reasons")

    lv_mentor = reg.mentor(programme)
    reserve = platform.wait_reserve(reg, programme.id, lambda r: r["mentors"], message="the lv mentor")
    assert [(m["id"], m["room"], m["reason"]) for m in reserve["mentors"]] == [
        (lv_mentor, 1, "waiting_for_mentee")]
    # the lv mentor arriving changes nothing for them
    assert {m["id"]: m["reason"] for m in reserve["mentees"]} == {
        waiting_consent: "no_consent", russian: "no_suitable_mentor"}

    reg.consent(programme, waiting_consent)  # consent arrives: placed at once
    [row] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert (row["mentor_id"], row["mentee_id"]) == (lv_mentor, waiting_consent)

    ru_mentor = reg.mentor(programme, languages=["ru", "lv"])  # a new mentor: taken from the reserve
    rows = platform.wait_pairings(reg, programme.id, 2, "confirmed")
    assert {(r["mentor_id"], r["mentee_id"]) for r in rows} >= {(ru_mentor, russian)}
    assert platform.reserve(reg, programme.id)["mentees"] == []


def test_a_withdrawing_mentor_frees_the_mentee_who_is_matched_again(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("automatic"))
    first_mentor = reg.mentor(programme, areas=["education"])
    mentee = reg.mentee(programme, areas=["education"])
    [row] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert row["mentor_id"] == first_mentor
    other_mentor = reg.mentor(programme, areas=["finance"])
    reg.withdraw(programme, first_mentor)
    rows = platform.wait_pairings(reg, programme.id, 2)
    ended = [r for r in rows if r["status"] == "ended"]
    assert [(r["mentor_id"], r["close_reason"], r["closed_by"]) for r in ended] == [
        (first_mentor, "withdrew", "mentor")]
    [again] = [r for r in rows if r["status"] == "confirmed"]
    assert (again["mentor_id"], again["mentee_id"]) == (other_mentor, mentee)

    # the mentee's consent is withdrawn: the pair ends and the mentee waits for a consent
    reg.withdraw_consent(programme, mentee)
    platform.wait_reserve(reg, programme.id, lambda r: [m["reason"] for m in r["mentees"]] == ["no_consent"],
                          message="the mentee waiting for consent")
    rows = platform.pairings(reg, programme.id, "ended")
    assert sorted(r["close_reason"] for r in rows) == ["consent_withdrawn", "withdrew"]

    # erasure: nothing remains active, and the erased mentee leaves the reserve
    reg.erase(mentee)
    platform.wait_reserve(reg, programme.id, lambda r: r["mentees"] == [], message="the erased mentee gone")


def test_coordinator_approves_and_rejects_proposals(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_approves"))
    best = reg.mentor(programme, areas=["finance", "education"])
    good = reg.mentor(programme, areas=["finance"], place="Cesis")
    platform.wait_mentors_known(reg, programme.id, [best, good])
    mentee = reg.mentee(programme, areas=["finance", "education"])
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    assert (proposal["mentor_id"], proposal["mentee_id"]) == (best, mentee)
    listed = platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/proposals", reg.api_key)
    assert [p["id"] for p in listed.json()["proposals"]] == [proposal["id"]]
    assert listed.json()["proposals"][0]["score"]["parts"] == {"areas": 20, "place": 6, "preferred": 0,
                                                               "languages": 0}

    base = f"/tenants/{reg.slug}/programmes/{programme.id}"
    rejected = platform.api.post(f"{base}/proposals/{proposal['id']}/reject", reg.api_key,
                                 {"reason": "not_suitable"})
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["pairing"]["status"] == "rejected" and body["pairing"]["closed_by"] == "coordinator"
    assert body["next_proposal"]["mentor_id"] == good  # the next best mentor, never the rejected one
    again = platform.api.post(f"{base}/proposals/{proposal['id']}/reject", reg.api_key)
    assert again.status_code == 409

    approved = platform.api.post(f"{base}/proposals/{body['next_proposal']['id']}/approve", reg.api_key)
    assert approved.status_code == 200, approved.text
    assert approved.json()["pairing"]["status"] == "confirmed"
    assert approved.json()["pairing"]["confirmed_by"] == "coordinator"
    assert platform.api.post(f"{base}/proposals/{body['next_proposal']['id']}/approve",
                             reg.api_key).status_code == 409

    # the coordinator ends the pair and asks for a new match: the rejected mentor is not proposed
    ended = platform.api.post(f"{base}/pairings/{body['next_proposal']['id']}/end", reg.api_key,
                              {"reason": "closed_early", "rematch": True})
    assert ended.status_code == 200, ended.text
    assert ended.json()["pairing"]["close_reason"] == "closed_early"
    reserve = platform.reserve(reg, programme.id)
    assert [(m["id"], m["reason"]) for m in reserve["mentees"]] == [(mentee, "no_suitable_mentor")]
    assert {m["id"] for m in reserve["mentors"]} == {best, good}
    confirmed = wait_for(lambda: platform.watcher.of(reg.slug, "PairingConfirmed"), message="published")
    assert [m["payload"]["mentor_id"] for m in confirmed] == [good]


def test_a_round_proposes_the_optimal_pairs_in_coordinator_assigns_mode(platform):
    reg = platform.tenant()
    programme = reg.programme(programme_settings("coordinator_assigns"))
    m_finance = reg.mentor(programme, areas=["finance"])
    m_both = reg.mentor(programme, areas=["finance", "education"])
    platform.wait_mentors_known(reg, programme.id, [m_finance, m_both])
    t_finance = reg.mentee(programme, areas=["finance"])
    t_education = reg.mentee(programme, areas=["education"])
    platform.wait_reserve(reg, programme.id, lambda r: [m["recorded_reason"] for m in r["mentees"]]
                          == ["awaiting_coordinator"] * 2, message="both awaiting the coordinator")
    response = platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/rounds", reg.api_key)
    assert response.status_code == 201, response.text
    summary = response.json()
    assert summary["paired"] == 2 and summary["waiting"] == {}
    # first-come-first-served would give m_both to t_finance; the optimum gives it to t_education
    assert {(p["mentee_id"], p["mentor_id"], p["status"]) for p in summary["pairings"]} == {
        (t_finance, m_finance, "proposed"), (t_education, m_both, "proposed")}
    assert summary["total_score"] == 36  # 12 (first area) + 6 (same place) each
    assert platform.reserve(reg, programme.id)["mentees"] == []
    [done] = wait_for(lambda: platform.watcher.of(reg.slug, "MatchingRoundCompleted"), message="round event")
    assert done["payload"]["paired"] == 2 and done["payload"]["total_score"] == 36
    assert done["payload"]["confirmed"] == 0  # it only proposed
    # a second round keeps the open proposals as they are
    again = platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/rounds", reg.api_key).json()
    assert again["kept_proposals"] == 2 and again["new_pairings"] == [] and again["superseded"] == 0


def test_a_mentor_who_fails_a_required_background_check_stops_mentoring(platform):
    reg = platform.tenant()
    settings = programme_settings("automatic")
    settings["rules"]["vetting_required"] = True
    programme = reg.programme(settings)
    checked, other = reg.mentor(programme, areas=["education"]), reg.mentor(programme, areas=["finance"])
    reg.vetting(programme, checked)
    mentee = reg.mentee(programme, areas=["education"])
    [row] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert row["mentor_id"] == checked  # the unvetted mentor is never chosen
    reg.vetting(programme, other)
    reg.vetting(programme, checked, cleared=False)  # a later check of the first one fails
    rows = platform.wait_pairings(reg, programme.id, 2)
    [ended] = [r for r in rows if r["status"] == "ended"]
    assert (ended["mentor_id"], ended["close_reason"], ended["closed_by"]) == (checked, "vetting_failed", "system")
    [again] = [r for r in rows if r["status"] == "confirmed"]
    assert (again["mentor_id"], again["mentee_id"]) == (other, mentee)
    ends = wait_for(lambda: platform.watcher.of(reg.slug, "PairingEnded"), message="the published end")
    assert [e["payload"]["reason"] for e in ends] == ["vetting_failed"]
