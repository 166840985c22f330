"""Hospitals, doctors, booking and follow-up (issue pending)."""
