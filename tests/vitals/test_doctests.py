"""The examples in the engine docstrings run and stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["aegle.vitals.cgm.summary", "aegle.vitals.bp", "aegle.vitals.weight"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
