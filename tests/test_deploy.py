"""Serving many users: servers starting together set the store up once, `make run` stays on
this machine unless asked, and the image, compose file and balancer agree (issue 16).

Docker cannot run here: the Dockerfile and compose.yaml are parsed and their service graph
checked; the balancer's configuration is checked by haproxy itself where it is installed, and
run for real by the topology test (tests/test_topology.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from sqlmodel import Session, func, select

from dashboard import models as m
from dashboard import store_version
from dashboard.db import make_engine
from tests.conftest import FIXTURE_DATA, ON_POSTGRES, ROOT


@pytest.mark.skipif(not ON_POSTGRES, reason="several servers share a PostgreSQL store")
def test_servers_starting_together_set_the_store_up_once(empty_store_url: str) -> None:
    env = {"DATABASE_URL": empty_store_url, "MANUL_DATA_DIR": str(FIXTURE_DATA), "PATH": ""}
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "dashboard.cli", "init"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [start.communicate(timeout=120) for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0], [err for _, err in results]
    said = sorted(out.splitlines()[0].split(": ", 1)[1] for out, _ in results)
    assert said == [
        "already set up; data kept",
        "already set up; data kept",
        f"seeded from {FIXTURE_DATA}",
    ]
    engine = make_engine(empty_store_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Framework)).one() == 2
        assert store_version.current(session=session) == 1
    engine.dispose()


def _make_run(*options: str) -> str:
    done = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "run", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(done.stdout.split())


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_this_machine_unless_opened() -> None:
    local = _make_run()
    assert "streamlit run app.py --server.address 127.0.0.1 --server.port 8501" in local
    assert "--browser.serverAddress" not in local
    opened = _make_run("HOST=0.0.0.0", "PORT=8600")
    assert "--server.address 0.0.0.0 --server.port 8600" in opened
    # Named, so that Streamlit does not ask the internet for this machine's address (and log
    # "Did not auto detect external IP" when it cannot).
    assert "--browser.serverAddress " in opened
