"""What ``GET /health`` tells an operator or a load balancer about one service process.

* ``200 {"status": "ok"}``: the database answers and nothing needs an operator.
* ``200 {"status": "degraded", "problems": [...]}``: it works, but something needs a look:
  events waiting out a database outage right now, or events this process dead-lettered
  with the reason ``infrastructure_timeout`` (the outage outlasted
  ``EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS``; replay them with ``mentoring dead-letters
  replay``) in the last ``HEALTH_DEGRADED_SECONDS``.
* ``503 {"status": "unavailable", "problems": [...]}``: the database cannot be reached.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Tuple

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from . import settings
from .metrics import FAILURES

#: how long a dead-lettering for an outage keeps a process "degraded" (seconds)
DEGRADED_SECONDS = 3600.0


class Condition:
    """What one process has been through (one per service name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting: Dict[str, Tuple[float, str]] = {}  # event id -> (since, why)
        self.timed_out: List[Tuple[float, str, str]] = []  # (when, consumer, event id)

    def waiting_out(self, event_id: str, why: str) -> None:
        with self._lock:
            self.waiting.setdefault(event_id, (time.monotonic(), why))

    def recovered(self, event_id: str) -> None:
        with self._lock:
            self.waiting.pop(event_id, None)

    def gave_up(self, consumer: str, event_id: str) -> None:
        with self._lock:
            self.waiting.pop(event_id, None)
            self.timed_out.append((time.monotonic(), consumer, event_id))
            del self.timed_out[:-1000]

    def problems(self, degraded_seconds: float = DEGRADED_SECONDS) -> List[str]:
        now = time.monotonic()
        out = []
        with self._lock:
            if self.waiting:
                since, why = min(self.waiting.values())
                out.append(f"{len(self.waiting)} event(s) waiting out an infrastructure failure "
                           f"for {now - since:.0f} s: {why}")
            recent = [t for t in self.timed_out if now - t[0] <= degraded_seconds]
        if recent:
            consumers = sorted({consumer for _, consumer, _ in recent})
            out.append(f"{len(recent)} event(s) dead-lettered with reason infrastructure_timeout "
                       f"(the outage outlasted EVENT_INFRASTRUCTURE_TIMEOUT_SECONDS), the last "
                       f"{now - recent[-1][0]:.0f} s ago: once the infrastructure is back, run "
                       + "; ".join(f"`mentoring dead-letters replay {c}.dead-letter`" for c in consumers))
        return out


_CONDITIONS: Dict[str, Condition] = {}


def condition_of(service: str) -> Condition:
    found = _CONDITIONS.get(service)
    if found is None:
        found = _CONDITIONS[service] = Condition()
    return found


def report(service: str, store, config: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
    """``(status code, body)`` of ``GET /health`` for ``service`` with its ``store``."""
    body: Dict[str, Any] = {"service": service}
    try:
        _ping(store)
        body["database"] = "ok"
    except Exception as exc:  # the database is away: say so, do not fail
        FAILURES.labels(service=service, where="health_database").inc()
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        body.update(status="unavailable", database="unreachable",
                    problems=[f"the database cannot be reached: {first}"])
        return 503, body
    problems = condition_of(service).problems(float(settings.value(config, "HEALTH_DEGRADED_SECONDS")))
    body["status"] = "degraded" if problems else "ok"
    if problems:
        body["problems"] = problems
    return 200, body


def _ping(store) -> None:
    """``SELECT 1``; once more on a fresh connection if a pooled one was dead (the pool does
    not ping at checkout: a dead connection is found by its first statement)."""
    for attempt in (1, 2):
        try:
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
