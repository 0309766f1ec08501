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
from typing import Any

import pytest
import yaml
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
    assert "streamlit run serve.py --server.address 127.0.0.1 --server.port 8501" in local
    assert "--browser.serverAddress" not in local
    opened = _make_run("HOST=0.0.0.0", "PORT=8600")
    assert "--server.address 0.0.0.0 --server.port 8600" in opened
    # Named, so that Streamlit does not ask the internet for this machine's address (and log
    # "Did not auto detect external IP" when it cannot).
    assert "--browser.serverAddress " in opened


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments out."""
    joined = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (word.upper(), " ".join(rest.split()))
        for word, _, rest in (line.partition(" ") for line in lines if line and line[0] != "#")
    ]


def test_the_image_is_slim_compiled_unprivileged_and_checked() -> None:
    steps = dockerfile_instructions()
    stages = [args for word, args in steps if word == "FROM"]
    assert stages
    assert all(stage.startswith("python:${PYTHON_VERSION}-slim") for stage in stages)
    assert any(word == "COPY" and "/uv " in args for word, args in steps)  # uv, from its image
    env = " ".join(args for word, args in steps if word == "ENV")
    assert "UV_COMPILE_BYTECODE=1" in env
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in final if word == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    [health] = [args for word, args in final if word == "HEALTHCHECK"]
    assert "/_stcore/health" in health
    [command] = [args for word, args in final if word == "CMD"]
    assert command == '["streamlit", "run", "serve.py"]'
    [port] = [args for word, args in final if word == "EXPOSE"]
    assert f"STREAMLIT_SERVER_PORT={port}" in env
    # Everything app.py needs is copied, and nothing that configures it: .dockerignore
    # leaves out all but the listed files (a developer's .env, var/ with a local store).
    copied = {
        source
        for word, args in steps
        if word == "COPY" and not args.startswith("--")
        for source in args.split()[:-1]
    }
    assert {"app.py", "serve.py", "src", "views", "data", "assets", ".streamlit"} <= copied
    for path in copied - {"./"}:
        assert (ROOT / path).exists(), path
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignored[1] == "*"
    assert not [line for line in ignored if ".env" in line or "var" in line]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_replicas_over_one_postgresql_behind_the_balancer() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"db", "app", "balancer"}
    # Every dependency is a service, started once it is healthy; no cycle.
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, (name, needed)
            assert how == {"condition": "service_healthy"}, (name, needed)
    assert services["db"].get("depends_on") is None
    assert list(services["app"]["depends_on"]) == ["db"]
    assert list(services["balancer"]["depends_on"]) == ["app"]

    db = services["db"]
    assert db["image"].startswith("postgres:")
    [volume] = db["volumes"]
    name, mount = volume.split(":")
    assert mount == "/var/lib/postgresql/data"
    assert name in spec["volumes"]  # a named volume: the data outlives the containers
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    app = services["app"]
    assert app["build"] == "."
    assert app["deploy"]["replicas"] >= 2
    assert "ports" not in app  # reached only through the balancer
    environment = app["environment"]
    url = environment["DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://manul:${POSTGRES_PASSWORD}@db:5432/")
    assert url.rsplit("/", 1)[1] == db["environment"]["POSTGRES_DB"]
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in environment
    assert "STREAMLIT_BROWSER_SERVER_ADDRESS" in environment

    balancer = services["balancer"]
    assert balancer["image"].startswith("haproxy:")
    [config] = balancer["volumes"]
    source, target, _ = config.split(":")
    assert (ROOT / source).resolve() == ROOT / "deploy" / "haproxy.cfg"
    assert target == "/usr/local/etc/haproxy/haproxy.cfg"
    port = next(args for word, args in dockerfile_instructions() if word == "EXPOSE")
    assert balancer["environment"]["MANUL_APP_SERVICE"] == f"app:{port}"
    bind = balancer["environment"]["MANUL_BIND"].rsplit(":", 1)[1]
    [published] = balancer["ports"]
    assert published.startswith("127.0.0.1:")
    assert published.endswith(f":{bind}")


HAPROXY = shutil.which("haproxy")


@pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (apt-get install haproxy)")
@pytest.mark.parametrize(
    "environment",
    [
        pytest.param({"MANUL_APP_SERVICE": "app:8501", "MANUL_BIND": ":8080"}, id="compose"),
        pytest.param(
            {"MANUL_APP1": "127.0.0.1:8601", "MANUL_APP2": "127.0.0.1:8602", "MANUL_BIND": ":9"},
            id="topology",
        ),
    ],
)
def test_haproxy_accepts_the_balancers_configuration(environment: dict[str, str]) -> None:
    assert HAPROXY is not None
    done = subprocess.run(
        [HAPROXY, "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
        env={**environment, "MANUL_COOKIE_KEY": "test"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stderr.splitlines() if "WARNING" in line], done.stderr
