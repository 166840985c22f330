"""Capability: corpus, retrieval and cited answers."""
