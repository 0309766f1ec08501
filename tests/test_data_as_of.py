"""Every page says when its data last changed and how to cite it (issue 17)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import Session

from dashboard import models as m
from dashboard import queries
from dashboard.db import make_engine
from tests.test_pages import PAGES, PARTNER_PAGES, run_app


def test_the_data_changed_when_an_activity_last_did(writable_store_url: str) -> None:
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        loaded = queries.data_last_changed(session=session)
        assert loaded is not None
        later = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
        session.exec(
            update(m.Activity).where(m.Activity.activity_id == "A2").values(updated_at=later)
        )  # type: ignore[call-overload]
        session.commit()
        assert queries.data_last_changed(session=session) == later
    engine.dispose()


def citation(at: object) -> str:
    lines = [c.value for c in at.caption if c.value.startswith("Data as of")]  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return str(lines[0])


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if page not in PARTNER_PAGES and "signin" not in page],
)
def test_every_page_says_when_its_data_changed_and_how_to_cite_it(page: str) -> None:
    params = {"id": "A1"} if "activity_page" in page else {}
    at = run_app(page, **params)
    assert not at.exception, at.exception
    line = citation(at)
    today = dt.date.today().isoformat()
    assert line.startswith("Data as of 20"), line
    assert f"Cite as: Manul Progress, “{at.title[0].value}”" in line
    assert line.endswith(f"(accessed {today}).")


@pytest.mark.usefixtures("app_env")
def test_the_citation_names_the_view_with_its_filters() -> None:
    at = run_app("views/regions_page.py", country="KAZ")
    assert "regions?country=KAZ" in citation(at)
