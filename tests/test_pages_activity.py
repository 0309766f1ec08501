"""The activity page (`/activity?id=A1`) through app.py with AppTest, and every listing of
activities linking to it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard import editing
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import FundingDraft, ProgressDraft
from tests.conftest import FIXTURE_DATA
from tests.test_pages import run_app

PAGE = "views/activity_page.py"


def markdown(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown]


def captions(at: AppTest) -> list[str]:
    return [element.value for element in at.caption]


@pytest.mark.usefixtures("app_env")
def test_an_activity_page_shows_the_whole_record() -> None:
    at = run_app(PAGE, id="A1")
    assert not at.exception, at.exception
    assert [title.value for title in at.title] == ["Camera trapping in the Kazakh Altai"]
    assert not at.warning, "A1 is documented, not demo data"
    assert {metric.label: metric.value for metric in at.metric} == {
        "Status": "Completed",
        "Progress": "100 %",
        "Latest report": "2020-12-31",
        "Funding (EUR)": "10,000",
        "Funding (USD)": "2,000",
    }
    assert "Activity A1 · 2019-01-01 to 2020-12-31" in captions(at)
    shown = markdown(at)
    assert (
        "- **2020-12-31** · completed · 100 %: done (source: fixture)\n"
        "- **2019-06-01** · in progress · 40 %: first season (source: fixture)"
    ) in shown
    assert "**Lead:** Pallas's cat International Conservation Alliance" in shown
    assert (
        "**Funders:** [Fondation Segré](funder?funder=fondation-segre) · "
        "[Hellabrunn Zoo](funder?funder=hellabrunn-zoo)"
    ) in shown
    # Each plan item links to its plan's page with the item chosen; derived from the data.
    assert (
        "**Fixture Strategy 2018–2028:** [S1\\.1 Distribution \\(provisional\\)]"
        "(strategy?strategy_item=S1.1)"
    ) in shown
    assert (
        "**Fixture Work Programme 2026–2032:** [CAMI\\-10 Species Monitoring and Research]"
        "(cami?cami_item=CAMI-10)"
    ) in shown
    assert "**Range states:** Kazakhstan  \n**PTCRs:** 9 Altai  \n**Sites:** 1 recorded" in shown
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert set(layers) == {"range-states", "ptcrs", "ptcr-numbers", "ptcr-labels", "sites"}
    assert [point["position"] for point in layers["sites"]["data"]] == [[85.6, 49.2]]
    assert layers["sites"]["data"][0]["name"] == "Camera trapping in the Kazakh Altai"
    outputs = at.table[0].value
    assert outputs.to_dict("records") == [
        {
            "Indicator": "camera\\-trap nights",
            "Achieved": "1,200 nights",
            "Target": "1,000 nights",
            "Of target": "120 %",
            "Date": "2020-12-31",
            "Source": "fixture",
        }
    ]
    assert (
        "- **[Hellabrunn Zoo](funder?funder=hellabrunn-zoo)** · 2019 · 10,000 EUR "
        "(source: fixture)\n"
        "- **[Fondation Segré](funder?funder=fondation-segre)** · 2020 · 2,000 USD "
        "(source: fixture)"
    ) in shown
    assert "[https\\://example\\.org/a1](https://example.org/a1)" in shown
    assert (
        "**Last changed:** no change is recorded since the activity was loaded from the data "
        "files." in captions(at)
    )
    assert [link.proto.page for link in at.get("page_link")][-1].endswith("activities")


@pytest.mark.usefixtures("app_env")
def test_a_demo_activity_is_flagged_as_invented() -> None:
    at = run_app(PAGE, id="A4")
    assert not at.exception, at.exception
    assert at.title[0].value == "Transboundary monitoring"
    assert at.warning[0].value.startswith("**Invented example data.**")
    assert "Activity A4 · 2026-01-01 to 2032-12-31" in captions(at)
    assert [info.value for info in at.info] == [
        "No output is reported for this activity yet.",
        "No funding is recorded for this activity.",
    ]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("A9", "The store holds no activity with the id “A9”."),
        # Text from a link is shown as written, never as markup.
        ("**A1**<b>", "The store holds no activity with the id “\\*\\*A1\\*\\*\\<b\\>”."),
    ],
)
def test_an_unknown_activity_says_so_and_points_to_the_listing(asked: str, message: str) -> None:
    at = run_app(PAGE, id=asked)
    assert not at.exception, at.exception
    assert at.title[0].value == "Activity not found"
    assert at.error[0].value.startswith(message)
    assert at.get("page_link")[0].proto.page.endswith("activities")


@pytest.mark.usefixtures("app_env")
def test_no_activity_named_asks_for_one() -> None:
    at = run_app(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Activity not found"
    assert not at.error
    assert "its link names it" in at.info[0].value


@pytest.fixture
def changed_store(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A2 with a hostile title and note, an unpublished grant and an edit in the trail."""
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    engine = make_engine(writable_store_url)
    actor = Actor(name="alice", role="editor", via="form")
    with Session(engine) as session:
        base = editing.load_draft(session=session, activity_id="A2")
        assert base is not None
        editing.save_activity(
            session=session,
            draft=base.replace(title="**Steppe** [survey](http://x.example) <b>"),
            actor=actor,
            base=base,
        )
        editing.record_funding(
            session=session,
            draft=FundingDraft("fondation-segre", "A2", None, None, None, source="a letter"),
            actor=actor,
        )
        editing.record_funding(
            session=session,
            draft=FundingDraft("acbk", "A2", Decimal(300), "USD", 2024, source="x"),
            actor=actor,
        )
        editing.record_progress(
            session=session,
            draft=ProgressDraft(
                "A2",
                dt.date(2025, 9, 1),
                60.0,
                "in_progress",
                note="_see_ <img src=x>",
                source="javascript:alert(1);https://example.org/report",
            ),
            actor=actor,
        )
        session.commit()
    engine.dispose()
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.mark.usefixtures("changed_store")
def test_stored_text_shows_as_written_and_unpublished_amounts_say_so() -> None:
    at = run_app(PAGE, id="A2")
    assert not at.exception, at.exception
    assert at.title[0].value == (
        "\\*\\*Steppe\\*\\* \\[survey\\]\\(http\\://x\\.example\\) \\<b\\>"
    )
    shown = markdown(at)
    # Only the http(s) part of a source is a link; the note shows as written.
    assert (
        "- **2025-09-01** · in progress · 60 %: \\_see\\_ \\<img src=x\\> (source: "
        "javascript\\:alert\\(1\\); [https\\://example\\.org/report](https://example.org/report))"
    ) in "\n".join(shown)
    assert "](javascript" not in "\n".join(shown)
    assert (
        "- **[Hellabrunn Zoo](funder?funder=hellabrunn-zoo)** · 2021 · 5,000 EUR "
        "(source: fixture)\n"
        "- **[ACBK](funder?funder=acbk)** · 2024 · 300 USD (source: x)\n"
        "- **[Fondation Segré](funder?funder=fondation-segre)** · year not recorded · "
        "amount not published (source: a letter)"
    ).replace("[ACBK]", "[Association for the Conservation of Biodiversity of Kazakhstan]") in shown
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Funding (EUR)"] == "5,000"
    assert metrics["Funding (USD)"] == "300"
    assert metrics["Amount not published"] == "1 record"
    last = [caption for caption in captions(at) if caption.startswith("**Last changed:**")]
    assert len(last) == 1
    assert "through a partner's form (update of activity); 5 changes recorded" in last[0]


def link_columns(at: AppTest) -> list[tuple[str, list[str], list[str]]]:
    """(linked column, its cells, the ids) of every activity listing drawn as a dataframe."""
    found = []
    for frame in at.dataframe:
        if "ID" not in frame.value.columns:
            continue
        config = json.loads(frame.proto.columns or "{}")
        linked = [
            name
            for name, column in config.items()
            if column.get("type_config", {}).get("type") == "link" and name in ("Title", "ID")
        ]
        assert linked, f"an activity listing without a link: {list(frame.value.columns)}"
        # Every listing heads its columns one way and draws an activity's progress as a bar.
        assert not {"progress", "source"} & set(config), list(config)
        if "Progress (%)" in config:
            assert config["Progress (%)"]["type_config"]["type"] == "progress"
        if "Source" in config:
            assert config["Source"]["type_config"]["type"] == "link"
        found.append(
            (
                linked[0],
                frame.value[linked[0]].tolist(),
                frame.value["ID"].tolist(),
            )
        )
    return found


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    ("page", "params", "listings"),
    [
        ("views/overview_page.py", {}, 1),
        ("views/explorer_page.py", {}, 1),
        ("strategy", {"strategy_item": "S1"}, 1),
        # Earlier work (A1, A3, A5 ended or were last reported before 2026), and behind CAMI-10.
        ("cami", {"cami_item": "CAMI-10"}, 2),
        ("views/regions_page.py", {"map_place": "country:KAZ"}, 1),
    ],
)
def test_every_activity_listing_links_each_title_to_the_activity_page(
    page: str, params: dict[str, str], listings: int
) -> None:
    assert_listings_linked(page, params, listings)


@pytest.mark.usefixtures("overlapping_app_env")
def test_the_synergies_listings_link_each_title_to_the_activity_page() -> None:
    # On the fixture with both plans from 2019, where a cell has activities: the cell's
    # activities and the activities serving one plan only.
    assert_listings_linked("views/synergies_page.py", {"syn_cell": "S1 × CAMI-10"}, 2)


def assert_listings_linked(page: str, params: dict[str, str], listings: int) -> None:
    at = run_app(page, demo="true", **params)
    assert not at.exception, at.exception
    found = link_columns(at)
    assert len(found) == listings, [column for column, _, _ in found]
    for column, cells, ids in found:
        assert column == "Title"
        assert cells, "an empty listing"
        for cell, key in zip(cells, ids, strict=True):
            assert cell.startswith(f"activity?id={key}#"), cell


@pytest.mark.usefixtures("app_env")
def test_the_funder_page_links_its_activities_and_sites() -> None:
    at = run_app("views/funder_page.py", funder="hellabrunn-zoo", demo="true")
    assert not at.exception, at.exception
    tables = [table.value for table in at.table if "ID" in table.value.columns]
    # The activities supported, and the sites on the map (each a short printable table).
    assert len(tables) == 2
    assert tables[0]["Title"].tolist() == [
        "[Camera trapping in the Kazakh Altai](activity?id=A1)",
        "[Steppe survey in Mongolia](activity?id=A2)",
        "[Herding\\-dog study \\(cancelled\\)](activity?id=A3)",
    ]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    sites = next(layer for layer in deck["layers"] if layer["id"] == "sites")
    assert [point["opens"] for point in sites["data"]] == ["A1", "A2"]
    # The tooltip is text, not HTML: a title shows as written.
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)
    assert "text" in tooltip
    assert "html" not in tooltip


@pytest.mark.usefixtures("changed_store")
def test_the_map_tooltips_show_stored_titles_as_text() -> None:
    # The tooltips are text (deck.gl shows the values as written, never as markup): a title
    # stays as it was typed, with nothing escaped into it.
    at = run_app(PAGE, id="A2")
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    site = next(layer for layer in deck["layers"] if layer["id"] == "sites")["data"][0]
    assert site["name"] == "**Steppe** [survey](http://x.example) <b>"
    assert "html" not in json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)
    at = run_app("views/regions_page.py", demo="true")
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    sites = next(layer for layer in deck["layers"] if layer["id"] == "sites")["data"]
    by_id = {point["activity_id"]: point for point in sites}
    assert by_id["A2"]["name"] == "**Steppe** [survey](http://x.example) <b>"
    # A click on a dot of one activity opens it.
    assert by_id["A2"]["opens"] == "A2"


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("page", ["views/regions_page.py", "views/funder_page.py"])
def test_an_activity_chosen_on_a_map_opens_its_page(page: str) -> None:
    at = run_app(page, funder="hellabrunn-zoo")
    assert not at.exception, at.exception
    # What a click on a site leaves for the next run (links.open_from_map).
    at.session_state["_manul_open_activity"] = "A2"
    at.run()
    assert not at.exception, at.exception
    assert [title.value for title in at.title] == ["Steppe survey in Mongolia"]
    assert at.query_params["id"] in ("A2", ["A2"])
