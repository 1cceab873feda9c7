"""Test harness: a throwaway PostgreSQL, a Data API double, a network guard."""
