"""Notifications: the address version each attempt went to, and the addresses a mail server
refused for good (a 5xx), per person and audience, until they are corrected; the log's age
index for its retention.

Revision ID: n002
Revises: n001
"""
import sqlalchemy as sa
from alembic import op

revision = "n002"
down_revision = "n001"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notif_deliveries") as batch:
        batch.add_column(sa.Column("address_version", sa.String(32)))
    op.create_index("ix_notif_deliveries_recorded", "notif_deliveries", ["tenant_id", "recorded_at"])
    op.create_table(
        "notif_failing_addresses",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("audience", sa.String(12), primary_key=True),
        sa.Column("address_version", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("smtp_code", sa.Integer),
        sa.Column("failed_at", MOMENT, nullable=False),
    )
