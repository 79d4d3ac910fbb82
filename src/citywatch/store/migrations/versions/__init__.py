"""Migration scripts, applied in order by Alembic (it loads them by path)."""
