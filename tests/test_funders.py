"""A funder's figures on the fixture, worked out by hand, and the charts and words built on them.

Hellabrunn Zoo (tests/fixtures/data): funding EUR 10,000 to A1 (2019), EUR 5,000 to A2
(2021) and EUR 1,000 to A3 (2020, a demo record), and a funder link to A1. So it supports
A1 (completed, KAZ, PTCR 9, S1.1 + CAMI-10, site 49.2 N 85.6 E, output 1,200 of 1,000
camera-trap nights), A2 (in progress 50 %, MNG, PTCR 11, S1.1 weight 2 + S1.2, site 44 N
101 E, 15 of 20 people trained) and A3 (cancelled, demo, RUS, S2.1 + CAMI-4).
Fondation Segré funds A1 only (USD 2,000, 2020); it leads A4 but does not fund it.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
from sqlmodel import Session, select

from dashboard import charts, queries
from dashboard import models as m
from dashboard.db import make_engine
from dashboard.export import frame_to_csv
from dashboard.filters import Filters
from dashboard.queries import funders as q
from dashboard.queries.funders import FunderFigures
from tests.conftest import seeded_engine

HELLABRUNN = "hellabrunn-zoo"
NO_DEMO = Filters(include_demo=False)
EARLY = Filters(as_of=dt.date(2020, 1, 1), include_demo=True)


def test_funders_to_choose_from_have_funding_or_a_funder_link(session: Session) -> None:
    assert q.funder_options(session=session) == [
        ("fondation-segre", "Fondation Segré"),
        ("hellabrunn-zoo", "Hellabrunn Zoo"),
    ]


def test_funding_by_year_and_currency_never_adds_currencies(session: Session) -> None:
    funding = q.funder_funding(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    assert funding.values.tolist() == [
        [2019, "EUR", 10000.0, 1, 1],
        [2020, "EUR", 1000.0, 1, 1],
        [2021, "EUR", 5000.0, 1, 1],
    ]
    # The 2020 record is demo data.
    assert q.funder_funding(session=session, filters=NO_DEMO, funder=HELLABRUNN)[
        "year"
    ].tolist() == [2019, 2021]
    # As of 2020-01-01 only A1 had started; A3's 2020 grant is for an activity not yet begun.
    assert q.funder_funding(session=session, filters=EARLY, funder=HELLABRUNN).values.tolist() == [
        [2019, "EUR", 10000.0, 1, 1]
    ]
    segre = q.funder_funding(
        session=session, filters=Filters(include_demo=True), funder="fondation-segre"
    )
    assert segre.values.tolist() == [[2020, "USD", 2000.0, 1, 1]]


def test_the_activities_a_funder_supports_with_status_progress_and_its_funding(
    session: Session,
) -> None:
    activities = q.funder_activities(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    assert list(activities.columns) == [
        "activity_id",
        "title",
        "status",
        "progress_pct",
        "countries",
        "start_date",
        "end_date",
        "funding",
        "demo",
    ]
    assert activities[
        ["activity_id", "status", "progress_pct", "funding", "demo"]
    ].values.tolist() == [
        ["A1", "completed", 100.0, ["EUR 10,000"], False],
        ["A2", "in_progress", 50.0, ["EUR 5,000"], False],
        ["A3", "cancelled", 30.0, ["EUR 1,000"], True],
    ]
    early = q.funder_activities(session=session, filters=EARLY, funder=HELLABRUNN)
    assert early[["activity_id", "status", "progress_pct"]].values.tolist() == [
        ["A1", "in_progress", 40.0]
    ]


def test_a_page_of_the_funders_activities_is_a_slice_of_them_all(session: Session) -> None:
    every = q.funder_activities(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    for offset, limit in ((0, 2), (2, 2), (1, 1), (3, 5)):
        page = q.funder_activities(
            session=session,
            filters=Filters(include_demo=True),
            funder=HELLABRUNN,
            offset=offset,
            limit=limit,
        )
        expected = every.iloc[offset : offset + limit].reset_index(drop=True)
        assert page.to_dict("records") == expected.to_dict("records")
        assert list(page.columns) == list(every.columns)
    # As many as the headline figures count.
    figures = q.funder_figures(session=session, filters=NO_DEMO, funder=HELLABRUNN)
    assert figures is not None
    hidden = q.funder_activities(session=session, filters=NO_DEMO, funder=HELLABRUNN)
    assert len(hidden) == figures.activities == 2


def test_outputs_are_compared_with_their_targets(session: Session) -> None:
    outputs = q.funder_outputs(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    assert outputs.values.tolist() == [
        ["camera-trap nights", "nights", 1200.0, 1000.0, 120.0, 1],
        ["people trained", "people", 15.0, 20.0, 75.0, 1],
    ]
    # Both were reported after 2020-01-01.
    assert q.funder_outputs(session=session, filters=EARLY, funder=HELLABRUNN).empty


def test_only_the_latest_report_per_activity_and_indicator_counts(empty_store_url: str) -> None:
    # A running total reported twice (21 camera traps, then 50) counts once, as its latest
    # value on the filters' date; A1's 1,200 camera-trap nights stay as they are.
    engine = seeded_engine(empty_store_url)
    with Session(engine) as session:
        a1 = session.exec(select(m.Activity).where(m.Activity.activity_id == "A1")).one()
        assert a1.id is not None
        for value, day in ((21, dt.date(2019, 10, 31)), (50, dt.date(2020, 9, 30))):
            session.add(
                m.Output(
                    activity_id=a1.id,
                    indicator="camera traps deployed",
                    value=value,
                    unit="camera traps",
                    target=40,
                    date=day,
                    source="test",
                )
            )
        session.commit()
        now = q.funder_outputs(
            session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
        )
        early = q.funder_outputs(session=session, filters=EARLY, funder=HELLABRUNN)
    engine.dispose()
    assert now.values.tolist()[:2] == [
        ["camera traps deployed", "camera traps", 50.0, 40.0, 125.0, 1],
        ["camera-trap nights", "nights", 1200.0, 1000.0, 120.0, 1],
    ]
    assert early.values.tolist() == [["camera traps deployed", "camera traps", 21.0, 40.0, 52.5, 1]]


def test_items_advanced_roll_up_the_funders_activities(session: Session) -> None:
    items = q.funder_items(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    ).set_index("code")
    assert items.index.tolist() == ["S1", "S1.1", "S1.2", "S2", "S2.1", "CAMI-4", "CAMI-10"]
    # S1.1: A1 100 (weight 1), A2 50 (weight 2) -> 200 / 3.
    assert items.loc["S1.1", "completion_pct"] == pytest.approx(200 / 3)
    # S1 rolls up A1-S1.1 (1 x 100), A2-S1.1 (2 x 50), A2-S1.2 (1 x 50): 250 / 4.
    assert items.loc["S1", "completion_pct"] == pytest.approx(62.5)
    assert items.loc["S1", ["activities", "counted"]].tolist() == [2, 2]
    # A3 is cancelled: listed, not counted, no completion.
    assert items.loc["S2.1", ["activities", "counted"]].tolist() == [1, 0]
    assert math.isnan(items.loc["CAMI-4", "completion_pct"])
    assert items.loc["CAMI-10", "completion_pct"] == pytest.approx(100.0)
    assert items.loc["S1", "framework"] == "Strategy"
    # An item of the provisional Strategy says so in its title (the table, its CSV and the
    # printed report show it); a CAMI section does not.
    assert items.loc["S1.1", "title"] == "Distribution (provisional)"
    assert items.loc["CAMI-10", "title"] == "Species Monitoring and Research"
    assert "S1.1,Strategy,Distribution (provisional),objective," in (
        frame_to_csv(items.reset_index()).decode()
    )
    hidden = q.funder_items(session=session, filters=NO_DEMO, funder=HELLABRUNN)
    assert hidden["code"].tolist() == ["S1", "S1.1", "S1.2", "CAMI-10"]


def test_sites_of_the_funders_activities(session: Session) -> None:
    sites = q.funder_sites(session=session, filters=Filters(include_demo=True), funder=HELLABRUNN)
    assert sites[["activity_id", "latitude", "longitude", "status"]].values.tolist() == [
        ["A1", 49.2, 85.6, "completed"],
        ["A2", 44.0, 101.0, "in_progress"],
    ]


def test_headline_figures(session: Session) -> None:
    figures = q.funder_figures(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    assert figures == FunderFigures(
        slug=HELLABRUNN,
        name="Hellabrunn Zoo",
        activities=3,
        demo_activities=1,
        statuses={"in_progress": 1, "completed": 1, "cancelled": 1},
        countries=("Kazakhstan", "Mongolia", "Russian Federation"),
        regions=2,
        first_year=2019,
        last_year=2021,
        funding=(("EUR", 16000.0),),
    )
    hidden = q.funder_figures(session=session, filters=NO_DEMO, funder=HELLABRUNN)
    assert hidden is not None
    assert (hidden.activities, hidden.funding, hidden.countries) == (
        2,
        (("EUR", 15000.0),),
        ("Kazakhstan", "Mongolia"),
    )
    assert (
        q.funder_figures(session=session, filters=Filters(include_demo=True), funder="nobody")
        is None
    )


def test_the_plain_language_summary_reads_like_a_letter(session: Session) -> None:
    figures = q.funder_figures(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    outputs = q.funder_outputs(
        session=session, filters=Filters(include_demo=True), funder=HELLABRUNN
    )
    assert figures is not None
    assert charts.plain_summary(figures, outputs) == (
        "Since 2019 your support has reached **3 activities** in 3 range states (Kazakhstan, "
        "Mongolia and Russian Federation) and 2 CAMI priority regions (PTCRs). Status today: "
        "1 completed, 1 in progress, 1 cancelled. Funding recorded: EUR 16,000 (2019–2021). "
        "Results reported include 1,200 camera-trap nights (target 1,000) and 15 people "
        "trained (target 20). 1 of these activities is invented demo data."
    )
    early = q.funder_figures(session=session, filters=EARLY, funder=HELLABRUNN)
    assert early is not None
    assert charts.plain_summary(early, pd.DataFrame(), as_of="2020-01-01") == (
        "Since 2019 your support has reached **1 activity** in 1 range state (Kazakhstan) and "
        "1 CAMI priority region (PTCR). Status on 2020-01-01: 1 in progress. Funding "
        "recorded: EUR 10,000 (2019)."
    )


def test_the_summary_keeps_currencies_apart_and_copes_with_no_place_or_money() -> None:
    figures = FunderFigures(
        slug="z",
        name="Zoo",
        activities=2,
        statuses={"planned": 2},
        first_year=2024,
        last_year=2025,
        funding=(("EUR", 5000.0), ("USD", 1234.5)),
    )
    assert charts.plain_summary(figures, pd.DataFrame()) == (
        "Since 2024 your support has reached **2 activities**, range-wide or desk work. "
        "Status today: 2 planned. Funding recorded: EUR 5,000 and USD 1,234.50 (2024–2025; "
        "each currency on its own)."
    )
    linked = FunderFigures(slug="l", name="L", activities=1, statuses={"on_hold": 1})
    assert charts.plain_summary(linked, pd.DataFrame()) == (
        "Your support has reached **1 activity**, range-wide or desk work. Status today: "
        "1 on hold. No funding amount is recorded; the support is recorded as a link."
    )
    nothing = FunderFigures(slug="n", name="Nobody")
    assert charts.plain_summary(nothing, pd.DataFrame()) == (
        "No activity supported by Nobody matches the current filters."
    )


def test_funding_chart_has_a_panel_and_an_axis_per_currency() -> None:
    funding = pd.DataFrame(
        {
            "year": [2019, 2020, 2020],
            "currency": ["EUR", "EUR", "USD"],
            "amount": [10000.0, 1000.0, 2000.0],
        }
    )
    spec = json.loads(charts.funding_by_year(funding, title="Funding by year").to_json())
    assert spec["layout"]["title"]["text"] == "Funding by year"
    assert [trace["name"] for trace in spec["data"]] == ["EUR", "USD"]
    assert spec["layout"]["yaxis"]["title"]["text"] == "Amount (EUR)"
    assert spec["layout"]["yaxis2"]["title"]["text"] == "Amount (USD)"
    assert spec["layout"]["xaxis2"]["title"]["text"] == "Year"
    assert spec["data"][0]["text"] == ["EUR 10,000", "EUR 1,000"]


def test_outputs_chart_shows_percent_of_target_for_indicators_with_one() -> None:
    outputs = pd.DataFrame(
        {
            "indicator": ["camera-trap nights", "people trained", "leaflets"],
            "unit": ["nights", "people", ""],
            "achieved": [1200.0, 15.0, 300.0],
            "target": [1000.0, 20.0, math.nan],
            "pct_of_target": [120.0, 75.0, math.nan],
            "activities": [1, 1, 1],
        }
    )
    spec = json.loads(charts.outputs_against_targets(outputs).to_json())
    assert spec["layout"]["title"]["text"] == "Outputs against targets"
    assert spec["layout"]["xaxis"]["title"]["text"].startswith("Achieved (% of target")
    assert spec["data"][0]["y"] == ["people trained", "camera-trap nights"]
    assert spec["data"][0]["text"] == [
        "75 % · 15 of 20 people",
        "120 % · 1,200 of 1,000 nights",
    ]


def test_items_chart_marks_items_with_only_cancelled_activities(session: Session) -> None:
    items = q.funder_items(session=session, filters=Filters(include_demo=True), funder=HELLABRUNN)
    spec = json.loads(charts.items_advanced(items, title="Plans advanced").to_json())
    assert spec["layout"]["title"]["text"] == "Plans advanced"
    assert "%" in spec["layout"]["xaxis"]["title"]["text"]
    texts = dict(zip(spec["data"][0]["y"], spec["data"][0]["text"], strict=True))
    assert texts["S1.1 Distribution (provisional)"] == "67 % · 2 activities"
    assert texts["S2.1 Herding dogs (provisional)"] == "no counted activity (1 cancelled)"
    assert texts["CAMI-10 Species Monitoring and Research"] == "100 % · 1 activity"


def test_the_sites_map_is_offline_and_every_layer_has_an_id(session: Session) -> None:
    sites = q.funder_sites(session=session, filters=Filters(include_demo=True), funder=HELLABRUNN)
    built = charts.funder_sites_deck(sites)
    deck = json.loads(built.to_json())
    # No basemap provider, and no style URL to fetch (pydeck keeps only its sentinel).
    assert built.map_provider is None
    assert "mapProvider" not in deck
    assert not str(deck.get("mapStyle", "")).startswith(("http", "mapbox:"))
    assert [layer["id"] for layer in deck["layers"]] == ["range-states", "sites"]
    land, dots = deck["layers"]
    assert land["@@type"] == "GeoJsonLayer"
    assert len(land["data"]["features"]) == 16
    assert [point["position"] for point in dots["data"]] == [[85.6, 49.2], [101.0, 44.0]]
    # Centred between the sites.
    assert deck["initialViewState"]["longitude"] == pytest.approx(93.3)
    assert deck["initialViewState"]["latitude"] == pytest.approx(46.6)
    empty = json.loads(charts.funder_sites_deck(sites.iloc[0:0]).to_json())
    assert empty["layers"][1]["data"] == []


def test_the_status_legend_names_the_colours_shown() -> None:
    legend = charts.status_legend_html(["completed", "in_progress", "completed"])
    assert "completed" in legend
    assert "in progress" in legend
    assert "cancelled" not in legend


def test_funding_whose_amount_is_not_published_is_said_so_never_zero(
    writable_store_url: str,
) -> None:
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        zoo = session.exec(select(m.Organisation).where(m.Organisation.slug == "pica")).one()
        a5 = session.exec(select(m.Activity).where(m.Activity.activity_id == "A5")).one()
        assert zoo.id is not None
        assert a5.id is not None
        session.add(m.Funding(funder_id=zoo.id, activity_id=a5.id, source="a partner page"))
        session.commit()
        filters = Filters(include_demo=True)
        figures = q.funder_figures(session=session, filters=filters, funder="pica")
        assert figures.unpublished == 1
        assert all(currency for currency, _ in figures.funding)
        words = charts.plain_summary(
            figures, pd.DataFrame(columns=["indicator", "unit", "achieved", "target"])
        )
        assert "1 funding record with the amount not published" in words
        listed = q.funder_activities(session=session, filters=filters, funder="pica")
        assert listed.set_index("activity_id").loc["A5", "funding"] == ["amount not published"]
        assert (
            q.funder_funding(session=session, filters=filters, funder="pica")["amount"]
            .notna()
            .all()
        )
        overall = queries.funding_by_currency(session=session, filters=filters)
        assert overall["currency"].iloc[-1] == "amount not published"
        assert math.isnan(overall["amount"].iloc[-1])
        assert overall["grants"].iloc[-1] == 1
    engine.dispose()


def test_every_funder_side_by_side_as_its_own_page_counts_it(session: Session) -> None:
    everything = Filters(include_demo=True)
    overview = q.funders_overview(session=session, filters=everything)
    # Hellabrunn: A1, A2, A3 (demo) in KAZ, MNG, RUS and PTCRs 9, 11; EUR 16 000 in 2019–2021.
    # Fondation Segré: A1 (its USD 2 000 grant of 2020).
    assert overview.drop(columns=["demo"]).to_dict("records") == [
        {
            "slug": HELLABRUNN,
            "name": "Hellabrunn Zoo",
            "activities": 3,
            "range_states": 3,
            "regions": 2,
            "first_year": 2019,
            "last_year": 2021,
            "unpublished": 0,
            "funding_EUR": 16000.0,
            "funding_USD": 0.0,
        },
        {
            "slug": "fondation-segre",
            "name": "Fondation Segré",
            "activities": 1,
            "range_states": 1,
            "regions": 1,
            "first_year": 2020,
            "last_year": 2020,
            "unpublished": 0,
            "funding_EUR": 0.0,
            "funding_USD": 2000.0,
        },
    ]
    # The same figures as each funder's own page.
    for row in overview.itertuples():
        figures = q.funder_figures(session=session, filters=everything, funder=row.slug)
        assert figures is not None
        assert (figures.activities, len(figures.countries), figures.regions) == (
            row.activities,
            row.range_states,
            row.regions,
        )
        assert dict(figures.funding) == {
            currency: amount
            for currency, amount in (("EUR", row.funding_EUR), ("USD", row.funding_USD))
            if amount
        }
    # As of 2019, only Hellabrunn's first grant had been given; no currency is added up.
    early = q.funders_overview(
        session=session, filters=Filters(include_demo=True, as_of=dt.date(2019, 12, 31))
    )
    assert list(early.columns[-1:]) == ["funding_EUR"]
    assert early.set_index("slug")["funding_EUR"].to_dict() == {
        "fondation-segre": 0.0,
        HELLABRUNN: 10000.0,
    }


def test_a_grant_without_a_published_amount_is_counted_apart(writable_store_url: str) -> None:
    engine = make_engine(writable_store_url)
    try:
        with Session(engine) as session:
            a2 = session.exec(select(m.Activity).where(m.Activity.activity_id == "A2")).one()
            segre = session.exec(
                select(m.Organisation).where(m.Organisation.slug == "fondation-segre")
            ).one()
            session.add(m.Funding(funder_id=segre.id, activity_id=a2.id, source="fixture"))
            session.commit()
            row = (
                q.funders_overview(session=session, filters=Filters())
                .set_index("slug")
                .loc["fondation-segre"]
            )
            assert (row["activities"], row["unpublished"], row["funding_USD"]) == (2, 1, 2000.0)
            table = charts.funders_table(q.funders_overview(session=session, filters=Filters()))
            assert table.set_index("Funder").loc["Fondation Segré", "Years of funding"] == "2020"
    finally:
        engine.dispose()
