"""A change committed by any process shows on the next page view of every server (issue 16).

Two real `streamlit run` servers (replicas) on one store, read as a browser tab reads them
(bench.load_protocol: one websocket per view), with their caches warm; then a command-line
`dashboard import` in its own process, and an import through the edit page run by a third
app (AppTest, in this process). Runs on SQLite and, with DATABASE_URL, on PostgreSQL.

Fixture: 3 activities that are not demo data (A1, A2, A5); A6 and A7 are added.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from bench.load_protocol import metrics, one_view
from sqlmodel import Session

from dashboard import auth
from dashboard.db import make_engine
from tests.browser.conftest import Server, streamlit_server
from tests.conftest import FIXTURE_DATA, ROOT
from tests.test_importer import A6, OPERATOR, with_rows
from tests.test_pages_edit import PASSWORD, click, open_edit_page, sign_in

A7 = A6.replace("A6,Kazakh Altai interviews,", "A7,Tuva den survey,")


@pytest.fixture
def replicas(writable_store_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(streamlit_server(tmp_path, store=writable_store_url))
            for _ in range(2)
        ]


def command_line_import(store: str, path: Path) -> None:
    """`dashboard import PATH` in a process of its own, against `store`."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "import", str(path)],
        cwd=ROOT,
        env={"DATABASE_URL": store, "MANUL_DATA_DIR": str(FIXTURE_DATA), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def add_partner(store: str, name: str) -> None:
    """A partner who may edit any activity (an admin: an editor needs organisations), with
    the tests' password."""
    engine = make_engine(store)
    with Session(engine) as session:
        auth.add_user(
            session=session, username=name, password=PASSWORD, role="admin", actor=OPERATOR
        )
        session.commit()
    engine.dispose()


def activities_shown(server: Server) -> str:
    view = one_view(server.url)
    assert view.errors == [], server.output()
    return metrics(view)["Activities"]


def test_a_change_from_any_process_shows_on_every_servers_next_view(
    replicas: list[Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = replicas[0].store
    for _ in range(2):  # the second view is served from each server's cache
        assert [activities_shown(server) for server in replicas] == ["3", "3"]

    # The command line, in its own process.
    path = tmp_path / "activities.csv"
    path.write_text(with_rows(A6), encoding="utf-8")
    command_line_import(store, path)
    assert [activities_shown(server) for server in replicas] == ["4", "4"]

    # A partner's import through the edit page of another app process.
    monkeypatch.setenv("DATABASE_URL", store)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    add_partner(store, "alice")
    at = open_edit_page(sign_in("alice"), "Import a file")
    at.get("file_uploader")[0].set_value(("a7.csv", with_rows(A7).encode(), "text/csv"))
    click(at.run(), "Import")
    assert at.success[0].value.startswith("**a7.csv**: imported")
    assert [activities_shown(server) for server in replicas] == ["5", "5"]
