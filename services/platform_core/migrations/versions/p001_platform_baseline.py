"""The platform tables as the first release made them (events, outbox, leases, inbox,
stream cursors keyed without the tenant, catch-up positions, scheduled jobs).

Revision ID: p001
"""
import sqlalchemy as sa
from alembic import op

revision = "p001"
down_revision = None
branch_labels = ("platform",)
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("global_position", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("stream_type", sa.String(40), nullable=False),
        sa.Column("stream_id", sa.String(64), nullable=False),
        sa.Column("stream_position", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("occurred_at", MOMENT, nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("causation_id", sa.String(64)),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("stream_type", "stream_id", "stream_position", name="uq_events_stream_position"),
    )
    op.create_index("ix_events_tenant_position", "events", ["tenant_id", "global_position"])
    op.create_table(
        "outbox",
        sa.Column("global_position", BIG_ID, primary_key=True, autoincrement=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("enqueued_at", MOMENT, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("handled_at", MOMENT, nullable=False),
    )
    op.create_table(
        "stream_cursors",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("stream_type", sa.String(40), primary_key=True),
        sa.Column("stream_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "catchup_positions",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "scheduled_jobs",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("claimed_by", sa.String(120)),
        sa.Column("claimed_until", MOMENT),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("done_at", MOMENT),
        sa.UniqueConstraint("kind", "job_key", name="uq_scheduled_jobs_kind_key"),
    )
    op.create_index("ix_scheduled_jobs_due", "scheduled_jobs", ["done_at", "due_at"])
