"""The database fails under the platform while four clients register people (issue 7).

Each test runs registration and matching as processes on their own databases, both reached
through a TCP proxy, and its own vhost; registers 40 mentors of capacity 2 and 260 adult
mentees (mentors spread through the load) with an Idempotency-Key each; strikes mid-load;
then, once the platform is quiet, checks from the stores (:meth:`Platform.outcome`): every
registration acknowledged (2xx) and stored once, nothing stored that a client was told had
failed, everyone known to matching, no mentee with two active pairings, no mentor above
capacity, no pairing naming someone matching does not know, nobody waiting while a mentor
has room, nothing dead-lettered, no 500 (a 503 with Retry-After is allowed), all without a
dead-letters replay.
"""
from __future__ import annotations

import time

import pytest

from .harness import running_platform

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(420)]

OUTAGE_SECONDS = 10.0


def test_backends_terminated_repeatedly_under_load(tmp_path):
    """pg_terminate_backend of every backend of both databases, 8 times about a second
    apart, while mentors and mentees register."""
    with running_platform(tmp_path) as platform:
        outcome = platform.strike_under_load(platform.terminate_backends, 8, start=0.1, end=0.85, min_gap=1.0)
    outcome.assert_struck("backends terminated")
    assert outcome, f"after terminating {[s.result for s in outcome.strikes]} backends under load:\n{outcome}"


def test_a_ten_second_database_outage_mid_load(tmp_path):
    """Both databases unreachable for ten seconds mid-load (the proxies reset every
    connection), then back: registration answers 503 meanwhile, nothing is lost or
    dead-lettered, and matching catches up by itself."""
    with running_platform(tmp_path) as platform:
        load = platform.start_load()
        load.wait_for_progress(0.2)
        remaining_at_start = load.remaining()
        down_at = time.monotonic()
        platform.databases_down()
        time.sleep(OUTAGE_SECONDS)  # the length of the outage
        platform.databases_up()
        up_at = time.monotonic()
        load.join()
        outcome = platform.outcome(load)
    during = load.answers.counts(down_at, up_at)
    refused = {name: stats["refused"] for name, stats in platform.proxy_stats().items()}
    assert remaining_at_start > 0 and sum(refused.values()) > 0, (
        f"the outage hit nothing: {remaining_at_start} registrations left when it began, connections "
        f"refused meanwhile {refused}\n{outcome}")
    assert during.get(503, 0) > 0, (
        f"registration never answered 503 while its database was down; it answered {dict(during)}\n{outcome}")
    assert outcome, f"after a {OUTAGE_SECONDS:.0f}s database outage (answers meanwhile: {dict(during)}):\n{outcome}"


def test_database_connections_cut_under_load(tmp_path):
    """Every open database connection of both services cut at once, five times, mid-load."""
    with running_platform(tmp_path) as platform:
        outcome = platform.strike_under_load(platform.cut_databases, 5, start=0.1, end=0.8, min_gap=1.0)
    outcome.assert_struck("database connections cut")
    assert outcome, f"after cutting {[s.result for s in outcome.strikes]} database connections under load:\n{outcome}"
