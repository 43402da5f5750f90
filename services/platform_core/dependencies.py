"""nameko dependency providers that hand a service its store and its clock.

Configuration (a nameko config dict, built from the environment by ``mentoring run``):

- ``DATABASES``: ``{service_name: url}``; a service missing there gets a SQLite file in
  ``MENTORING_DATA_DIR`` (``./data``).
- ``CLOCK``: a :class:`~services.platform_core.clock.Clock` object (tests pass a
  ``ManualClock``); absent means the system clock.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy import MetaData, select

from . import idempotency, settings
from .clock import Clock, SystemClock
from .db import default_sqlite_url, make_engine
from .metrics import MetricsServer
from .store import EventStore, PayloadCodec


def database_url(config: dict, service: str) -> str:
    return (config.get("DATABASES") or {}).get(service) or default_sqlite_url(service)


def clock_from(config: dict) -> Clock:
    clock = config.get("CLOCK")
    return clock if isinstance(clock, Clock) else SystemClock()


class StoreEngine(SharedExtension):
    """One engine and one :class:`EventStore` per service container (shared by its workers
    and by the platform extensions: outbox relay, consumers, scheduler). Every service has
    one, so it also brings the process's metrics endpoint along."""

    metrics = MetricsServer()

    def __init__(self, read_models: Sequence[MetaData] = (),
                 codec_factory: Optional[Callable[[], PayloadCodec]] = None,
                 projections: Sequence = ()):
        self.read_models = tuple(read_models)
        self.codec_factory = codec_factory
        self.projections = tuple(projections)
        self.store: Optional[EventStore] = None
        self.relay: Optional[Any] = None

    def setup(self):
        if self.store is not None:
            return
        config = self.container.config
        service = self.container.service_name
        engine = make_engine(database_url(config, service))
        codec = self.codec_factory() if self.codec_factory else None
        self.store = EventStore(engine, service=service, clock=clock_from(config), codec=codec)
        upgrade_database(self.store, self.read_models, self.projections, config.get("AMQP_URI"))

    def start(self):
        config = self.container.config
        if config.get("AMQP_URI") and str(settings.value(config, "OUTBOX_RELAY")).lower() not in ("off", "0", "false"):
            from .outbox import OutboxRelay

            relay = OutboxRelay(self.require_store(), config["AMQP_URI"],
                                poll_interval=float(settings.value(config, "OUTBOX_POLL_SECONDS")),
                                lease_seconds=float(settings.value(config, "OUTBOX_LEASE_SECONDS")))
            self.relay = relay
            self.container.spawn_managed_thread(relay.run, identifier=f"{self.container.service_name}.outbox")

    def require_store(self) -> EventStore:
        """The store, once :meth:`setup` made it (a method: nameko inspects properties)."""
        if self.store is None:
            raise RuntimeError(f"{self.container.service_name}'s store is not set up yet")
        return self.store

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        if self.store is not None:
            self.store.engine.dispose()

    def kill(self):
        if self.relay is not None:
            self.relay.stop(release=False)
            self.relay = None


def upgrade_database(store: EventStore, read_models: Sequence[MetaData], projections: Sequence,
                     amqp_uri: Optional[str]) -> dict:
    """Kept tables to their newest revision, then every read model whose shape changed
    rebuilt from the events (a consumed one from its source's feed over ``amqp_uri``)."""
    from . import migrations
    from .projection import ConsumedProjection
    from .store import catchup_positions_table, inbox_table

    store.create_schema(read_models, leave={t.name for p in projections for t in p.metadata.sorted_tables})

    def has_history(tx, projection) -> bool:
        if isinstance(projection, ConsumedProjection):  # did this service consume any?
            return tx.conn.execute(select(inbox_table.c.event_id).limit(1)).first() is not None \
                or tx.conn.execute(select(catchup_positions_table.c.position).where(
                    catchup_positions_table.c.source == projection.source_service,
                    catchup_positions_table.c.position > 0).limit(1)).first() is not None
        return bool(tx.read_after(0, limit=1, event_types=projection.event_types))

    try:
        return migrations.refresh_read_models(store, projections, has_history=has_history, amqp_uri=amqp_uri)
    except Exception as exc:
        if not migrations.is_feed_failure(exc):
            raise
        raise RuntimeError(
            f"a read model of {store.service} changed shape and must be rebuilt from another "
            f"service's events, but its feed did not answer ({type(exc).__name__}: {exc}); start "
            f"that service, then {store.service} again (or `mentoring migrate {store.service}`)") from None


def store_engine_of(container) -> StoreEngine:
    """The service's StoreEngine (the one its ``Store`` dependency declared)."""
    for dependency in container.dependencies:
        if isinstance(dependency, Store):
            return dependency.engine
    raise LookupError(f"service {container.service_name!r} declares no Store dependency")


class Store(DependencyProvider):
    """``store = Store(read_models=[metadata])`` gives each worker the service's EventStore."""

    def __init__(self, read_models: Sequence[MetaData] = (),
                 codec_factory: Optional[Callable[[], PayloadCodec]] = None,
                 projections: Sequence = ()):
        """``read_models``: the service's tables; ``projections``: those of them that are
        projections of events, rebuilt when their shape changes (:mod:`.migrations`)."""
        self.engine = StoreEngine(read_models=read_models, codec_factory=codec_factory,
                                  projections=projections)

    def get_dependency(self, worker_ctx):
        return self.engine.store

    def worker_setup(self, worker_ctx):
        # an HTTP request's Idempotency-Key claim (see .web and .idempotency) is claimed by
        # the first append of the worker's green thread
        request = worker_ctx.args[0] if worker_ctx.args else None
        idempotency.entered(getattr(request, "idempotency_claim", None))

    def worker_teardown(self, worker_ctx):
        claim = idempotency.current()
        if claim is not None and claim.pending is not None:  # nobody answered: nothing commits
            claim.finish(None, None)
        idempotency.entered(None)


class ClockProvider(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return clock_from(self.container.config)
