"""The protocol load client: the rerun it sends, how it reads the server's answers, and one
walk through every page against a real `streamlit run` on the fixture store."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.load import FILTERS, PATHS
from bench.load_protocol import (
    MessageCache,
    ViewReader,
    _connect,
    client_table,
    finished,
    page_title,
    page_view,
    problem,
    rerun_message,
)
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# Each page's st.title on the fixture store, by URL path: what a page view must show (a plan's
# page is titled with its name in the store).
TITLES = {
    "": "Manul Progress",
    "strategy": "Fixture Strategy 2018–2028",
    "cami": "Fixture Work Programme 2026–2032",
    "history": "Progress over time",
    "synergies": "Synergies between the two plans",
    "regions": "Regional coverage",
    "funder": "Funder impact",
    "activities": "Activities",
}
PAGES = {"": "hash-overview", "strategy": "hash-strategy", "funder": "hash-funder"}


def _sent(message: BackMsg) -> BackMsg:
    """`message` as the server reads it off the wire."""
    received = BackMsg()
    received.ParseFromString(message.SerializeToString())
    return received


def _heading(tag: str, body: str, path: list[int], script: str = "") -> ForwardMsg:
    message = ForwardMsg()
    message.delta.new_element.heading.tag = tag
    message.delta.new_element.heading.body = body
    message.metadata.delta_path.extend(path)
    message.metadata.active_script_hash = script
    return message


def _navigation(pages: dict[str, str]) -> ForwardMsg:
    message = ForwardMsg()
    for path, script in pages.items():
        page = message.navigation.app_pages.add()
        page.url_pathname, page.page_script_hash = path, script
    return message


def _finished(
    status: ForwardMsg.ScriptFinishedStatus.ValueType = ForwardMsg.FINISHED_SUCCESSFULLY,
) -> ForwardMsg:
    message = ForwardMsg()
    message.script_finished = status
    return message


def _exception(is_warning: bool = False) -> ForwardMsg:
    message = ForwardMsg()
    exception = message.delta.new_element.exception
    exception.type, exception.message = "KeyError", "'country'"
    exception.is_warning = is_warning
    message.metadata.delta_path.extend([0, 3])
    return message


def _alert(
    format_: Alert.Format.ValueType, body: str = "The filters could not be shown."
) -> ForwardMsg:
    message = ForwardMsg()
    message.delta.new_element.alert.format = format_
    message.delta.new_element.alert.body = body
    message.metadata.delta_path.extend([0, 2])
    return message


def test_a_new_tab_names_the_page_by_its_url_path() -> None:
    sent = _sent(rerun_message("strategy", "country=KAZ", url="http://x/strategy?country=KAZ"))
    assert sent.WhichOneof("type") == "rerun_script"
    state = sent.rerun_script
    assert (state.page_name, state.page_script_hash) == ("strategy", "")
    assert state.query_string == "country=KAZ"
    assert state.context_info.url == "http://x/strategy?country=KAZ"
    assert not state.cached_message_hashes
    # The default page: neither name nor hash, and the server runs st.navigation's default.
    overview = _sent(rerun_message("", "")).rerun_script
    assert (overview.page_name, overview.page_script_hash, overview.query_string) == ("", "", "")


def test_a_move_through_the_navigation_names_the_page_by_its_script_hash() -> None:
    state = _sent(
        rerun_message("funder", "status=completed", page_hash="54779c8b", cached=["h1", "h2"])
    ).rerun_script
    assert (state.page_name, state.page_script_hash) == ("", "54779c8b")
    assert state.query_string == "status=completed"
    assert list(state.cached_message_hashes) == ["h1", "h2"]


def test_script_finished_statuses() -> None:
    assert finished(_finished()) == (True, None)
    assert finished(_finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)) == (True, None)
    assert finished(_finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR)) == (
        True,
        "script finished FINISHED_WITH_COMPILE_ERROR",
    )
    # A run cut short for a rerun: the view goes on until the rerun finishes.
    assert finished(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN)) == (False, None)
    assert finished(_heading("h1", "Funder impact", [0, 0])) == (False, None)


def test_exceptions_error_boxes_and_missing_pages_are_problems() -> None:
    assert problem(_exception()) == "exception KeyError: 'country'"
    assert problem(_exception(is_warning=True)) == "warning KeyError: 'country'"
    assert problem(_alert(Alert.ERROR)) == "error box: The filters could not be shown."
    assert problem(_alert(Alert.WARNING)) is None  # the demo-data notice
    assert problem(_alert(Alert.INFO)) is None
    missing = ForwardMsg()
    missing.page_not_found.page_name = "nowhere"
    assert problem(missing) == "page not found: 'nowhere'"
    assert problem(_heading("h1", "Funder impact", [0, 0])) is None


def test_the_page_title_is_the_main_areas_h1() -> None:
    assert page_title(_heading("h1", "Funder impact", [0, 0])) == "Funder impact"
    assert page_title(_heading("h2", "Filters", [1, 0])) is None  # the sidebar's heading
    assert page_title(_heading("h1", "In the sidebar", [1, 0])) is None
    assert page_title(_heading("h3", "Funding by year", [0, 5])) is None
    assert page_title(_finished()) is None


def _read(path: str, messages: list[ForwardMsg]) -> ViewReader:
    reader = ViewReader(path)
    done = [reader.feed(message) for message in messages]
    assert done == [False] * (len(messages) - 1) + [True]
    return reader


def test_a_page_view_read_to_its_end() -> None:
    new_session = ForwardMsg()
    new_session.new_session.config.max_cached_message_age = 3
    reader = _read(
        "funder",
        [
            new_session,
            _navigation(PAGES),
            _heading("h2", "Filters", [1, 0], "main"),
            _heading("h1", "Funder impact", [0, 0], "hash-funder"),
            _alert(Alert.WARNING),
            _finished(),
        ],
    )
    assert (reader.title, reader.title_hash, reader.errors) == ("Funder impact", "hash-funder", [])
    assert reader.pages == PAGES
    assert reader.cache_age == 3


def test_a_page_view_counts_what_went_wrong() -> None:
    # The default page ran instead of the one asked for.
    wrong = _read(
        "funder",
        [
            _navigation(PAGES),
            _heading("h1", "Manul Progress", [0, 0], "hash-overview"),
            _finished(),
        ],
    )
    assert wrong.errors == ["asked for funder, got 'Manul Progress'"]
    broken = _read(
        "strategy",
        [
            _navigation(PAGES),
            _heading("h1", "Conservation Strategy 2018–2028", [0, 0], "hash-strategy"),
            _exception(),
            _alert(Alert.ERROR),
            _finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR),
        ],
    )
    assert broken.errors == [
        "exception KeyError: 'country'",
        "error box: The filters could not be shown.",
        "script finished FINISHED_WITH_COMPILE_ERROR",
    ]
    untitled = _read("", [_navigation(PAGES), _finished()])
    assert untitled.errors == ["no title on overview"]
    # A rerun the script asked for is waited for.
    rerun = _read(
        "",
        [
            _finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN),
            _navigation(PAGES),
            _heading("h1", "Manul Progress", [0, 0], "hash-overview"),
            _finished(),
        ],
    )
    assert rerun.errors == []


def test_the_message_cache_resolves_references_and_forgets_old_messages() -> None:
    cache = MessageCache()
    chart = _heading("h1", "A large chart", [0, 4], "hash-funder")
    chart.hash, chart.metadata.cacheable = "abc", True
    assert cache.receive(chart.SerializeToString()) == chart
    small = _heading("h3", "Funding by year", [0, 5])
    small.hash = "small"  # not cacheable: not kept
    cache.receive(small.SerializeToString())
    assert cache.hashes() == ["abc"]
    reference = ForwardMsg()
    reference.ref_hash = "abc"
    reference.metadata.delta_path.extend([0, 7])
    resolved = cache.receive(reference.SerializeToString())
    assert resolved.delta.new_element.heading.body == "A large chart"
    assert list(resolved.metadata.delta_path) == [0, 7]  # where the reference puts it
    for _ in range(2):
        cache.finished_run(max_age=2)
    assert cache.hashes() == ["abc"]
    cache.finished_run(max_age=2)  # unused for three runs
    assert cache.hashes() == []


def test_the_page_table_names_the_client() -> None:
    table = client_table([("funder", 0.5)], [("funder", 0.25)]).splitlines()
    assert table[0].startswith("| page | views | client p50 | client p95 | server runs |")
    assert "| funder | 1 | 0.50 s | 0.50 s | 1 | 0.25 s | 0.25 s | 0.25 s |" in table


def test_every_page_against_a_running_server(tmp_path: Path) -> None:
    """One websocket walks every page with a filter, the first by URL path and the others by
    script hash, on `streamlit run` with the fixture store: each ends in success with its own
    title, drawn by its own script."""
    from tests.browser.conftest import streamlit_server

    order = [*PATHS[1:], PATHS[0]]  # the first by a URL path that is not empty
    queries = [FILTERS[i % len(FILTERS)] for i in range(1, len(PATHS) + 1)]

    async def walk(base: str) -> list[tuple[BackMsg, ViewReader]]:
        seen = []
        pages: dict[str, str] = {}
        cache = MessageCache()
        async with _connect(base.replace("http", "ws", 1), 30) as socket:
            for path, query in zip(order, queries, strict=True):
                request = rerun_message(
                    path, query, page_hash=pages.get(path, ""), cached=cache.hashes()
                )
                reader = ViewReader(path, pages=dict(pages))
                async with asyncio.timeout(60):
                    await page_view(socket, reader, request, cache)
                pages = reader.pages
                seen.append((request, reader))
        return seen

    with streamlit_server(tmp_path) as server, ThreadPoolExecutor(1) as thread:
        # In a thread of its own: in the whole suite the browser tests' Playwright (sync API)
        # keeps an event loop running in this one, and asyncio.run refuses to start another.
        seen = thread.submit(lambda: asyncio.run(walk(server.url))).result()
        log = server.output()
    assert [(reader.title, reader.errors) for _, reader in seen] == [
        (TITLES[path], []) for path in order
    ]
    assert [request.rerun_script.page_name for request, _ in seen] == ["strategy", *[""] * 7]
    assert [bool(request.rerun_script.page_script_hash) for request, _ in seen] == [
        False,
        *[True] * (len(PATHS) - 1),
    ]
    assert "Traceback" not in log
