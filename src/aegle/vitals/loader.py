"""Strict loading of `vitals/knowledge/*.yaml`: duplicate keys, unknown keys and bad values are
errors at load time (ConfigurationError), so a typo can never silently change a threshold."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from aegle.core.errors import ConfigurationError

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"

M = TypeVar("M", bound=BaseModel)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last one silently)."""


def _mapping_without_duplicates(
    loader: _StrictLoader, node: yaml.MappingNode
) -> dict[object, object]:
    keys = [loader.construct_object(k) for k, _ in node.value]  # type: ignore[no-untyped-call]
    duplicates = {str(k) for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"duplicate keys: {', '.join(sorted(duplicates))}")
    mapping: dict[object, object] = loader.construct_mapping(node)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def load_model(path: Path, model: type[M]) -> M:
    """Parse `path` and validate it as `model`."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
        return model.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError, ValueError) as exc:
        raise ConfigurationError(f"Invalid knowledge file {path.name}: {exc}") from exc
