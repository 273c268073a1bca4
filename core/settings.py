"""Settings from the environment and `.env`, named as in the UI contract."""

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", validation_alias=AliasChoices("BOTARMY_HOST", "host"))
    port: int = Field(8080, ge=1, le=65535, validation_alias=AliasChoices("BOTARMY_PORT", "port"))
    data_dir: Path = Field(Path("./data"), validation_alias=AliasChoices("BOTARMY_DATA_DIR", "data_dir"))
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("BOTARMY_MODEL", "model"))
    demo_token_delay_ms: float = Field(
        20, ge=0, le=5000, validation_alias=AliasChoices("BOTARMY_DEMO_TOKEN_DELAY_MS", "demo_token_delay_ms"))
    max_brief_chars: int = Field(
        8000, ge=100, validation_alias=AliasChoices("BOTARMY_MAX_BRIEF_CHARS", "max_brief_chars"))

    @field_validator("openai_api_key", "openai_base_url")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @property
    def offline_demo(self) -> bool:
        """Without a key the app answers with its own demo model."""
        return self.openai_api_key is None

    @property
    def database_path(self) -> Path:
        return self.data_dir / "botarmy.sqlite3"
