"""The shipped data/ files load, and they say only what the sources say."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

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


# --- What the corrected rows say (checked on the files, so they hold whatever the store does) ---

ASSESSMENT_STATUSES = {"not_started", "started", "well_advanced", "completed", "not_applicable"}
DEMO_SOURCE = "demo data (invented for illustration)"
ZOO_PAGE = "pallascats.org/capacity-building-strategic-planning/"


def _rows(name: str) -> list[dict[str, str]]:
    return read_rows(DATA / f"{name}.csv")


def _activities() -> dict[str, dict[str, str]]:
    return {row["activity_id"]: row for row in _rows("activities")}


def _listed(cell: str) -> list[str]:
    return [part for part in cell.split(";") if part]


def test_every_activity_ends_on_its_latest_update() -> None:
    updates: dict[str, list[dict[str, str]]] = {}
    for row in _rows("progress_updates"):
        updates.setdefault(row["activity_id"], []).append(row)
    for key, activity in _activities().items():
        assert key in updates, f"{key}: no progress update"
        latest = max(updates[key], key=lambda row: row["date"])
        # An empty progress_pct is "no percentage reported", in both files alike.
        assert (latest["status"], _percentage(latest)) == (
            activity["status"],
            _percentage(activity),
        ), key


def _percentage(row: dict[str, str]) -> float | None:
    return float(row["progress_pct"]) if row["progress_pct"] else None


def test_no_real_activity_under_way_is_read_as_0_percent() -> None:
    # No source reports a percentage: a real activity under way has none, never 0 (which
    # every mean would read as "nothing done"); completed is 100, planned 0.
    for name in ("activities", "progress_updates"):
        for row in _rows(name):
            if row.get("demo", "false") == "true":
                continue
            expected = {"completed": 100.0, "planned": 0.0}.get(row["status"])
            assert _percentage(row) == expected, (name, row["activity_id"], row["status"])


def test_the_2021_small_grants_take_their_periods_from_their_project_pages() -> None:
    activities = _activities()
    bhutan = activities["MP-2021-BTN-STATUS-ASSESSMENT"]
    assert (bhutan["start_date"], bhutan["end_date"]) == ("2021-08-01", "2022-04-30")
    assert "pallascats.org/pf/bhutan/" in bhutan["source_url"]
    nepal = activities["MP-2021-NPL-SGP-DENSITY"]
    assert (nepal["start_date"], nepal["end_date"]) == ("2021-01-01", "2022-12-31")
    assert "Manaslu" in nepal["description"]
    assert "pallascats.org/pf/nepal-project-2/" in nepal["source_url"]
    turkmenistan = activities["MP-2021-TKM-FINDING-MANUL"]
    assert (turkmenistan["start_date"], turkmenistan["end_date"]) == ("", "")
    # No source reports any of the three completed.
    for row in (bhutan, nepal, turkmenistan):
        assert (row["status"], row["progress_pct"]) == ("in_progress", ""), row["activity_id"]


def test_work_began_where_a_source_gives_the_start() -> None:
    began = {
        (row["activity_id"], row["date"])
        for row in _rows("progress_updates")
        if row["note"].startswith("work began (per source:")
    }
    assert ("MP-2021-BTN-STATUS-ASSESSMENT", "2021-08-01") in began
    assert ("MP-2017-KGZ-WEST-SURVEY", "2017-07-01") in began
    assert ("MP-2009-KAZ-INTERVIEW-SURVEY", "2009-05-01") in began
    for key, date in began:
        assert _activities()[key]["start_date"] == date, key


def test_survey_periods_as_their_reports_give_them() -> None:
    activities = _activities()
    kyrgyzstan = activities["MP-2017-KGZ-WEST-SURVEY"]
    assert (kyrgyzstan["start_date"], kyrgyzstan["end_date"]) == ("2017-07-01", "2018-12-31")
    kazakhstan = activities["MP-2009-KAZ-INTERVIEW-SURVEY"]
    assert (kazakhstan["start_date"], kazakhstan["end_date"]) == ("2009-05-01", "2010-05-31")


def test_an_award_date_is_neither_a_start_nor_an_end() -> None:
    manang = _activities()["MP-2015-NPL-MANANG-EDUCATION"]
    assert (manang["start_date"], manang["end_date"]) == ("", "")
    assert manang["status"] != "completed"
    (award,) = [
        row for row in _rows("progress_updates") if row["activity_id"] == manang["activity_id"]
    ]
    assert award["date"] == "2015-10-31"


def test_no_real_record_is_completed_by_convention() -> None:
    for row in _rows("progress_updates"):
        if row["demo"] == "false":
            assert "convention" not in row["note"], row
            assert row["note"] != "completed (per source)", row


def test_agreed_cami_activities_are_planned_without_an_invented_start() -> None:
    updates = _rows("progress_updates")
    agreed = [
        row for row in _activities().values() if row["activity_id"].startswith("MP-2026-CAMI-")
    ]
    assert len(agreed) == 2
    for activity in agreed:
        assert (activity["status"], activity["start_date"]) == ("planned", "")
        assert "agreed" in activity["description"]
        dates = [row["date"] for row in updates if row["activity_id"] == activity["activity_id"]]
        assert dates == ["2025-10-23"]  # the CMS report's date


def test_ptcr_tags_of_real_activities_say_they_are_editorial() -> None:
    from_the_cms_report = {"MP-2025-CAMI-INCLUSION", "MP-2026-CAMI-ALTAI-MONITORING",
                           "MP-2026-CAMI-DAURIAN-MONITORING"}  # fmt: skip
    for key, row in _activities().items():
        if row["demo"] == "false" and row["ptcrs"] and key not in from_the_cms_report:
            assert "editorial" in row["description"], key
    kyrgyzstan = _activities()["MP-2017-KGZ-WEST-SURVEY"]["description"]
    assert "PTCR 7" in kyrgyzstan
    assert "editorial" in kyrgyzstan


def test_demo_organisations_are_invented_and_marked() -> None:
    organisations = _rows("organisations")
    assert all(row["demo"] in {"true", "false"} for row in organisations)
    demo = [row for row in organisations if row["demo"] == "true"]
    assert len(demo) >= 4
    for row in demo:
        assert row["slug"].startswith("demo-"), row
        assert row["name"].startswith("[Demo] "), row
        assert (row["country"], row["url"], row["source"]) == ("", "", DEMO_SOURCE), row
    for row in organisations:
        if row["demo"] == "false":
            assert not row["slug"].startswith("demo-"), row
            assert "[Demo]" not in row["name"], row


def test_demo_records_never_name_a_real_organisation() -> None:
    demo = {row["slug"] for row in _rows("organisations") if row["demo"] == "true"}
    for key, row in _activities().items():
        named = [row["lead_organisation"], *_listed(row["partners"]), *_listed(row["funders"])]
        named = [slug for slug in named if slug]
        if row["demo"] == "true":
            assert set(named) <= demo, key
        else:
            assert not set(named) & demo, key
    for row in _rows("funding"):
        assert (row["funder"] in demo) == (row["demo"] == "true"), row
        assert row["activity_id"].startswith("DEMO-") == (row["demo"] == "true"), row


def test_demo_funders_still_give_in_several_currencies() -> None:
    demo = [row for row in _rows("funding") if row["demo"] == "true"]
    by_currency: dict[str, set[str]] = {}
    for row in demo:
        by_currency.setdefault(row["currency"], set()).add(row["funder"])
        assert row["note"].startswith("[Demo] "), row
    assert len(by_currency.get("EUR", ())) >= 3
    assert len(by_currency.get("USD", ())) >= 2


def test_every_demo_update_is_flagged_and_reads_as_invented() -> None:
    demo_activities = {key for key, row in _activities().items() if row["demo"] == "true"}
    for row in _rows("progress_updates"):
        is_demo = row["activity_id"] in demo_activities
        assert row["demo"] == ("true" if is_demo else "false"), row
        assert row["note"].startswith("[Demo] ") == is_demo, row
        if is_demo:
            assert "invented" in row["note"], row
            assert row["source"] == DEMO_SOURCE, row


def test_zoo_partners_fund_pica_with_the_amount_not_published() -> None:
    zoos = {"hellabrunn-zoo", "tierpark-berlin", "la-torbiera", "tallinn-zoo", "dakota-zoo"}
    rows = [row for row in _rows("funding") if row["funder"] in zoos]
    assert {row["funder"] for row in rows} == zoos
    for row in rows:
        assert (row["amount"], row["currency"], row["year"], row["demo"]) == ("", "", "", "false")
        assert row["source"] == ZOO_PAGE
        assert "not published" in row["note"]
        assert "editorial" in row["note"]
        assert row["funder"] in _listed(_activities()[row["activity_id"]]["funders"])


def test_funding_amounts_are_given_whole_or_not_at_all() -> None:
    for row in _rows("funding"):
        given = [bool(row[column]) for column in ("amount", "currency", "year")]
        assert all(given) or not any(given), row
        if not any(given):
            assert row["demo"] == "false", row
            assert "not published" in row["note"], row


def test_item_assessments_rest_on_their_sources() -> None:
    rows = _rows("item_assessments")
    items = {row["code"] for row in _rows("framework_items")}
    for row in rows:
        assert row["item"] in items, row
        assert row["status"] in ASSESSMENT_STATUSES, row
        assert row["source"], row
        assert row["note"].startswith("[Demo] ") == (row["demo"] == "true"), row
    real = {(row["item"], row["date"], row["status"]) for row in rows if row["demo"] == "false"}
    assert real == {("S6.2", "2024-02-17", "completed"), ("S6.3", "2025-06-26", "completed")}
    for row in rows:
        if row["demo"] == "false":
            assert "editorial assessment of a provisional item" in row["note"].lower(), row
    demo = [row for row in rows if row["demo"] == "true"]
    assert 4 <= len(demo) <= 8
    assert len({row["status"] for row in demo}) >= 3
    assert {row["item"][:4] == "CAMI" for row in demo} == {True, False}


def test_progress_and_assessment_rows_name_their_source() -> None:
    for name in ("progress_updates", "item_assessments"):
        for row in _rows(name):
            assert row["source"], f"{name}.csv: a row without a source: {row}"


def test_the_store_keeps_unpublished_amounts_empty(real_store: Engine) -> None:
    with Session(real_store) as session:
        rows = session.exec(
            select(m.Organisation.slug, m.Funding)
            .join(m.Funding, col(m.Funding.funder_id) == m.Organisation.id)
            .where(col(m.Funding.amount).is_(None))
        ).all()
    assert {slug for slug, _ in rows} == {
        "hellabrunn-zoo", "tierpark-berlin", "la-torbiera", "tallinn-zoo", "dakota-zoo",
    }  # fmt: skip
    assert all(f.currency is None and f.year is None and not f.demo for _, f in rows)


def test_the_store_flags_every_demo_update(real_store: Engine) -> None:
    with Session(real_store) as session:
        pairs = session.exec(
            select(m.Activity.demo, m.ProgressUpdate.demo, m.ProgressUpdate.note).join(
                m.ProgressUpdate, col(m.ProgressUpdate.activity_id) == m.Activity.id
            )
        ).all()
    assert pairs
    for activity_demo, update_demo, note in pairs:
        assert update_demo == activity_demo
        assert note.startswith("[Demo] ") == activity_demo


def test_the_store_holds_the_bhutan_project_as_its_page_gives_it(real_store: Engine) -> None:
    with Session(real_store) as session:
        bhutan = session.exec(
            select(m.Activity).where(m.Activity.activity_id == "MP-2021-BTN-STATUS-ASSESSMENT")
        ).one()
    assert (bhutan.start_date, bhutan.end_date) == (dt.date(2021, 8, 1), dt.date(2022, 4, 30))
    assert (bhutan.status, bhutan.progress_pct) == ("in_progress", None)


def test_the_store_marks_demo_organisations_and_demo_work_uses_only_them(
    real_store: Engine,
) -> None:
    with Session(real_store) as session:
        organisations = session.exec(select(m.Organisation)).all()
        linked = session.exec(
            select(m.Activity.activity_id, m.Activity.demo, m.Organisation.demo)
            .join(m.ActivityOrganisation, col(m.ActivityOrganisation.activity_id) == m.Activity.id)
            .join(m.Organisation, col(m.Organisation.id) == m.ActivityOrganisation.organisation_id)
        ).all()
        leads = session.exec(
            select(m.Activity.activity_id, m.Activity.demo, m.Organisation.demo).join(
                m.Organisation, col(m.Organisation.id) == m.Activity.lead_organisation_id
            )
        ).all()
        funders = session.exec(
            select(m.Funding.demo, m.Organisation.demo).join(
                m.Organisation, col(m.Organisation.id) == m.Funding.funder_id
            )
        ).all()
    assert all(o.demo == o.slug.startswith("demo-") for o in organisations)
    assert any(o.demo for o in organisations)
    for activity_id, activity_demo, organisation_demo in [*linked, *leads]:
        assert organisation_demo == activity_demo, activity_id
    assert all(funding_demo == funder_demo for funding_demo, funder_demo in funders)


def test_the_store_holds_the_settled_item_assessments(real_store: Engine) -> None:
    with Session(real_store) as session:
        real = session.exec(
            select(m.FrameworkItem.code, m.ItemAssessment.date, m.ItemAssessment.status)
            .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ItemAssessment.item_id)
            .where(col(m.ItemAssessment.demo).is_(False))
            .order_by(col(m.ItemAssessment.date))
        ).all()
        demo = session.exec(
            select(m.ItemAssessment.note).where(col(m.ItemAssessment.demo).is_(True))
        ).all()
    assert real == [
        ("S6.2", dt.date(2024, 2, 17), "completed"),
        ("S6.3", dt.date(2025, 6, 26), "completed"),
    ]
    assert demo
    assert all(note.startswith("[Demo] ") for note in demo)
