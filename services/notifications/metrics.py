"""The notifications service's Prometheus series (served by the process's ``/metrics``, see
:mod:`services.platform_core.metrics`), each by kind of message:

* ``mentoring_notifications_sent_total{kind}``: messages the mail server accepted;
* ``mentoring_notifications_failed_total{kind,reason}``: messages failed for good (``rejected``:
  a 5xx answer; ``gave_up``: still failing after ``SMTP_MAX_ATTEMPTS``);
* ``mentoring_notifications_retried_total{kind}``: transient failures that will be tried again;
* ``mentoring_notifications_skipped_total{kind,reason}``: messages with no one to tell, or to a
  person who turned their kind off;
* ``mentoring_notifications_pending{kind}`` and ``mentoring_notifications_oldest_pending_age_seconds{kind}``:
  what waits to be sent, read from the delivery log at every pass of the sender.
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping, Optional, Tuple

from prometheus_client import Counter, Gauge

SENT = Counter("mentoring_notifications_sent_total", "Messages the mail server accepted", ["service", "kind"])
FAILED = Counter("mentoring_notifications_failed_total", "Messages failed for good", ["service", "kind", "reason"])
RETRIED = Counter("mentoring_notifications_retried_total", "Transient failures of a message, tried again",
                  ["service", "kind"])
SKIPPED = Counter("mentoring_notifications_skipped_total", "Messages not sent: no one to tell, or turned off",
                  ["service", "kind", "reason"])
PENDING = Gauge("mentoring_notifications_pending", "Messages waiting to be sent", ["service", "kind"])
OLDEST_PENDING_AGE = Gauge("mentoring_notifications_oldest_pending_age_seconds",
                           "Age of the oldest message waiting to be sent", ["service", "kind"])


def observe_pending(service: str, pending: Mapping[str, Tuple[int, Optional[datetime]]], now: datetime,
                    kinds: Tuple[str, ...]) -> None:
    """Set the gauges of every kind (0 for a kind with nothing pending)."""
    for kind in sorted(set(kinds) | set(pending)):
        count, oldest = pending.get(kind, (0, None))
        PENDING.labels(service=service, kind=kind).set(count)
        OLDEST_PENDING_AGE.labels(service=service, kind=kind).set(
            max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)
