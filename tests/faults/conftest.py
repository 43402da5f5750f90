"""Fixtures of the fault-injection tests: a RabbitMQ node of the test's own (the platform
itself is started by :func:`faults.harness.running_platform` inside each test)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from .rabbit import NodeUnavailable, PrivateRabbit


@pytest.fixture
def private_rabbit():
    """A RabbitMQ node of this test's own (its own name, ports and files), stopped and its
    files removed afterwards whatever happened. Skipped, saying why, where no node can be
    started on this machine."""
    base = Path(tempfile.mkdtemp(prefix="faults-rabbit-"))  # short: Erlang dislikes long paths
    node = None
    try:
        node = PrivateRabbit(base)
        node.start()
    except NodeUnavailable as exc:
        if node is not None:
            node.destroy()
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot start a RabbitMQ node of the test's own here: {exc}")
    except BaseException:
        if node is not None:
            node.destroy()
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        yield node
    finally:
        node.destroy()
