"""The plan that defines the PTCRs is data (regions.csv's `framework`, Region.framework_id,
migration 0013), not a code written in the app: its page lists them, no other plan's does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from dashboard import models as m
from dashboard import queries
from dashboard.db import alembic_config, make_engine, migrate
from dashboard.filters import Filters
from dashboard.seed import SeedError, seed_store
from tests.conftest import FIXTURE_DATA


def test_the_migration_gives_the_regions_to_the_plan_that_always_described_them(
    empty_store_url: str,
) -> None:
    engine = make_engine(empty_store_url)
    command.upgrade(alembic_config(engine), "0012")
    with engine.begin() as connection:
        for code in ("strategy", "cami"):
            connection.execute(
                text(
                    "INSERT INTO framework (code, name, short_name, period_start, period_end,"
                    " description, source, items_column)"
                    " VALUES (:code, :code, :code, 2020, 2030, '', '', '')"
                ),
                {"code": code},
            )
        connection.execute(
            text(
                "INSERT INTO region (number, name, pallas_status, latitude, longitude,"
                " countries_derived, position_derived, source)"
                " VALUES (9, 'Altai', 'target', 49.5, 88.5, true, true, 'x')"
            )
        )
    migrate(engine)
    with Session(engine) as session:
        cami = session.exec(select(m.Framework.id).where(m.Framework.code == "cami")).one()
        assert session.exec(select(m.Region.framework_id)).all() == [cami]
        assert {plan.code: plan.defines_regions for plan in queries.plans(session)} == {
            "strategy": False,
            "cami": True,
        }
    engine.dispose()


def test_only_the_plan_that_defines_the_regions_lists_them(session: Session) -> None:
    filters = Filters()
    assert [plan.code for plan in queries.plans(session) if plan.defines_regions] == ["cami"]
    every = queries.ptcr_listing(session, filters=filters)
    assert not every.empty
    assert queries.ptcr_listing(session, filters=filters, framework="cami").equals(every)
    assert queries.ptcr_listing(session, filters=filters, framework="strategy").empty


def test_regions_may_belong_to_any_plan(tmp_path: Path, empty_store_url: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    regions = data / "regions.csv"
    regions.write_text(
        regions.read_text(encoding="utf-8").replace(",cami,", ",strategy,"), encoding="utf-8"
    )
    engine = make_engine(empty_store_url)
    migrate(engine)
    with Session(engine) as session:
        seed_store(session=session, data_dir=data)
        session.commit()
        assert [plan.code for plan in queries.plans(session) if plan.defines_regions] == [
            "strategy"
        ]
    engine.dispose()


def test_a_region_of_an_unknown_plan_is_refused(tmp_path: Path, empty_store_url: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    regions = data / "regions.csv"
    regions.write_text(
        regions.read_text(encoding="utf-8").replace(",cami,", ",nowhere,", 1), encoding="utf-8"
    )
    engine = make_engine(empty_store_url)
    migrate(engine)
    with Session(engine) as session, pytest.raises(SeedError, match="unknown framework 'nowhere'"):
        seed_store(session=session, data_dir=data)
    engine.dispose()
