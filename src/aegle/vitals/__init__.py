"""Capability: device series, clinical metrics, alerts, charts."""
