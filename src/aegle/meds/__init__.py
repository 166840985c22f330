"""Capability: medication safety (issue pending)."""
