"""Alembic's environment for the platform: run on a connection the caller hands over
(:func:`services.platform_core.migrations.migrate`), never from an alembic.ini."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
