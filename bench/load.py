"""Many people at once: N browser sessions against one `streamlit run` on a generated store.

    python -m bench.load --sessions 25 --seconds 120 [--think 3-8] [--activities 10000]
    python -m bench.load --sessions 25 --seconds 120 --think 0     # saturated worst case

Each session (a Playwright browser context in Debian's Chromium) walks every public page, in
its own shuffled order and with a changing filter in the URL, for a bounded time. Between two
page views it waits a think time (`--think`, by default a random 3–8 s: a person reads a page
before the next click; `--think 0` sends the next page at once, the saturated worst case).
Session starts are spread evenly over the first `--ramp` seconds.

It reports errors (must be zero: exceptions or error boxes on a page, failed loads, any
request that tried to leave localhost, tracebacks in the server's log) and the 50th/95th
percentile time for a page to finish running:
- in the browser: from navigation until the page's script finished running (what a person
  waits for: server, network and Chromium drawing the page);
- on the server: the page's script run alone, from the server's MANUL_LOG_PAGE_RUNS lines.
Also the number of page loads, the server's p50/p95 per page, the server process's CPU time
and peak resident memory, the CPU used by the clients and how busy the whole machine was.

The clients run at the lowest CPU priority. In reality each person's browser runs on their
own computer, but here the Chromium renderers (software WebGL for the maps, plotly) share
this machine's cores with the server. So the server is started at normal priority, and then
this process lowers its own priority before it starts Playwright: niceness 19 (`nice -n 19`,
`--client-nice`). The Playwright driver and every Chromium process inherit it, and the
server gets the CPU first, as if the clients were other machines. Run as root, Chromium would
set its threads back to niceness -8, 0 and 5, so the clients are also denied CAP_SYS_NICE;
the niceness of every client thread is checked during the run, and any other value is an
error. `--client-idle` also puts the clients under SCHED_IDLE (CPU only when nothing else
wants it). The browser figure includes Chromium drawing the page on whatever CPU is left, so
it is an upper bound of what a person would wait. The server figure is the app's own share;
"runs in progress at once" says how many page runs shared the server's one Python process
(and its GIL) meanwhile, and for how long at least one was in progress: compare that time
with the server's CPU time to see whether the server had the CPU it wanted.
`--client-nice 0` gives the old, fully contended run.

On 2 cores the clients, not the server, limit how many pages are asked for: Chromium needs
about 2 s of CPU per page view alone and about 4 s with 25 sessions at once (plotly,
software WebGL for the maps, the whole app's scripts on each navigation), so 25 sessions get
far fewer views than 25 people would ask for. The server's CPU share and the machine's busy
figure in the result show which side was the limit.

The page-run figure leaves out what Streamlit does around a run: a new session for each
navigation and sending the page. The server's CPU time against the time page runs were in
progress shows that share. `--server-option NAME=VALUE` runs the server with any Streamlit
option, e.g. `runner.postScriptGC=true`: the full garbage collection after every script run,
which the app turns off (.streamlit/config.toml) because it held the GIL for 0.13 s of every
page view and so held up every other session (found with bench/load_protocol.py).

Every result is appended to bench/results/load.md: one line, then a table per page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import itertools
import os
import random
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
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
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PATHS = ["", "strategy", "cami", "history", "synergies", "regions", "funder", "activities"]
# Filter links as people share them: choices by code (see ui/sidebar.py).
FILTERS = [
    "",
    # Demo data is off unless a link asks for it.
    "demo=true",
    "country=KAZ",
    "country=MNG&status=in_progress",
    "ptcr=9",
    "as_of=2026-03-23",
    "status=completed",
]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CAP_SYS_NICE = 23  # linux/capability.h
PR_CAPBSET_DROP = 24  # linux/prctl.h


def percentile(ordered: list[float], percent: int) -> float:
    """The `percent`th percentile of the sorted `ordered`, by nearest rank; NaN if empty.

    The value at rank ceil(percent/100 · n), counting from 1: an observed value, never
    interpolated, so that at least `percent` % of the values are at or below it (numpy's
    method="inverted_cdf"). The 50th of an even number of values is the lower middle one;
    the 95th of 20 values is the 19th, of 100 the 95th, of 10 or fewer the largest. (Sorted
    index int(0.95 · (n - 1)) gives the same for most n, but one rank lower for some, e.g.
    the smaller of 2 values, which could then fall below a median taken as the mean of the
    two middle values.)
    """
    if not ordered:
        return float("nan")
    return ordered[-(-percent * len(ordered) // 100) - 1]


def percentiles(values: Iterable[float]) -> tuple[float, float]:
    """(p50, p95) of `values` by nearest rank (see `percentile`), NaN when there are none."""
    ordered = sorted(values)
    return percentile(ordered, 50), percentile(ordered, 95)


def seconds_range(text: str) -> tuple[float, float]:
    """A think time: "3-8" (random between 3 and 8 s), "5" (always 5 s) or "0" (none)."""
    low, _, high = text.partition("-")
    try:
        bounds = float(low), float(high or low)
    except ValueError:
        bounds = (-1.0, -1.0)
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(f"not a range of seconds: {text!r}")
    return bounds


def page_name(path: str) -> str:
    """The name the server's page-run log gives the page at `path` ("" is the overview)."""
    return path or "overview"


def page_runs(log: str) -> list[tuple[str, float]]:
    """(page, seconds) of each "page run: <page> <seconds> s" line of the server's log."""
    return [(page, seconds) for page, seconds, _ in _page_run_lines(log)]


def _page_run_lines(log: str) -> list[tuple[str, float, float]]:
    """(page, seconds, end) of each page-run line, `end` in seconds of the day it was logged
    ("2026-11-21 17:16:00,821 dashboard.runs page run: funder 3.1472 s")."""
    runs = []
    for line in log.splitlines():
        if "page run: " in line:
            page, seconds, *_ = line.split("page run: ", 1)[1].split()
            clock = line.split()[1].replace(",", ".").split(":")
            end = int(clock[0]) * 3600 + int(clock[1]) * 60 + float(clock[2])
            runs.append((page, float(seconds), end))
    return runs


def runs_at_once(log: str) -> tuple[float, int, float]:
    """How many page runs were in progress at once on the server: the mean over the time at
    least one was (weighted by time), the most, and that time in seconds."""
    events = sorted(
        (moment, step)
        for _, seconds, end in _page_run_lines(log)
        for moment, step in ((end - seconds, 1), (end, -1))
    )
    running = most = 0
    busy = weighted = 0.0
    for (moment, step), (following, _) in itertools.pairwise(events):
        running += step
        most = max(most, running)
        if running:
            busy += following - moment
            weighted += running * (following - moment)
    return (weighted / busy if busy else float("nan")), most, busy


def page_table(browser: list[tuple[str, float]], server: list[tuple[str, float]]) -> str:
    """A Markdown table: per page, the loads and runs with their p50/p95 (and the slowest run)."""
    rows = [
        "| page | loads | browser p50 | browser p95 | server runs | server p50 | server p95 "
        "| server max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in [page_name(path) for path in PATHS]:
        seen = [seconds for page, seconds in browser if page == name]
        ran = [seconds for page, seconds in server if page == name]
        b50, b95 = percentiles(seen)
        s50, s95 = percentiles(ran)
        rows.append(
            f"| {name} | {len(seen)} | {b50:.2f} s | {b95:.2f} s | {len(ran)} | {s50:.2f} s "
            f"| {s95:.2f} s | {max(ran, default=float('nan')):.2f} s |"
        )
    return "\n".join(rows)


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name, field 3 (state) first."""
    return _stat_text(Path(f"/proc/{pid}/stat").read_text())


def _stat_text(text: str) -> list[str]:
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far (utime + stime)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def niceness(pid: int) -> int:
    return int(_stat(pid)[16])


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descendants(root: int) -> list[int]:
    """Every process below `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):  # gone meanwhile
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks[:8]) - idle, sum(ticks[:8])


class ClientCpu:
    """The CPU time and niceness of every process this one started except the server.

    Sampled now and then (a Chromium renderer may end before the run does): the highest
    figure seen for each process counts, so a process that ended between two samples loses
    at most the time since the last one. The niceness is read for every thread, since
    Chromium sets its threads' priorities one by one.
    """

    def __init__(self, server: int) -> None:
        self.server = server
        self.seen: dict[int, float] = {}
        self.nice: set[int] = set()
        self.policy: set[int] = set()

    def sample(self) -> None:
        skip = {self.server, *descendants(self.server)}
        for pid in descendants(os.getpid()):
            if pid in skip:
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):  # gone meanwhile
                self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))
                for thread in Path(f"/proc/{pid}/task").iterdir():
                    fields = _stat_text((thread / "stat").read_text())
                    self.nice.add(int(fields[16]))
                    self.policy.add(int(fields[38]))

    def seconds(self) -> float:
        """CPU seconds of the clients, this process included."""
        own = os.times()
        return sum(self.seen.values()) + own.user + own.system


def lower_client_priority(nice: int, idle: bool) -> int:
    """Give this process, and every process it starts from now on, niceness `nice`.

    With `idle`, also the SCHED_IDLE policy: below even nice 19, CPU only when nothing else
    wants it (a nice-19 thread still gets about 1/70 of a nice-0 one's share, and 25 renderers
    have many threads). Both are inherited, but Chromium sets the niceness of its own threads
    (-8 for its compositor and IO threads, 0 or 5 for others), which it may do when run as
    root (with CAP_SYS_NICE). So that capability is first dropped from the bounding set, and
    the nice limit set to none, for the programs this process runs: Chromium can then only
    lower its priority further, never raise it. Returns the niceness now in force.
    """
    if nice <= os.nice(0) and not idle:
        return os.nice(0)
    resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
    bounding = next(
        line for line in Path("/proc/self/status").read_text().splitlines() if "CapBnd" in line
    )
    if int(bounding.split()[1], 16) & (1 << CAP_SYS_NICE):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop CAP_SYS_NICE for the browsers")
    if idle:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    return os.nice(max(nice - os.nice(0), 0))


async def session(  # type: ignore[no-untyped-def]
    browser,
    base: str,
    deadline: float,
    seed: int,
    start_after: float,
    think: tuple[float, float],
    times: list[tuple[str, float]],
    errors: list[str],
    asked: set[str],
) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(start_after)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def route(route):  # type: ignore[no-untyped-def]
        if urlparse(route.request.url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            errors.append(f"request left localhost: {route.request.url}")
            await route.abort()

    await page.route("**/*", route)
    order = rng.sample(PATHS, len(PATHS))  # every page in turn, each session in its own order
    views = 0
    while time.monotonic() < deadline:
        path = order[views % len(order)]
        query = rng.choice(FILTERS)
        url = f"{base}/{path}" + (f"?{query}" if query else "")
        asked.add(url)
        views += 1
        started = time.perf_counter()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=120_000)
            await page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
            await page.wait_for_selector(DONE, timeout=120_000)
            times.append((page_name(path), time.perf_counter() - started))
            if await page.locator("[data-testid='stException']").count():
                errors.append(f"exception on {url}")
            if await page.locator("[data-testid='stAlertContentError']").count():
                errors.append(f"error box on {url}")
        except Exception as error:  # every failure is counted and reported, none hidden
            errors.append(f"{url}: {type(error).__name__}: {str(error)[:120]}")
        pause = rng.uniform(*think)
        if pause and time.monotonic() + pause < deadline:
            await asyncio.sleep(pause)
        elif pause:
            break  # the next view would start after the deadline
    await context.close()


async def run(
    base: str,
    sessions: int,
    seconds: float,
    think: tuple[float, float],
    ramp: float,
    clients: ClientCpu,
) -> tuple[list[tuple[str, float]], list[str], int]:
    from playwright.async_api import async_playwright

    times: list[tuple[str, float]] = []
    errors: list[str] = []
    asked: set[str] = set()

    async def watch() -> None:
        while True:
            await asyncio.to_thread(clients.sample)  # reading /proc must not hold up the sessions
            await asyncio.sleep(2)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        watcher = asyncio.create_task(watch())
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(
                session(
                    browser, base, deadline, i, ramp * i / sessions, think, times, errors, asked
                )
                for i in range(sessions)
            )
        )
        watcher.cancel()
        clients.sample()
        await browser.close()
    return times, errors, len(asked)


def add_walk_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every load client shares: how many sessions walk the pages, for how long,
    how fast, and against which server and store."""
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--think",
        type=seconds_range,
        default=(3.0, 8.0),
        metavar="MIN-MAX",
        help="seconds a session waits between page views: random in MIN-MAX (default 3-8); 0: none",
    )
    parser.add_argument(
        "--ramp", type=float, default=10, help="spread session starts over these seconds"
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Streamlit option for the server, e.g. runner.postScriptGC=true (repeatable)",
    )
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--postgres", help="run against a PostgreSQL server instead of SQLite")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_walk_arguments(parser)
    parser.add_argument(
        "--client-nice",
        type=int,
        default=19,
        help="niceness of the Playwright driver and Chromium (default 19, lowest priority)",
    )
    parser.add_argument(
        "--client-idle",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also run the clients under SCHED_IDLE: CPU only when nothing else wants it",
    )
    args = parser.parse_args()

    load_average = os.getloadavg()
    server, port, log_path = launch(args)
    # Only now, with the server started at this process's priority: the clients come after it.
    client_nice = lower_client_priority(args.client_nice, args.client_idle)
    clients = ClientCpu(server.pid)
    try:
        wait_until_up(port)
        server_cpu_before = cpu_seconds(server.pid)
        machine_before = machine_cpu()
        wall = time.monotonic()
        times, errors, distinct = asyncio.run(
            run(
                f"http://127.0.0.1:{port}",
                args.sessions,
                args.seconds,
                args.think,
                args.ramp,
                clients,
            )
        )
        wall = time.monotonic() - wall
        machine_after = machine_cpu()
        server_cpu = cpu_seconds(server.pid) - server_cpu_before
        server_peak = peak_rss_mb(server.pid)
        server_nice = niceness(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    errors += ["traceback in the server's log"] * server_log.count("Traceback (most recent call")
    server_times = page_runs(server_log)
    at_once = runs_at_once(server_log)
    if client_nice and clients.nice != {client_nice}:
        errors.append(f"client threads at niceness {sorted(clients.nice)}, not {client_nice}")
    if args.client_idle and clients.policy != {os.SCHED_IDLE}:
        errors.append(f"client threads under scheduling policies {sorted(clients.policy)}")

    browser = percentiles(seconds for _, seconds in times)
    server_side = percentiles(seconds for _, seconds in server_times)
    busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
    think = "none" if args.think == (0, 0) else f"{args.think[0]:g}–{args.think[1]:g} s"
    summary = (
        f"{args.sessions} session{'' if args.sessions == 1 else 's'}, {args.seconds:.0f} s, "
        f"{args.activities:,} activities "
        f"({'PostgreSQL' if args.postgres else 'SQLite'}), think time {think}, "
        f"starts over {args.ramp:g} s, clients (Playwright, {len(clients.seen)} processes) "
        + (f"at nice {client_nice}" if client_nice else "at normal priority")
        + (" and SCHED_IDLE" if args.client_idle else "")
        + (" (every thread checked), " if client_nice or args.client_idle else ", ")
        + f"server at nice {server_nice}"
        + "".join(f", {option}" for option in args.server_option)
        + ": "
        f"{len(times)} page loads ({distinct} distinct URLs of page and filters, each first "
        f"run with a cold cache), {len(errors)} errors; "
        f"in the browser p50 {browser[0]:.2f} s, p95 {browser[1]:.2f} s; "
        f"on the server ({len(server_times)} runs) p50 {server_side[0]:.2f} s, "
        f"p95 {server_side[1]:.2f} s; page runs in progress during {at_once[2]:.0f} s, "
        f"{at_once[0]:.1f} at once on average (at most {at_once[1]}); "
        f"server CPU {server_cpu:.0f} s in {wall:.0f} s "
        f"({server_cpu / wall:.0%} of one core), peak RSS {server_peak:.0f} MB; "
        f"clients CPU {clients.seconds():.0f} s; machine {busy:.0%} busy "
        f"({os.cpu_count()} cores), load average before {load_average[0]:.2f}"
    )
    return record(summary, page_table(times, server_times), errors)


def launch(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The server of a load run (`add_walk_arguments`' store and options) on a free port:
    the process, its port and the log it writes (bench/.stores/load-<port>.log)."""
    from bench.run import store_url  # imports the app: here, not for the helpers' tests

    url = store_url(
        "postgresql" if args.postgres else "sqlite", args.activities, args.postgres, False
    )
    port = _free_port()
    log_path = ROOT / "bench" / ".stores" / f"load-{port}.log"
    with log_path.open("wb") as log:
        # The server writes to its own copy of the file.
        server = start_server(url, port, args.server_option, log)
    return server, port, log_path


def record(summary: str, table: str, errors: list[str]) -> int:
    """Print a load run's result and append it to bench/results/load.md; the exit status
    (1 if there was any error)."""
    print(summary)
    print(table)
    for error in errors[:20]:
        print("  error:", error)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    with (results_dir / "load.md").open("a", encoding="utf-8") as results:
        results.write(f"- {time.strftime('%Y-%m-%d %H:%M')}: {summary}\n\n{table}\n\n")
    return 1 if errors else 0


def start_server(
    url: str, port: int, options: list[str], log: IO[bytes], env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`streamlit run serve.py` (app.py and its routes) on 127.0.0.1:`port` against the store
    at `url`, each page run
    logged (MANUL_LOG_PAGE_RUNS=1) with the rest of its output to `log`; `options` are more
    Streamlit options, NAME=VALUE, and `env` more environment (bench/load_protocol.py and
    bench/topology.py start their servers here too)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
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
            *(
                part
                for option in options
                for part in (f"--{option.partition('=')[0]}", option.partition("=")[2])
            ),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "DATABASE_URL": url, "MANUL_LOG_PAGE_RUNS": "1"},
        stdout=log,
        stderr=log,
    )


def wait_until_up(port: int) -> None:
    """Wait (up to about a minute) until the server on `port` answers its health check."""
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
