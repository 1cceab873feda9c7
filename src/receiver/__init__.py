"""Receiver: loads sender documents into PostgreSQL and keeps the schema migrated."""
