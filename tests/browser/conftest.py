"""A real `streamlit run` on a free port and Debian's Chromium driven by Playwright.

The browser tests skip when Chromium is missing, unless MANUL_REQUIRE_BROWSER=1 (CI), where a
missing browser is a failure. Every request the page makes is routed: anything that is not
localhost is refused and recorded, and the tests assert that nothing tried to leave.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import FIXTURE_DATA, ROOT, temporary_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("MANUL_REQUIRE_BROWSER") == "1"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# The flags that keep Chromium from calling home on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    # The server's store, for a test that needs something in it (a partner's account).
    store: str = ""

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-8000:]


@contextmanager
def streamlit_server(
    directory: Path, data_dir: Path = FIXTURE_DATA, store: str | None = None
) -> Iterator[Server]:
    """`streamlit run serve.py` (app.py and its HTTP routes) on a free port against `store`,
    else a new, empty store (seeded on start from `data_dir`)."""
    with nullcontext(store) if store else temporary_store(directory) as store:
        port = _free_port()
        log = directory / f"streamlit-{port}.log"
        env = {**os.environ, "DATABASE_URL": store, "MANUL_DATA_DIR": str(data_dir)}
        command = [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(port), "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
        server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log, store=store)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("streamlit did not start:\n" + server.output()) from None
                    time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with streamlit_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@dataclass
class Visit:
    """A browser page whose every non-local request is refused and recorded."""

    page: Any
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, url: str, *, expect: str | None = None) -> None:
        self.page.goto(url, wait_until="domcontentloaded")
        wait_for_run(self.page, expect=expect)

    def screenshot(self, name: str) -> Path:
        """A full-page screenshot for people to look at (test-results/screenshots).

        Chromium once refused a full-page capture in CI ("Unable to capture screenshot")
        on a page that had rendered; a screenshot is not what a test checks, so that
        failure is retried once and then falls back to the visible part of the page.
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        from playwright.sync_api import Error

        for full_page in (True, True, False):
            try:
                self.page.screenshot(path=str(path), full_page=full_page)
                break
            except Error:
                if not full_page:
                    raise
        return path


def wait_for_run(page: Any, *, expect: str | None = None, timeout: float = 45_000) -> None:
    """Wait until the script has finished (and the expected text shows, if given)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    if expect:
        # The run-state attribute can still show the previous run: wait for the content too.
        page.get_by_text(expect, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
    page.wait_for_timeout(300)


@pytest.fixture
def visit(browser: Any, request: pytest.FixtureRequest) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    current = Visit(page=page)

    def route(route: Any) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            current.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            current.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield current
    context.close()
