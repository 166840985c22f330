"""Docs that tests keep honest: the settings reference is generated from the settings tree."""

from __future__ import annotations

import os
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo

from aegle import settings_doc
from aegle.settings import Section, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_DOC = ROOT / "docs" / "settings.md"


def _leaves(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _leaves(annotation, (*prefix, name))
        else:
            yield (*prefix, name), field


def _env(path: tuple[str, ...]) -> str:
    return "AEGLE_" + "__".join(part.upper() for part in path)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("AEGLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_settings_reference_is_up_to_date() -> None:
    committed = SETTINGS_DOC.read_text(encoding="utf-8")
    assert committed == settings_doc.render(), "docs/settings.md is stale: run `make docs`"


def test_every_setting_and_section_has_a_description() -> None:
    missing = [".".join(path) for path, field in _leaves(Settings) if not field.description]
    sections = [name for name, f in Settings.model_fields.items() if not f.description]
    assert missing == []
    assert sections == []
    assert settings_doc.undocumented() == []


def test_every_setting_is_listed_with_its_environment_variable() -> None:
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    leaves = list(_leaves(Settings))
    assert len(leaves) >= 25  # the tree is not accidentally empty
    for path, _field in leaves:
        assert f"| `{'.'.join(path)}` | `{_env(path)}`" in text, path


def test_every_preset_is_listed() -> None:
    from aegle.settings import PRESETS

    text = SETTINGS_DOC.read_text(encoding="utf-8")
    for name in PRESETS:
        assert f"| `{name}` |" in text


def _other_value(field: FieldInfo) -> tuple[str, Any]:
    """A valid non-default value for a leaf, as an env string and as the parsed value."""
    annotation = field.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    default = field.default
    if get_origin(annotation) is Literal:
        # `production` needs a real secret and secure cookies; any other choice is fine here.
        choice = next(a for a in get_args(annotation) if a not in (default, "production"))
        return str(choice), choice
    if annotation is bool:
        return str(not default).lower(), not default
    if annotation is int:
        return str(default + 1), default + 1
    if annotation is float:
        return str(default + 1.5), default + 1.5
    if annotation is SecretStr:
        return "s" * 40, "s" * 40
    if annotation is Path:
        return "elsewhere", Path("elsewhere")
    if annotation is str:
        return "doc-test-value", "doc-test-value"
    raise AssertionError(f"no sample value for {annotation!r}")


@pytest.mark.parametrize(
    ("path", "field"),
    list(_leaves(Settings)),
    ids=lambda v: ".".join(v) if isinstance(v, tuple) else "",
)
def test_documented_environment_variable_sets_the_setting(
    monkeypatch: pytest.MonkeyPatch, path: tuple[str, ...], field: FieldInfo
) -> None:
    raw, expected = _other_value(field)
    monkeypatch.setenv(_env(path), raw)
    value: Any = load_settings()
    for part in path:
        value = getattr(value, part)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    assert value == expected


class _Bare(Section):
    flag: bool = False  # deliberately undocumented


class _TreeWithGap(Settings):
    extra: _Bare = Field(default_factory=_Bare, description="A section with an undocumented key.")


def test_missing_description_is_detected_and_refused() -> None:
    assert settings_doc.undocumented(_TreeWithGap) == ["extra.flag"]
    with pytest.raises(ValueError, match=r"extra\.flag"):
        settings_doc.render(_TreeWithGap)


def test_check_mode_reports_stale_then_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "settings.md"
    output.write_text("# stale\n", encoding="utf-8")
    assert settings_doc.main(["--check", "--output", str(output)]) == 1
    assert settings_doc.main(["--output", str(output)]) == 0
    assert settings_doc.main(["--check", "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == settings_doc.render()
    assert "stale" in capsys.readouterr().err


# -- the README's commands and the docs' links --------------------------------------------------


def test_readme_set_up_commands_are_the_ones_ci_and_make_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Set up\n.*?```sh\n(.*?)```", readme, re.S)
    assert block is not None, "README lost its set-up block"
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in ci
    assert ci[-1] == "make test"


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("doc", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    broken = []
    for target in targets:
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # external or in-page
        if not (doc.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert broken == []


def test_every_adr_is_indexed() -> None:
    index = (ROOT / "docs" / "adr" / "README.md").read_text(encoding="utf-8")
    adrs = sorted(p.name for p in (ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 3
    for name in adrs:
        assert f"({name})" in index, name
