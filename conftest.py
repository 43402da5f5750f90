"""Test-wide set-up: green threads first, then throw-away brokers and databases.

nameko 2.14.1's pytest plugin no longer monkey-patches eventlet, so we do it here, before
anything imports socket or threading.
"""
import os
import warnings

# every in-memory programme state matching hands out is compared with the read model
os.environ.setdefault("MATCHING_VERIFY_STATE", "1")

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import pytest  # noqa: E402

from services.platform_core.testing import temporary_database, temporary_vhost  # noqa: E402


@pytest.fixture
def amqp_uri():
    with temporary_vhost() as uri:
        yield uri


@pytest.fixture
def pg_url():
    with temporary_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request, tmp_path):
    """A fresh database of each kind the store supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        with temporary_database() as url:
            yield url


#: fixtures that talk to the broker or the database: a test using one is an integration test
INFRASTRUCTURE_FIXTURES = {"amqp_uri", "pg_url", "database_url", "api", "platform", "private_rabbit"}


def pytest_collection_modifyitems(config, items):
    """A test that needs the broker or the database must say so (``integration``), so that
    ``./dev unit`` (``-m "not integration"``) runs without them."""
    unmarked = [item.nodeid for item in items
                if INFRASTRUCTURE_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("integration") is None]
    if unmarked:
        raise pytest.UsageError("these tests use the broker or the database but are not marked "
                                "integration: " + ", ".join(unmarked[:20]))
