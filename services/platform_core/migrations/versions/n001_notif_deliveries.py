"""Notifications' delivery log (kept: what was recorded, tried and sent is the service's own
state, not a projection), as the service made it at start before this revision existed.

Revision ID: n001
"""
import sqlalchemy as sa
from alembic import op

revision = "n001"
down_revision = None
branch_labels = ("notifications",)
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notif_deliveries",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("cause_event_type", sa.String(64), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("pairing_id", sa.String(64)),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("smtp_code", sa.Integer),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.Column("next_attempt_at", MOMENT),
        sa.Column("sent_at", MOMENT),
        sa.UniqueConstraint("cause_event_id", "recipient_id", "role", "kind", name="uq_notif_deliveries_key"),
    )
    op.create_index("ix_notif_deliveries_due", "notif_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_notif_deliveries_programme", "notif_deliveries", ["tenant_id", "programme_id"])
    op.create_index("ix_notif_deliveries_recipient", "notif_deliveries", ["tenant_id", "recipient_id"])
