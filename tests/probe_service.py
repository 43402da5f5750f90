"""A minimal platform service for the CLI and deployment tests: a store, a read model, a
scheduled job, ``GET /health``. Registered through ``MENTORING_EXTRA_SERVICES``, so the
tests of ``mentoring run`` and ``rebuild`` do not depend on any real service being written."""
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update

from services.platform_core.dependencies import Store
from services.platform_core.projection import Projection
from services.platform_core.scheduler import Scheduler, scheduled
from services.platform_core.web import api

metadata = MetaData()
notes = Table("probe_notes", metadata,
              Column("person", String(64), primary_key=True),
              Column("tenant_id", String(64), nullable=False),
              Column("count", Integer, nullable=False))

NOTES = Projection("notes", metadata)


@NOTES.handles("NoteTaken")
def _note_taken(conn, envelope):
    person = envelope.stream_id
    changed = conn.execute(update(notes).where(notes.c.person == person)
                           .values(count=notes.c.count + 1)).rowcount
    if not changed:
        conn.execute(insert(notes).values(person=person, tenant_id=envelope.tenant_id, count=1))


PROJECTIONS = [NOTES]


def note_counts(store):
    with store.transaction() as tx:
        return dict(tx.conn.execute(select(notes.c.person, notes.c.count)).all())


class ProbeService:
    name = "probe"
    store = Store(read_models=[metadata])
    scheduler = Scheduler()

    @api("GET", "/health")
    def health(self, request):
        return {"status": "ok", "service": self.name}

    @scheduled("probe-ping")
    def ping(self, tx, job):
        pass
