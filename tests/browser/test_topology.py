"""The many-users topology, for real: PostgreSQL, two `streamlit run` replicas started at once
and Debian's haproxy with compose.yaml's configuration (bench/topology.py), driven by Chromium
through the balancer (issue 16).

Skipped without haproxy, unless MANUL_REQUIRE_HAPROXY=1 (CI), where that is a failure. On the
SQLite run of the suite the topology gets a throwaway PostgreSQL cluster of its own.
Fixture: 3 activities that are not demo data (A1, A2, A5); A6 and A7 are imported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from bench.load_protocol import metrics, one_view
from bench.topology import Replica, Topology, haproxy, throwaway_postgresql, topology
from playwright.sync_api import expect

from tests.browser.conftest import Visit, wait_for_run
from tests.conftest import FIXTURE_DATA, ON_POSTGRES, temporary_store
from tests.test_freshness_across_processes import A7, add_partner, command_line_import
from tests.test_importer import A6, with_rows
from tests.test_pages_edit import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.topology]

REQUIRE_HAPROXY = os.environ.get("MANUL_REQUIRE_HAPROXY") == "1"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if haproxy() is None:
        message = "haproxy is not installed (apt-get install haproxy)"
        if REQUIRE_HAPROXY:
            pytest.fail(message)
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("topology")
    with ExitStack() as stack:
        if ON_POSTGRES:
            store = stack.enter_context(temporary_store(directory))
        else:
            server = stack.enter_context(throwaway_postgresql())
            store = server.rsplit("/", 1)[0] + "/postgres"
        running = stack.enter_context(
            topology(store, directory, env={"MANUL_DATA_DIR": str(FIXTURE_DATA)})
        )
        # A replica sets the store up on its first page run: both at once on the empty
        # store, one migrates and seeds, the other waits and finds it ready.
        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(shown_directly, running.replicas)) == ["3", "3"]
        add_partner(store, "alice")
        yield running


def runs(replica: Replica) -> int:
    """How many page runs the replica has logged (MANUL_LOG_PAGE_RUNS)."""
    return len(re.findall(r"page run: ", replica.output()))


def activities(view: Visit) -> str:
    metric = view.page.locator("[data-testid='stMetric']").filter(has_text="Activities").first
    return str(metric.locator("[data-testid='stMetricValue']").inner_text()).strip()


def shown_directly(replica: Replica) -> str:
    """The Overview's activity count, asked of one replica past the balancer (a new tab)."""
    view = one_view(replica.url)
    assert view.errors == [], replica.output()[-4000:]
    return metrics(view)["Activities"]


@pytest.fixture(scope="module")
def tab(site: Topology, browser: Any) -> Iterator[Visit]:
    """One browser tab through the balancer, kept across the tests of this module."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    visit = Visit(page=context.new_page())
    yield visit
    context.close()


# Page runs each replica had logged before the tab's first view (the set-up's views).
BEFORE: dict[int, int] = {}


# The tab's replica and the other one, as the first test found them.
ROLES: dict[str, Replica] = {}


def replica_of(site: Topology) -> tuple[Replica, Replica]:
    """(the tab's replica, the other one): on the first call, from where its page runs were
    logged; afterwards as found then."""
    if not ROLES:
        first, second = site.replicas
        mine, other = (first, second) if runs(first) > BEFORE[first.port] else (second, first)
        ROLES.update(mine=mine, other=other)
    return ROLES["mine"], ROLES["other"]


def test_a_browser_session_stays_on_its_replica(site: Topology, tab: Visit) -> None:
    BEFORE.update({replica.port: runs(replica) for replica in site.replicas})
    tab.open(site.url, expect="Manul Progress")
    cookies = {cookie["name"]: cookie for cookie in tab.page.context.cookies()}
    assert "MANUL_REPLICA" in cookies
    mine, other = replica_of(site)
    assert runs(other) == BEFORE[other.port]
    # Moving through the navigation (the same websocket), a reload and a deep link (a new
    # websocket each, and the page's files): every run on the same replica.
    navigation = tab.page.locator("[data-testid='stSidebarNav']")
    navigation.get_by_text("Synergies").click()
    wait_for_run(tab.page, expect="Synergies between the two plans")
    tab.page.reload()
    wait_for_run(tab.page, expect="Synergies between the two plans")
    tab.open(f"{site.url}/activities", expect="Activities")
    tab.open(site.url, expect="Manul Progress")
    assert activities(tab) == "3"
    assert runs(mine) >= BEFORE[mine.port] + 5
    assert runs(other) == BEFORE[other.port], other.output()[-2000:]


def test_an_import_through_one_replica_shows_on_the_other(
    site: Topology, tab: Visit, tmp_path: Path
) -> None:
    _, other = replica_of(site)
    assert shown_directly(other) == "3"  # the other replica's cache is warm
    assert shown_directly(other) == "3"
    # A partner's file, uploaded through the balancer: the upload must reach the tab's replica.
    tab.open(f"{site.url}/sign-in", expect="Partner sign-in")
    tab.page.get_by_label("User name").fill("alice")
    tab.page.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    wait_for_run(tab.page, expect="Signed in as")
    # Through the navigation: a new page load would be a new session, not signed in.
    navigation = tab.page.locator("[data-testid='stSidebarNav']")
    expect(navigation.get_by_text("Edit activities")).to_have_count(1, timeout=20_000)
    navigation.get_by_text("Edit activities").click()
    wait_for_run(tab.page, expect="Create activity")
    tab.page.get_by_role("tab", name="Import a file").click()
    path = tmp_path / "a6.csv"
    path.write_text(with_rows(A6), encoding="utf-8")
    tab.page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(path)
    wait_for_run(tab.page, expect="a6.csv")
    tab.page.get_by_role("button", name="Import", exact=True).click()
    wait_for_run(tab.page, expect="imported (1 added")
    assert shown_directly(other) == "4"
    tab.open(site.url, expect="Manul Progress")
    assert activities(tab) == "4"

    # And from the command line: both replicas show it on their next view.
    path.write_text(with_rows(A7), encoding="utf-8")
    command_line_import(site.store, path)
    assert shown_directly(other) == "5"
    tab.page.reload()
    wait_for_run(tab.page, expect="Manul Progress")
    assert activities(tab) == "5"


def test_when_the_tabs_replica_stops_the_next_page_load_works_on_the_other(
    site: Topology, tab: Visit
) -> None:
    mine, other = replica_of(site)
    seen_by_other = runs(other)
    mine.stop()
    tab.page.reload()
    wait_for_run(tab.page, expect="Manul Progress")
    assert activities(tab) == "5"
    assert tab.page.locator("[data-testid='stException']").count() == 0
    assert runs(other) > seen_by_other, other.output()[-2000:]
