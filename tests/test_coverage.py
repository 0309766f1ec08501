"""Coverage queries on the fixture, with numbers worked out by hand.

Where the fixture's activities are (tests/fixtures/data/activities.csv), progress as of today:
    A1  KAZ      PTCR 9   completed 100 %   EUR 10 000 (2019), USD 2 000 (2020)   site
    A2  MNG      PTCR 11  in progress 50 %  EUR 5 000 (2021)                      site
    A3  RUS      —        cancelled, demo   EUR 1 000 (2020, demo)
    A4  MNG;KAZ  PTCR 9   planned 0 %, demo
    A5  KAZ      —        on hold 25 %                                            site
Range states KAZ, MNG, RUS, NPL; PTCRs 9 Altai, 10 Daurian Steppe (pending), 11 Gobi.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlmodel import Session, select

from dashboard import models as m
from dashboard import queries
from dashboard.db import make_engine
from dashboard.filters import Filters
from dashboard.queries.coverage import parse_place


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    """Rows as dicts, NaN as None, so that they compare exactly."""
    return [
        {
            key: (None if isinstance(value, float) and pd.isna(value) else value)
            for key, value in row.items()
        }
        for row in frame[columns].to_dict("records")
    ]


def test_coverage_by_range_state(session: Session) -> None:
    countries = queries.coverage_by_country(session=session, filters=Filters(include_demo=True))
    # KAZ: A1 100, A4 0, A5 25 -> 125 / 3. MNG: A2 50, A4 0 -> 25. RUS: A3 cancelled only.
    # Funding follows the activity into each of its countries (A1's into KAZ, A2's into MNG).
    assert records(
        countries,
        ["iso3", "activities", "counted", "completion_pct", "funding_EUR", "funding_USD"],
    ) == [
        {
            "iso3": "KAZ",
            "activities": 3,
            "counted": 3,
            "completion_pct": pytest.approx(125 / 3),
            "funding_EUR": 10000.0,
            "funding_USD": 2000.0,
        },
        {
            "iso3": "MNG",
            "activities": 2,
            "counted": 2,
            "completion_pct": 25.0,
            "funding_EUR": 5000.0,
            "funding_USD": 0.0,
        },
        {
            "iso3": "RUS",
            "activities": 1,
            "counted": 0,
            "completion_pct": None,
            "funding_EUR": 1000.0,
            "funding_USD": 0.0,
        },
        {
            "iso3": "NPL",
            "activities": 0,
            "counted": 0,
            "completion_pct": None,
            "funding_EUR": 0.0,
            "funding_USD": 0.0,
        },
    ]
    assert countries.loc[0, "name"] == "Kazakhstan"
    assert countries["cms_party"].tolist()[:3] == [True, True, False]
    assert countries.loc[3, "cms_party"] is None


def test_coverage_by_range_state_without_demo_data(session: Session) -> None:
    countries = queries.coverage_by_country(session=session, filters=Filters(include_demo=False))
    # KAZ: A1 100, A5 25 -> 62.5; MNG: A2 50; RUS's only activity and grant are demo.
    assert records(countries, ["iso3", "activities", "completion_pct", "funding_EUR"]) == [
        {"iso3": "KAZ", "activities": 2, "completion_pct": 62.5, "funding_EUR": 10000.0},
        {"iso3": "MNG", "activities": 1, "completion_pct": 50.0, "funding_EUR": 5000.0},
        {"iso3": "NPL", "activities": 0, "completion_pct": None, "funding_EUR": 0.0},
        {"iso3": "RUS", "activities": 0, "completion_pct": None, "funding_EUR": 0.0},
    ]


def test_coverage_by_ptcr(session: Session) -> None:
    regions = queries.coverage_by_region(session=session, filters=Filters(include_demo=True))
    # PTCR 9: A1 100, A4 0 -> 50. PTCR 11: A2 50. PTCR 10: nothing.
    assert records(
        regions,
        [
            "number",
            "name",
            "pallas_status",
            "countries",
            "activities",
            "counted",
            "completion_pct",
            "funding_EUR",
            "funding_USD",
        ],
    ) == [
        {
            "number": 9,
            "name": "Altai",
            "pallas_status": "target",
            "countries": "KAZ;MNG;RUS",
            "activities": 2,
            "counted": 2,
            "completion_pct": 50.0,
            "funding_EUR": 10000.0,
            "funding_USD": 2000.0,
        },
        {
            "number": 10,
            "name": "Daurian Steppe",
            "pallas_status": "pending",
            "countries": "MNG;RUS",
            "activities": 0,
            "counted": 0,
            "completion_pct": None,
            "funding_EUR": 0.0,
            "funding_USD": 0.0,
        },
        {
            "number": 11,
            "name": "Gobi",
            "pallas_status": "target",
            "countries": "MNG",
            "activities": 1,
            "counted": 1,
            "completion_pct": 50.0,
            "funding_EUR": 5000.0,
            "funding_USD": 0.0,
        },
    ]
    assert regions.loc[0, ["latitude", "longitude"]].tolist() == [49.5, 88.5]
    assert bool(regions.loc[0, "position_derived"]) is True


def test_coverage_as_of_a_date(session: Session) -> None:
    # On 2020-01-01 only A1 had reported (40 %); funding up to 2020 is counted.
    filters = Filters(as_of=dt.date(2020, 1, 1), include_demo=True)
    countries = queries.coverage_by_country(session=session, filters=filters)
    assert records(countries, ["iso3", "activities", "completion_pct"])[0] == {
        "iso3": "KAZ",
        "activities": 1,
        "completion_pct": 40.0,
    }
    regions = queries.coverage_by_region(session=session, filters=filters).set_index("number")
    assert regions.loc[9, "completion_pct"] == 40.0
    assert regions.loc[11, "activities"] == 0


def test_no_funding_recorded_gives_no_funding_columns(session: Session) -> None:
    # A5 is the only on-hold activity and has no grant.
    countries = queries.coverage_by_country(
        session=session, filters=Filters(statuses=("on_hold",), include_demo=True)
    )
    assert [column for column in countries.columns if column.startswith("funding_")] == []
    assert countries.loc[0, "iso3"] == "KAZ"


def gaps(session: Session, filters: Filters) -> dict[str, list[str]]:
    return queries.coverage_gaps(
        countries=queries.coverage_by_country(session=session, filters=filters),
        regions=queries.coverage_by_region(session=session, filters=filters),
    )


def test_the_gaps_are_named(session: Session) -> None:
    assert gaps(session, Filters(include_demo=True)) == {
        "countries": ["Nepal"],
        "regions": ["10 Daurian Steppe (pending)"],
    }
    assert gaps(session, Filters(include_demo=False)) == {
        "countries": ["Nepal", "Russian Federation"],
        "regions": ["10 Daurian Steppe (pending)"],
    }
    assert gaps(session, Filters(as_of=dt.date(2020, 1, 1), include_demo=True)) == {
        "countries": ["Mongolia", "Nepal", "Russian Federation"],
        "regions": ["10 Daurian Steppe (pending)", "11 Gobi"],
    }


def test_site_points(session: Session) -> None:
    # Three sites, fewer than the map can draw: one point each.
    sites = queries.site_points(session=session, filters=Filters(include_demo=True))
    assert sites["grid"].tolist() == [0.0, 0.0, 0.0]
    assert sites["sites"].tolist() == sites["activities"].tolist() == [1, 1, 1]
    assert sites["point"].is_unique
    assert records(
        sites, ["activity_id", "status", "progress_pct", "latitude", "longitude", "demo"]
    ) == [
        {
            "activity_id": "A1",
            "status": "completed",
            "progress_pct": 100.0,
            "latitude": 49.2,
            "longitude": 85.6,
            "demo": False,
        },
        {
            "activity_id": "A2",
            "status": "in_progress",
            "progress_pct": 50.0,
            "latitude": 44.0,
            "longitude": 101.0,
            "demo": False,
        },
        {
            "activity_id": "A5",
            "status": "on_hold",
            "progress_pct": 25.0,
            "latitude": 48.0,
            "longitude": 70.0,
            "demo": False,
        },
    ]
    assert sites.loc[1, "lead"] == "Association for the Conservation of Biodiversity of Kazakhstan"
    early = queries.site_points(
        session=session, filters=Filters(as_of=dt.date(2020, 1, 1), include_demo=True)
    )
    assert early["activity_id"].tolist() == ["A1"]
    assert early["progress_pct"].tolist() == [40.0]


# A cluster of seven sites within 0.04° of A1's (49.2, 85.6): A1's own and three more of A1's,
# three of A4's (demo). None is on a 0.1° cell's edge (49.25, 85.65).
CLUSTER = {
    "A1": [(49.21, 85.61), (49.22, 85.62), (49.24, 85.64)],
    "A4": [(49.21, 85.63), (49.23, 85.62), (49.24, 85.6)],
}


@pytest.fixture
def more_sites(writable_store_url: str) -> Iterator[Session]:
    """The fixture store with the CLUSTER's sites added (nine sites in all)."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        ids = dict(session.exec(select(m.Activity.activity_id, m.Activity.id)).all())
        for code, places in CLUSTER.items():
            for number, (latitude, longitude) in enumerate(places, 2):
                site = m.Site(
                    activity_id=ids[code],
                    name=f"{code} camp {number}",
                    latitude=latitude,
                    longitude=longitude,
                )
                session.add(site)
        session.commit()
        yield session
    engine.dispose()


def test_site_points_group_sites_when_there_are_too_many(more_sites: Session) -> None:
    every = queries.site_points(session=more_sites, filters=Filters(include_demo=True))
    assert every["grid"].tolist() == [0.0] * 9
    # Points in the order their activities were recorded (A1 ... A5), then of their sites.
    assert every["activity_id"].tolist() == ["A1"] * 4 + ["A2"] + ["A4"] * 3 + ["A5"]
    assert every["site"].tolist()[:4] == ["", "A1 camp 2", "A1 camp 3", "A1 camp 4"]
    # PTCR 9's seven sites for a map of at most six points: the cells of 0.1° over their
    # bounding box (0.04° square) are at most 2.4 × 2.4 <= 6; all seven share one cell.
    ptcr = queries.site_points(
        session=more_sites, filters=Filters(regions=(9,), include_demo=True), limit=6
    )
    assert records(ptcr, ["grid", "sites", "activities", "activity_id", "site"]) == [
        {"grid": 0.1, "sites": 7, "activities": 2, "activity_id": "A1", "site": ""},
        {"grid": 0.1, "sites": 7, "activities": 2, "activity_id": "A4", "site": ""},
    ]
    # Status and progress are those of a point's one activity, none for several.
    assert ptcr["status"].isna().all()
    assert ptcr["progress_pct"].isna().all()
    # The point sits at the mean of its sites.
    latitudes = [49.2] + [lat for places in CLUSTER.values() for lat, _ in places]
    longitudes = [85.6] + [lon for places in CLUSTER.values() for _, lon in places]
    assert ptcr.loc[0, "latitude"] == pytest.approx(sum(latitudes) / 7)
    assert ptcr.loc[0, "longitude"] == pytest.approx(sum(longitudes) / 7)
    # Nine sites spread over 31° of longitude for three points: no grid's bound keeps within
    # three, so the coarsest (10°) groups them, the cluster in one cell.
    coarse = queries.site_points(session=more_sites, filters=Filters(include_demo=True), limit=3)
    assert records(coarse, ["grid", "sites", "activities", "activity_id"]) == [
        {"grid": 10.0, "sites": 7, "activities": 2, "activity_id": "A1"},
        {"grid": 10.0, "sites": 7, "activities": 2, "activity_id": "A4"},
        {"grid": 10.0, "sites": 1, "activities": 1, "activity_id": "A2"},
        {"grid": 10.0, "sites": 1, "activities": 1, "activity_id": "A5"},
    ]
    assert coarse["point"].nunique() == 3
    # One activity with several sites in a point: named once, with its state.
    alone = queries.site_points(
        session=more_sites, filters=Filters(regions=(9,), include_demo=False), limit=3
    )
    assert records(alone, ["sites", "activities", "activity_id", "status", "site"]) == [
        {"sites": 4, "activities": 1, "activity_id": "A1", "status": "completed", "site": ""},
    ]


@pytest.mark.parametrize(
    ("filters", "place", "expected"),
    [
        (Filters(include_demo=True), None, ["A1", "A2", "A3", "A5", "A4"]),
        (Filters(include_demo=True), "country:KAZ", ["A1", "A5", "A4"]),
        (Filters(include_demo=True), "country:NPL", []),
        (Filters(include_demo=True), "ptcr:9", ["A1", "A4"]),
        (Filters(include_demo=True), "ptcr:10", []),
        # The sidebar's filters apply first: of the Mongolian activities, only A4 is in KAZ.
        (Filters(countries=("MNG",), include_demo=True), "country:KAZ", ["A4"]),
        (Filters(include_demo=False), "ptcr:9", ["A1"]),
    ],
)
def test_activities_in_a_place(
    session: Session, filters: Filters, place: str | None, expected: list[str]
) -> None:
    listed = queries.activities_in_place(session=session, filters=filters, place=place)
    assert listed["activity_id"].tolist() == expected
    count = queries.activities_in_place_count(session=session, filters=filters, place=place)
    assert count == len(expected)
    # Pages of two: the same rows in the same order, with the same columns.
    pages = [
        queries.activities_in_place(
            session=session, filters=filters, place=place, offset=offset, limit=2
        )
        for offset in range(0, len(expected) + 2, 2)
    ]
    assert [len(page) for page in pages] == [
        len(expected[offset : offset + 2]) for offset in range(0, len(expected) + 2, 2)
    ]
    joined = pd.concat(pages, ignore_index=True)
    assert joined.astype(str).equals(listed.astype(str))


def test_activities_in_a_place_list_where_they_are(session: Session) -> None:
    listed = queries.activities_in_place(
        session=session, filters=Filters(include_demo=True), place="ptcr:9"
    )
    assert listed[["activity_id", "countries", "ptcrs", "counted", "demo"]].to_dict("records") == [
        {"activity_id": "A1", "countries": "KAZ", "ptcrs": "9", "counted": True, "demo": False},
        {"activity_id": "A4", "countries": "KAZ;MNG", "ptcrs": "9", "counted": True, "demo": True},
    ]


def test_place_options_and_their_parsing(session: Session) -> None:
    assert queries.place_options(session=session) == [
        ("country:KAZ", "Kazakhstan (KAZ)"),
        ("country:MNG", "Mongolia (MNG)"),
        ("country:NPL", "Nepal (NPL)"),
        ("country:RUS", "Russian Federation (RUS)"),
        ("ptcr:9", "PTCR 9 Altai"),
        ("ptcr:10", "PTCR 10 Daurian Steppe (pending)"),
        ("ptcr:11", "PTCR 11 Gobi"),
    ]
    assert parse_place("country:KAZ") == ("KAZ", None)
    assert parse_place("ptcr:10") == (None, 10)
    assert parse_place("ptcr:x") == (None, None)
    assert parse_place(None) == (None, None)
    assert parse_place("KAZ") == (None, None)


@pytest.fixture
def shared_grant(writable_store_url: str) -> Iterator[Session]:
    """The fixture store with a grant shared between places: A4 (demo; in MNG and KAZ, and
    here in PTCRs 9 and 11) gets EUR 3 000."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        ids = dict(session.exec(select(m.Activity.activity_id, m.Activity.id)).all())
        funder = session.exec(select(m.Organisation.id)).first()
        assert funder is not None
        session.add(m.ActivityRegion(activity_id=ids["A4"], region_number=11))
        session.add(
            m.Funding(
                funder_id=funder,
                activity_id=ids["A4"],
                amount=3000,
                currency="EUR",
                year=2022,
                demo=True,
            )
        )
        session.commit()
        yield session
    engine.dispose()


def test_a_shared_grant_is_split_between_its_places(shared_grant: Session) -> None:
    everything = Filters(include_demo=True)
    countries = queries.coverage_by_country(session=shared_grant, filters=everything)
    # A4's EUR 3 000 is in two range states: 1 500 each, so the column adds up to every grant.
    assert records(countries, ["iso3", "funding_EUR", "funding_USD"]) == [
        {"iso3": "KAZ", "funding_EUR": 11500.0, "funding_USD": 2000.0},
        {"iso3": "MNG", "funding_EUR": 6500.0, "funding_USD": 0.0},
        {"iso3": "RUS", "funding_EUR": 1000.0, "funding_USD": 0.0},
        {"iso3": "NPL", "funding_EUR": 0.0, "funding_USD": 0.0},
    ]
    assert countries["funding_EUR"].sum() == 10000 + 5000 + 1000 + 3000
    regions = queries.coverage_by_region(session=shared_grant, filters=everything)
    # And in two PTCRs (9 and 11): 1 500 each.
    assert records(regions, ["number", "funding_EUR"]) == [
        {"number": 9, "funding_EUR": 11500.0},
        {"number": 10, "funding_EUR": 0.0},
        {"number": 11, "funding_EUR": 6500.0},
    ]
    # Under a filter for Mongolia, Kazakhstan shows only its share of the shared grant.
    mongolia = queries.coverage_by_country(
        session=shared_grant, filters=Filters(countries=("MNG",), include_demo=True)
    )
    assert records(mongolia, ["iso3", "activities", "funding_EUR"])[:2] == [
        {"iso3": "MNG", "activities": 2, "funding_EUR": 6500.0},
        {"iso3": "KAZ", "activities": 1, "funding_EUR": 1500.0},
    ]


def test_a_grant_split_three_ways_is_kept_to_the_cent(shared_grant: Session) -> None:
    ids = dict(shared_grant.exec(select(m.Activity.activity_id, m.Activity.id)).all())
    funder = shared_grant.exec(select(m.Organisation.id)).first()
    assert funder is not None
    shared_grant.add(m.ActivityCountry(activity_id=ids["A4"], country_iso3="RUS"))
    shared_grant.add(
        m.Funding(funder_id=funder, activity_id=ids["A4"], amount=100, currency="USD", demo=True)
    )
    shared_grant.commit()
    countries = queries.coverage_by_country(
        session=shared_grant, filters=Filters(include_demo=True)
    )
    by_iso3 = countries.set_index("iso3")[["funding_EUR", "funding_USD"]].to_dict("index")
    # EUR 3 000 / 3 and USD 100 / 3 = 33.33 (to the cent) in each of KAZ, MNG and RUS.
    assert by_iso3 == {
        "KAZ": {"funding_EUR": 11000.0, "funding_USD": 2033.33},
        "MNG": {"funding_EUR": 6000.0, "funding_USD": 33.33},
        "RUS": {"funding_EUR": 2000.0, "funding_USD": 33.33},
        "NPL": {"funding_EUR": 0.0, "funding_USD": 0.0},
    }
