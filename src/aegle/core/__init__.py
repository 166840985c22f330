"""Shared value types, the error tree and ports."""
