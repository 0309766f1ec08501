"""The activities explorer's listing on the fixture, and its CSV as exact text.

The fixture (tests/fixtures/data), as of today (all updates are in the past):
  A1 completed 100, S1.1 + CAMI-10, KAZ, PTCR 9, lead PICA, funded by Hellabrunn (EUR 10,000,
     and a funder link) and Fondation Segré (USD 2,000), site, real.
  A2 in progress 50, S1.1 (weight 2) + S1.2, MNG, PTCR 11, lead ACBK, partner PICA, funded by
     Hellabrunn (EUR 5,000), real.
  A3 cancelled 30, S2.1 + CAMI-4, RUS, lead PICA, Hellabrunn EUR 1,000 (a demo record), demo.
  A4 planned 0, CAMI-10, KAZ + MNG, PTCR 9, lead Fondation Segré, partner ACBK, demo.
  A5 on hold 25, S1.2 + CAMI-10, KAZ, lead PICA, real.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import ActivityDraft, create_activities, load_reference
from dashboard.export import frame_to_csv
from dashboard.filters import Filters
from dashboard.queries.activities import (
    _python_order,
    activity_listing,
    aggregate_list,
    listing_filters,
    listing_order,
    listing_rows,
    listing_size,
)
from tests.conftest import seeded_engine, temporary_store

PICA = "Pallas's cat International Conservation Alliance"
ACBK = "Association for the Conservation of Biodiversity of Kazakhstan"
# Every CSV starts with UTF-8's byte-order mark (so that Excel reads it as UTF-8), then its
# header row. A `;`-joined list is quoted: `;` separates cells in German or French Excel. The
# fixture's Strategy items are provisional, its CAMI sections are not: the column of Strategy
# codes says so.
BOM = "\ufeff"
HEADER = BOM + (
    "activity_id,title,strategy (provisional structure),cami,countries,ptcrs,lead,partners,"
    "funders,status,progress_pct,start_date,end_date,source_url,demo\r\n"
)
ROWS = {
    "A1": "A1,Camera trapping in the Kazakh Altai,S1.1,CAMI-10,KAZ,9,"
    f'{PICA},,"Fondation Segré;Hellabrunn Zoo",completed,100,2019-01-01,2020-12-31,'
    "https://example.org/a1,false\r\n",
    "A2": f'A2,Steppe survey in Mongolia,"S1.1;S1.2",,MNG,11,{ACBK},{PICA},Hellabrunn Zoo,'
    "in_progress,50,2021-01-01,,https://example.org/a2,false\r\n",
    "A3": f"A3,Herding-dog study (cancelled),S2.1,CAMI-4,RUS,,{PICA},,Hellabrunn Zoo,"
    "cancelled,30,2020-01-01,2022-12-31,,true\r\n",
    "A4": f'A4,Transboundary monitoring,,CAMI-10,"KAZ;MNG",9,Fondation Segré,{ACBK},,'
    "planned,0,2026-01-01,2032-12-31,,true\r\n",
    "A5": f"A5,Monitoring guideline trial,S1.2,CAMI-10,KAZ,,{PICA},,,on_hold,25,"
    "2023-01-01,,https://example.org/a5,false\r\n",
}


def csv_of(session: Session, filters: Filters | None = None, **options: object) -> str:
    chosen = filters or Filters(include_demo=True)
    listing = activity_listing(session=session, filters=chosen, **options)  # type: ignore[arg-type]
    return frame_to_csv(listing).decode()


def test_every_activity_with_its_links_as_exact_csv(session: Session) -> None:
    assert csv_of(session) == HEADER + "".join(ROWS[key] for key in ("A1", "A2", "A3", "A4", "A5"))


def test_the_listing_holds_lists_and_typed_values(session: Session) -> None:
    listing = activity_listing(session=session, filters=Filters(include_demo=True)).set_index(
        "activity_id"
    )
    assert list(listing.columns) == [
        "title",
        # The fixture's Strategy items are provisional, its CAMI sections are not.
        "strategy (provisional structure)",
        "cami",
        "countries",
        "ptcrs",
        "lead",
        "partners",
        "funders",
        "status",
        "progress_pct",
        "start_date",
        "end_date",
        "source_url",
        "demo",
    ]
    assert listing.loc["A2", "strategy (provisional structure)"] == ["S1.1", "S1.2"]
    assert listing.loc["A4", "countries"] == ["KAZ", "MNG"]
    assert listing.loc["A1", "funders"] == ["Fondation Segré", "Hellabrunn Zoo"]
    assert listing.loc["A5", "partners"] == []
    assert listing.loc["A1", "start_date"] == dt.date(2019, 1, 1)
    assert listing["demo"].tolist() == [False, False, True, True, False]


def test_the_shared_filters_select_the_rows(session: Session) -> None:
    # KAZ: A1, A4, A5; without demo: A1, A5.
    assert (
        csv_of(session, Filters(countries=("KAZ",), include_demo=True))
        == HEADER + ROWS["A1"] + ROWS["A4"] + ROWS["A5"]
    )
    assert csv_of(session, Filters(countries=("KAZ",), include_demo=False)) == (
        HEADER + ROWS["A1"] + ROWS["A5"]
    )
    # S1 covers S1.1 and S1.2: A1, A2, A5. CAMI-4: A3 only.
    assert csv_of(session, Filters(items=("S1",), include_demo=True)).count("\r\n") == 4
    assert csv_of(session, Filters(items=("CAMI-4",), include_demo=True)) == HEADER + ROWS["A3"]
    assert csv_of(session, Filters(regions=(11,), include_demo=True)) == HEADER + ROWS["A2"]
    assert csv_of(session, Filters(statuses=("on_hold", "planned"), include_demo=True)) == (
        HEADER + ROWS["A4"] + ROWS["A5"]
    )


def test_status_and_progress_are_as_of_the_filters_date(session: Session) -> None:
    # 2020-01-01: only A1 had reported (in progress, 40 %).
    listing = activity_listing(
        session=session, filters=Filters(as_of=dt.date(2020, 1, 1), include_demo=True)
    )
    assert listing[["activity_id", "status", "progress_pct"]].values.tolist() == [
        ["A1", "in_progress", 40.0]
    ]


def test_funded_by_counts_funding_records_and_funder_links(session: Session) -> None:
    listing = activity_listing(
        session=session, filters=Filters(include_demo=True), funders=("hellabrunn-zoo",)
    )
    assert listing["activity_id"].tolist() == ["A1", "A2", "A3"]
    # Without demo data the demo funding record of A3 no longer counts (nor does A3).
    hidden = activity_listing(
        session=session, filters=Filters(include_demo=False), funders=("hellabrunn-zoo",)
    )
    assert hidden["activity_id"].tolist() == ["A1", "A2"]
    segre = activity_listing(
        session=session, filters=Filters(include_demo=True), funders=("fondation-segre",)
    )
    # Fondation Segré leads A4 but funds only A1.
    assert segre["activity_id"].tolist() == ["A1"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("monitoring", ["A4", "A5"]),
        ("MONGOLIA", ["A2"]),
        ("a3", ["A3"]),
        ("%", []),
        ("_", []),
        ("  ", ["A1", "A2", "A3", "A4", "A5"]),
    ],
)
def test_search_matches_id_and_title_without_wildcards(
    session: Session, search: str, expected: list[str]
) -> None:
    listing = activity_listing(session=session, filters=Filters(include_demo=True), search=search)
    assert listing["activity_id"].tolist() == expected


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("progress_pct", True, ["A1", "A2", "A3", "A5", "A4"]),
        ("progress_pct", False, ["A4", "A5", "A3", "A2", "A1"]),
        # Empty end dates last, either way.
        ("end_date", False, ["A1", "A3", "A4", "A2", "A5"]),
        ("end_date", True, ["A4", "A3", "A1", "A2", "A5"]),
        # Lists sort by their text; empty lists last.
        ("funders", False, ["A1", "A2", "A3", "A4", "A5"]),
        ("title", False, ["A1", "A3", "A5", "A2", "A4"]),
        ("activity_id", True, ["A5", "A4", "A3", "A2", "A1"]),
        ("no such column", False, ["A1", "A2", "A3", "A4", "A5"]),
    ],
)
def test_rows_are_sorted_as_asked_ties_by_id(
    session: Session, sort: str, descending: bool, expected: list[str]
) -> None:
    listing = activity_listing(
        session=session, filters=Filters(include_demo=True), sort=sort, descending=descending
    )
    assert listing["activity_id"].tolist() == expected


def test_codes_and_words_sort_by_code_point_on_every_backend() -> None:
    # PostgreSQL would otherwise sort by the database's collation (e.g. en_US ignores "_"),
    # and a page sorted in SQL would disagree with Python's order.
    from sqlalchemy import column, table

    from dashboard.queries.activities import by_code_point

    rows = table("rows", column("code"))
    statement = select(rows.c.code).order_by(by_code_point(rows.c.code).desc())
    assert 'COLLATE "C"' in str(statement.compile(dialect=postgresql.dialect()))
    assert "COLLATE" not in str(statement.compile(dialect=sqlite.dialect()))


def test_lists_are_aggregated_in_sql_for_each_dialect() -> None:
    from sqlalchemy import column, table

    links = table("links", column("activity_id"), column("code"))
    statement = select(aggregate_list(links.c.code)).group_by(links.c.activity_id)
    assert "group_concat(" in str(statement.compile(dialect=sqlite.dialect()))
    assert "string_agg(" in str(statement.compile(dialect=postgresql.dialect()))


def test_command_line_values_become_the_same_filters_as_the_page(session: Session) -> None:
    filters, funders = listing_filters(
        session=session,
        countries=["kaz"],
        regions=[9],
        organisations=["PICA", "Association for the Conservation of Biodiversity of Kazakhstan"],
        funders=["Hellabrunn Zoo"],
        statuses=["completed"],
        items={"strategy": ["S1.1"], "cami": ["CAMI-10"]},
        # 2019 is the first year of the fixture's activities and 2032 the horizon: no limit.
        start_year=2019,
        end_year=2032,
        as_of=dt.date.today(),
        include_demo=False,
    )
    assert filters == Filters(
        countries=("KAZ",),
        regions=(9,),
        organisations=("pica", "acbk"),
        statuses=("completed",),
        items=("S1.1", "CAMI-10"),
        include_demo=False,
    )
    assert funders == ("hellabrunn-zoo",)
    limited, _ = listing_filters(session=session, start_year=2020, end_year=2024)
    assert (limited.start, limited.end) == (dt.date(2020, 1, 1), dt.date(2024, 12, 31))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"countries": ["XXX"]}, "unknown country 'XXX'; known: KAZ, MNG, NPL, RUS$"),
        ({"regions": [99]}, "unknown PTCR 99"),
        ({"funders": ["pica"]}, "unknown funder 'pica'; known: fondation-segre, hellabrunn-zoo$"),
        ({"items": {"strategy": ["CAMI-10"]}}, "unknown strategy item 'CAMI-10'"),
        ({"statuses": ["done"]}, "unknown status 'done'"),
    ],
)
def test_unknown_command_line_values_are_refused_with_the_known_ones(
    session: Session, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        listing_filters(session=session, **options)  # type: ignore[arg-type]


def test_cells_a_spreadsheet_would_run_are_neutralised_in_the_export(
    empty_store_url: str, tmp_path: Path
) -> None:
    engine = seeded_engine(empty_store_url)
    with Session(engine) as session:
        session.add(m.Organisation(slug="evil", name="@SUM(1+1)*cmd", kind="NGO", source="test"))
        session.flush()
        # Made as the edit form makes it, so the store's invariants hold (first update etc.).
        create_activities(
            session=session,
            drafts=[
                ActivityDraft(
                    activity_id="A9",
                    title='=HYPERLINK("http://example.org","click")',
                    description="-2+3",
                    status="in_progress",
                    progress_pct=10,
                    start_date=dt.date(2024, 1, 1),
                    lead_organisation="evil",
                    countries=("NPL",),
                    source_url="+cmd",
                )
            ],
            actor=Actor(name="tests", role="admin", via="cli"),
            reference=load_reference(session=session),
        )
        session.commit()
        text = csv_of(session, Filters(countries=("NPL",), include_demo=True))
    engine.dispose()
    assert text == HEADER + (
        'A9,"\'=HYPERLINK(""http://example.org"",""click"")",,,NPL,,\'@SUM(1+1)*cmd,,,'
        "in_progress,10,2024-01-01,,'+cmd,false\r\n"
    )


# A store with enough activities for several pages: the fixture's five and these.
MANY = 1_020
# Titles that differ only in case (and an accented capital), so that case-insensitive order
# and the ties it makes (broken by activity_id) matter.
TITLES = (
    "alpha",
    "Alpha",
    "ALPHA survey",
    "beta",
    "Beta",
    "Éclair",
    "éclair",
    "Straße",
    "STRASSE plan",
    "zeta",
    "Zeta",
)


def many_activities(count: int = MANY) -> list[ActivityDraft]:
    """`count` invented activities (random.Random(42)): mixed-case titles and ids, lists of
    every length (empty too), empty dates and lead, every status, demo and real."""
    chance = random.Random(42)

    def some(options: list[str], most: int) -> tuple[str, ...]:
        return tuple(chance.sample(options, chance.randint(0, most)))

    drafts = []
    for number in range(1, count + 1):
        status = chance.choice(m.ACTIVITY_STATUSES)
        start = chance.choice([None, dt.date(2019 + chance.randrange(7), chance.randint(1, 12), 1)])
        drafts.append(
            ActivityDraft(
                activity_id=f"{'P' if number % 3 else 'p'}-{number:04d}",
                title=chance.choice(TITLES),
                status=status,
                progress_pct=100.0 if status == "completed" else float(chance.randrange(0, 96, 5)),
                start_date=start,
                end_date=chance.choice([None, dt.date(2027, 12, 31), dt.date(2030, 6, 30)]),
                lead_organisation=chance.choice([None, "pica", "acbk", "fondation-segre"]),
                partners=some(["pica", "acbk"], 2),
                funders=some(["hellabrunn-zoo", "fondation-segre"], 2),
                countries=some(["KAZ", "MNG", "NPL", "RUS"], 3),
                ptcrs=tuple(int(number) for number in some(["9", "10", "11"], 2)),
                items={
                    "strategy": tuple((code, 1.0) for code in some(["S1.1", "S1.2", "S2.1"], 2)),
                    "cami": tuple((code, 1.0) for code in some(["CAMI-4", "CAMI-10"], 2)),
                },
                demo=chance.random() < 0.3,
            )
        )
    return drafts


def add_many_activities(url: str) -> None:
    """Seed the empty store at `url` with the fixture data and `MANY` more activities, made
    as the edit form and the importer make them."""
    engine = seeded_engine(url)
    with Session(engine) as session:
        create_activities(
            session=session,
            drafts=many_activities(),
            actor=Actor(name="tests", role="admin", via="cli"),
            reference=load_reference(session=session),
        )
        session.commit()
    engine.dispose()


@contextmanager
def many_activities_store(directory: Path) -> Iterator[str]:
    """A new store with the fixture data and `MANY` more activities; removed afterwards."""
    with temporary_store(directory) as url:
        add_many_activities(url)
        yield url


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A session on a store of `MANY` + 5 activities; tests using it must not write."""
    with many_activities_store(tmp_path_factory.mktemp("many")) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            yield session
        engine.dispose()


def assert_same_rows(page: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same rows, columns and values, and so the same CSV. (A column's dtype may differ:
    pandas infers str for text, object with None when every cell of the page is empty.)"""

    def cells(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), None)

    pd.testing.assert_frame_equal(cells(page), cells(expected))
    assert frame_to_csv(page) == frame_to_csv(expected)


PAGED_SORTS = [
    ("activity_id", False),
    ("activity_id", True),
    ("title", False),
    ("title", True),
    ("countries", False),
    ("countries", True),
    ("funders", True),
    ("strategy", False),
    ("lead", False),
    ("progress_pct", True),
    ("start_date", False),
    ("end_date", True),
    ("demo", False),
    ("status", True),
]


@pytest.mark.parametrize(("sort", "descending"), PAGED_SORTS)
def test_a_page_is_that_slice_of_the_whole_listing(
    many: Session, sort: str, descending: bool
) -> None:
    whole = activity_listing(
        session=many, filters=Filters(include_demo=True), sort=sort, descending=descending
    )
    assert len(whole) == MANY + 5
    order = listing_order(
        session=many, filters=Filters(include_demo=True), sort=sort, descending=descending
    )
    assert len(order) == len(whole)
    for offset in (0, 50, 500, len(whole) - 20):
        page = activity_listing(
            session=many,
            filters=Filters(include_demo=True),
            sort=sort,
            descending=descending,
            offset=offset,
            limit=50,
        )
        expected = whole.iloc[offset : offset + 50].reset_index(drop=True)
        assert_same_rows(page, expected)
        rows = listing_rows(
            session=many, filters=Filters(include_demo=True), ids=order[offset : offset + 50]
        )
        assert_same_rows(rows, expected)
        keys = listing_order(
            session=many,
            filters=Filters(include_demo=True),
            sort=sort,
            descending=descending,
            offset=offset,
            limit=50,
        )
        assert keys == order[offset : offset + 50]


@pytest.mark.parametrize(("sort", "descending"), [("title", True), ("partners", False)])
def test_a_page_of_a_narrowed_listing_is_that_slice_of_it(
    many: Session, sort: str, descending: bool
) -> None:
    options: dict[str, object] = {
        "filters": Filters(countries=("KAZ", "MNG"), include_demo=False, as_of=dt.date(2025, 1, 1)),
        "funders": ("hellabrunn-zoo",),
        "search": "A",
        "sort": sort,
        "descending": descending,
    }
    whole = activity_listing(session=many, **options)  # type: ignore[arg-type]
    assert 50 < len(whole) < MANY
    page = activity_listing(session=many, offset=50, limit=50, **options)  # type: ignore[arg-type]
    assert_same_rows(page, whole.iloc[50:100].reset_index(drop=True))


def in_order(keys: list[Any], ids: list[str], *, descending: bool = False) -> bool:
    """Whether rows with these sort keys and activity ids are sorted by key (either way),
    ties by activity_id ascending."""
    return all(
        (after < before if descending else before < after) or (before == after and id_ < next_id)
        for before, after, id_, next_id in zip(keys, keys[1:], ids, ids[1:], strict=False)
    )


@pytest.mark.parametrize("descending", [False, True])
def test_text_sorts_case_insensitively_and_lists_by_their_contents_ties_by_id(
    many: Session, descending: bool
) -> None:
    by_title = activity_listing(
        session=many, filters=Filters(include_demo=True), sort="title", descending=descending
    )
    assert {"alpha", "Alpha", "ALPHA survey", "Éclair", "éclair", "Straße"} <= set(
        by_title["title"]
    )
    titles = [title.casefold() for title in by_title["title"]]
    assert in_order(titles, by_title["activity_id"].tolist(), descending=descending)
    # Folded for every alphabet, not lower-cased: "Straße" sorts with "strasse".
    assert titles.index("strasse") < titles.index("strasse plan") or descending
    # The lead's name likewise; no lead last either way.
    by_lead = activity_listing(
        session=many, filters=Filters(include_demo=True), sort="lead", descending=descending
    )
    leads = [lead.casefold() if isinstance(lead, str) else "" for lead in by_lead["lead"]]
    led = sum(1 for lead in leads if lead)
    assert 0 < led < len(leads)
    assert all(leads[:led])
    assert not any(leads[led:])
    ids = by_lead["activity_id"].tolist()
    assert in_order(leads[:led], ids[:led], descending=descending)
    assert ids[led:] == sorted(ids[led:])
    # A list sorts by its sorted items joined; empty lists last either way.
    by_countries = activity_listing(
        session=many, filters=Filters(include_demo=True), sort="countries", descending=descending
    )
    texts = [";".join(countries).casefold() for countries in by_countries["countries"]]
    filled = sum(1 for text in texts if text)
    assert 0 < filled < len(texts)
    assert all(texts[:filled])
    assert not any(texts[filled:])
    ids = by_countries["activity_id"].tolist()
    assert in_order(texts[:filled], ids[:filled], descending=descending)
    assert ids[filled:] == sorted(ids[filled:])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("end", [None, 1, 50, 120, 600, 5000])
def test_the_first_rows_of_a_python_sort_are_those_of_the_whole_sort(
    descending: bool, end: int | None
) -> None:
    # Many ties and empty keys; rows come in activity_id order (ids ascending here).
    chance = random.Random(7)
    keyed = [(key, chance.choice([None, "a", "b", "b;c", "c", "é"])) for key in range(5000)]
    filled = [row for row in keyed if row[1] is not None]
    empty = [row[0] for row in keyed if row[1] is None]
    whole = [row[0] for row in sorted(filled, key=lambda row: row[1], reverse=descending)]
    whole += empty
    assert _python_order(keyed, descending=descending, end=end) == whole[:end]


def test_the_listing_size_is_counted_in_sql(many: Session) -> None:
    whole = activity_listing(session=many, filters=Filters(include_demo=True))
    size = listing_size(session=many, filters=Filters(include_demo=True))
    assert size == (len(whole), int(whole["demo"].sum()))
    assert 0 < size.demo < size.activities
    narrowed = {"funders": ("fondation-segre",), "search": "beta"}
    whole = activity_listing(session=many, filters=Filters(include_demo=False), **narrowed)  # type: ignore[arg-type]
    assert listing_size(session=many, filters=Filters(include_demo=False), **narrowed) == (  # type: ignore[arg-type]
        len(whole),
        0,
    )


def test_rows_come_in_the_order_of_the_ids_asked_for(session: Session) -> None:
    order = listing_order(session=session, filters=Filters(include_demo=True))
    assert activity_listing(session=session, filters=Filters(include_demo=True))[
        "activity_id"
    ].tolist() == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A5",
    ]
    rows = listing_rows(
        session=session, filters=Filters(include_demo=True), ids=[order[4], order[0], order[2]]
    )
    assert rows["activity_id"].tolist() == ["A5", "A1", "A3"]
    # An id out of the filters' scope (A3 is demo data) is left out.
    hidden = listing_rows(session=session, filters=Filters(include_demo=False), ids=order[1:4])
    assert hidden["activity_id"].tolist() == ["A2"]
    assert listing_rows(session=session, filters=Filters(include_demo=True), ids=[]).empty
