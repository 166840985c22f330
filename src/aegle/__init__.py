"""Aegle: an open, self-hostable AI health manager."""

__version__ = "0.1.0"
