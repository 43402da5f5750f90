"""Throw-away RabbitMQ vhosts and PostgreSQL databases for tests and benchmarks, and a check
of the events a test sees on the broker against their published contracts.

Every test run gets its own vhost and its own databases and drops them afterwards: CI
reuses the machine's broker and database server as the last run left them.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
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


# -- events seen on the broker, against their published contracts -------------------------------

#: The committed contracts (``mentoring catalogue --contracts docs/contracts``).
CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "contracts"
REGENERATE = "mentoring catalogue --output docs/events.md --contracts docs/contracts"


def _envelope_and_headers(message: Any) -> Tuple[Any, Optional[Dict[str, Any]]]:
    headers = None
    if hasattr(message, "body"):  # an AMQP message (amqp or kombu)
        headers = dict(getattr(message, "headers", None) or {})
        message = message.body
    if isinstance(message, bytes):
        message = message.decode("utf-8")
    if isinstance(message, str):
        message = json.loads(message)
    return message, headers


@functools.lru_cache(maxsize=None)
def _validator(path: str):
    import jsonschema

    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    kind = jsonschema.validators.validator_for(schema)
    return kind(schema, format_checker=kind.FORMAT_CHECKER)


def _schema_problems(path: Path, envelope: Dict[str, Any]) -> List[str]:
    try:
        validator = _validator(str(path))
    except ImportError:  # the test extra is not installed: the producer's own check instead
        warnings.warn("jsonschema is not installed (pip install -e '.[test]'): events seen on "
                      "the broker are checked with their marshmallow schemas, not their published "
                      "JSON Schemas", stacklevel=3)
        return _marshmallow_problems(envelope)
    errors = sorted(validator.iter_errors(envelope), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'.'.join(str(p) for p in error.absolute_path) or '(envelope)'}: {error.message}"
            for error in errors]


def _marshmallow_problems(envelope: Dict[str, Any]) -> List[str]:
    from .envelope import Envelope, MalformedEvent
    from .events import payload_problems

    try:
        Envelope.from_message(envelope)
    except MalformedEvent as exc:
        return [str(exc)]
    problems = payload_problems(envelope["event_type"], envelope["payload"])
    return [f"payload.{name}: {messages}" for name, messages in sorted(problems.items())]


def _header_problems(envelope: Dict[str, Any], headers: Dict[str, Any]) -> List[str]:
    expected = {"tenant_id": envelope.get("tenant_id"), "event_type": envelope.get("event_type"),
                "schema_version": envelope.get("schema_version"),
                "stream": f"{envelope.get('stream_type')}/{envelope.get('stream_id')}",
                "stream_position": envelope.get("stream_position"),
                "global_position": envelope.get("global_position")}
    return [f"header {name}: {headers.get(name, '(missing)')!r}, but the envelope says {value!r}"
            for name, value in expected.items() if headers.get(name, "(missing)") != value]


def event_problems(message: Any, contracts_dir: Path = CONTRACTS_DIR) -> List[str]:
    """What is wrong with an event seen on the broker ([] if nothing): an envelope (a dict, or
    its JSON) against the published JSON Schema of its type and version; for an AMQP message,
    also its headers against its body."""
    envelope, headers = _envelope_and_headers(message)
    if not isinstance(envelope, dict):
        return [f"not a JSON object: {envelope!r:.80}"]
    name = f"{envelope.get('event_type')}.v{envelope.get('schema_version')}.json"
    path = Path(contracts_dir) / "events" / name
    if not path.is_file():
        return [f"no published contract {name} in {contracts_dir} (run `{REGENERATE}`)"]
    problems = _schema_problems(path, envelope)
    if headers is not None:
        problems += _header_problems(envelope, headers)
    return problems


def assert_valid_event(message: Any, contracts_dir: Path = CONTRACTS_DIR) -> Dict[str, Any]:
    """Fail, saying why, unless ``message`` is an event as its published contract describes
    it (see :func:`event_problems`); returns the envelope as a dict."""
    problems = event_problems(message, contracts_dir)
    envelope, _ = _envelope_and_headers(message)
    if problems:
        what = envelope.get("event_type") if isinstance(envelope, dict) else "event"
        raise AssertionError(f"{what} breaks its published contract:\n  " + "\n  ".join(problems))
    return envelope
