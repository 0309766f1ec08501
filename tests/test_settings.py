import pytest
from pydantic import ValidationError

from dashboard.settings import PROJECT_ROOT, Settings


def test_default_store_is_the_embedded_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.effective_database_url == (
        f"sqlite:///{PROJECT_ROOT / 'var' / 'manul-progress.sqlite3'}"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_is_normalised(given: str, expected: str) -> None:
    assert Settings(database_url=given).effective_database_url == expected


def test_unknown_database_is_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL must be a sqlite"):
        Settings(database_url="mysql://root@localhost/db")
