"""The scheduled cohort round: a programme with a round date waits for it, then one replica
runs the round once; moving the date moves the job. Time driven by the ManualClock."""
from __future__ import annotations

from datetime import datetime, timezone

import eventlet
import pytest
from nameko.runners import ServiceRunner

from services.matching.service import MatchingService
from services.platform_core.scheduler import list_jobs, scheduler_of
from services.platform_core.testing import wait_for

from .conftest import free_port, programme_settings, running_platform

pytestmark = pytest.mark.integration

ROUND_DAY = "2025-02-21"
# midnight in Riga (the tenant's time zone) is 22:00 UTC the evening before
RIGA_MIDNIGHT = datetime(2025, 2, 20, 22, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def platform():
    with running_platform(SCHEDULER_POLL_SECONDS=0) as value:
        yield value


@pytest.fixture(scope="module")
def second_replica(platform):
    """Another replica of matching on the same database and broker (no polling either)."""
    runner = ServiceRunner({**platform.runner.config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
    runner.add_service(MatchingService)
    runner.start()
    yield runner
    runner.stop()


def scheduler(runner):
    [container] = [c for c in runner.containers if c.service_name == "matching"]
    return scheduler_of(container)


def round_programme(reg, mode="automatic", day=ROUND_DAY):
    settings = programme_settings(mode)
    settings["dates"]["matching_round"] = day
    return reg.programme(settings)


def rounds_published(platform, reg):
    return platform.watcher.of(reg.slug, "MatchingRoundCompleted")


def test_the_round_waits_for_its_date_and_runs_once_across_replicas(platform, second_replica):
    reg = platform.tenant()
    programme = round_programme(reg)
    m_finance = reg.mentor(programme, areas=["finance"])
    m_both = reg.mentor(programme, areas=["finance", "education"])
    platform.wait_mentors_known(reg, programme.id, [m_finance, m_both])
    t_finance = reg.mentee(programme, areas=["finance"])
    t_education = reg.mentee(programme, areas=["education"])
    reserve = platform.wait_reserve(
        reg, programme.id, lambda r: [m["recorded_reason"] for m in r["mentees"]] == ["awaiting_round"] * 2,
        message="both mentees waiting for the round")
    assert {m["reason"] for m in reserve["mentees"]} == {"awaiting_round"}

    # before the date: nothing, whoever asks
    assert scheduler(platform.runner).run_due() == []
    platform.clock.set(datetime(2025, 2, 20, 21, 59, tzinfo=timezone.utc))  # 23:59 in Riga
    assert scheduler(second_replica).run_due() == []
    assert platform.pairings(reg, programme.id) == []

    # the date comes: both replicas try at once, one runs the round
    platform.clock.set(RIGA_MIDNIGHT)
    first = eventlet.spawn(scheduler(platform.runner).run_due)
    second = eventlet.spawn(scheduler(second_replica).run_due)
    outcomes = first.wait() + second.wait()
    assert [(kind, outcome) for kind, _, outcome in outcomes] == [("matching-round", "done")]
    rows = platform.wait_pairings(reg, programme.id, 2, "confirmed")
    # the optimum, not first come first served
    assert {(r["mentee_id"], r["mentor_id"], r["origin"]) for r in rows} == {
        (t_finance, m_finance, "round"), (t_education, m_both, "round")}
    assert scheduler(platform.runner).run_due() == [] and scheduler(second_replica).run_due() == []
    [done] = wait_for(lambda: rounds_published(platform, reg), message="the round published")
    # it says how many it confirmed, and they share its correlation id (notifications' group introduction)
    assert done["payload"]["confirmed"] == 2
    confirmed = wait_for(lambda: len(platform.watcher.of(reg.slug, "PairingConfirmed")) == 2
                         and platform.watcher.of(reg.slug, "PairingConfirmed"), message="the pairings published")
    assert {e["correlation_id"] for e in confirmed} == {done["correlation_id"]}
    platform.clock.advance(days=3)
    assert scheduler(platform.runner).run_due() == []

    # after the round, a late registrant is placed at once
    health = reg.mentor(programme, areas=["health"])
    platform.wait_mentors_known(reg, programme.id, [health])
    late = reg.mentee(programme, areas=["health"])
    rows = platform.wait_pairings(reg, programme.id, 3, "confirmed")
    assert [r["origin"] for r in rows if r["mentee_id"] == late] == ["placement"]
    assert len(rounds_published(platform, reg)) == 1


def test_a_new_round_date_moves_the_job(platform):
    reg = platform.tenant()
    programme = round_programme(reg, mode="coordinator_approves")
    reg.mentor(programme)
    mentee = reg.mentee(programme)
    platform.wait_reserve(reg, programme.id, lambda r: [m["recorded_reason"] for m in r["mentees"]]
                          == ["awaiting_round"], message="the mentee waiting for the round")
    reg.update_programme(programme, {"dates": {"matching_round": "2025-02-25"}})
    wait_for(lambda: platform.api.get(f"/tenants/{reg.slug}/programmes/{programme.id}/reserve",
                                      reg.api_key).ok, message="the update consumed")

    def round_job_day():
        with platform.matching_store.transaction(reg.slug) as tx:
            return [job.payload["date"] for job in list_jobs(tx, kind="matching-round", pending_only=True)
                    if job.payload["programme_id"] == programme.id]
    wait_for(lambda: round_job_day() == ["2025-02-25"], message="the job moved to the new date")

    platform.clock.set(RIGA_MIDNIGHT)
    assert scheduler(platform.runner).run_due() == []
    platform.clock.set(datetime(2025, 2, 25, 8, 0, tzinfo=timezone.utc))
    assert [outcome for _, _, outcome in scheduler(platform.runner).run_due()] == ["done"]
    [proposal] = platform.wait_pairings(reg, programme.id, 1, "proposed")
    assert proposal["mentee_id"] == mentee and proposal["origin"] == "round"
    [done] = wait_for(lambda: rounds_published(platform, reg), message="the round published")
    assert done["payload"]["paired"] == 1

    # removing the date cancels a job that has not run
    reg.update_programme(programme, {"dates": {"matching_round": "2025-02-27"}})
    wait_for(lambda: round_job_day() == ["2025-02-27"], message="a job for the new date")
    reg.update_programme(programme, {"dates": {"matching_round": None}})
    wait_for(lambda: round_job_day() == [], message="the job cancelled")


def test_those_who_waited_for_the_matching_window_are_matched_when_it_opens(platform):
    reg = platform.tenant()
    settings = programme_settings("automatic")
    settings["dates"]["matching_opens"] = "2025-02-14"
    programme = reg.programme(settings)
    mentor = reg.mentor(programme)
    platform.wait_mentors_known(reg, programme.id, [mentor])
    mentee = reg.mentee(programme)
    platform.wait_reserve(reg, programme.id, lambda r: [m["reason"] for m in r["mentees"]]
                          == ["outside_matching_window"], message="the mentee waiting for the window")
    assert [job for job in scheduler(platform.runner).run_due() if job[0] == "matching-opens"] == []
    platform.clock.set(datetime(2025, 2, 13, 22, 0, tzinfo=timezone.utc))  # midnight in Riga
    opened = [(kind, outcome) for kind, _, outcome in scheduler(platform.runner).run_due()]
    assert opened == [("matching-opens", "done")]
    [pairing] = platform.wait_pairings(reg, programme.id, 1, "confirmed")
    assert (pairing["mentor_id"], pairing["mentee_id"]) == (mentor, mentee)
