"""Capability: lab reports: parsing, catalogue, interpretation."""
