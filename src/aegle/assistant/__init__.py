"""Conversation orchestrator: safety first, then intent, then skill."""
