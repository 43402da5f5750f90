"""Crypto-shredding: one key per person (not a read model: never emptied by a rebuild).

Revision ID: k001
"""
import sqlalchemy as sa
from alembic import op

revision = "k001"
down_revision = None
branch_labels = ("person_keys",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_keys",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
    )
