"""Catch-up: every service serves its stored events after a global position, paged.

A consumer that starts late, finds a gap in a stream, or rebuilds its read model loads the
history it missed from the producing service over RPC (``<service>.events_after`` and
``<service>.stream_events``). Private events are never served; internal ones are (the RPC
is the platform's own, on its own vhost). External systems use the HTTP feed, which serves
only public events of the tenant their key belongs to.
"""
from __future__ import annotations

import logging
from typing import Iterable, List, Optional

from nameko.dependency_providers import Config
from nameko.rpc import Rpc
from sqlalchemy import func, select

from .events import CATALOGUE
from .faults import is_infrastructure_failure
from .metrics import FAILURES
from .store import ALL_TENANTS, EventStore, events_table, row_to_envelope
from .web import api

log = logging.getLogger(__name__)


class FeedRpc(Rpc):
    """nameko's RPC entrypoint, except that an answer which cannot be sent (the broker went
    away meanwhile) is logged and dropped instead of stopping the service: the caller's call
    times out and it asks again once the broker is back."""

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except Exception as exc:
            if not is_infrastructure_failure(exc) and "kombu" not in type(exc).__module__:
                raise
            FAILURES.labels(service=self.container.service_name, where="rpc_reply").inc()
            log.warning("the answer to a %s call could not be sent (%s); the caller will ask again",
                        self.method_name, exc)
            return result, exc_info


rpc = FeedRpc.decorator

MAX_PAGE = 1000


def _visible(event_type: str, allowed: Iterable[str]) -> bool:
    registered = CATALOGUE.find(event_type)
    return (registered.visibility if registered else "public") in allowed


def _served(query, after: int, tenant_id: str, event_types: Optional[List[str]], allowed: set):
    """``query`` narrowed to the events the feed serves after ``after``: of the tenant, of these
    types, none whose visibility is not allowed (filtered in the query, so a page is full
    whenever more is there)."""
    query = query.where(events_table.c.global_position > int(after))
    if tenant_id != ALL_TENANTS:
        query = query.where(events_table.c.tenant_id == tenant_id)
    if event_types:
        query = query.where(events_table.c.event_type.in_(list(event_types)))
    hidden = [t.name for t in CATALOGUE if t.visibility not in allowed]
    return query.where(events_table.c.event_type.not_in(hidden)) if hidden else query


def page_after(store, after: int, *, tenant_id: str = ALL_TENANTS, limit: int = 500,
               event_types: Optional[List[str]] = None,
               visibilities: Iterable[str] = ("public", "internal")) -> dict:
    """One page of stored events after ``after``, as wire messages, in global order.

    ``next`` is the position to ask after for the following page (it moves past events
    that were filtered out, so a caller never asks for the same page twice)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    allowed = set(visibilities)
    with store.transaction(tenant_id) as tx:
        query = _served(select(events_table), after, tenant_id, event_types, allowed)
        rows = tx.conn.execute(query.order_by(events_table.c.global_position).limit(limit)).mappings().all()
    envelopes = [row_to_envelope(row) for row in rows]
    visible = [e.to_message() for e in envelopes if _visible(e.event_type, allowed)]
    return {"events": visible, "next": envelopes[-1].global_position if envelopes else int(after),
            "more": len(envelopes) == limit}


def count_after(store, after: int, *, tenant_id: str = ALL_TENANTS, event_types: Optional[List[str]] = None,
                visibilities: Iterable[str] = ("public", "internal")) -> int:
    """How many of the stored events :func:`page_after` serves after ``after``."""
    query = _served(select(func.count()).select_from(events_table), after, tenant_id, event_types,
                    set(visibilities))
    with store.transaction(tenant_id) as tx:
        return int(tx.conn.execute(query).scalar_one())


def _whole_number(request, name: str, default: int, minimum: int, maximum: int) -> int:
    from .web import BadRequest

    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number, not {raw!r}",
                         details={name: ["not a whole number"]}) from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"'{name}' must be from {minimum} to {maximum}",
                         details={name: [f"must be from {minimum} to {maximum}"]})
    return value


class CatchUpFeed:
    """Mixin for a nameko service class that has a ``store`` dependency.

    Over RPC (the platform's own services): a tenant's public and internal events.
    Over HTTP (external systems): ``GET /tenants/<tenant>/events?after=N&limit=M`` with that
    tenant's API key (or the operator token) gives the tenant's public events only, as
    ``{"events": [...], "next": N, "more": bool}``; ask again with ``after=next``.
    """

    feed_config = Config()
    store: "EventStore"  # the service's Store dependency

    @rpc
    def events_after(self, tenant_id=ALL_TENANTS, after=0, limit=500, event_types=None):
        return page_after(self.store, after, tenant_id=tenant_id, limit=limit, event_types=event_types)

    @rpc
    def events_count(self, tenant_id=ALL_TENANTS, after=0, event_types=None):
        """How many events ``events_after`` would serve after ``after`` (a rebuild's total)."""
        return count_after(self.store, after, tenant_id=tenant_id, event_types=event_types)

    @rpc
    def stream_events(self, tenant_id, stream_type, stream_id, after=0, before=None, event_types=None):
        with self.store.transaction(tenant_id) as tx:
            query = select(events_table).where(
                events_table.c.stream_type == stream_type, events_table.c.stream_id == stream_id,
                events_table.c.stream_position > int(after))
            if before is not None:
                query = query.where(events_table.c.stream_position < int(before))
            if event_types:
                query = query.where(events_table.c.event_type.in_(list(event_types)))
            rows = tx.conn.execute(query.order_by(events_table.c.stream_position)).mappings().all()
        envelopes = [row_to_envelope(row) for row in rows]
        return [e.to_message() for e in envelopes if _visible(e.event_type, ("public", "internal"))]

    @api("GET", "/tenants/<tenant_id>/events")
    def http_events(self, request, tenant_id):
        from .tenancy import COORDINATOR, OPERATOR, authenticate
        from .web import bearer_token

        with self.store.transaction(ALL_TENANTS) as tx:
            caller = authenticate(tx.conn, self.feed_config, bearer_token(request), self.store.clock.now())
        caller.require_tenant(tenant_id).require_kind(COORDINATOR, OPERATOR)
        after = _whole_number(request, "after", 0, 0, 2 ** 62)
        limit = _whole_number(request, "limit", 500, 1, MAX_PAGE)
        return page_after(self.store, after, tenant_id=tenant_id, limit=limit, visibilities=("public",))
