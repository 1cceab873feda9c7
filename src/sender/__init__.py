"""Sender: collects a daily picture of one AWS account and uploads it to the analytics bucket."""
