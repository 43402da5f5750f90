"""The schema fingerprint each read model was built with: a read model whose tables change
is rebuilt from the events (see services.platform_core.migrations).

Revision ID: p004
Revises: p003
"""
import sqlalchemy as sa
from alembic import op

revision = "p004"
down_revision = "p003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "read_model_schemas",
        sa.Column("projection", sa.String(80), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    )
