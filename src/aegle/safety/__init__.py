"""Deterministic safety layer: crisis and emergency detection, scope guard, disclaimers."""

from aegle.safety.scope import ScopeGuard, ScopeNotice
from aegle.safety.screen import RuleSafetyScreen, load_default

__all__ = ["RuleSafetyScreen", "ScopeGuard", "ScopeNotice", "load_default"]
