"""Capability: medical-insurance rules and calculator (issue pending)."""
