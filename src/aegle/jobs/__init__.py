"""Scheduled and background work."""
