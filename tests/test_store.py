"""The store: migrations match the models, first start seeds, later starts keep the data."""

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, col, func, select

from dashboard import models as m
from dashboard.db import POSTGRESQL_WORK_MEM, make_engine, migrate
from dashboard.seed import SeedError, init_store, is_seeded
from dashboard.settings import Settings
from tests.conftest import FIXTURE_DATA


def test_migrations_and_models_agree(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), m.metadata
        )
    engine.dispose()
    assert differences == [], "models changed without a migration: run alembic revision"


def test_every_foreign_key_and_filter_column_is_indexed(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    migrate(engine)
    inspector = inspect(engine)
    for table in m.metadata.sorted_tables:
        indexed = {index["column_names"][0] for index in inspector.get_indexes(table.name)}
        primary = inspector.get_pk_constraint(table.name)["constrained_columns"]
        indexed |= {primary[0]} if primary else set()
        for key in inspector.get_foreign_keys(table.name):
            assert key["constrained_columns"][0] in indexed, (table.name, key)
    filtered = {
        ("activity", "status"),
        ("activity", "demo"),
        ("activity", "start_date"),
        ("activity", "end_date"),
        ("progressupdate", "date"),
        ("funding", "currency"),
        ("funding", "year"),
        ("organisation", "kind"),
    }
    for table, column in filtered:
        names = {index["column_names"][0] for index in inspector.get_indexes(table)}
        assert column in names, (table, column)
    engine.dispose()


def test_first_start_seeds_and_later_starts_keep_the_data(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    settings = Settings(database_url=empty_store_url, manul_data_dir=FIXTURE_DATA)
    assert not is_seeded(engine)
    assert init_store(engine, settings) is True
    with Session(engine) as session:
        activity = session.exec(select(m.Activity).where(m.Activity.activity_id == "A5")).one()
        activity.title = "Renamed by a partner"
        session.add(activity)
        session.commit()
    assert init_store(engine, settings) is False
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Activity)).one() == 5
        kept = session.exec(select(m.Activity.title).where(m.Activity.activity_id == "A5")).one()
        assert kept == "Renamed by a partner"
    engine.dispose()


def test_a_bad_data_file_is_named_and_nothing_is_seeded(
    empty_store_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "data"
    broken.mkdir()
    for path in FIXTURE_DATA.iterdir():
        (broken / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    activities = (broken / "activities.csv").read_text(encoding="utf-8")
    (broken / "activities.csv").write_text(activities.replace(",KAZ,9,", ",XXX,9,", 1), "utf-8")
    engine = make_engine(empty_store_url)
    with pytest.raises(
        SeedError, match=r"activities.csv, row 2, column countries: unknown country 'XXX'"
    ):
        init_store(engine, Settings(database_url=empty_store_url, manul_data_dir=broken))
    assert not is_seeded(engine)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Activity)).one() == 0
    engine.dispose()


def test_fixture_store_holds_the_fixture(session: Session) -> None:
    assert session.exec(select(func.count()).select_from(m.Activity)).one() == 5
    assert session.exec(select(func.count()).select_from(m.ProgressUpdate)).one() == 9
    a2 = session.exec(select(m.Activity).where(m.Activity.activity_id == "A2")).one()
    weights = session.exec(
        select(m.FrameworkItem.code, m.ActivityItem.weight)
        .join(m.ActivityItem, m.ActivityItem.item_id == m.FrameworkItem.id)
        .where(m.ActivityItem.activity_id == a2.id)
        .order_by(m.FrameworkItem.code)
    ).all()
    assert weights == [("S1.1", 2.0), ("S1.2", 1.0)]


def test_each_activity_row_holds_its_latest_update(session: Session) -> None:
    """The invariant today's figures rest on (see queries.scope._current_state)."""
    for activity in session.exec(select(m.Activity)).all():
        latest = session.exec(
            select(m.ProgressUpdate)
            .where(m.ProgressUpdate.activity_id == activity.id)
            .order_by(m.ProgressUpdate.date.desc(), m.ProgressUpdate.id.desc())  # type: ignore[union-attr]
        ).first()
        assert latest is not None
        assert (activity.status, activity.progress_pct) == (latest.status, latest.progress_pct)
        earliest = session.exec(
            select(func.min(m.ProgressUpdate.date)).where(
                m.ProgressUpdate.activity_id == activity.id
            )
        ).one()
        assert activity.first_reported == earliest
        latest_date = session.exec(
            select(func.max(m.ProgressUpdate.date)).where(
                m.ProgressUpdate.activity_id == activity.id
            )
        ).one()
        assert activity.last_reported == latest_date
        started = session.exec(
            select(func.min(m.ProgressUpdate.date)).where(
                m.ProgressUpdate.activity_id == activity.id,
                (col(m.ProgressUpdate.status).in_(m.WORK_STARTED_STATUSES))
                | (col(m.ProgressUpdate.progress_pct) > 0),
            )
        ).one()
        assert activity.first_started == started
        flags = session.exec(
            select(m.ProgressUpdate.demo).where(m.ProgressUpdate.activity_id == activity.id)
        ).all()
        assert set(flags) == {activity.demo}


def test_each_title_and_name_holds_its_sort_key(session: Session) -> None:
    """The invariant the explorer's title and lead sorts rest on (queries.activities)."""
    for title, key in session.exec(select(m.Activity.title, m.Activity.title_key)).all():
        assert key == m.sort_key(title) == title.casefold()
    for name, key in session.exec(select(m.Organisation.name, m.Organisation.name_key)).all():
        assert key == m.sort_key(name)


def test_postgresql_connections_sort_in_memory(empty_store_url: str) -> None:
    """On PostgreSQL every connection gets db.POSTGRESQL_WORK_MEM for its sorts and hashes."""
    engine = make_engine(empty_store_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting (run with DATABASE_URL pointing at a server)")
    with engine.connect() as connection:
        assert connection.execute(text("SHOW work_mem")).scalar() == POSTGRESQL_WORK_MEM
        assert connection.execute(text("SHOW jit")).scalar() == "off"
    engine.dispose()


def test_each_update_holds_its_change_against_the_one_before(session: Session) -> None:
    """The invariant completion over time rests on (see queries.history)."""
    previous: dict[int, tuple[float, int]] = {}
    updates = session.exec(
        select(m.ProgressUpdate).order_by(
            m.ProgressUpdate.activity_id,  # type: ignore[arg-type]
            m.ProgressUpdate.date,  # type: ignore[arg-type]
            m.ProgressUpdate.id,  # type: ignore[arg-type]
        )
    ).all()
    assert updates
    for update in updates:
        counted = 0 if update.status == "cancelled" else 1
        value = (100.0 if update.status == "completed" else update.progress_pct) * counted
        before_value, before_counted = previous.get(update.activity_id, (0.0, 0))
        assert update.value_change == pytest.approx(value - before_value), update
        assert update.counted_change == counted - before_counted, update
        previous[update.activity_id] = (value, counted)


# Two assessments in the data files' form: S1.2 completed on 2022-06-01, S2.2 not applicable
# on 2019-03-01. Not in the fixture's data directory, whose figures the query tests pin.
EXAMPLE_ASSESSMENTS = FIXTURE_DATA.parent / "item_assessments.csv"


def copy_of_fixture(directory: Path) -> Path:
    """The fixture data files and the example assessments in `directory`, to be changed."""
    copy = directory / "data"
    copy.mkdir()
    for path in (*FIXTURE_DATA.iterdir(), EXAMPLE_ASSESSMENTS):
        (copy / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def with_column(path: Path, name: str, values: dict[str, str], default: str) -> None:
    """Set (or add) a column of a CSV file: its value by the row's first cell, else `default`."""
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    if name not in header:
        header.append(name)
        rows = [[*row, ""] for row in rows]
    index = header.index(name)
    for row in rows:
        row[index] = values.get(row[0], default)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def test_the_seed_loads_assessments_and_demo_flags(empty_store_url: str, tmp_path: Path) -> None:
    data = copy_of_fixture(tmp_path)
    with_column(data / "organisations.csv", "demo", {"hellabrunn-zoo": "true"}, "false")
    # A3 and A4 are the fixture's demo activities: their updates say so.
    with_column(data / "progress_updates.csv", "demo", {"A3": "true", "A4": "true"}, "false")
    with (data / "funding.csv").open("a", encoding="utf-8") as funding:
        funding.write("fondation-segre,A5,,,,named as a funder,annual report,false\n")
    engine = make_engine(empty_store_url)
    init_store(engine, Settings(database_url=empty_store_url, manul_data_dir=data))
    with Session(engine) as session:
        assessed = session.exec(
            select(
                m.FrameworkItem.code,
                m.ItemAssessment.date,
                m.ItemAssessment.status,
                m.ItemAssessment.recorded_by,
            )
            .join(m.ItemAssessment, col(m.ItemAssessment.item_id) == m.FrameworkItem.id)
            .order_by(col(m.ItemAssessment.id))
        ).all()
        demo = session.exec(select(m.Organisation.slug).where(col(m.Organisation.demo))).all()
        unpublished = session.exec(
            select(m.Funding.amount, m.Funding.currency, m.Funding.year).where(
                m.Funding.source == "annual report"
            )
        ).all()
        flags = session.exec(
            select(m.Activity.activity_id, m.ProgressUpdate.demo)
            .join(m.Activity, col(m.Activity.id) == m.ProgressUpdate.activity_id)
            .distinct()
        ).all()
    engine.dispose()
    assert [tuple(row) for row in assessed] == [
        ("S1.2", dt.date(2022, 6, 1), "completed", "seed"),
        ("S2.2", dt.date(2019, 3, 1), "not_applicable", "seed"),
    ]
    assert demo == ["hellabrunn-zoo"]
    assert [tuple(row) for row in unpublished] == [(None, None, None)]
    assert sorted(map(tuple, flags)) == [
        ("A1", False),
        ("A2", False),
        ("A3", True),
        ("A4", True),
        ("A5", False),
    ]


def test_an_older_data_directory_seeds_without_assessments(session: Session) -> None:
    """The fixture's data directory has no item_assessments.csv (nor demo organisations)."""
    assert not (FIXTURE_DATA / "item_assessments.csv").exists()
    assert session.exec(select(func.count()).select_from(m.ItemAssessment)).one() == 0
    assert not any(session.exec(select(m.Organisation.demo)).all())


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "progress_updates.csv",
            lambda path: with_column(path, "demo", {"A3": "true"}, "false"),
            # A4 is a demo activity; its update (row 8) says it is not.
            r"progress_updates.csv, row 8, column demo: A4 is demo data, so its updates are "
            r"demo=true",
        ),
        (
            "organisations.csv",
            lambda path: with_column(path, "demo", {"acbk": "perhaps"}, "false"),
            r"organisations.csv, row 3, column demo: expected true or false, got 'perhaps'",
        ),
        (
            "item_assessments.csv",
            lambda path: path.write_text(
                path.read_text(encoding="utf-8") + "S9,2020-01-01,started,,report,false\n",
                encoding="utf-8",
            ),
            r"item_assessments.csv, row 4, column item: unknown framework item 'S9'",
        ),
        (
            "item_assessments.csv",
            lambda path: path.write_text(
                path.read_text(encoding="utf-8") + "S1.2,2022-06-01,started,,report,false\n",
                encoding="utf-8",
            ),
            r"item_assessments.csv, row 4, column date: duplicate assessment of S1.2 on "
            r"2022-06-01 \(also in row 2\)",
        ),
    ],
)
def test_a_bad_new_column_or_file_is_named_and_nothing_is_seeded(
    empty_store_url: str,
    tmp_path: Path,
    file: str,
    change: Callable[[Path], None],
    message: str,
) -> None:
    data = copy_of_fixture(tmp_path)
    change(data / file)
    engine = make_engine(empty_store_url)
    with pytest.raises(SeedError, match=message):
        init_store(engine, Settings(database_url=empty_store_url, manul_data_dir=data))
    assert not is_seeded(engine)
    engine.dispose()
