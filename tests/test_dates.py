"""One validation of a record's dates for every way in (import, form drafts, command line):
ISO `YYYY-MM-DD` only, from 1990 to ten years ahead; and pages that survive any stored date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from dashboard import cli, dates, editing
from dashboard import models as m
from dashboard.auth import command_line_actor
from dashboard.db import make_engine
from dashboard.importer import ImportFileError, import_file
from tests.conftest import FIXTURE_DATA, app_on
from tests.test_pages import PAGES, PARTNER_PAGES, run_app

TODAY = dt.date.today()


@pytest.mark.parametrize("text", ["2026-01-01", "1990-01-01", " 2024-02-29 "])
def test_an_iso_date_is_read(text: str) -> None:
    assert dates.parse(text) == dt.date.fromisoformat(text.strip())


@pytest.mark.parametrize(
    "text",
    [
        "20260101",
        "2026-W10-1",
        "2026W101",
        "2026-001",
        "2026-1-1",
        "２０２６-01-01",
        "2026-01-01T00",
    ],
)
def test_other_date_forms_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a date YYYY-MM-DD"):
        dates.parse(text)


def test_the_range_is_1990_to_ten_years_ahead() -> None:
    today = dt.date(2026, 12, 3)
    assert dates.latest(today) == dt.date(2036, 12, 31)
    assert dates.out_of_range(dt.date(1990, 1, 1), today) is None
    assert dates.out_of_range(dt.date(2036, 12, 31), today) is None
    assert dates.out_of_range(dt.date(1989, 12, 31), today) == (
        "1989-12-31 is before 1990-01-01: check the date"
    )
    assert dates.out_of_range(dt.date(2037, 1, 1), today) == (
        "2037-01-01 is after 2036-12-31: check the date"
    )


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def rejected(engine: Engine, text: str) -> list[str]:
    with Session(engine) as session, pytest.raises(ImportFileError) as error:
        import_file(session=session, data=text.encode(), actor=command_line_actor("tester"))
    return error.value.problems


PROGRESS = "activity_id,date,progress_pct,status,note,source\n"
FAR = dates.latest(TODAY) + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            PROGRESS + "A2,0001-01-01,60,in_progress,,x\n",
            "row 2, column date: 0001-01-01 is before 1990-01-01: check the date",
        ),
        (
            PROGRESS + "A2,20260101,60,in_progress,,x\n",
            "row 2, column date: expected a date YYYY-MM-DD, got '20260101'",
        ),
        (
            PROGRESS + "A2,2026-W10-1,60,in_progress,,x\n",
            "row 2, column date: expected a date YYYY-MM-DD, got '2026-W10-1'",
        ),
        (
            (FIXTURE_DATA / "activities.csv").read_text().splitlines()[0]
            + f"\nA9,Far,,planned,0,2026-01-01,{FAR.isoformat()},,,,KAZ,,,,,,,false\n",
            f"row 2, column end_date: {FAR.isoformat()} is after "
            f"{dates.latest(TODAY).isoformat()}: check the date",
        ),
        (
            "activity_id,indicator,value,unit,target,date,note,source,demo\n"
            "A1,cameras,3,,,1899-12-31,,x,false\n",
            "row 2, column date: 1899-12-31 is before 1990-01-01: check the date",
        ),
        (
            "item,date,status,note,source,demo\nS1.1,1989-12-31,started,,x,false\n",
            "row 2, column date: 1989-12-31 is before 1990-01-01: check the date",
        ),
        (
            "funder,activity_id,amount,currency,year,note,source,demo\n"
            "hellabrunn-zoo,A1,10,EUR,1950,,x,false\n",
            "row 2, column year: 1950 is not a plausible year",
        ),
    ],
)
def test_the_import_refuses_dates_a_record_cannot_have(
    engine: Engine, text: str, problem: str
) -> None:
    assert rejected(engine, text) == [problem]


def test_a_draft_from_the_form_is_checked_the_same_way(engine: Engine) -> None:
    with Session(engine) as session:
        reference = editing.load_reference(session=session)
    draft = editing.ActivityDraft(
        activity_id="A9",
        title="Old",
        start_date=dt.date(1, 1, 1),
        end_date=dt.date(9999, 12, 31),
        countries=("KAZ",),
    )
    problems = {
        problem.field: problem.message for problem in editing.check_activity(draft, reference)
    }
    assert problems["start_date"] == "0001-01-01 is before 1990-01-01: check the date"
    assert problems["end_date"].startswith("9999-12-31 is after")
    progress = editing.ProgressDraft(
        activity_id="A2", date=dt.date(1, 1, 1), progress_pct=5, status="in_progress"
    )
    assert [problem.field for problem in editing.check_progress(progress, ["A2"])] == ["date"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20260101", "--as-of must be a date YYYY-MM-DD, not '20260101'"),
        ("2026-W10-1", "--as-of must be a date YYYY-MM-DD, not '2026-W10-1'"),
        ("0001-01-01", "--as-of 0001-01-01 is before 1990-01-01: check the date"),
    ],
)
def test_the_command_line_refuses_other_dates(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["progress"], ["export", "--out", "-"]):
        assert cli.main([*command, "--as-of", value]) == 2
        assert capsys.readouterr().err == f"error: {message}\n"


@pytest.fixture
def store_with_stray_dates(
    writable_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The fixture store with dates no check lets in any more, written straight into it as an
    older version or another tool could have: an update of year 1, an activity from year 1
    to 9999, an output and an assessment of year 1."""
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        ids = dict(session.exec(select(m.Activity.activity_id, m.Activity.id)).all())
        year_one = dt.date(1, 1, 1)
        session.add(
            m.ProgressUpdate(
                activity_id=ids["A2"], date=year_one, progress_pct=5, status="in_progress"
            )
        )
        session.flush()
        editing.sync_reported_dates(session, [ids["A2"]])
        editing.sync_progress_changes(session, [ids["A2"]])
        session.execute(
            update(m.Activity)
            .where(m.Activity.id == ids["A5"])
            .values(start_date=year_one, end_date=dt.date(9999, 12, 31))
        )
        item = session.exec(select(m.FrameworkItem.id).where(m.FrameworkItem.code == "S1.1")).one()
        session.add(m.ItemAssessment(item_id=item, date=year_one, status="started", source="x"))
        session.add(
            m.Output(activity_id=ids["A1"], indicator="cameras", value=1, date=year_one, source="x")
        )
        session.commit()
    engine.dispose()
    with app_on(writable_store_url, monkeypatch):
        yield


@pytest.mark.usefixtures("store_with_stray_dates")
@pytest.mark.parametrize("as_of", [None, "0001-06-01", "1990-01-01"])
@pytest.mark.parametrize("page", [page for page in PAGES if page not in PARTNER_PAGES])
def test_every_page_survives_any_stored_date(page: str, as_of: str | None) -> None:
    at = run_app(page, demo="true", **({"as_of": as_of} if as_of else {}))
    assert not at.exception, at.exception
    assert [error.value for error in at.error] == []
    assert at.title, "the page drew nothing"
