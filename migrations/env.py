"""Alembic environment: runs against the engine handed in by queries.db.ensure_schema."""
from alembic import context

from queries.schema import metadata

config = context.config


def run_migrations_online():
    engine = config.attributes.get("engine")
    if engine is None:
        from settings import load_settings
        from queries.db import make_engine
        engine = make_engine(load_settings().database_url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
