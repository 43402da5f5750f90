"""The broker fails under the platform while four clients register people (issue 7): its
connections cut by a proxy, or its Erlang VM killed with ``kill -9`` and started again. The
outcome is checked as in :mod:`.test_database_faults`."""
from __future__ import annotations

import pytest

from .harness import running_platform

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(420)]


def test_broker_connections_cut_under_load(tmp_path):
    """Both services reach RabbitMQ through a proxy; every AMQP connection (events, RPC,
    publishing) is cut at once, four times, mid-load."""
    with running_platform(tmp_path, amqp_proxy=True) as platform:
        assert platform.amqp_proxy is not None
        outcome = platform.strike_under_load(platform.amqp_proxy.cut, 4, start=0.1, end=0.8, min_gap=1.5)
    outcome.assert_struck("AMQP connections cut")
    assert outcome, f"after cutting {[s.result for s in outcome.strikes]} AMQP connections under load:\n{outcome}"


def test_broker_vm_killed_and_restarted_under_load(tmp_path, private_rabbit):
    """The services' RabbitMQ node (a node of the test's own) is killed with kill -9 mid-load
    and started again on the same data: durable queues and persistent messages survive, and
    the platform carries on by itself. Its dead-letter queues are read with passive
    declares (the node has no management API)."""
    with running_platform(tmp_path, broker=private_rabbit) as platform:
        load = platform.start_load()
        load.wait_for_progress(0.25)
        remaining_at_kill = load.remaining()
        pid = private_rabbit.kill_vm()
        private_rabbit.start()
        load.join()
        outcome = platform.outcome(load)
    assert remaining_at_kill > 0, f"the load was over before the broker was killed\n{outcome}"
    assert outcome, f"after kill -9 of the broker's VM (pid {pid}) and its restart:\n{outcome}"
