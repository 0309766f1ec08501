"""The filters' one home: URL, command line, file names and description agree."""

from __future__ import annotations

import argparse
import datetime as dt
import urllib.parse

import pytest

from dashboard import filters as shared
from dashboard.export import filter_label
from dashboard.filters import Filters

PERIOD = (2016, 2032)
TODAY = dt.date(2026, 12, 3)

EVERY = Filters(
    countries=("KAZ", "MNG"),
    regions=(9, 11),
    organisations=("pica",),
    statuses=("planned",),
    items=("S1.2", "CAMI-10"),
    start=dt.date(2019, 1, 1),
    end=dt.date(2024, 12, 31),
    include_demo=True,
    as_of=dt.date(2025, 1, 2),
)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        EVERY,
        Filters(regions=(9,)),
        Filters(start=dt.date(2020, 1, 1)),
        Filters(end=dt.date(2030, 12, 31), include_demo=True),
        Filters(as_of=dt.date(2020, 6, 30)),
    ],
)
def test_url_to_filters_to_url_round_trips(filters: Filters) -> None:
    query = shared.to_query(filters, period=PERIOD)
    url = urllib.parse.urlencode(query, doseq=True)
    parsed = urllib.parse.parse_qs(url)
    assert shared.from_query(parsed, period=PERIOD, today=TODAY) == filters
    assert shared.to_query(
        shared.from_query(parsed, period=PERIOD, today=TODAY), period=PERIOD
    ) == (query)


def test_the_url_keeps_the_sidebars_parameters() -> None:
    assert shared.to_query(EVERY, period=PERIOD) == {
        "country": ["KAZ", "MNG"],
        "ptcr": ["9", "11"],
        "org": ["pica"],
        "status": ["planned"],
        "item": ["S1.2", "CAMI-10"],
        "demo": ["true"],
        "years": ["2019", "2024"],
        "as_of": ["2025-01-02"],
    }
    assert shared.to_query(Filters(), period=PERIOD) == {}


def test_a_default_choice_means_no_filter() -> None:
    # The whole period, today's date and demo off are no restriction, from any source.
    chosen = shared.from_query(
        {"years": ["2016", "2032"], "as_of": [TODAY.isoformat()], "demo": ["false"]},
        period=PERIOD,
        today=TODAY,
    )
    assert chosen == Filters()
    assert shared.make(period=PERIOD, years=(2015, 2040), as_of=TODAY, today=TODAY) == Filters()
    assert shared.make(period=(None, None), years=(2019, None)) == Filters(
        start=dt.date(2019, 1, 1)
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"ptcr": ["nine"]}, r"\?ptcr= takes PTCRs by their codes"),
        ({"years": ["2019"]}, r"\?years= takes two years"),
        ({"as_of": ["yesterday"]}, r"\?as_of= takes a date YYYY-MM-DD, not 'yesterday'"),
    ],
)
def test_a_malformed_url_value_is_refused_by_name(
    query: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        shared.from_query(query, period=PERIOD)


def parser(plans: dict[str, str] | None = None) -> argparse.ArgumentParser:
    made = argparse.ArgumentParser()
    shared.add_options(made, plans=plans or {})
    return made


def test_command_line_options_are_the_url_parameters() -> None:
    args = parser({"strategy": "Strategy", "cami": "CAMI"}).parse_args(
        ["--country", "KAZ", "--ptcr", "9", "--ptcr", "11", "--org", "pica", "--item",
         "X-1", "--strategy", "S1", "--cami", "CAMI-4", "--status", "planned",
         "--from-year", "2019", "--as-of", "2025-01-02", "--include-demo"]
    )  # fmt: skip
    assert (args.country, args.ptcr, args.org, args.status, args.item) == (
        ["KAZ"], [9, 11], ["pica"], ["planned"], ["X-1"]
    )  # fmt: skip
    assert shared.plan_items(args) == {"strategy": ["S1"], "cami": ["CAMI-4"]}
    assert (args.from_year, args.as_of, args.include_demo) == (2019, "2025-01-02", True)
    assert parser().parse_args(["--include-demo", "--no-demo"]).include_demo is False


def test_any_plan_gets_its_option_and_a_clashing_code_only_item() -> None:
    made = parser({"concerted-action": "CMS Concerted Action 14.3", "item": "A plan named item"})
    args = made.parse_args(["--concerted-action", "i", "--item", "ii"])
    assert shared.plan_items(args) == {"concerted-action": ["i"]}
    assert args.item == ["ii"]
    assert "CMS Concerted Action 14.3" in made.format_help()


def test_file_names_follow_the_filters() -> None:
    assert filter_label(EVERY, funders=("hellabrunn-zoo",), search="camera trap") == [
        "country-KAZ+MNG",
        "ptcr-9+11",
        "org-pica",
        "funder-hellabrunn-zoo",
        "status-planned",
        "item-S1.2+CAMI-10",
        "from-2019",
        "to-2024",
        "as-of-2025-01-02",
        "with-demo",
        "search-camera-trap",
    ]
    assert filter_label(Filters(), funders=("hellabrunn-zoo",)) == ["funder-hellabrunn-zoo"]


def test_the_description_says_every_filter_in_words() -> None:
    assert shared.describe(Filters()) == "All activities; demo data left out."
    assert shared.describe(EVERY, names={"KAZ": "Kazakhstan", 9: "9 Altai"}) == (
        "Range states: Kazakhstan, MNG; PTCRs: 9 Altai, 11; Organisation: pica; "
        "Status: planned; Framework items: S1.2, CAMI-10; active from 2019; active until 2024; "
        "as of 2025-01-02; demo data included."
    )


@pytest.mark.usefixtures("app_env")
def test_the_sidebar_reads_a_url_as_from_query_does() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    # The fixture's years slider runs from 2019 to 2032.
    period = (2019, 2032)
    wanted = Filters(
        countries=("KAZ",),
        regions=(9,),
        organisations=("pica",),
        statuses=("planned",),
        items=("S1.1",),
        start=dt.date(2020, 1, 1),
        end=dt.date(2030, 12, 31),
        include_demo=True,
        as_of=dt.date(2025, 1, 2),
    )
    query = shared.to_query(wanted, period=period)
    assert shared.from_query(query, period=period) == wanted
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not [w.value for w in at.sidebar.warning], "a code of the link was refused"
    assert at.session_state["_manul_current_filters"] == wanted
    # The codes the sidebar keeps in the URL itself are written as to_query writes them.
    by_code = {spec.key for spec in shared.BY_CODE}
    assert {key: at.query_params[key] for key in by_code} == {
        key: value if len(value) > 1 else value[0] for key, value in query.items() if key in by_code
    }
