"""Cohort rounds asked with ``Prefer: respond-async``: 202 at once, the round runs after the
answer, its progress and result read at ``Location`` (from any replica); without the header, as
before; an ``Idempotency-Key`` repeated starts nothing new; a round whose replica died is run
again; a round that cannot run says why."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from sqlalchemy import update

from services.matching import read_model
from services.matching.decisions import UnitOfWork, asked_rounds
from services.matching.decisions.asked_rounds import ASKED_ROUND_JOB
from services.matching.domain.asked_rounds import AskedRound
from services.matching.domain.pairing import ROUND
from services.platform_core.scheduler import get_job, jobs, schedule
from services.platform_core.testing import wait_for

from .conftest import programme_settings

pytestmark = pytest.mark.integration

ASYNC = {"Prefer": "respond-async"}


def cohort(platform, reg, mode: str = "coordinator_assigns"):
    """Two mentors (one place each) and three mentees waiting for the coordinator: a round
    pairs two (the optimum differs from first come, first served) and one waits."""
    programme = reg.programme(programme_settings(mode))
    mentors = [reg.mentor(programme, areas=["finance"]), reg.mentor(programme, areas=["finance", "education"])]
    platform.wait_mentors_known(reg, programme.id, mentors)
    mentees = [reg.mentee(programme, areas=["finance"]), reg.mentee(programme, areas=["education"]),
               reg.mentee(programme, areas=["finance"], place="Tallinn")]
    platform.wait_reserve(reg, programme.id, lambda r: len(r["mentees"]) == 3, message="three mentees waiting")
    return programme, mentors, mentees


def in_words(result: Dict[str, Any], mentors: List[str], mentees: List[str]) -> Dict[str, Any]:
    """A round's result with people named by their place in the cohort (two programmes compared)."""
    name = {**{m: f"mentor{i}" for i, m in enumerate(mentors)}, **{m: f"mentee{i}" for i, m in enumerate(mentees)}}
    return {
        **{k: result[k] for k in ("paired", "kept_proposals", "superseded", "total_score")},
        "new_pairings": len(result["new_pairings"]),
        "waiting": {name[m]: why for m, why in result["waiting"].items()},
        "pairings": sorted((name[p["mentee_id"]], name[p["mentor_id"]], p["status"], p["origin"],
                            p["score"]["total"], tuple(sorted(p["score"]["reasons"].items())))
                           for p in result["pairings"]),
    }


def rounds_path(reg, programme_id: str) -> str:
    return f"/tenants/{reg.slug}/programmes/{programme_id}/rounds"


def wait_ended(platform, reg, location: str, timeout: float = 20):
    def ended():
        response = platform.api.get(location, reg.api_key)
        assert response.status_code == 200, response.text
        return response.json() if response.json()["status"] != "running" else None
    return wait_for(ended, timeout=timeout, message=f"the round at {location} to end")


def stored(platform, reg, *event_types: str):
    with platform.matching_store.transaction(reg.slug) as tx:
        return tx.read_after(0, event_types=event_types)


def test_an_asked_round_answers_at_once_and_ends_with_the_result_a_synchronous_round_gives(platform):
    reg = platform.tenant()
    sync_programme, sync_mentors, sync_mentees = cohort(platform, reg)
    programme, mentors, mentees = cohort(platform, reg)

    synchronous = platform.api.post(rounds_path(reg, sync_programme.id), reg.api_key)
    assert synchronous.status_code == 201, synchronous.text  # without the header: as before
    assert "Preference-Applied" not in synchronous.headers and "Location" not in synchronous.headers

    accepted = platform.api.post(rounds_path(reg, programme.id), reg.api_key, headers=ASYNC)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    location = f"{rounds_path(reg, programme.id)}/{body['round_id']}"
    assert body["status"] == "running" and body["location"] == location
    assert accepted.headers["Location"] == location
    assert accepted.headers["Preference-Applied"] == "respond-async"

    done = wait_ended(platform, reg, location)
    assert done["status"] == "completed", done
    assert done["reason"] is None and done["finished_at"]
    assert done["result"]["round_id"] == body["round_id"]
    assert in_words(done["result"], mentors, mentees) == in_words(synchronous.json(), sync_mentors, sync_mentees)
    assert done["result"]["paired"] == 2 and len(done["result"]["waiting"]) == 1
    # the round is the one asked for: published under its id, and its pairings are there
    wait_for(lambda: [e for e in platform.watcher.of(reg.slug, "MatchingRoundCompleted")
                      if e["stream_id"] == body["round_id"]], message="the asked round published")
    assert {p["id"] for p in platform.pairings(reg, programme.id)} == set(done["result"]["new_pairings"])
    # a synchronous round's id is not an asked round's
    assert platform.api.get(f"{rounds_path(reg, sync_programme.id)}/{synchronous.json()['round_id']}",
                            reg.api_key).status_code == 404


def test_an_asked_round_repeated_with_its_idempotency_key_starts_nothing_new(platform):
    reg = platform.tenant()
    programme, _, _ = cohort(platform, reg)
    headers = {**ASYNC, "Idempotency-Key": str(uuid.uuid4())}
    first = platform.api.post(rounds_path(reg, programme.id), reg.api_key, headers=headers)
    again = platform.api.post(rounds_path(reg, programme.id), reg.api_key, headers=headers)
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"] == first.json()["location"]
    assert again.headers["Preference-Applied"] == "respond-async"
    assert wait_ended(platform, reg, first.headers["Location"])["status"] == "completed"
    assert len(stored(platform, reg, "RoundRequested")) == 1
    assert len(stored(platform, reg, "MatchingRoundCompleted")) == 1
    assert len(platform.pairings(reg, programme.id)) == 2


def test_unknown_rounds_and_programmes_without_rounds(platform):
    reg = platform.tenant()
    programme, _, _ = cohort(platform, reg)
    for round_id in (str(uuid.uuid4()), "not-a-round"):
        response = platform.api.get(f"{rounds_path(reg, programme.id)}/{round_id}", reg.api_key)
        assert response.status_code == 404 and response.json()["error"] == "not_found", response.text
    accepted = platform.api.post(rounds_path(reg, programme.id), reg.api_key, headers=ASYNC).json()
    other = reg.programme(programme_settings("coordinator_assigns"))
    wait_for(lambda: platform.reserve(reg, other.id), message="the other programme known")
    # the round is the programme's: another programme's address does not name it, nor another tenant's key
    assert platform.api.get(f"{rounds_path(reg, other.id)}/{accepted['round_id']}", reg.api_key).status_code == 404
    assert platform.api.get(accepted["location"], platform.tenant().api_key).status_code == 404
    assert platform.api.get(accepted["location"]).status_code == 401
    # mentees choose: refused at once, as a synchronous round is, and nothing asked
    choosing = reg.programme(programme_settings("mentee_chooses"))
    wait_for(lambda: platform.reserve(reg, choosing.id), message="the choosing programme known")
    refused = platform.api.post(rounds_path(reg, choosing.id), reg.api_key, headers=ASYNC)
    assert refused.status_code == 422 and "mode_is_mentee_chooses" in refused.text, refused.text
    assert [e.payload["programme_id"] for e in stored(platform, reg, "RoundRequested")] == [programme.id]


def test_a_round_that_cannot_run_says_why(platform):
    """The programme's mode changed to mentees choosing between the request and the run."""
    reg = platform.tenant()
    programme = reg.programme(programme_settings("mentee_chooses"))
    wait_for(lambda: platform.reserve(reg, programme.id), message="the programme known")
    round_id = str(uuid.uuid4())
    with platform.matching_store.transaction(reg.slug) as tx:  # asked (no job: run here below)
        uow = UnitOfWork(tx)
        uow.append(AskedRound(round_id).request(programme.id, now=uow.now), {(ROUND, round_id): 0})
    running = platform.api.get(f"{rounds_path(reg, programme.id)}/{round_id}", reg.api_key).json()
    assert running["status"] == "running" and running["result"] is None and running["finished_at"] is None
    with platform.matching_store.transaction(reg.slug) as tx:
        asked_rounds.run(UnitOfWork(tx), round_id)
    failed = platform.api.get(f"{rounds_path(reg, programme.id)}/{round_id}", reg.api_key).json()
    assert failed["status"] == "failed" and failed["code"] == "mode_is_mentee_chooses", failed
    assert "mentees choose" in failed["reason"] and failed["result"] is None
    with platform.matching_store.transaction(reg.slug) as tx:  # it ended: running the job again does nothing
        asked_rounds.run(UnitOfWork(tx), round_id)
        row = read_model.asked_round_row(tx.conn, reg.slug, programme.id, round_id)
        assert row is not None and row["status"] == "failed"
    assert stored(platform, reg, "MatchingRoundCompleted") == []


def test_a_round_whose_replica_died_is_run_again(platform):
    """The round was asked and its job claimed by a replica that died (its claim expired,
    nothing of the round written): the running service takes the job over and runs it."""
    reg = platform.tenant()
    programme, _, _ = cohort(platform, reg)
    with platform.matching_store.transaction(reg.slug) as tx:
        uow = UnitOfWork(tx)
        round_id = str(uuid.uuid4())
        uow.append(AskedRound(round_id).request(programme.id, now=uow.now), {(ROUND, round_id): 0})
        schedule(tx, kind=ASKED_ROUND_JOB, key=round_id, due_at=uow.now,
                 payload={"programme_id": programme.id, "round_id": round_id})
        tx.conn.execute(update(jobs).where(jobs.c.job_key == round_id).values(
            claimed_by="a-replica-that-died", attempts=1,
            claimed_until=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    done = wait_ended(platform, reg, f"{rounds_path(reg, programme.id)}/{round_id}")
    assert done["status"] == "completed" and done["result"]["paired"] == 2, done
    with platform.matching_store.transaction(reg.slug) as tx:
        job = get_job(tx, ASKED_ROUND_JOB, round_id)
    assert job is not None and job.done_at is not None and job.attempts == 2
