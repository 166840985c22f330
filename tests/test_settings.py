"""The settings tree: sources, precedence, presets and the production safety checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aegle.settings import DEFAULT_SECRET, PRESETS, Settings, load_settings

GOOD_SECRET = "0123456789abcdef0123456789abcdef"  # exactly 32 characters


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The developer's or CI's own AEGLE_* variables must not leak into these tests.
    for name in list(os.environ):
        if name.upper().startswith("AEGLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "aegle.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("AEGLE_CONFIG", str(path))
    return path


def test_defaults_are_safe_and_offline() -> None:
    s = load_settings()
    assert s.preset == "dev"
    assert s.database.url is None
    assert s.database_url == "sqlite:///var/aegle.db"
    assert s.server.host == "127.0.0.1"
    assert s.llm.provider == "none"
    assert s.app.default_locale == "zh-CN"


def test_database_url_follows_var_dir() -> None:
    s = load_settings(app={"var_dir": "/srv/aegle"})
    assert s.database_url == "sqlite:////srv/aegle/aegle.db"


def test_env_prefix_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVER__PORT", "9001")
    monkeypatch.setenv("PRESET", "test")
    s = load_settings()
    assert s.server.port == 8000
    assert s.preset == "dev"


def test_nested_env_sets_one_key_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_AUTH__TOKEN_TTL_HOURS", "12")
    s = load_settings()
    assert s.auth.token_ttl_hours == 12
    assert s.auth.session_ttl_hours == 24 * 7
    assert s.auth.argon2_time_cost == 3


def test_env_values_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_SERVER__PORT", "70000")
    with pytest.raises(ValidationError, match=r"server\.port"):
        load_settings()


def test_password_minimum_cannot_be_weakened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_AUTH__PASSWORD_MIN_LENGTH", "4")
    with pytest.raises(ValidationError, match="password_min_length"):
        load_settings()


def test_toml_file_named_by_aegle_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _toml(
        tmp_path,
        monkeypatch,
        """
[database]
url = "sqlite:///from-toml.db"

[auth]
token_ttl_hours = 6
""",
    )
    s = load_settings()
    assert s.database_url == "sqlite:///from-toml.db"
    assert s.auth.token_ttl_hours == 6
    assert s.auth.session_ttl_hours == 24 * 7


def test_precedence_keyword_over_env_over_toml_over_preset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toml(
        tmp_path,
        monkeypatch,
        """
[auth]
token_ttl_hours = 6
session_ttl_hours = 7
argon2_time_cost = 9
""",
    )
    monkeypatch.setenv("AEGLE_PRESET", "test")
    monkeypatch.setenv("AEGLE_AUTH__SESSION_TTL_HOURS", "8")
    monkeypatch.setenv("AEGLE_AUTH__TOKEN_TTL_HOURS", "10")
    s = load_settings(auth={"token_ttl_hours": 11})
    assert s.auth.token_ttl_hours == 11  # keyword beats env
    assert s.auth.session_ttl_hours == 8  # env beats file
    assert s.auth.argon2_time_cost == 9  # file beats preset
    assert s.auth.argon2_memory_kib == PRESETS["test"]["auth"]["argon2_memory_kib"]  # preset


@pytest.mark.parametrize("preset", sorted(set(PRESETS) - {"production"}))
def test_preset_from_env_applies_its_values(monkeypatch: pytest.MonkeyPatch, preset: str) -> None:
    monkeypatch.setenv("AEGLE_PRESET", preset)
    s = load_settings()
    assert s.preset == preset
    for section, values in PRESETS[preset].items():
        for key, value in values.items():
            assert getattr(getattr(s, section), key) == value


def test_preset_by_keyword_applies_its_values() -> None:
    s = load_settings(preset="test")
    assert s.preset == "test"
    assert s.auth.argon2_time_cost == 1
    assert s.app.debug is False  # dev's value is not mixed in


def test_preset_named_in_toml_applies_its_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toml(tmp_path, monkeypatch, f'preset = "production"\n[app]\nsecret_key = "{GOOD_SECRET}"\n')
    s = load_settings()
    assert s.preset == "production"
    assert s.auth.cookie_secure is True


def test_unknown_preset_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_PRESET", "staging")
    with pytest.raises(ValueError, match="staging"):
        load_settings()


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_PRESET", "production")
    with pytest.raises(ValidationError, match="secret"):
        load_settings()


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_PRESET", "production")
    monkeypatch.setenv("AEGLE_SECRET_KEY", GOOD_SECRET[:-1])
    with pytest.raises(ValidationError, match="secret"):
        load_settings()


def test_production_accepts_a_long_secret_via_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_PRESET", "production")
    monkeypatch.setenv("AEGLE_SECRET_KEY", GOOD_SECRET)
    s = load_settings()
    assert s.app.secret_key.get_secret_value() == GOOD_SECRET
    assert s.auth.cookie_secure is True
    assert s.server.host == "0.0.0.0"  # noqa: S104 - the preset under test


def test_production_refuses_insecure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_PRESET", "production")
    monkeypatch.setenv("AEGLE_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("AEGLE_AUTH__COOKIE_SECURE", "false")
    with pytest.raises(ValidationError, match="cookie_secure"):
        load_settings()


@given(secret=st.text(min_size=0, max_size=64))
def test_production_secret_length_rule(secret: str) -> None:
    # Keyword arguments, not env: env values cannot carry every code point.
    if secret != DEFAULT_SECRET and len(secret) >= 32:
        s = load_settings(preset="production", app={"secret_key": secret})
        assert s.app.secret_key.get_secret_value() == secret
    else:
        with pytest.raises(ValidationError):
            load_settings(preset="production", app={"secret_key": secret})


def test_secret_is_not_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_SECRET_KEY", GOOD_SECRET)
    s = load_settings()
    assert GOOD_SECRET not in repr(s)
    assert GOOD_SECRET not in str(s.model_dump())


def test_database_url_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://aegle:pw@127.0.0.1:5432/aegle"
    monkeypatch.setenv("AEGLE_DATABASE_URL", url)
    s = load_settings()
    assert s.database.url == url
    assert s.database_url == url


def test_shortcut_beats_the_nested_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_DATABASE__URL", "sqlite:///nested.db")
    monkeypatch.setenv("AEGLE_DATABASE_URL", "sqlite:///shortcut.db")
    assert load_settings().database_url == "sqlite:///shortcut.db"


def test_unknown_env_key_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEGLE_APP__NAEM", "typo")
    with pytest.raises(ValidationError, match="naem"):
        load_settings()


def test_unknown_toml_section_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _toml(tmp_path, monkeypatch, "[databse]\nurl = 'sqlite:///x.db'\n")
    with pytest.raises(ValidationError, match="databse"):
        load_settings()


def test_unknown_toml_key_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _toml(tmp_path, monkeypatch, "[auth]\ntoken_ttl = 3\n")
    with pytest.raises(ValidationError, match="token_ttl"):
        load_settings()


def test_unknown_keyword_is_rejected() -> None:
    with pytest.raises(ValidationError, match="bogus"):
        Settings(bogus=1)  # type: ignore[call-arg]
