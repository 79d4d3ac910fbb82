"""Alembic's entry point for citywatch's migrations.

At run time the store hands over an open connection in `config.attributes["connection"]`
(see `store/engine.py`); the `alembic` command (developers) connects with `sqlalchemy.url`
from `alembic.ini` instead. Logging is left alone: the application configures it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool, text

from citywatch.store.partitions import include_name
from citywatch.store.schema import Base

# Any constant: PostgreSQL serialises processes that start at the same time on this key, so
# only one of them runs the migrations and the others then find the schema at head.
MIGRATION_LOCK_KEY = 0x63697479


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,  # day partitions are made at run time
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Held until the migration transaction ends.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


def run_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it (for a DBA to review)."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = engine_from_config(
        context.config.get_section(context.config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as own_connection:
        run_migrations(own_connection)
        own_connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
