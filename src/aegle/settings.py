"""One typed settings tree.

Sources, strongest first: keyword arguments, environment (`AEGLE_` prefix, `__` between sections,
e.g. `AEGLE_AUTH__TOKEN_TTL_HOURS=12`), a TOML file (`AEGLE_CONFIG=path.toml`), the named preset
(`AEGLE_PRESET=dev|production|test`), then the defaults below. Two shortcuts are honoured because
operators expect them: `AEGLE_DATABASE_URL` and `AEGLE_SECRET_KEY`.

`docs/settings.md` is generated from this file (`make docs`, i.e. `python -m aegle.settings_doc`);
a test fails when a setting is missing there or lacks a description.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEFAULT_SECRET = "insecure-development-secret-change-me"  # noqa: S105 - refused in production

PresetName = Literal["dev", "production", "test"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppSettings(Section):
    name: str = Field("Aegle", description="Product name shown in the UI and API.")
    default_locale: Literal["zh-CN", "en"] = Field(
        "zh-CN", description="Locale used when a request states none."
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone for people's local days (device data, charts).",
    )
    var_dir: Path = Field(
        Path("var"), description="Directory for the SQLite file, uploads and other local state."
    )
    secret_key: SecretStr = Field(
        SecretStr(DEFAULT_SECRET),
        description="Secret for signing; must be changed (>= 32 characters) in production.",
    )
    debug: bool = Field(False, description="Verbose errors in logs (never in responses).")


class DatabaseSettings(Section):
    url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL. Empty means SQLite at `<var_dir>/aegle.db`. PostgreSQL: "
            "`postgresql+psycopg://user:pass@host:5432/aegle`. Shortcut env: AEGLE_DATABASE_URL."
        ),
    )
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    pool_size: int = Field(10, ge=1, le=200, description="Connection pool size (PostgreSQL).")
    sqlite_busy_timeout_ms: int = Field(
        5000, ge=0, description="How long SQLite waits for a lock before failing."
    )


class AuthSettings(Section):
    token_ttl_hours: int = Field(
        24 * 30, ge=1, description="Lifetime of an API bearer token, in hours."
    )
    session_ttl_hours: int = Field(24 * 7, ge=1, description="Lifetime of a web session, in hours.")
    cookie_secure: bool = Field(
        False, description="Send session cookies only over HTTPS (required in production)."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed logins allowed per username or client within the window."
    )
    login_window_minutes: int = Field(
        15, ge=1, description="Window for counting failed logins, in minutes."
    )
    password_min_length: int = Field(8, ge=8, description="Minimum password length.")
    argon2_time_cost: int = Field(3, ge=1, description="Argon2id iterations.")
    argon2_memory_kib: int = Field(65536, ge=8, description="Argon2id memory cost in KiB.")
    argon2_parallelism: int = Field(4, ge=1, description="Argon2id lanes.")


class ApiSettings(Section):
    max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body accepted, in bytes (uploads aside)."
    )
    max_upload_bytes: int = Field(
        20_000_000, ge=1024, description="Largest file upload accepted, in bytes."
    )
    max_message_chars: int = Field(
        4000, ge=1, description="Longest chat message accepted, in characters."
    )


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address `aegle serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `aegle serve` listens on.")
    workers: int = Field(1, ge=1, description="Worker processes for `aegle serve`.")
    preload: bool = Field(
        True,
        description="Build the assistant (its knowledge and indexes) when a worker starts, "
        "not on the first chat message.",
    )


class VitalsSettings(Section):
    bp_scheme: Literal["cn2024", "acc_aha2017"] = Field(
        "cn2024",
        description="Blood-pressure classification: the Chinese 2024 hypertension guideline "
        "(`cn2024`) or ACC/AHA 2017 (`acc_aha2017`).",
    )


class EvidenceSettings(Section):
    dense: bool = Field(
        True,
        description="Rank evidence with the embedding model as well as BM25 (hybrid). The "
        "passage vectors are prepared in the background (or by `aegle corpus index`); until "
        "they are ready, ranking is BM25 only.",
    )


class LlmSettings(Section):
    provider: Literal["none", "openai"] = Field(
        "none", description="`none` runs fully offline; `openai` uses any compatible server."
    )
    base_url: str | None = Field(None, description="Base URL of the OpenAI-compatible server.")
    model: str | None = Field(None, description="Model name sent to the server.")
    api_key: SecretStr | None = Field(None, description="API key for the server, if needed.")
    timeout_seconds: float = Field(30.0, gt=0, description="Per-request timeout.")


class TomlFileSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by AEGLE_CONFIG (or the `config_file` init argument)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path is not None:
            with path.open("rb") as handle:
                self._data = tomllib.load(handle)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


PRESETS: dict[str, dict[str, Any]] = {
    "dev": {"app": {"debug": True}},
    "production": {
        "auth": {"cookie_secure": True},
        "server": {"host": "0.0.0.0"},  # noqa: S104 - production sits behind a proxy
    },
    "test": {
        # Fast hashing keeps the suite quick; still argon2id.
        "auth": {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1},
        # Apps are built by the hundred; only the tests that chat pay for the assistant.
        "server": {"preload": False},
        # No embedding model in the hundreds of apps the tests build (tests that need dense
        # ranking use an in-memory embedder).
        "evidence": {"dense": False},
    },
}


class PresetSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], preset: str) -> None:
        super().__init__(settings_cls)
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
        self._data = {"preset": preset, **PRESETS[preset]}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class ShortcutEnvSource(PydanticBaseSettingsSource):
    """AEGLE_DATABASE_URL and AEGLE_SECRET_KEY, the two names operators reach for first."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if url := os.environ.get("AEGLE_DATABASE_URL"):
            data["database"] = {"url": url}
        if secret := os.environ.get("AEGLE_SECRET_KEY"):
            data["app"] = {"secret_key": secret}
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AEGLE_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    preset: PresetName = Field("dev", description="Named preset applied under file and env.")
    app: AppSettings = Field(default_factory=AppSettings, description="General application.")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="Storage.")
    auth: AuthSettings = Field(default_factory=AuthSettings, description="Accounts and sessions.")
    api: ApiSettings = Field(default_factory=ApiSettings, description="HTTP API limits.")
    server: ServerSettings = Field(default_factory=ServerSettings, description="HTTP server.")
    vitals: VitalsSettings = Field(
        default_factory=VitalsSettings, description="Device data: metrics and their targets."
    )
    evidence: EvidenceSettings = Field(
        default_factory=EvidenceSettings, description="Evidence answers and search."
    )
    llm: LlmSettings = Field(default_factory=LlmSettings, description="Optional language model.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = os.environ.get("AEGLE_CONFIG")
        toml_file = TomlFileSource(settings_cls, Path(config) if config else None)
        # The preset is chosen by the strongest source that names it, so that
        # `load_settings(preset="test")` or `preset = "production"` in the TOML file
        # also applies the preset's values, not only its name.
        init_kwargs = (
            init_settings.init_kwargs if isinstance(init_settings, InitSettingsSource) else {}
        )
        preset = str(
            init_kwargs.get("preset")
            or os.environ.get("AEGLE_PRESET")
            or toml_file().get("preset")
            or "dev"
        )
        return (
            init_settings,
            ShortcutEnvSource(settings_cls),
            env_settings,
            toml_file,
            PresetSource(settings_cls, preset),
        )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.preset == "production":
            secret = self.app.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET or len(secret) < 32:
                raise ValueError(
                    "production preset refuses the default or a short secret: "
                    "set AEGLE_SECRET_KEY to at least 32 random characters"
                )
            if not self.auth.cookie_secure:
                raise ValueError("production preset requires auth.cookie_secure = true")
        return self

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.app.var_dir / 'aegle.db').as_posix()}"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from all sources; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)
