"""The schema's migrations: Alembic's environment and one module per version (monitor.store.engine
runs them); nothing here is for another room."""

__all__: list[str] = []
