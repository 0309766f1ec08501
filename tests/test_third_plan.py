"""A third plan is data only: the CMS Concerted Action 14.3 loaded from data/plans/, then its
plan view, the synergies Strategy × Concerted Action and the export (issue 14).

The fixture store (tests/fixtures/data) with the Concerted Action (2024–2025) loaded and its
three assessments (all completed). The activity template links only to the Strategy and the
CAMI WP today, so the links to the third plan are written here directly:
    A2  S1.1:2;S1.2  → CA14.3-ii   work 2021-01-01 … last report 2025-06-01 (50 %)
    A5  S1.2         → CA14.3-i    work 2023-01-01 … last report 2024-01-01 (on hold, 25 %)
    A4  (CAMI only)  → CA14.3-iii  work 2026–2032: after the Concerted Action, serves nothing
Strategy × Concerted Action, demo included: A2 and A5 serve both; A1 and A3 (demo) the
Strategy only; A4 neither (its only links are to the CAMI WP, not in the pair, and to the
Concerted Action outside its period). Share 2 / 4 = 50 %.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from dashboard import cli, queries
from dashboard import models as m
from dashboard.db import make_engine
from dashboard.filters import Filters
from dashboard.importer import import_file
from dashboard.plan_files import import_plan
from tests.conftest import FIXTURE_DATA, ROOT
from tests.test_plan_files import CONCERTED_ACTION, OPERATOR, files

CA = "concerted-action-14-3"
APP = str(ROOT / "app.py")
LINKS = {"A2": "CA14.3-ii", "A5": "CA14.3-i", "A4": "CA14.3-iii"}
EVERYTHING = Filters(include_demo=True)


@pytest.fixture
def store(writable_store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The fixture store with the Concerted Action, its assessments and three links; the app
    pointed at it."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        import_plan(
            session=session,
            files=files(
                CONCERTED_ACTION / "frameworks.csv", CONCERTED_ACTION / "framework_items.csv"
            ),
            actor=OPERATOR,
        )
    with Session(engine) as session:
        import_file(
            session=session,
            data=(CONCERTED_ACTION / "item_assessments.csv").read_bytes(),
            actor=OPERATOR,
        )
    with Session(engine) as session:
        for activity, code in LINKS.items():
            session.add(
                m.ActivityItem(
                    activity_id=session.exec(
                        select(m.Activity.id).where(m.Activity.activity_id == activity)
                    ).one(),
                    item_id=session.exec(
                        select(m.FrameworkItem.id).where(m.FrameworkItem.code == code)
                    ).one(),
                )
            )
        session.commit()
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    st.cache_data.clear()
    yield engine
    st.cache_data.clear()
    engine.dispose()


def test_the_default_pair_stays_the_first_two_plans(store: Engine) -> None:
    with Session(store) as session:
        assert queries.default_pair(session=session) == ("strategy", "cami")
        assert queries.plan_names(session=session)["code"].tolist() == ["strategy", "cami", CA]


def test_synergies_of_the_strategy_and_the_concerted_action(store: Engine) -> None:
    pair = {"first": "strategy", "second": CA}
    with Session(store) as session:
        share = queries.synergy_share(session=session, filters=EVERYTHING, **pair)
        matrix = queries.synergy_matrix(session=session, filters=EVERYTHING, **pair)
        plans = queries.activity_plans(session=session, filters=EVERYTHING, **pair)
        orphans = queries.plan_overlap(session=session, filters=EVERYTHING, **pair)[CA]
    assert {key: share[key] for key in ("activities", "both", "first_only", "second_only")} == {
        "activities": 5,
        "both": 2,
        "first_only": 2,
        "second_only": 0,
    }
    assert share["share"] == 0.5
    cells = {
        (row.first_item, row.second_item): (row.activities, row.completion_pct)
        for row in matrix.itertuples()
        if row.activities
    }
    assert cells == {("S1", "CA14.3-i"): (1, 25.0), ("S1", "CA14.3-ii"): (1, 50.0)}
    assert set(matrix["second_level"]) == {"objective"}
    assert list(plans.columns[-3:]) == ["strategy (provisional structure)", CA, "plans"]
    assert plans.set_index("activity_id")[CA].to_dict() == {
        "A1": "",
        "A2": "CA14.3-ii",
        "A3": "",
        "A4": "CA14.3-iii",
        "A5": "CA14.3-i",
    }
    assert plans.set_index("activity_id")["plans"].to_dict()["A1"] == "Strategy only"
    # CA14.3-iii: only A4 links to it, and A4's work comes after the Concerted Action.
    assert orphans[["code", "activities"]].values.tolist() == [["CA14.3-iii", 0]]


def test_the_synergies_page_with_the_concerted_action_chosen(store: Engine) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["demo"] = "true"
    at.query_params["syn_second"] = "Concerted Action 14.3"
    at.run()
    at.switch_page("views/synergies_page.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="syn_first").options == ["Strategy", "CAMI WP", "Concerted Action 14.3"]
    assert at.selectbox(key="syn_second").value == CA
    assert {metric.label: metric.value for metric in at.metric} == {
        "Synergy share": "50 %",
        "Serve both plans": "2",
        "Strategy only": "2",
        "Concerted Action 14.3 only": "0",
    }
    assert "Strategy × Concerted Action 14.3 matrix" in [header.value for header in at.subheader]
    # Choosing the CAMI WP again goes back to the default pair's figures.
    at.selectbox(key="syn_second").set_value("cami").run()
    assert {metric.label: metric.value for metric in at.metric}["CAMI WP only"] == "1"


def test_the_plan_view_of_the_concerted_action(store: Engine) -> None:
    def plan_page() -> None:
        from dashboard.filters import Filters
        from dashboard.ui.framework_view import framework_body

        framework_body("concerted-action-14-3", Filters(include_demo=True))

    at = AppTest.from_function(plan_page, default_timeout=60).run()
    assert not at.exception, at.exception
    text = " ".join(str(element.value) for element in [*at.markdown, *at.caption] if element.value)
    assert "Concerted Action 14.3" in text
    shown = " ".join(str(frame.value.to_dict()) for frame in at.dataframe)
    for title in (
        "addition of the Pallas's cat to the Central Asian Mammals Initiative (CAMI)",
        "development of an associated Programme of Work aligned with the Pallas's Cat "
        "Conservation Strategy 2018-2028",
        "effective implementation of the Concerted Action and Programme of Work to enhance the "
        "conservation status of the species",
    ):
        assert title in shown


def test_the_export_has_the_third_plans_codes(
    store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["export", "--include-demo", "--out", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    assert CA in header
    row = next(line for line in lines if line.startswith("A2,"))
    assert "CA14.3-ii" in row
    with Session(store) as session:
        linked = session.exec(
            select(m.FrameworkItem.code)
            .join(m.ActivityItem, col(m.ActivityItem.item_id) == m.FrameworkItem.id)
            .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
            .where(m.Framework.code == CA)
        ).all()
    assert sorted(linked) == sorted(LINKS.values())
