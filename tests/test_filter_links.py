"""Links to the shared filters and to a place on the map by code, through app.py.

`?country=KAZ&country=MNG`, `?org=pica`, `?item=S1.1`, `?ptcr=9`, `?status=in_progress`,
`/regions?map_place=country:KAZ`: the URL names each choice by its code, never by the label the
widget shows, so a link keeps working when a name is edited. An older link by label still
opens and is rewritten to codes; a value that names nothing is dropped with a warning.
AppTest sends the link's query string as a browser would; the URL the app leaves behind is
`at.query_params`. tests/browser/test_filter_links.py follows a link across pages in Chromium.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import switch_to
from tests.test_pages import run_app
from tests.test_pages_funder_explorer import EXPLORER, open_page

pytestmark = pytest.mark.usefixtures("app_env")

REGIONS = "views/regions_page.py"
STRATEGY = "strategy"


def listed(at: AppTest) -> list[str]:
    """The activities the explorer lists, by id."""
    frame = next(frame.value for frame in at.dataframe if "ID" in frame.value.columns)
    return sorted(frame["ID"])


def warnings(at: AppTest) -> list[str]:
    """The sidebar's warnings (the page's own, such as the demo-data notice, are not these)."""
    return [warning.value for warning in at.sidebar.warning]


def test_a_link_by_codes_selects_every_range_state_it_names() -> None:
    at = open_page(EXPLORER, country=["KAZ", "MNG"], demo="true")
    assert at.multiselect(key="country").value == ["KAZ", "MNG"]
    # A3 is in Russia only.
    assert listed(at) == ["A1", "A2", "A4", "A5"]
    assert at.query_params["country"] == ["KAZ", "MNG"]
    assert not warnings(at)


@pytest.mark.parametrize(
    ("key", "code", "value", "activities"),
    [
        ("country", "KAZ", ["KAZ"], ["A1", "A4", "A5"]),
        # Lead, partner or funder.
        ("org", "pica", ["pica"], ["A1", "A2", "A3", "A5"]),
        ("item", "S1.1", ["S1.1"], ["A1", "A2"]),
        # A PTCR's code is its number.
        ("ptcr", "9", [9], ["A1", "A4"]),
        ("status", "in_progress", ["in_progress"], ["A2"]),
    ],
)
def test_a_link_by_code_sets_the_filter(
    key: str, code: str, value: list[object], activities: list[str]
) -> None:
    at = open_page(EXPLORER, **{key: code}, demo="true")
    assert at.multiselect(key=key).value == value
    assert listed(at) == activities
    # The link stays as it was.
    assert at.query_params[key] == code
    assert not warnings(at)


@pytest.mark.parametrize(
    ("key", "label", "code", "activities"),
    [
        ("country", "Kazakhstan (KAZ)", "KAZ", ["A1", "A4", "A5"]),
        (
            "org",
            "Pallas's cat International Conservation Alliance",
            "pica",
            ["A1", "A2", "A3", "A5"],
        ),
        ("item", "S1.1 Distribution · Strategy", "S1.1", ["A1", "A2"]),
        ("ptcr", "9 Altai", "9", ["A1", "A4"]),
        ("status", "in progress", "in_progress", ["A2"]),
    ],
)
def test_an_older_link_by_label_still_works_and_the_url_becomes_its_code(
    key: str, label: str, code: str, activities: list[str]
) -> None:
    # Links copied while the filters were bound to the URL carry the widget's label.
    at = open_page(EXPLORER, **{key: label}, demo="true")
    assert listed(at) == activities
    assert at.query_params[key] == code
    assert not warnings(at)


def test_a_value_that_names_nothing_is_dropped_with_a_warning() -> None:
    # The link's first run (the overview, as a link to `/` opens) says what it dropped.
    at = run_app(country=["KAZ", "XYZ"], org="nobody", demo="true")
    assert not at.exception, at.exception
    assert at.multiselect(key="country").value == ["KAZ"]
    assert at.multiselect(key="org").value == []
    assert warnings(at) == [
        "The link names no range state “XYZ”: it is left out of the filters.",
        "The link names no organisation “nobody”: it is left out of the filters.",
    ]
    # The URL keeps only what it could use.
    assert at.query_params["country"] == "KAZ"
    assert "org" not in at.query_params
    # The warning went with the link it was about; the rest of the link stays.
    switch_to(at, EXPLORER).run()
    assert not warnings(at)
    assert at.multiselect(key="country").value == ["KAZ"]
    assert listed(at) == ["A1", "A4", "A5"]


def test_choosing_in_the_sidebar_puts_codes_in_the_url() -> None:
    at = open_page(EXPLORER)
    assert "country" not in at.query_params
    at.multiselect(key="country").set_value(["MNG", "KAZ"]).run()
    assert at.query_params["country"] == ["MNG", "KAZ"]
    at.multiselect(key="ptcr").select(9).run()
    assert at.query_params["ptcr"] == "9"
    at.multiselect(key="item").select("S1.1").run()
    assert at.query_params["item"] == "S1.1"
    assert listed(at) == ["A1"]
    # Cleared, a filter leaves the URL.
    at.multiselect(key="country").set_value([]).run()
    assert "country" not in at.query_params
    assert listed(at) == ["A1"]


def test_the_filters_follow_the_url_on_every_run() -> None:
    # The browser's back and forward send the URL of an earlier view.
    at = open_page(EXPLORER, country="KAZ", demo="true")
    at.query_params["country"] = "MNG"
    at.run()
    assert at.multiselect(key="country").value == ["MNG"]
    assert listed(at) == ["A2", "A4"]
    del at.query_params["country"]
    at.run()
    assert at.multiselect(key="country").value == []
    assert len(listed(at)) == 5


def test_the_filters_follow_the_user_to_another_page() -> None:
    at = open_page(EXPLORER, country="KAZ", ptcr="9", demo="true")
    # The browser drops the parameters no bound widget claims when the navigation changes
    # page; the bound ones (here `demo`) it keeps.
    at.query_params.clear()
    at.query_params["demo"] = "true"
    switch_to(at, STRATEGY).run()
    assert not at.exception, at.exception
    assert at.multiselect(key="country").value == ["KAZ"]
    assert at.multiselect(key="ptcr").value == [9]
    assert at.query_params["country"] == "KAZ"
    assert at.query_params["ptcr"] == "9"
    assert at.toggle(key="demo").value is True
    # And from there on.
    switch_to(at, EXPLORER).run()
    assert listed(at) == ["A1", "A4"]


def test_reset_clears_the_filters_and_their_link() -> None:
    at = open_page(EXPLORER, country=["KAZ", "MNG"], org="pica", demo="true")
    assert listed(at) == ["A1", "A2", "A5"]
    at.button[0].click().run()
    assert at.multiselect(key="country").value == []
    assert at.multiselect(key="org").value == []
    # Reset turns demo data off again.
    assert at.toggle(key="demo").value is False
    for key in ("country", "org", "demo"):
        assert key not in at.query_params
    assert listed(at) == ["A1", "A2", "A5"]
    # It stays reset on the next run.
    at.run()
    assert at.multiselect(key="country").value == []


@pytest.mark.parametrize(
    ("link", "place", "heading"),
    [
        ("country:KAZ", "country:KAZ", "Activities in Kazakhstan (KAZ)"),
        ("ptcr:9", "ptcr:9", "Activities in PTCR 9 Altai"),
        # An older link by label.
        ("Mongolia (MNG)", "country:MNG", "Activities in Mongolia (MNG)"),
    ],
)
def test_a_link_to_a_place_on_the_map_by_its_code(link: str, place: str, heading: str) -> None:
    at = open_page(REGIONS, map_place=link)
    assert at.selectbox(key="map_place").value == place
    assert at.subheader[0].value == heading
    assert at.query_params["map_place"] == place


def test_choosing_a_place_puts_its_code_in_the_url() -> None:
    at = open_page(REGIONS, demo="true")
    at.selectbox(key="map_place").select("country:KAZ").run()
    assert at.query_params["map_place"] == "country:KAZ"
    assert ["A1", "A5", "A4"] in [
        frame.value["ID"].tolist() for frame in at.dataframe if "ID" in frame.value.columns
    ]
    at.selectbox(key="map_place").set_value(None).run()
    assert "map_place" not in at.query_params
    assert at.subheader[0].value == "Activities in the whole range"


def test_an_unknown_place_opens_the_whole_range_and_says_so() -> None:
    at = open_page(REGIONS, map_place="country:XYZ")
    assert at.selectbox(key="map_place").value is None
    assert "The link names no range state or PTCR “country:XYZ” here. Choose one above." in [
        warning.value for warning in at.main.warning
    ]
    assert "map_place" not in at.query_params
    assert at.subheader[0].value == "Activities in the whole range"
