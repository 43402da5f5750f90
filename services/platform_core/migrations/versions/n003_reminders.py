"""Notifications: the occurrence of a repeated reminder in a message's key (the first is 1), and
the notices and reminders waiting for their moment (kept: what is due and when is the
service's own state; the scheduled job that sends each is the platform's).

Revision ID: n003
Revises: n002
"""
import sqlalchemy as sa
from alembic import op

revision = "n003"
down_revision = "n002"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notif_deliveries") as batch:
        batch.add_column(sa.Column("occurrence", sa.Integer, nullable=False, server_default="1"))
        batch.drop_constraint("uq_notif_deliveries_key", type_="unique")
        batch.create_unique_constraint("uq_notif_deliveries_key",
                                       ["cause_event_id", "recipient_id", "role", "kind", "occurrence"])
    op.create_table(
        "notif_reminders",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),
        sa.Column("about_id", sa.String(64)),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("cause_event_type", sa.String(64), nullable=False),
        sa.Column("cause_at", MOMENT, nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("due_at", MOMENT, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("settled_by", sa.String(64)),
    )
    op.create_index("ix_notif_reminders_recipient", "notif_reminders", ["tenant_id", "recipient_id", "status"])
    op.create_index("ix_notif_reminders_programme", "notif_reminders", ["tenant_id", "programme_id", "status"])
    op.create_index("ix_notif_reminders_about", "notif_reminders", ["about_id", "status"])
