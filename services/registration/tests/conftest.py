"""Fixtures of the HTTP tests: the registration service running in-process on a real
database, driven with ``requests``.

One service (and one PostgreSQL database, one RabbitMQ vhost) per test module keeps the
suite fast; every test opens its own tenants (unique slugs), so tests do not see each other.
"""
from __future__ import annotations

import contextlib
import socket
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, Optional

import pytest
from nameko.containers import ServiceContainer
from sqlalchemy import func, select

from services.platform_core.clock import ManualClock
from services.platform_core.dependencies import store_engine_of
from services.platform_core.store import events_table
from services.platform_core.testing import HttpClient, temporary_database, temporary_vhost
from services.registration.service import RegistrationService
from services.registration.tests import builders

OPERATOR_TOKEN = "op-" + "x" * 40
PLATFORM_SECRET = "test-platform-secret-" + "y" * 20
START = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api(HttpClient):
    """A client of the running registration service."""

    def __init__(self, base: str, container: ServiceContainer, clock: ManualClock):
        super().__init__(base)
        self.container = container
        self.clock = clock

    @property
    def store(self):
        return store_engine_of(self.container).store

    def event_count(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events_table)).scalar_one()

    # builders --------------------------------------------------------------------------------

    def tenant(self, kind: str = "school", time_zone: str = "Europe/Vilnius") -> Dict[str, Any]:
        slug = f"t-{uuid.uuid4().hex[:10]}"
        response = self.post("/tenants", OPERATOR_TOKEN, {
            "slug": slug, "name": f"Tenant {slug}", "kind": kind, "default_language": "lt",
            "time_zone": time_zone})
        assert response.status_code == 201, response.text
        body = response.json()
        return {"slug": slug, "key": body["api_key"], "key_id": body["key_id"]}

    def programme(self, tenant: Dict[str, Any], settings: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        response = self.post(f"/tenants/{tenant['slug']}/programmes", tenant["key"],
                             settings or builders.school_settings())
        assert response.status_code == 201, response.text
        return response.json()

    def register(self, tenant, programme_id, role="mentees", personal=None, profile=None,
                 **extra) -> Dict[str, Any]:
        body = {"personal": personal or builders.pupil(),
                "profile": profile or builders.profile(community=[]), **extra}
        if role == "mentors" and profile is None:
            body["profile"] = builders.profile()
        response = self.post(f"/tenants/{tenant['slug']}/programmes/{programme_id}/{role}",
                             tenant["key"], body)
        assert response.status_code == 201, response.text
        return response.json()


@contextlib.contextmanager
def running_service(database_url: str, amqp_uri: str) -> Iterator[Api]:
    port = free_port()
    clock = ManualClock(START)
    config = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
              "DATABASES": {"registration": database_url}, "OPERATOR_TOKEN": OPERATOR_TOKEN,
              "PLATFORM_SECRET": PLATFORM_SECRET, "CLOCK": clock}
    container = ServiceContainer(RegistrationService, config)
    container.start()
    try:
        yield Api(f"http://127.0.0.1:{port}", container, clock)
    finally:
        container.stop()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """The service on PostgreSQL (one per test module)."""
    with temporary_vhost() as amqp_uri, temporary_database() as url:
        with running_service(url, amqp_uri) as client:
            yield client


@pytest.fixture(autouse=True)
def _reset_clock(request):
    if "api" in request.fixturenames:
        request.getfixturevalue("api").clock.set(START)
    yield
