"""Persistence: the Store port, its SQLite and PostgreSQL adapters, one schema and its migrations."""
