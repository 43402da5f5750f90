"""A stream is a tenant's: stream cursors are keyed with the tenant id (two tenants'
streams of one id shared a cursor).

Revision ID: p002
Revises: p001
"""
import sqlalchemy as sa
from alembic import op

revision = "p002"
down_revision = "p001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.rename_table("stream_cursors", "stream_cursors_old")
    if postgres:  # the primary key's index keeps its name across a rename: free the name
        op.execute("ALTER INDEX IF EXISTS stream_cursors_pkey RENAME TO stream_cursors_old_pkey")
    op.create_table(
        "stream_cursors",
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("stream_type", sa.String(40), primary_key=True),
        sa.Column("stream_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO stream_cursors (consumer, tenant_id, stream_type, stream_id, position) "
               "SELECT consumer, tenant_id, stream_type, stream_id, position FROM stream_cursors_old")
    op.drop_table("stream_cursors_old")
