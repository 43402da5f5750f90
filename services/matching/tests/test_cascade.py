"""Mentee chooses (seed 001): shortlists, rankings, requests to mentors answered, declined,
expired or cancelled, over the real broker and database, time driven by the ManualClock."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection

from services.platform_core.envelope import EVENTS_EXCHANGE
from services.platform_core.scheduler import scheduler_of
from services.platform_core.tenancy import issue_participant_token
from services.platform_core.testing import wait_for

from .conftest import MATCHING_NOW, OPERATOR_TOKEN, PLATFORM_SECRET, programme_settings, running_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform():
    # no background polling: the tests run scheduled jobs themselves (run_due)
    with running_platform(SCHEDULER_POLL_SECONDS=0) as value:
        with Connection(value.amqp_uri) as conn:
            conn.default_channel.queue_bind(value.watcher.queue, EVENTS_EXCHANGE, "*.mentorrequest.*")
        yield value


def token(reg, person_id):
    return issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, reg.slug, person_id, MATCHING_NOW)


def run_due(platform):
    [container] = [c for c in platform.runner.containers if c.service_name == "matching"]
    return scheduler_of(container).run_due()


def chooser_programme(reg, **matching):
    return reg.programme(programme_settings("mentee_chooses", shortlist_size=3, answer_days=5, **matching))


def shortlist(platform, reg, programme, mentee, count=1):
    path = f"/tenants/{reg.slug}/programmes/{programme.id}/mentees/{mentee}/shortlist"

    def offered():
        response = platform.api.get(path, token(reg, mentee))
        return response.json() if response.status_code == 200 and len(response.json()["mentors"]) >= count \
            else None
    return wait_for(offered, timeout=15, message=f"a shortlist of {count}")


def choose(platform, reg, programme, mentee, mentor_ids, who=None):
    return platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/mentees/{mentee}/choices",
                             who or token(reg, mentee), {"mentor_ids": mentor_ids})


def answer(platform, reg, programme, request_id, mentor, verb, body=None):
    return platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/requests/{request_id}/{verb}",
                             token(reg, mentor), body)


def published(platform, reg, event_type):
    return platform.watcher.of(reg.slug, event_type)


def test_the_cascade_expires_declines_and_the_first_acceptance_wins(platform):
    reg = platform.tenant()
    programme = chooser_programme(reg)
    best = reg.mentor(programme, areas=["education", "finance"])
    second = reg.mentor(programme, areas=["education"])
    third = reg.mentor(programme, areas=["education"], place="Cesis")
    fourth = reg.mentor(programme, areas=["health"], place="Cesis")  # not suitable enough for the top 3
    platform.wait_mentors_known(reg, programme.id, [best, second, third, fourth])
    mentee = reg.mentee(programme, areas=["education", "finance"])

    offer = shortlist(platform, reg, programme, mentee, count=3)
    assert [m["mentor_id"] for m in offer["mentors"]] == [best, second, third]
    assert [m["percent"] for m in offer["mentors"]] == [100, 69, 46]
    assert offer["status"] == "awaiting_mentee_choice" and offer["choice"] is None
    wait_for(lambda: published(platform, reg, "ShortlistOffered"), message="ShortlistOffered published")

    chosen = choose(platform, reg, programme, mentee, [best, second, third])
    assert chosen.status_code == 201, chosen.text
    first_request = chosen.json()["request"]
    assert (first_request["mentor_id"], first_request["rank"], first_request["status"]) == (best, 1, "open")
    assert chosen.json()["events"] == ["MentorsChosen", "MentorRequested", "MenteeWaitlisted"]
    assert chosen.json()["shortlist"]["status"] == "awaiting_mentor_answer"
    # the mentor sees the request to answer
    mine = platform.api.get(f"/tenants/{reg.slug}/people/{best}/requests", token(reg, best))
    assert [r["id"] for r in mine.json()["requests"]] == [first_request["id"]]

    # no answer within the answer days (5): it expires and the next mentor is asked
    assert run_due(platform) == []
    platform.clock.advance(days=4, hours=23)
    assert run_due(platform) == []
    platform.clock.advance(hours=2)
    assert [outcome for _, _, outcome in run_due(platform)] == ["done"]
    requests = platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/requests",
                                reg.api_key).json()["requests"]
    assert [(r["mentor_id"], r["status"]) for r in requests] == [(best, "expired"), (second, "open")]
    after_expiry = requests[1]

    declined = answer(platform, reg, programme, after_expiry["id"], second, "decline", {"reason": "no time"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["request"]["status"] == "declined"
    last = declined.json()["next_request"]
    assert (last["mentor_id"], last["rank"]) == (third, 3)
    # answering twice, or a request that is not yours
    assert answer(platform, reg, programme, after_expiry["id"], second, "accept").status_code == 409
    assert answer(platform, reg, programme, last["id"], second, "accept").status_code == 404

    accepted = answer(platform, reg, programme, last["id"], third, "accept")
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["request"]["status"] == "accepted"
    assert body["events"] == ["MentorRequestAccepted", "PairingConfirmed"]
    pairing = body["pairing"]
    assert (pairing["mentor_id"], pairing["mentee_id"], pairing["status"], pairing["origin"],
            pairing["confirmed_by"]) == (third, mentee, "confirmed", "choice", "mentor")
    assert answer(platform, reg, programme, last["id"], third, "accept").status_code == 409
    assert choose(platform, reg, programme, mentee, [best]).status_code == 409  # paired already

    # the expiry of the accepted request was cancelled: nothing more happens
    platform.clock.advance(days=30)
    assert run_due(platform) == []

    # each side sees the pairing; nobody else does
    for person in (mentee, third):
        response = platform.api.get(f"/tenants/{reg.slug}/people/{person}/pairings", token(reg, person))
        assert response.status_code == 200, response.text
        assert [p["id"] for p in response.json()["pairings"]] == [pairing["id"]]
    assert platform.api.get(f"/tenants/{reg.slug}/people/{mentee}/pairings",
                            reg.api_key).json()["pairings"][0]["role"] == "mentee"
    assert platform.api.get(f"/tenants/{reg.slug}/people/{mentee}/pairings",
                            token(reg, best)).status_code == 404

    wait_for(lambda: published(platform, reg, "PairingConfirmed"), message="PairingConfirmed published")
    kinds = [m["event_type"] for m in platform.watcher.drain() if m["tenant_id"] == reg.slug
             and m["stream_type"] == "mentorrequest"]
    assert kinds == ["MentorRequested", "MentorRequestExpired", "MentorRequested",
                     "MentorRequestDeclined", "MentorRequested", "MentorRequestAccepted"]


def test_a_mentor_who_fills_up_is_skipped_and_an_exhausted_list_waits(platform):
    reg = platform.tenant()
    programme = chooser_programme(reg)
    popular = reg.mentor(programme, areas=["education", "finance"])
    other = reg.mentor(programme, areas=["education"])
    platform.wait_mentors_known(reg, programme.id, [popular, other])
    first = reg.mentee(programme, areas=["education"])
    second = reg.mentee(programme, areas=["education"])
    shortlist(platform, reg, programme, first, 2)
    shortlist(platform, reg, programme, second, 2)

    one = choose(platform, reg, programme, first, [popular]).json()["request"]
    two = choose(platform, reg, programme, second, [popular, other]).json()["request"]
    assert one["mentor_id"] == two["mentor_id"] == popular
    # choosing again while a mentor considers the request: not now
    assert choose(platform, reg, programme, second, [other]).status_code == 409

    # the popular mentor (one place) takes the first: the second's request is cancelled
    accepted = answer(platform, reg, programme, one["id"], popular, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["events"][:3] == ["MentorRequestAccepted", "PairingConfirmed",
                                             "MentorRequestCancelled"]
    refused = answer(platform, reg, programme, two["id"], popular, "accept")
    assert refused.status_code == 409
    requests = platform.api.get(f"/tenants/{reg.slug}/people/{second}/requests", reg.api_key).json()["requests"]
    assert [(r["mentor_id"], r["status"], r["close_reason"]) for r in requests] == [
        (popular, "cancelled", "mentor_full"), (other, "open", None)]

    # the last one declines: the list is exhausted and the mentee waits, free to choose again
    declined = answer(platform, reg, programme, requests[1]["id"], other, "decline")
    assert declined.status_code == 200 and declined.json()["next_request"] is None
    assert "MenteeWaitlisted" in declined.json()["events"]
    reserve = platform.reserve(reg, programme.id)
    assert [(m["id"], m["reason"]) for m in reserve["mentees"]] == [(second, "no_mentor_accepted")]
    wait_for(lambda: [m["payload"]["reason"] for m in published(platform, reg, "MenteeWaitlisted")
                      if m["stream_id"] == second][-1:] == ["no_mentor_accepted"],
             message="no_mentor_accepted published")

    newcomer = reg.mentor(programme, areas=["education"])
    offer = shortlist(platform, reg, programme, second)
    assert [m["mentor_id"] for m in offer["mentors"]] == [newcomer]  # not the mentor who declined
    again = choose(platform, reg, programme, second, [newcomer])
    assert again.status_code == 201, again.text
    assert again.json()["request"]["mentor_id"] == newcomer


def test_a_mentor_the_coordinator_fills_has_their_open_requests_cancelled(platform):
    reg = platform.tenant()
    programme = chooser_programme(reg)
    mentor = reg.mentor(programme)
    chooser = reg.mentee(programme)
    shortlist(platform, reg, programme, chooser)
    request = choose(platform, reg, programme, chooser, [mentor]).json()["request"]
    # meanwhile the coordinator gives the mentor's only place to someone else
    other = reg.mentee(programme)
    shortlist(platform, reg, programme, other)
    made = platform.api.post(f"/tenants/{reg.slug}/programmes/{programme.id}/pairings", reg.api_key,
                             {"mentor_id": mentor, "mentee_id": other})
    assert made.status_code == 201, made.text
    # the chooser is not left waiting days for an answer that can only be no
    mine = platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/mentees/{chooser}/shortlist",
                            token(reg, chooser)).json()
    assert [(r["id"], r["status"], r["close_reason"]) for r in mine["requests"]] == [
        (request["id"], "cancelled", "mentor_full")]
    assert mine["status"] == "no_mentor_accepted"
    late = answer(platform, reg, programme, request["id"], mentor, "accept")
    assert late.status_code == 409, late.text
    cancelled = wait_for(lambda: published(platform, reg, "MentorRequestCancelled"), message="published")
    assert [e["payload"]["reason"] for e in cancelled] == ["mentor_full"]


def test_an_acceptance_a_rule_now_refuses_is_422(platform):
    reg = platform.tenant()
    programme = chooser_programme(reg)
    platform.clock.set(datetime(2026, 2, 26, 9, 0, tzinfo=timezone.utc))  # the window closes 28 Feb
    mentor = reg.mentor(programme)
    chooser = reg.mentee(programme, born="2000-05-01", consent=False)  # an adult: no consent needed
    shortlist(platform, reg, programme, chooser)
    request = choose(platform, reg, programme, chooser, [mentor]).json()["request"]
    platform.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))  # answered after it closed
    refused = answer(platform, reg, programme, request["id"], mentor, "accept")
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["failures"] == ["outside_matching_window"]


def test_bad_input_and_wrong_credentials(platform):
    reg = platform.tenant()
    programme = chooser_programme(reg)
    mentor = reg.mentor(programme)
    mentee = reg.mentee(programme)
    someone = reg.mentee(programme)
    shortlist(platform, reg, programme, mentee)
    base = f"/tenants/{reg.slug}/programmes/{programme.id}"
    path = f"{base}/mentees/{mentee}/shortlist"
    other = platform.tenant()

    assert platform.api.get(path).status_code == 401
    assert platform.api.get(path, "pt_forged.sig").status_code == 401
    assert platform.api.get(path, token(reg, someone)).status_code == 404
    assert platform.api.get(path, other.api_key).status_code == 404
    assert platform.api.get(path, OPERATOR_TOKEN).status_code == 403
    assert platform.api.get(path, reg.api_key).status_code == 200
    assert platform.api.get(f"{base}/mentees/{uuid.uuid4()}/shortlist", reg.api_key).status_code == 404
    assert platform.api.get(f"{base}/mentees/{mentor}/shortlist", reg.api_key).status_code == 404

    def bad(response, field):
        assert response.status_code == 400, response.text
        assert response.json()["details"].get(field), response.json()

    bad(platform.api.post(f"{base}/mentees/{mentee}/choices", token(reg, mentee), {}), "mentor_ids")
    bad(platform.api.post(f"{base}/mentees/{mentee}/choices", token(reg, mentee),
                          {"mentor_ids": [mentor], "now": 1}), "now")
    bad(choose(platform, reg, programme, mentee, []), "mentor_ids")
    bad(choose(platform, reg, programme, mentee, ["nope"]), "mentor_ids.0")
    bad(choose(platform, reg, programme, mentee, [str(uuid.uuid4())]), "mentor_ids")
    bad(choose(platform, reg, programme, mentee, [mentor, mentor]), "mentor_ids")
    assert choose(platform, reg, programme, mentee, [mentor], who=token(reg, someone)).status_code == 404
    assert platform.api.post(f"{base}/mentees/{mentee}/choices", None,
                             {"mentor_ids": [mentor]}).status_code == 401
    assert choose(platform, reg, programme, mentee, [mentor], who=other.api_key).status_code == 404

    # another mode: mentees do not choose there
    automatic = reg.programme(programme_settings("coordinator_approves"))
    pupil = reg.mentee(automatic)
    platform.wait_reserve(reg, automatic.id, lambda r: r["mentees"], message="the pupil waiting")
    response = platform.api.get(f"/tenants/{reg.slug}/programmes/{automatic.id}/mentees/{pupil}/shortlist",
                                token(reg, pupil))
    assert response.status_code == 422 and response.json()["details"]["failures"] == [
        "mode_is_not_mentee_chooses"]

    request = choose(platform, reg, programme, mentee, [mentor]).json()["request"]
    accept = f"{base}/requests/{request['id']}/accept"
    assert platform.api.post(accept).status_code == 401
    assert platform.api.post(accept, reg.api_key).status_code == 403  # the mentor answers
    assert platform.api.post(accept, token(reg, mentee)).status_code == 404
    assert platform.api.post(accept, token(other, mentor)).status_code == 404
    assert platform.api.post(f"{base}/requests/{uuid.uuid4()}/accept", token(reg, mentor)).status_code == 404
    assert platform.api.post(f"{base}/requests/not-an-id/decline", token(reg, mentor)).status_code == 404
    bad(platform.api.post(accept, token(reg, mentor), {"really": True}), "really")
    bad(platform.api.post(f"{base}/requests/{request['id']}/decline", token(reg, mentor),
                          {"reason": "x" * 501}), "reason")
    bad(platform.api.get(f"{base}/requests?status=maybe", reg.api_key), "status")
    assert platform.api.post(accept, token(reg, mentor)).status_code == 200
    assert platform.api.post(f"{base}/requests/{request['id']}/decline", token(reg, mentor)).status_code == 409

    people = f"/tenants/{reg.slug}/people/{mentee}/pairings"
    assert platform.api.get(people).status_code == 401
    assert platform.api.get(people, token(reg, someone)).status_code == 404
    assert platform.api.get(people, other.api_key).status_code == 404
    assert platform.api.get(f"/tenants/{reg.slug}/people/{uuid.uuid4()}/pairings", reg.api_key).status_code == 404
    assert platform.api.get(people, token(reg, mentee)).status_code == 200
