"""What import-linter cannot see: the page files are scripts, not a package. Each page is
thin and stands alone (the package's layering is checked by `lint-imports` in `make test`)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

VIEWS = sorted((ROOT / "views").glob("*.py"))


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pages_do_not_import_each_other() -> None:
    assert VIEWS
    pages = {path.stem for path in VIEWS}
    for path in VIEWS:
        assert not {name.split(".")[-1] for name in imported(path)} & pages, path.name


def test_pages_reach_the_store_only_through_the_package() -> None:
    # No SQL and no engine in a page: queries, charts and ui/ do that.
    for path in VIEWS:
        direct = {
            name
            for name in imported(path)
            if name.split(".")[0] in {"sqlalchemy", "sqlmodel", "alembic"}
            or name in {"dashboard.db", "dashboard.models"}
        }
        assert not direct, (path.name, direct)
