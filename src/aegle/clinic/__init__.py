"""Capability: consultation interview, differential, triage, departments."""
