"""Many people at once: N browser sessions against one `streamlit run` on a generated store.

    python -m bench.load --sessions 25 --seconds 120 [--activities 10000]

Each session (a Playwright browser context in Debian's Chromium) walks every public page with
changing filters in the URL, for a bounded time. It reports errors (must be zero: exceptions
or error boxes on a page, failed loads, requests that tried to leave localhost) and the
50th/95th percentile time from navigation until the page finished running, in the browser
(what a person waits for: server, network and Chromium drawing the page) and on the server
(the page's script run alone, from the server's MANUL_LOG_PAGE_RUNS lines). Both browsers and
server share this machine's cores, so the browser figure includes their contention. The
result is appended to bench/results/load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus, urlparse

from bench.run import store_url

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PATHS = ["", "strategy", "cami", "history", "synergies", "regions", "funder", "activities"]
FILTERS = [
    "",
    "demo=false",
    "country=" + quote_plus("Kazakhstan (KAZ)"),
    "country=" + quote_plus("Mongolia (MNG)") + "&status=in_progress",
    "ptcr=" + quote_plus("9 Altai"),
    "as_of=2026-03-23",
    "status=completed",
]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) of `values`, NaN when there are none."""
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def session(
    browser, base: str, deadline: float, seed: int, times: list[float], errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def route(route):  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            await route.continue_()
        else:
            errors.append(f"request left localhost: {route.request.url}")
            await route.abort()

    await page.route("**/*", route)
    while time.monotonic() < deadline:
        path = rng.choice(PATHS)
        query = rng.choice(FILTERS)
        url = f"{base}/{path}" + (f"?{query}" if query else "")
        started = time.perf_counter()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=120_000)
            await page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
            await page.wait_for_selector(DONE, timeout=120_000)
            times.append(time.perf_counter() - started)
            if await page.locator("[data-testid='stException']").count():
                errors.append(f"exception on {url}")
            if await page.locator("[data-testid='stAlertContentError']").count():
                errors.append(f"error box on {url}")
        except Exception as error:  # every failure is counted and reported, none hidden
            errors.append(f"{url}: {type(error).__name__}: {str(error)[:120]}")
    await context.close()


async def run(base: str, sessions: int, seconds: float) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(session(browser, base, deadline, i, times, errors) for i in range(sessions))
        )
        await browser.close()
    return times, errors


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--postgres", help="run against a PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    url = store_url(
        "postgresql" if args.postgres else "sqlite", args.activities, args.postgres, False
    )
    port = _free_port()
    log_path = ROOT / "bench" / ".stores" / f"load-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "MANUL_LOG_PAGE_RUNS": "1"},
        stdout=log,
        stderr=log,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        times, errors = asyncio.run(run(f"http://127.0.0.1:{port}", args.sessions, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=20)
    log.close()
    server_times = [
        float(line.split("page run: ", 1)[1].split()[1])
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if "page run: " in line
    ]
    browser = percentiles(times)
    server_side = percentiles(server_times)
    summary = (
        f"{args.sessions} sessions, {args.seconds:.0f} s, {args.activities:,} activities "
        f"({'PostgreSQL' if args.postgres else 'SQLite'}): {len(times)} page loads, "
        f"{len(errors)} errors; in the browser p50 {browser[0]:.2f} s, p95 {browser[1]:.2f} s; "
        f"on the server ({len(server_times)} runs) p50 {server_side[0]:.2f} s, "
        f"p95 {server_side[1]:.2f} s"
    )
    print(summary)
    for error in errors[:20]:
        print("  error:", error)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    with (results_dir / "load.md").open("a", encoding="utf-8") as results:
        results.write(f"- {time.strftime('%Y-%m-%d %H:%M')}: {summary}\n")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
