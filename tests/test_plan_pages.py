"""One page per plan in the store: a plan loaded later gets its page with no code change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from dashboard import models as m
from dashboard.db import make_engine
from tests.conftest import ROOT, app_on, seeded_engine, switch_to, temporary_store

APP = str(ROOT / "app.py")
# A third plan, as `dashboard framework import` would load it (the CMS Concerted Action 14.3
# for the Pallas's cat, objectives (i)–(iii); issue 14). Test data, not the seed files.
THIRD = m.Framework(
    code="concerted-action",
    name="Test Concerted Action 14.3",
    short_name="CA 14.3",
    period_start=2020,
    period_end=2026,
    description="Test plan.",
    source="test",
)
OBJECTIVES = {"CA-i": "Addition to CAMI", "CA-ii": "Programme of Work", "CA-iii": "Implementation"}


def add_a_third_plan(url: str) -> None:
    """Into the store at `url`: the third plan, its items, and A1 serving its first item."""
    engine = make_engine(url)
    with Session(engine) as session:
        plan = m.Framework.model_validate(THIRD.model_dump())
        session.add(plan)
        session.flush()
        assert plan.id is not None
        items = [
            m.FrameworkItem(
                framework_id=plan.id, code=code, title=title, level="objective", sort_order=n
            )
            for n, (code, title) in enumerate(OBJECTIVES.items())
        ]
        session.add_all(items)
        session.flush()
        a1 = session.exec(select(m.Activity).where(m.Activity.activity_id == "A1")).one()
        assert a1.id is not None
        assert items[0].id is not None
        session.add(m.ActivityItem(activity_id=a1.id, item_id=items[0].id))
        session.commit()
    engine.dispose()


@pytest.fixture
def three_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fixture store with a third plan and an activity (A1) serving its first item."""
    with temporary_store(tmp_path) as url:
        seeded_engine(url).dispose()
        add_a_third_plan(url)
        with app_on(url, monkeypatch):
            yield


def plan_pages(at: AppTest) -> list[tuple[str, str]]:
    """The plan pages the navigation registered: (url path, script), in its order."""
    return [
        (str(info.get("url_pathname")), Path(str(info.get("script_path"))).name)
        for info in at._registered_pages.values()
        if str(info.get("script_path", "")).endswith("plan_page.py")
    ]


@pytest.mark.usefixtures("three_plans")
def test_a_plan_loaded_later_has_its_page_in_the_stores_order() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    # The store's order: the earliest plan first (Strategy 2018, the new one 2020, CAMI 2026).
    assert plan_pages(at) == [
        ("strategy", "plan_page.py"),
        ("concerted-action", "plan_page.py"),
        ("cami", "plan_page.py"),
    ]
    switch_to(at, "concerted-action").run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    assert [title.value for title in at.title] == ["Test Concerted Action 14.3"]
    # A1 (completed in 2020, within the plan's period) serves CA-i: one item started.
    assert {metric.label: metric.value for metric in at.metric}["Items started"] == "1 of 3"
    tree = next(frame.value for frame in at.dataframe if "Code" in frame.value.columns)
    assert tree["Code"].tolist() == list(OBJECTIVES)
    # Its items are in the shared filter, like every plan's.
    assert any(option.startswith("CA-ii ") for option in at.multiselect(key="item").options)
    # The PTCRs stay on the page of the plan that defines them.
    assert "Priority Transboundary" not in " ".join(s.value for s in at.subheader)


@pytest.mark.usefixtures("app_env")
def test_the_two_seeded_plans_keep_their_urls_and_take_their_titles_from_the_store() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [path for path, _ in plan_pages(at)] == ["strategy", "cami"]
    for path, title in [
        ("strategy", "Fixture Strategy 2018–2028"),
        ("cami", "Fixture Work Programme 2026–2032"),
    ]:
        switch_to(at, path).run()
        assert [element.value for element in at.title] == [title]
