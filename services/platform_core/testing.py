"""Throw-away RabbitMQ vhosts and PostgreSQL databases for tests and benchmarks.

Every test run gets its own vhost and its own databases and drops them afterwards: CI
reuses the machine's broker and database server as the last run left them.
"""
from __future__ import annotations

import contextlib
import os
import time
import uuid
from typing import Iterator
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("TEST_RABBIT_PORT", "5672"))
RABBIT_API = os.environ.get("TEST_RABBIT_API", f"http://{RABBIT_HOST}:15672/api")
RABBIT_AUTH = ("guest", "guest")
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _vhost_api(name: str) -> str:
    return f"{RABBIT_API}/vhosts/{quote(name, safe='')}"


@contextlib.contextmanager
def temporary_vhost(prefix: str = "mentoring-test") -> Iterator[str]:
    """Create a vhost (guest may use it), yield its AMQP URI, delete it afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    response = requests.put(_vhost_api(name), auth=RABBIT_AUTH, timeout=10)
    response.raise_for_status()
    requests.put(f"{RABBIT_API}/permissions/{quote(name, safe='')}/guest", auth=RABBIT_AUTH,
                 json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
    try:
        yield f"pyamqp://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{quote(name, safe='')}"
    finally:
        requests.delete(_vhost_api(name), auth=RABBIT_AUTH, timeout=10)


def queue_info(amqp_uri: str, queue: str) -> dict:
    vhost = amqp_uri.rsplit("/", 1)[1]
    response = requests.get(f"{RABBIT_API}/queues/{vhost}/{quote(queue, safe='')}", auth=RABBIT_AUTH, timeout=10)
    response.raise_for_status()
    return response.json()


def list_queues(amqp_uri: str) -> list:
    vhost = amqp_uri.rsplit("/", 1)[1]
    response = requests.get(f"{RABBIT_API}/queues/{vhost}", auth=RABBIT_AUTH, timeout=10)
    response.raise_for_status()
    return [q["name"] for q in response.json()]


def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)


@contextlib.contextmanager
def temporary_database(prefix: str = "mentoring_test") -> Iterator[str]:
    """Create a PostgreSQL database, yield its URL, drop it (and its connections) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            for _ in range(3):
                try:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    break
                except Exception:  # pragma: no cover - a straggling connection
                    time.sleep(0.5)
        admin.dispose()


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class HttpClient:
    """A small client of a service's HTTP API that sends a bearer token when given one."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, token=None, json=None, data=None, headers=None):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.base + path, json=json, data=data,
                                    headers=headers, timeout=30)

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)

    def post(self, path, token=None, json=None, **kw):
        return self.call("POST", path, token, json=json, **kw)

    def patch(self, path, token=None, json=None, **kw):
        return self.call("PATCH", path, token, json=json, **kw)
