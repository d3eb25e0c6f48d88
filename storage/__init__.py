"""Storage: the only package that speaks SQL (SQLAlchemy); it returns `monitor.model` values.

- `database`: `Store.open(url)` (migrates), `store.transaction()`, `StorageError`, `upgrade(url)`
- `mentions`, `source_state`, `scan_runs`: functions over an open `Transaction`; never commit
- `schema` (the tables), `types` (UTC datetimes), `engines` (SQLite/PostgreSQL settings),
  `revisions` (Alembic in code); migrations live in `storage/migrations/versions/`
"""
