"""One settings object for the whole app, read from the environment (and `.env`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Where the store lives and where its seed data comes from."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Unset means the embedded SQLite store below; set it to a PostgreSQL URL
    # (postgresql+psycopg://user@host:port/db) to use a server instead.
    database_url: str | None = None
    sqlite_path: Path = PROJECT_ROOT / "var" / "manul-progress.sqlite3"
    # The files the store is seeded from on first start (`dashboard init`).
    manul_data_dir: Path = PROJECT_ROOT / "data"
    # Range-state polygons shipped with the app (see data/geo/README.md).
    geojson_path: Path = PROJECT_ROOT / "data" / "geo" / "range_states.geojson"
    # MANUL_LOG_PAGE_RUNS=1: log how long each page run takes on the server (one line per
    # run, logger "dashboard.runs"); bench/load.py reads them to tell server from browser time.
    manul_log_page_runs: bool = False
    # The key that signs partners' session cookies (HMAC-SHA256). Unset: one is generated on
    # first start and kept in the store (table serversecret), so every server on it agrees.
    manul_session_secret: SecretStr | None = None
    # How long a partner stays signed in on a browser without signing in again.
    manul_session_hours: int = Field(default=168, ge=1, le=24 * 365)
    # Send the session cookie only over HTTPS (browsers also accept it from http://localhost).
    # Turn off only for a plain-HTTP server on another host, which should not take passwords.
    manul_cookie_secure: bool = True
    # Behind a reverse proxy every visitor arrives from the proxy's address: name the header
    # the proxy sets (e.g. X-Forwarded-For) and sign-in throttling tells visitors apart by its
    # last address, the one the proxy saw. Leave unset without such a proxy: the header could
    # then be written by anyone.
    manul_client_ip_header: str | None = None

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://"):
            # Heroku-style URLs: SQLAlchemy needs the dialect and the driver.
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError(
                "DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, got "
                f"{value.split(':', 1)[0]}:..."
            )
        return value

    @property
    def effective_database_url(self) -> str:
        """The URL the engine connects to: DATABASE_URL, else the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.sqlite_path}"


def get_settings() -> Settings:
    """Settings read now (tests change the environment between runs)."""
    return Settings()
