"""Shared code of the AWS multi-account observability platform (sender and receiver)."""
