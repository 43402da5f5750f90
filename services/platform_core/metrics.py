"""Prometheus metrics of every service, and the per-process HTTP endpoint serving them.

The port comes from the environment (``METRICS_PORT``; 0 picks a free one and logs it), so
two replicas on one host do not clash. Every series is labelled with the service.
"""
from __future__ import annotations

import logging

from nameko.extensions import SharedExtension
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from . import settings

log = logging.getLogger(__name__)

EVENTS_APPENDED = Counter("mentoring_events_appended_total", "Events appended to the store",
                          ["service", "event_type"])
EVENTS_PUBLISHED = Counter("mentoring_events_published_total", "Events published (broker-confirmed)",
                           ["service"])
EVENTS_CONSUMED = Counter("mentoring_events_consumed_total", "Events handled by a consumer",
                          ["service", "consumer", "outcome"])
EVENTS_RETRIED = Counter("mentoring_events_retried_total", "Event deliveries retried after a failure",
                         ["service", "consumer"])
EVENTS_DEAD_LETTERED = Counter("mentoring_events_dead_lettered_total",
                               "Messages sent to a dead-letter queue", ["service", "consumer", "reason"])
HANDLER_SECONDS = Histogram("mentoring_handler_seconds", "Time to handle one event",
                            ["service", "consumer"])
REQUEST_SECONDS = Histogram("mentoring_http_request_seconds", "HTTP request durations",
                            ["service", "method", "route", "status"])
OUTBOX_BACKLOG = Gauge("mentoring_outbox_backlog", "Events waiting in the outbox", ["service"])
OUTBOX_OLDEST_AGE = Gauge("mentoring_outbox_oldest_age_seconds",
                          "Age of the oldest event waiting in the outbox", ["service"])
FAILURES = Counter("mentoring_failures_total", "Failures by where they happened", ["service", "where"])
SCHEDULED_JOBS = Counter("mentoring_scheduled_jobs_total", "Scheduled jobs run", ["service", "kind", "outcome"])

_started_port = None


class MetricsServer(SharedExtension):
    """Serves /metrics on ``config['METRICS_PORT']`` (absent or empty: not served)."""

    port = None

    def setup(self):
        global _started_port
        wanted = self.container.config.get("METRICS_PORT")
        if wanted in (None, "", "off"):
            return
        if _started_port is not None:  # one endpoint per process serves every service in it
            self.port = _started_port
            return
        address = settings.value(self.container.config, "METRICS_ADDRESS") or "127.0.0.1"
        server, _thread = start_http_server(int(wanted), addr=address)
        _started_port = self.port = server.server_port
        log.info("metrics on port %s", self.port)
