"""The shipped data/ files load, and they say only what the sources say."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import models as m
from dashboard.seed import read_rows
from dashboard.settings import PROJECT_ROOT
from tests.conftest import seeded_engine, temporary_store

DATA = PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with temporary_store(tmp_path_factory.mktemp("real")) as url:
        engine = seeded_engine(url, DATA)
        yield engine
        engine.dispose()


def test_cami_sections_are_exactly_those_the_cms_report_names(real_store: Engine) -> None:
    with Session(real_store) as session:
        sections = session.exec(
            select(m.FrameworkItem.code, m.FrameworkItem.title, m.FrameworkItem.applies)
            .join(m.Framework)
            .where(m.Framework.code == "cami")
            .order_by(m.FrameworkItem.sort_order)
        ).all()
    assert [(code, title) for code, title, _ in sections] == [
        ("CAMI-3", "Legislation"),
        ("CAMI-4", "Transboundary Cooperation"),
        ("CAMI-5", "Ecological Connectivity"),
        ("CAMI-6", "Protected and Conserved Areas"),
        ("CAMI-7", "Illegal Hunting, Possession and Trade"),
        ("CAMI-8", "Land Use and Human-Wildlife Conflict and Coexistence"),
        ("CAMI-9", "One Health"),
        ("CAMI-10", "Species Monitoring and Research"),
        ("CAMI-11", "Education, Community and Communication"),
    ]
    applies = {code: how for code, _, how in sections}
    assert applies.pop("CAMI-10") == "all actions"
    assert set(applies.values()) == {"selected actions"}


def test_the_seven_ptcrs_that_list_the_pallas_cat(real_store: Engine) -> None:
    with Session(real_store) as session:
        regions = session.exec(select(m.Region).order_by(m.Region.number)).all()
    assert [(r.number, r.name, r.pallas_status) for r in regions] == [
        (4, "Kopetdag", "target"),
        (7, "Northern and Inner Tian Shan", "target"),
        (8, "High Pamirs", "target"),
        (9, "Altai", "target"),
        (10, "Daurian Steppe", "pending"),
        (11, "Gobi", "target"),
        (12, "Western Trans Himalaya", "target"),
    ]
    # No source gives members or centres: both are marked as derived.
    assert all(r.countries_derived and r.position_derived for r in regions)


def test_strategy_is_a_provisional_working_structure(real_store: Engine) -> None:
    with Session(real_store) as session:
        items = session.exec(
            select(m.FrameworkItem).join(m.Framework).where(m.Framework.code == "strategy")
        ).all()
    assert items
    assert all(item.provisional and item.source for item in items)
    assert {item.level for item in items} <= {"goal", "objective", "action"}


def test_sixteen_range_states_with_their_cms_status(real_store: Engine) -> None:
    with Session(real_store) as session:
        countries = {c.iso3: c for c in session.exec(select(m.Country)).all()}
    assert len(countries) == 16
    assert all(country.range_state and country.source for country in countries.values())
    assert countries["ARM"].cami_range_state is False
    assert countries["AZE"].cami_range_state is False
    assert countries["CHN"].cms_party is False
    assert countries["RUS"].cms_party is False
    assert countries["UZB"].cms_party is True
    for unconfirmed in ("AZE", "BTN", "NPL"):
        assert countries[unconfirmed].cms_party is None


def test_demo_rows_are_flagged_and_real_rows_have_sources(real_store: Engine) -> None:
    with Session(real_store) as session:
        activities = session.exec(select(m.Activity)).all()
    demo = [a for a in activities if a.demo]
    real = [a for a in activities if not a.demo]
    assert demo
    assert real
    assert all(a.title.startswith("[Demo]") for a in demo)
    assert all(a.activity_id.startswith("DEMO-") for a in demo)
    assert all(a.source_url for a in real)
    assert not any(a.title.startswith("[Demo]") for a in real)
    # The two species-specific activities agreed under the Altai and Daurian Steppe PTCRs.
    agreed = [a for a in real if "transboundary and coordinated monitoring" in a.title.lower()]
    assert len(agreed) == 2


def test_the_named_organisations_are_there(real_store: Engine) -> None:
    with Session(real_store) as session:
        slugs = set(session.exec(select(m.Organisation.slug)).all())
    assert {
        "pica", "manul-working-group", "iucn-ssc-cat-sg", "cms-cami", "nordens-ark", "rzss",
        "snow-leopard-trust", "fondation-segre", "hellabrunn-zoo", "tierpark-berlin",
        "la-torbiera", "tallinn-zoo", "dakota-zoo",
    } <= slugs  # fmt: skip


def test_every_data_row_names_its_source() -> None:
    for name in ("frameworks", "framework_items", "countries", "regions", "organisations",
                 "funding", "outputs"):  # fmt: skip
        for row in read_rows(DATA / f"{name}.csv"):
            assert row["source"], f"{name}.csv: a row without a source: {row}"


def test_range_state_polygons_ship_with_the_app() -> None:
    geo = json.loads((DATA / "geo" / "range_states.geojson").read_text(encoding="utf-8"))
    countries = {row["iso3"] for row in read_rows(DATA / "countries.csv")}
    assert {feature["properties"]["iso3"] for feature in geo["features"]} == countries
