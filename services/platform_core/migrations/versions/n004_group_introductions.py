"""Notifications: what the introductions of an e-course's groups wait for (kept: which pairings
of a round have been seen, which rounds completed and were introduced, and a lock row a turn).

Revision ID: n004
Revises: n003
"""
import sqlalchemy as sa
from alembic import op

revision = "n004"
down_revision = "n003"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notif_turns",
        sa.Column("turn", sa.String(200), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "notif_pairings",
        sa.Column("pairing_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("mentor_id", sa.String(64), nullable=False),
        sa.Column("mentee_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("confirmed_by", sa.String(20), nullable=False),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    op.create_index("ix_notif_pairings_round", "notif_pairings", ["tenant_id", "correlation_id", "state"])
    op.create_index("ix_notif_pairings_programme", "notif_pairings", ["tenant_id", "programme_id", "state"])
    op.create_table(
        "notif_rounds",
        sa.Column("correlation_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("round_id", sa.String(64)),
        sa.Column("programme_id", sa.String(64)),
        sa.Column("cause_event_id", sa.String(64)),
        sa.Column("expected", sa.Integer),
        sa.Column("introduced_at", MOMENT),
    )
