"""Many people at once, without browsers: N sessions that speak Streamlit's own protocol.

    python -m bench.load_protocol --sessions 25 --seconds 120 [--think 3-8] [--ramp 10]
    python -m bench.load_protocol --sessions 50 --seconds 120 --think 0   # saturated
    python -m bench.load_protocol --sessions 1 --seconds 20 --verbose      # each view's title

bench/load.py drives Chromium, and on 2 cores the browsers, not the server, limit how many
pages are asked for (2–4 s of CPU per page view). Here each session is one websocket to
`/_stcore/stream` of the same `streamlit run` (started as load.py starts it, on the 10k
store), sending what the browser sends and reading what the server answers, at a cost of a
few milliseconds of CPU per page view, so that the server's own capacity shows.

A page view is one BackMsg `rerun_script` whose ClientState carries the page and the filter
(the query string); it ends with the ForwardMsg `script_finished`. Like a browser, a session
names the page by its URL path (`page_name`, "strategy") on its first view, as a link opened
in a new tab does, and then by the page's `page_script_hash` from the server's `navigation`
message, as a click in st.navigation's menu does, on the same websocket (the message cache is
kept as the browser keeps it: hashes of the large messages of the last runs are sent along,
and the server sends references to them). `--new-connection-per-view` opens a new websocket
for every view instead, each a fresh tab. Each session walks every page of bench.load.PATHS
in its own shuffled order with a filter from bench.load.FILTERS (the same random choices as
load.py's sessions with the same number), with load.py's think time and ramp. On one websocket
the shared filters follow the person from page to page, as in the browser (ui/sidebar.py): a
filter a view's link does not name stays, so the filters add up and more combinations of them
run than the URLs asked for name ("distinct after the run" counts the page with the query
string it ended with). A new websocket per view runs exactly the URL asked for, as load.py's
browsers, which open every view as a new page, do.

It reports the 50th/95th percentile time for a page to finish running as the client sees it
(from sending the rerun until `script_finished`: the server's queue, the run, sending the
page) and as the server logs it (MANUL_LOG_PAGE_RUNS), per page too, with the server's CPU
time and peak memory, this process's CPU time (the client: it should be small) and how busy
the machine was. Errors must be zero: an exception element or an error box (st.error) on the
page, a `script_finished` other than success, a page other than the one asked for (its h1 is
checked against the page's script hash), `page_not_found`, a dropped connection, no answer
within `--timeout`, a traceback in the server's log.

What it leaves out, against a browser: drawing the page (plotly, maps), the static files
(JavaScript, CSS, fonts, images) and the HTTP requests the frontend makes besides the
websocket (health, host config, media files such as images served by the media endpoint).

Each result is appended to bench/results/load.md, labelled "protocol client".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.load import (
    FILTERS,
    PATHS,
    add_walk_arguments,
    cpu_seconds,
    launch,
    machine_cpu,
    page_name,
    page_runs,
    page_table,
    peak_rss_mb,
    percentiles,
    record,
    runs_at_once,
    wait_until_up,
)

STREAM = "/_stcore/stream"
SUBPROTOCOL = Subprotocol("streamlit")  # the first entry of Sec-WebSocket-Protocol
DEFAULT_CACHE_AGE = 2  # global.maxCachedMessageAge, also sent in new_session.config


def rerun_message(
    path: str,
    query: str,
    *,
    page_hash: str = "",
    cached: Iterable[str] = (),
    url: str = "",
) -> BackMsg:
    """The BackMsg a browser sends to show the page at URL path `path` with query `query`.

    With `page_hash` (the page's script hash, known from the server's `navigation` message)
    the page is named by it, as a click in the navigation does; without it by its URL path
    (`page_name`, "" for the default page), as a newly opened link does: the server resolves
    that against each page's `url_pathname`. `cached` are the hashes of the messages this
    client still holds, which the server then sends as references.
    """
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query
    if page_hash:
        state.page_script_hash = page_hash
    else:
        state.page_name = path
    state.cached_message_hashes.extend(cached)
    context = state.context_info
    context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-GB"
    context.url, context.is_embedded, context.color_scheme = url, False, "light"
    return message


def new_element(message: ForwardMsg) -> Element | None:
    """The element a `delta` ForwardMsg adds, or None."""
    if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
        return message.delta.new_element
    return None


def page_title(message: ForwardMsg) -> str | None:
    """The text of an h1 heading (st.title) in the main area, or None.

    The main area is delta path [0, …]; the sidebar ([1, …]) has headings of its own.
    """
    element = new_element(message)
    if (
        element is not None
        and element.WhichOneof("type") == "heading"
        and element.heading.tag == "h1"
        and message.metadata.delta_path[:1] == [0]
    ):
        return element.heading.body
    return None


def problem(message: ForwardMsg) -> str | None:
    """What is wrong on the page if this message shows an error: an exception element (or
    a warning drawn as one), an error box (st.error) or "page not found"; else None."""
    if message.WhichOneof("type") == "page_not_found":
        return f"page not found: {message.page_not_found.page_name!r}"
    element = new_element(message)
    if element is None:
        return None
    kind = element.WhichOneof("type")
    if kind == "exception":
        what = "warning" if element.exception.is_warning else "exception"
        return f"{what} {element.exception.type}: {element.exception.message[:120]}"
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"error box: {element.alert.body[:120]}"
    return None


def finished(message: ForwardMsg) -> tuple[bool, str | None]:
    """(whether this message ends the page view, the error if it ended badly).

    A run stopped early for a rerun (`FINISHED_EARLY_FOR_RERUN`) does not end the view: the
    rerun follows, as the browser waits for it too.
    """
    if message.WhichOneof("type") != "script_finished":
        return False, None
    status = message.script_finished
    if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
        return False, None
    if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
        return True, None
    return True, f"script finished {ForwardMsg.ScriptFinishedStatus.Name(status)}"


class MessageCache:
    """The browser's ForwardMsg cache (frontend ForwardMsgCache), for one connection.

    A message the server marks `cacheable` (a large new element) is kept by its hash; the
    hashes go along with every rerun request, and the server then sends a `ref_hash` instead
    of the message again. A message unused for more than `max_age` finished runs is dropped.
    """

    def __init__(self) -> None:
        self.runs = 0
        self.messages: dict[str, tuple[bytes, int]] = {}  # hash: (message, last run used)

    def receive(self, raw: bytes) -> ForwardMsg:
        """The ForwardMsg in `raw`, a reference replaced by the message it refers to."""
        message = ForwardMsg()
        message.ParseFromString(raw)
        if message.WhichOneof("type") == "ref_hash":
            held, _ = self.messages[message.ref_hash]  # a miss is a server or client bug
            self.messages[message.ref_hash] = (held, self.runs)
            resolved = ForwardMsg()
            resolved.ParseFromString(held)
            resolved.metadata.CopyFrom(message.metadata)
            return resolved
        if message.metadata.cacheable and message.hash:
            self.messages[message.hash] = (raw, self.runs)
        return message

    def finished_run(self, max_age: int) -> None:
        self.runs += 1
        self.messages = {
            key: value for key, value in self.messages.items() if self.runs - value[1] <= max_age
        }

    def hashes(self) -> list[str]:
        return list(self.messages)


@dataclass
class ViewReader:
    """What the ForwardMsgs of one page view say, fed one at a time until `done`."""

    path: str
    pages: dict[str, str] = field(default_factory=dict)  # url_pathname: page_script_hash
    title: str | None = None
    title_hash: str = ""  # the script hash of the page that drew the title
    query: str | None = None  # the query string the page set (the filters in force), if any
    errors: list[str] = field(default_factory=list)
    cache_age: int = DEFAULT_CACHE_AGE
    done: bool = False
    # Every element the page drew, in order, if asked for (tests read figures from them).
    elements: list[Element] | None = None

    def feed(self, message: ForwardMsg) -> bool:
        kind = message.WhichOneof("type")
        element = new_element(message)
        if self.elements is not None and element is not None:
            self.elements.append(element)
        if kind == "new_session":
            self.cache_age = message.new_session.config.max_cached_message_age or self.cache_age
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "navigation":
            self.pages = {
                page.url_pathname: page.page_script_hash for page in message.navigation.app_pages
            }
        title = page_title(message)
        if title is not None and self.title is None:
            self.title, self.title_hash = title, message.metadata.active_script_hash
        wrong = problem(message)
        if wrong:
            self.errors.append(wrong)
        self.done, error = finished(message)
        if error:
            self.errors.append(error)
        if self.done:
            self.check_page()
        return self.done

    def check_page(self) -> None:
        """The page that ran must be the one asked for: its title drawn by its script."""
        if self.title is None:
            self.errors.append(f"no title on {page_name(self.path)}")
        elif self.path not in self.pages:
            self.errors.append(f"{page_name(self.path)} is not in the navigation")
        elif self.title_hash != self.pages[self.path]:
            self.errors.append(f"asked for {page_name(self.path)}, got {self.title!r}")


async def page_view(
    socket: ClientConnection, reader: ViewReader, request: BackMsg, cache: MessageCache
) -> float:
    """Send `request` and read until the run ends; the seconds that took."""
    started = time.perf_counter()
    await socket.send(request.SerializeToString())
    while not reader.feed(cache.receive(await _bytes(socket))):
        pass
    seconds = time.perf_counter() - started
    cache.finished_run(reader.cache_age)
    return seconds


def one_view(base: str, path: str = "", query: str = "", *, timeout: float = 60) -> ViewReader:
    """One view of the page at URL path `path` on a new websocket, as a newly opened tab:
    what it drew (`elements`) and what went wrong (`errors`)."""

    async def view() -> ViewReader:
        reader = ViewReader(path, elements=[])
        async with asyncio.timeout(timeout):
            async with _connect(base.replace("http", "ws", 1), timeout) as socket:
                request = rerun_message(path, query, url=f"{base}/{path}?{query}")
                await page_view(socket, reader, request, MessageCache())
        return reader

    # In a thread of its own: the caller may be running an event loop (Playwright's).
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(view())).result()


def metrics(reader: ViewReader) -> dict[str, str]:
    """The figures (st.metric) a page view drew: label to value."""
    return {
        element.metric.label: element.metric.body
        for element in reader.elements or []
        if element.WhichOneof("type") == "metric"
    }


async def _bytes(socket: ClientConnection) -> bytes:
    data = await socket.recv()
    if isinstance(data, str):
        raise TypeError("a text frame from the server")
    return data


def _connect(base: str, timeout: float) -> Any:
    return connect(
        base + STREAM,
        subprotocols=[SUBPROTOCOL],
        max_size=None,  # a page's dataframes and charts can exceed 1 MiB
        ping_interval=None,  # the browser sends no pings; the server's are answered
        open_timeout=timeout,
        close_timeout=2,
    )


@dataclass
class Tally:
    """What all sessions saw: (page, seconds) of each view, the errors, the URLs asked for
    and the pages with the filters in force after the run (the URL the page then showed)."""

    times: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    asked: set[str] = field(default_factory=set)
    shown: set[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=set)
    views: int = 0


async def session(
    base: str,
    deadline: float,
    seed: int,
    start_after: float,
    think: tuple[float, float],
    tally: Tally,
    *,
    new_connection: bool = False,
    timeout: float = 120,
    verbose: bool = False,
) -> None:
    rng = random.Random(seed)  # the same choices as bench.load's session `seed`
    await asyncio.sleep(start_after)
    order = rng.sample(PATHS, len(PATHS))
    socket: ClientConnection | None = None
    pages: dict[str, str] = {}
    cache = MessageCache()
    views = 0
    try:
        while time.monotonic() < deadline:
            path = order[views % len(order)]
            query = rng.choice(FILTERS)
            url = f"{base}/{path}" + (f"?{query}" if query else "")
            tally.asked.add(url)
            views += 1
            tally.views += 1
            try:
                async with asyncio.timeout(timeout):
                    connecting = time.perf_counter()
                    if socket is None:  # a new tab: its time to connect is part of the view
                        socket = await _connect(base.replace("http", "ws", 1), timeout)
                        pages, cache = {}, MessageCache()
                    connecting = time.perf_counter() - connecting
                    reader = ViewReader(path, pages=dict(pages))
                    request = rerun_message(
                        path, query, page_hash=pages.get(path, ""), cached=cache.hashes(), url=url
                    )
                    seconds = connecting + await page_view(socket, reader, request, cache)
                pages = reader.pages
                tally.times.append((page_name(path), seconds))
                shown = query if reader.query is None else reader.query
                tally.shown.add((path, tuple(sorted(parse_qsl(shown)))))
                tally.errors += [f"{url}: {error}" for error in reader.errors]
                if verbose:
                    how = "by hash" if request.rerun_script.page_script_hash else "by URL path"
                    print(
                        f"session {seed} view {views}: {page_name(path)} ({how}) "
                        f"?{query} → title {reader.title!r}, script {reader.title_hash[:8]} "
                        f"(asked {pages.get(path, '?')[:8]}), URL then "
                        f"?{query if reader.query is None else reader.query}, {seconds:.2f} s, "
                        f"{len(reader.errors)} errors",
                        flush=True,
                    )
            except Exception as error:  # every failure is counted and reported, none hidden
                name = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
                tally.errors.append(f"{url}: {name}: {str(error)[:120]}")
                await _close(socket)  # a dropped or stuck connection: the next view opens one
                socket = None
            if new_connection:
                await _close(socket)
                socket = None
            pause = rng.uniform(*think)
            if pause and time.monotonic() + pause < deadline:
                await asyncio.sleep(pause)
            elif pause:
                break  # the next view would start after the deadline
    finally:
        await _close(socket)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=20)


async def _close(socket: ClientConnection | None) -> None:
    if socket is not None:
        with contextlib.suppress(Exception):
            await socket.close()


async def run(
    base: str,
    sessions: int,
    seconds: float,
    think: tuple[float, float],
    ramp: float,
    *,
    new_connection: bool = False,
    timeout: float = 120,
    verbose: bool = False,
) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(
            session(
                base,
                deadline,
                i,
                ramp * i / sessions,
                think,
                tally,
                new_connection=new_connection,
                timeout=timeout,
                verbose=verbose,
            )
            for i in range(sessions)
        )
    )
    return tally


def client_table(client: list[tuple[str, float]], server: list[tuple[str, float]]) -> str:
    """bench.load's per-page table, its browser columns named for this client."""
    header, rest = page_table(client, server).split("\n", 1)
    return header.replace("| loads |", "| views |").replace("browser", "client") + "\n" + rest


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_walk_arguments(parser)
    parser.add_argument(
        "--new-connection-per-view",
        action="store_true",
        help="a new websocket for every page view (a fresh tab), not one per session",
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds a page view may take (default 120)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every page view")
    parser.add_argument(
        "--replicas",
        type=int,
        choices=(1, 2),
        help="through haproxy in front of this many replicas (bench/topology.py; --postgres)",
    )
    args = parser.parse_args()
    if args.replicas and not args.postgres:
        parser.error("--replicas needs --postgres: the replicas share one PostgreSQL store")

    load_average = os.getloadavg()
    with contextlib.ExitStack() as stack:
        if args.replicas:
            from bench.run import store_url
            from bench.topology import topology

            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load.")))
            site = stack.enter_context(
                topology(
                    store_url("postgresql", args.activities, args.postgres, False),
                    directory,
                    replicas=args.replicas,
                    options=args.server_option,
                )
            )
            base, servers = site.url, [(r.process, r.log) for r in site.replicas]
        else:
            server, port, log_path = launch(args)
            stack.callback(_stop, server)
            wait_until_up(port)
            base, servers = f"http://127.0.0.1:{port}", [(server, log_path)]
        server_cpu_before = sum(cpu_seconds(process.pid) for process, _ in servers)
        client_before = os.times()
        machine_before = machine_cpu()
        wall = time.monotonic()
        tally = asyncio.run(
            run(
                base,
                args.sessions,
                args.seconds,
                args.think,
                args.ramp,
                new_connection=args.new_connection_per_view,
                timeout=args.timeout,
                verbose=args.verbose,
            )
        )
        wall = time.monotonic() - wall
        machine_after = machine_cpu()
        client_after = os.times()
        server_cpu = sum(cpu_seconds(process.pid) for process, _ in servers) - server_cpu_before
        server_peak = max(peak_rss_mb(process.pid) for process, _ in servers)
        server_log = "".join(
            log.read_text(encoding="utf-8", errors="replace") for _, log in servers
        )
    errors = tally.errors + ["traceback in the server's log"] * server_log.count(
        "Traceback (most recent call"
    )
    server_times = page_runs(server_log)
    at_once = runs_at_once(server_log)
    client_cpu = (client_after.user + client_after.system) - (
        client_before.user + client_before.system
    )

    client = percentiles(seconds for _, seconds in tally.times)
    server_side = percentiles(seconds for _, seconds in server_times)
    busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
    think = "none" if args.think == (0, 0) else f"{args.think[0]:g}–{args.think[1]:g} s"
    summary = (
        f"protocol client (websocket, no browser): "
        f"{args.sessions} session{'' if args.sessions == 1 else 's'}, {args.seconds:.0f} s, "
        f"{args.activities:,} activities "
        f"({'PostgreSQL' if args.postgres else 'SQLite'}), think time {think}, "
        f"starts over {args.ramp:g} s, "
        + (
            "a new websocket per view"
            if args.new_connection_per_view
            else "one websocket per session"
        )
        + (
            f", through haproxy to {args.replicas} replica{'s' if args.replicas > 1 else ''}"
            " (servers: their sum of CPU, the largest peak RSS)"
            if args.replicas
            else ""
        )
        + "".join(f", {option}" for option in args.server_option)
        + ": "
        f"{len(tally.times)} page views of {tally.views} asked ({len(tally.asked)} distinct "
        f"URLs of page and filters asked, {len(tally.shown)} distinct after the run, each "
        f"first run with a cold cache), {len(errors)} errors; "
        f"at the client p50 {client[0]:.2f} s, p95 {client[1]:.2f} s; "
        f"on the server ({len(server_times)} runs) p50 {server_side[0]:.2f} s, "
        f"p95 {server_side[1]:.2f} s; page runs in progress during {at_once[2]:.0f} s, "
        f"{at_once[0]:.1f} at once on average (at most {at_once[1]}); "
        f"server CPU {server_cpu:.0f} s in {wall:.0f} s "
        f"({server_cpu / wall:.0%} of one core), peak RSS {server_peak:.0f} MB; "
        f"client CPU {client_cpu:.1f} s ({client_cpu / wall:.1%} of one core); "
        f"machine {busy:.0%} busy ({os.cpu_count()} cores), "
        f"load average before {load_average[0]:.2f}"
    )
    return record(summary, client_table(tally.times, server_times), errors)


if __name__ == "__main__":
    sys.exit(main())
