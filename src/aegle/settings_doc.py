"""Generate the settings reference (`docs/settings.md`) from the settings tree.

The tree in `aegle.settings` is the single source: every field's dotted name, environment
variable, type, default and description come from the pydantic models, so the reference cannot
drift from the code. `tests/test_docs.py` fails when the committed file is stale or a field has
no description.

    python -m aegle.settings_doc            # rewrite docs/settings.md (run from the repo root)
    python -m aegle.settings_doc --check    # exit 1 if docs/settings.md is stale
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from aegle.settings import PRESETS, Settings

DEFAULT_OUTPUT = Path("docs/settings.md")
ENV_PREFIX: str = str(Settings.model_config.get("env_prefix", "AEGLE_"))
ENV_DELIMITER: str = str(Settings.model_config.get("env_nested_delimiter", "__"))

# Extra environment names honoured by `ShortcutEnvSource` in aegle.settings.
SHORTCUT_ENV: Mapping[str, str] = {
    "database.url": "AEGLE_DATABASE_URL",
    "app.secret_key": "AEGLE_SECRET_KEY",
}


@dataclass(frozen=True)
class SettingDoc:
    """One leaf setting as documented."""

    path: str
    env: str
    type: str
    default: str
    description: str | None


@dataclass(frozen=True)
class SectionDoc:
    """A group of settings: the top level (name "") or one nested section."""

    name: str
    description: str | None
    settings: tuple[SettingDoc, ...]


def _section_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def env_name(path: Sequence[str]) -> str:
    """Environment variable for a dotted path, e.g. ("auth", "token_ttl_hours")."""
    return ENV_PREFIX + ENV_DELIMITER.join(part.upper() for part in path)


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        inner = " or ".join(_type_name(arg) for arg in args)
        return f"{inner}, optional" if len(args) < len(get_args(annotation)) else inner
    if annotation is SecretStr:
        return "secret string"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "path"
    if isinstance(annotation, type):
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation)


def _constraints(field: FieldInfo) -> str:
    bounds: list[str] = []
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            bounds.append(f">= {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            bounds.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Le):
            bounds.append(f"<= {item.le}")
        elif isinstance(item, annotated_types.Lt):
            bounds.append(f"< {item.lt}")
    return f" ({', '.join(bounds)})" if bounds else ""


def _format_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return "*unset*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        return f"`{value.as_posix()}`"
    return f"`{value}`"


def _default(field: FieldInfo) -> str:
    if field.default is not PydanticUndefined:
        return _format_value(field.default)
    if field.default_factory is not None:
        return "*computed*"
    return "*required*"


def _leaf(path: tuple[str, ...], field: FieldInfo) -> SettingDoc:
    dotted = ".".join(path)
    env = f"`{env_name(path)}`"
    if dotted in SHORTCUT_ENV:
        env += f" or `{SHORTCUT_ENV[dotted]}`"
    return SettingDoc(
        path=dotted,
        env=env,
        type=_type_name(field.annotation) + _constraints(field),
        default=_default(field),
        description=field.description,
    )


def sections(model: type[BaseModel] = Settings) -> list[SectionDoc]:
    """The tree as documented: top-level leaves first, then one entry per nested section."""
    top: list[SettingDoc] = []
    nested: list[SectionDoc] = []
    for name, field in model.model_fields.items():
        section = _section_model(field.annotation)
        if section is None:
            top.append(_leaf((name,), field))
            continue
        leaves = tuple(_leaf((name, sub), sub_field) for sub, sub_field in _walk(section))
        nested.append(SectionDoc(name=name, description=field.description, settings=leaves))
    return [SectionDoc(name="", description="Top level.", settings=tuple(top)), *nested]


def _walk(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        if _section_model(field.annotation) is not None:
            # Deeper nesting would need its own table; the tree is two levels by design.
            raise NotImplementedError(f"nested section {model.__name__}.{name} is not supported")
        yield name, field


def undocumented(model: type[BaseModel] = Settings) -> list[str]:
    """Dotted names of sections and settings that have no description."""
    missing: list[str] = []
    for section in sections(model):
        if section.name and not (section.description or "").strip():
            missing.append(section.name)
        missing.extend(s.path for s in section.settings if not (s.description or "").strip())
    return missing


def _flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEADER = """\
# Settings reference

<!-- Generated from src/aegle/settings.py by `make docs` (python -m aegle.settings_doc).
     Do not edit by hand: tests/test_docs.py fails when this file is stale. -->

Aegle reads one typed settings tree. Sources, strongest first:

1. keyword arguments (tests, `load_settings(...)`);
2. the shortcuts `AEGLE_DATABASE_URL` and `AEGLE_SECRET_KEY`;
3. environment variables: prefix `AEGLE_`, `__` between section and key
   (`AEGLE_AUTH__TOKEN_TTL_HOURS=12`);
4. a TOML file named by `AEGLE_CONFIG` (sections as tables, see the example below);
5. the preset named by `AEGLE_PRESET` (or `preset` in a stronger source): `dev` by default;
6. the defaults listed here.

Unknown keys are errors in every source, so a typo fails at start-up instead of being ignored.

Example `aegle.toml`:

```toml
preset = "production"

[app]
default_locale = "en"

[database]
url = "postgresql+psycopg://aegle:change-me@127.0.0.1:5432/aegle"

[auth]
token_ttl_hours = 12
```
"""

PRESET_NOTES: Mapping[str, str] = {
    "dev": "The default: local development on SQLite.",
    "production": (
        "Refuses to start with the default or a short (< 32 characters) `app.secret_key`, "
        "or with `auth.cookie_secure = false`."
    ),
    "test": "Used by the test suite: cheap argon2id parameters.",
}


def render(model: type[Settings] = Settings) -> str:
    """The whole reference as Markdown."""
    missing = undocumented(model)
    if missing:
        raise ValueError(f"settings without a description: {', '.join(missing)}")
    lines = [HEADER, "## Presets", "", "| Preset | Sets | Notes |", "| --- | --- | --- |"]
    for name, values in PRESETS.items():
        sets = "<br>".join(f"`{key}` = {_format_value(v)}" for key, v in _flatten(values))
        lines.append(f"| `{name}` | {sets or '—'} | {_cell(PRESET_NOTES.get(name, ''))} |")
    for section in sections(model):
        title = f"`{section.name}`: {section.description}" if section.name else "Top level"
        lines += ["", f"## {title}", ""]
        lines += ["| Setting | Environment | Type | Default | Description |"]
        lines += ["| --- | --- | --- | --- | --- |"]
        for s in section.settings:
            cells = [f"`{s.path}`", s.env, s.type, s.default, s.description or ""]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aegle.settings_doc", description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    text = render()
    output: Path = args.output
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if args.check:
        if current != text:
            print(f"{output} is stale: run `make docs`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    if current != text:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")
    else:
        print(f"{output} unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
