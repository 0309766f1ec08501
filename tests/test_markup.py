"""No text from a link, a file or the store becomes markup: Markdown links and images, HTML
and `javascript:` fed through every notice, title, tooltip and summary arrive as their
characters (issue 15: `?country=[Pay here](https://…)` showed a live link)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlmodel import Session, select

from dashboard import charts
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import ActivityDraft, create_activities, load_reference
from dashboard.markup import html_literal, literal
from tests.conftest import app_on
from tests.test_pages import run_app

LINK = "[Pay here](https://evil.example/pay)"
IMAGE = "![pixel](https://evil.example/pixel.png)"
HTML = '<img src="x" onerror="alert(1)"><a href="https://evil.example">b</a>'
SCRIPT = "[click](javascript:alert(1))"
EXTRAS = ":red[alarm] :material/warning: $x^2$ www.evil.example **bold** `code`\n# heading"
PAYLOADS = (LINK, IMAGE, HTML, SCRIPT, EXTRAS)
HOSTILE = " ".join(PAYLOADS)
# An output's unit has room for 40 characters, an organisation's name for 200.
UNIT = "<img src=x onerror=alert(1)>"
HOSTILE_NAME = " ".join((LINK, HTML, SCRIPT))

# What would be live in Markdown source: a link or image `](`, a tag `<x`, an autolink
# (`x://`, `www.`, `a@b`), a Streamlit icon `:material/`, emphasis, code or math. Escaped
# (`\](`, `\<`, `\://`, `www\.`, `\@`, `\:material/`, `\*\*`) none of them is.
_LIVE = re.compile(
    r"(?<!\\)\]\(|(?<!\\)<[a-z/!]|[a-z]://|(?<!\\):[a-z_]+/|www\.|(?<!\\)@"
    r"|(?<!\\)\*\*|(?<!\\)`|(?<!\\)\$"
)


def live_markup(body: str) -> list[str]:
    return _LIVE.findall(body)


@pytest.mark.parametrize("text", [*PAYLOADS, HOSTILE])
def test_literal_leaves_nothing_live_and_keeps_every_character(text: str) -> None:
    escaped = literal(text)
    assert live_markup(escaped) == []
    # Unescaping gives the text back (line breaks as spaces).
    assert re.sub(r"\\(.)", r"\1", escaped) == re.sub(r"\s*\n\s*", " ", text)


def test_the_check_sees_live_markup() -> None:
    assert all(live_markup(text) for text in PAYLOADS)


def test_html_literal_makes_no_tag() -> None:
    assert "<" not in html_literal(HTML)
    assert ">" not in html_literal(HTML)


def bodies(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text the page put into Markdown: bodies of notices, captions, headers, titles
    and Markdown, and widget labels and tooltips."""
    found = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "header",
                 "subheader", "title", "metric", "expander"):  # fmt: skip
        for element in at.get(kind):
            for attribute in ("value", "body", "label", "help"):
                value = getattr(element.proto, attribute, None)
                if isinstance(value, str) and value:
                    found.append(value)
    return found


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("key", ["country", "ptcr", "org", "status", "item"])
def test_a_link_value_is_named_in_the_notice_as_text(key: str) -> None:
    at = run_app(**{key: HOSTILE})
    notices = [warning.value for warning in at.warning if "The link names no" in warning.value]
    assert notices == [
        notices[0].split("“")[0] + f"“{literal(HOSTILE)}”: it is left out of the filters."
    ]
    assert live_markup(notices[0].split("“", 1)[1]) == []


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    ("page", "key"),
    [("strategy", "strategy_item"), ("cami", "cami_item")],
)
def test_an_item_link_that_names_nothing_is_named_as_text(page: str, key: str) -> None:
    at = run_app(page, **{key: HOSTILE})
    notices = [warning.value for warning in at.warning if "The link names no" in warning.value]
    assert len(notices) == 1
    assert f"“{literal(HOSTILE)}”" in notices[0]


@pytest.mark.usefixtures("app_env")
def test_a_search_that_finds_nothing_is_named_as_text() -> None:
    at = run_app("views/explorer_page.py", q=HOSTILE)
    notices = [info.value for info in at.info if "the search" in info.value]
    assert notices
    assert f"“{literal(HOSTILE)}”" in notices[0]


@pytest.fixture
def hostile_store(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fixture store with a funder, an activity and an output named with markup, the
    app pointed at it."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        session.add(m.Organisation(slug="hostile", name=HOSTILE_NAME, kind="NGO", source="test"))
        session.flush()
        create_activities(
            session=session,
            drafts=[
                ActivityDraft(
                    activity_id="A9",
                    title=HOSTILE,
                    status="in_progress",
                    progress_pct=20,
                    start_date=dt.date(2024, 1, 1),
                    lead_organisation="hostile",
                    funders=("hostile",),
                    countries=("KAZ",),
                )
            ],
            actor=Actor(name="tests", role="admin", via="cli"),
            reference=load_reference(session=session),
        )
        session.flush()
        activity = session.exec(select(m.Activity).where(m.Activity.activity_id == "A9")).one()
        session.add(
            m.Output(
                activity_id=activity.id,
                indicator=LINK,
                value=5,
                unit=UNIT,
                target=10,
                date=dt.date(2025, 1, 1),
                source="test",
            )
        )
        session.commit()
    engine.dispose()
    with app_on(writable_store_url, monkeypatch):
        yield


@pytest.mark.usefixtures("hostile_store")
def test_a_funder_named_with_markup_gets_a_plain_header_summary_and_chart() -> None:
    at = run_app("views/funder_page.py", funder="hostile")
    assert not at.exception
    assert [header.value for header in at.main.header] == [literal(HOSTILE_NAME)]
    summary = [text.value for text in at.markdown if "support has reached" in text.value]
    assert len(summary) == 1
    assert literal(LINK) in summary[0]
    assert literal(UNIT) in summary[0]
    assert LINK not in summary[0]
    assert UNIT not in summary[0]
    # Nothing live but the summary's own bold figures.
    assert set(live_markup(summary[0])) == {"**"}
    # The outputs chart: plotly reads its labels as HTML.
    traces = [
        trace
        for chart in at.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        if trace.get("orientation") == "h"
    ]
    labels = [str(text) for trace in traces for text in [*trace["y"], *trace["text"]]]
    assert any(html_literal(UNIT) in label for label in labels), labels
    assert not [label for label in labels if "<" in label]


@pytest.mark.usefixtures("hostile_store")
def test_the_funder_list_names_a_funder_as_text() -> None:
    at = run_app("views/funder_page.py")
    assert not at.exception
    # In the table (a grid of text, never Markdown) and the choice, the name as it is.
    (table,) = [frame.value for frame in at.dataframe]
    assert HOSTILE_NAME in table["Funder"].tolist()
    assert HOSTILE_NAME in at.selectbox(key="funder").options
    # Nowhere in the page's Markdown.
    for element in (*at.markdown, *at.caption, *at.info, *at.warning):
        assert HOSTILE_NAME not in element.value
        assert live_markup(element.value) == [], element.value


def test_the_funders_chart_names_a_funder_as_text() -> None:
    overview = pd.DataFrame(
        {
            "slug": ["hostile"],
            "name": [HOSTILE_NAME],
            "activities": [1],
            "range_states": [1],
            "regions": [0],
            "first_year": [2024],
            "last_year": [2024],
            "unpublished": [0],
            "demo": [False],
            "funding_EUR": [100.0],
        }
    )
    bar = charts.funders_compared(overview, title="Funders").data[0]
    # The only markup in a label is the line break that wraps it.
    assert "<" not in "".join(bar.y).replace("<br>", "") + "".join(bar.customdata)


@pytest.mark.usefixtures("hostile_store")
def test_map_tooltips_are_text_not_html() -> None:
    at = run_app("views/regions_page.py")
    assert not at.exception
    tooltips = [json.loads(deck.proto.tooltip) for deck in at.get("deck_gl_json_chart")]
    assert tooltips
    for tooltip in tooltips:
        assert set(tooltip) == {"text", "style"}, tooltip
    assert charts.maps.TOOLTIP.keys() == {"text", "style"}
