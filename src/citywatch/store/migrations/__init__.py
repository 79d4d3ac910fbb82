"""Alembic migrations: the only way citywatch's schema is created or changed.

`citywatch.store.engine.upgrade_schema` runs them at start with a configuration built in code.
To write a new revision after changing `store/schema.py` (developers only):

    alembic -c src/citywatch/store/migrations/alembic.ini revision --autogenerate \
        --rev-id 0002 -m "what changed"

then read the generated file, and run the store tests (one checks models and migrations agree).
"""
