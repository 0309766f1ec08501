"""Progress that was not reported: an activity under way whose report gives no percentage is
listed as "not reported" and left out of every mean, never read as 0 %."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import charts, editing, queries
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import EditError, ProgressDraft
from dashboard.filters import Filters
from dashboard.importer import import_file

ALICE = Actor(name="alice", role="admin", via="form")
MID_2026 = Filters(include_demo=True, as_of=dt.date(2026, 6, 30))


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def report(engine: Engine, activity: str, day: dt.date, pct: float | None, status: str) -> None:
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=ProgressDraft(activity_id=activity, date=day, progress_pct=pct, status=status),
            actor=ALICE,
            today=dt.date(2026, 12, 1),
        )
        session.commit()


def test_an_unreported_percentage_is_left_out_of_the_plans_mean(engine: Engine) -> None:
    # A2 (S1.1 weight 2, S1.2; 50 % since 2025) reports on 2026-03-01 that work goes on, with
    # no percentage. The Strategy's mean was (100·1 + 50·2 + 50·1 + 25·1) / 5 = 55 % over A1,
    # A2 and A5; now it is over A1 and A5 alone: (100 + 25) / 2 = 62.5 %, and says so.
    with Session(engine) as session:
        before = queries.plan_progress(session=session, filters=MID_2026, framework="strategy")
    assert before.iloc[0]["activity_progress_pct"] == pytest.approx(55.0)
    report(engine, "A2", dt.date(2026, 3, 1), None, "in_progress")
    with Session(engine) as session:
        plan = queries.plan_progress(session=session, filters=MID_2026, framework="strategy")
        row = plan.iloc[0]
        assert row["activity_progress_pct"] == pytest.approx(62.5)
        assert (row["activities_counted"], row["activities_not_reported"]) == (2, 1)
        assert row["activities"] == 4
        # The sentence says how many the mean covers and how many it leaves out.
        assert (
            "the 2 activities of its period that report a percentage are on average 62 % of the "
            "way through their own work; 1 activity under way reports no percentage and is left "
            "out of that mean."
        ) in charts.plan_sentence(row)
        # Its items: S1.1 now rests on A1 alone; A2 still makes them started.
        items = queries.item_progress(
            session=session, filters=MID_2026, framework="strategy"
        ).set_index("code")
        assert items.loc["S1.1", "activity_progress_pct"] == pytest.approx(100.0)
        assert items.loc["S1.1", "counted"] == 1
        assert items.loc["S1.1", "status"] == "started"
        # The goal's bar says what its mean leaves out.
        figure = charts.activity_progress_bars(items.reset_index(), title="Goals", max_depth=0)
        notes = {note.hovertext: note.text for note in figure.layout.annotations}
        assert notes["S1 Knowledge (provisional)"].endswith(
            ">62 % · 2 act. (+1 not reported) · started</span>"
        )
        # An earlier date reads the percentage reported then.
        earlier = queries.plan_progress(
            session=session,
            filters=Filters(include_demo=True, as_of=dt.date(2026, 2, 1)),
            framework="strategy",
        )
        assert earlier.iloc[0]["activity_progress_pct"] == pytest.approx(55.0)
        # Its history: on 2026-03-01 the mean moves from 55 to 62.5 %, over 2 activities.
        history = queries.activity_progress_history(
            session=session, filters=MID_2026, framework="strategy"
        )
        last = history.iloc[-1]
        assert (last["date"], round(last["activity_progress_pct"], 6), last["activities"]) == (
            dt.date(2026, 3, 1),
            62.5,
            2,
        )
        # A listing shows no number: the explorer's progress is empty, not 0.
        listing = queries.activity_listing(session=session, filters=MID_2026)
        a2 = listing.set_index("activity_id").loc["A2"]
        assert a2["progress_pct"] != a2["progress_pct"]  # NaN
        stored = session.exec(select(m.Activity).where(m.Activity.activity_id == "A2")).one()
        assert (stored.status, stored.progress_pct) == ("in_progress", None)


def test_a_map_place_mean_leaves_it_out(engine: Engine) -> None:
    # MNG: A2 (50 %) and A4 (planned, 0 %, demo): mean 25 %; with A2 unreported, 0 % over A4.
    report(engine, "A2", dt.date(2026, 3, 1), None, "in_progress")
    with Session(engine) as session:
        countries = queries.coverage_by_country(session=session, filters=MID_2026)
    mongolia = countries.set_index("iso3").loc["MNG"]
    assert (mongolia["activities"], mongolia["counted"]) == (2, 1)
    assert mongolia["completion_pct"] == pytest.approx(0.0)


def test_a_completed_activity_is_at_100_not_unreported(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(EditError) as refused:
        editing.record_progress(
            session=session,
            draft=ProgressDraft(
                activity_id="A2", date=dt.date(2026, 3, 1), progress_pct=None, status="completed"
            ),
            actor=ALICE,
            today=dt.date(2026, 12, 1),
        )
    assert [problem.field for problem in refused.value.problems] == ["progress_pct"]


def test_an_empty_cell_in_a_file_is_not_reported(engine: Engine) -> None:
    data = (
        b"activity_id,date,progress_pct,status,note,source\n"
        b"A2,2026-03-01,,in_progress,no percentage given,https://example.org/a2\n"
    )
    with Session(engine) as session:
        import_file(session=session, data=data, actor=ALICE, name="progress_updates.csv")
        session.commit()
        update = session.exec(
            select(m.ProgressUpdate)
            .join(m.Activity)
            .where(m.Activity.activity_id == "A2", m.ProgressUpdate.date == dt.date(2026, 3, 1))
        ).one()
        assert update.progress_pct is None
    # A repeat import finds the same update and adds nothing.
    with Session(engine) as session:
        import_file(session=session, data=data, actor=ALICE, name="progress_updates.csv")
        session.commit()
        assert (
            len(
                session.exec(
                    select(m.ProgressUpdate).join(m.Activity).where(m.Activity.activity_id == "A2")
                ).all()
            )
            == 3
        )


def test_progress_in_words() -> None:
    assert charts.progress_text(None) == "not reported"
    assert charts.progress_text(float("nan")) == "not reported"
    assert charts.progress_text(40.0) == "40 %"


def test_a_store_with_activities_and_their_history_upgrades(empty_store_url: str) -> None:
    # A store in use at 0007: its activities have progress updates that refer to them, so
    # SQLite's copy-and-drop of the activity table must not trip over the foreign keys.
    from alembic import command
    from sqlalchemy import inspect, text

    from dashboard.db import alembic_config, migrate

    engine = make_engine(empty_store_url)
    config = alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO activity (id, activity_id, title, description, status, progress_pct,"
                " source_url, demo, version, created_at, updated_at, title_key) VALUES (1, 'A1',"
                " 'Survey', '', 'in_progress', 0, '', false, 1, '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00', 'survey')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO progressupdate (activity_id, date, progress_pct, status, note,"
                " source, recorded_at) VALUES (1, '2026-01-01', 0, 'in_progress', '', '',"
                " '2026-01-01 00:00:00')"
            )
        )
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    migrate(engine)
    with Session(engine) as session:
        activity = session.exec(select(m.Activity)).one()
        update = session.exec(select(m.ProgressUpdate)).one()
        # Kept as it was (0 stays 0: whether it meant "not reported" is for its partner to say).
        assert (activity.activity_id, activity.progress_pct, update.progress_pct) == ("A1", 0, 0)
        assert update.activity_id == activity.id
    columns = {c["name"]: c for c in inspect(engine).get_columns("activity")}
    assert columns["progress_pct"]["nullable"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            # Foreign keys are on again for the app's connections.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            # The copied tables have their statistics again (without them, the planner took
            # a 100k store's synergies page from under 2 s to minutes).
            analysed = {
                row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")
            }
            assert {"activity", "progressupdate"} <= analysed
    engine.dispose()
