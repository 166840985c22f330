"""Deterministic safety layer: crisis and emergency detection, scope guard, disclaimers."""
