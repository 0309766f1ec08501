"""Time the import of a 10k-row activity file into a copy of a benchmark store."""

from __future__ import annotations

import csv
import io
import random
import shutil
import time
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from dashboard import models as m
from dashboard.auth import command_line_actor
from dashboard.db import make_engine
from dashboard.importer import import_file

COLUMNS = [
    "activity_id", "title", "description", "status", "progress_pct", "start_date", "end_date",
    "lead_organisation", "partners", "funders", "countries", "ptcrs", "strategy_items",
    "cami_sections", "latitude", "longitude", "source_url", "demo",
]  # fmt: skip


def activity_file(
    url: str, rows: int, seed: int = 7, description: str = "Benchmark import."
) -> bytes:
    """A valid activities template file of `rows` new activities, codes taken from the store."""
    rng = random.Random(seed)
    engine = make_engine(url)
    with Session(engine) as session:
        items = session.execute(select(m.FrameworkItem.code)).scalars().all()
        countries = session.execute(select(m.Country.iso3)).scalars().all()
        organisations = session.execute(select(m.Organisation.slug)).scalars().all()
    engine.dispose()
    strategy = [code for code in items if code.startswith("S")]
    cami = [code for code in items if code.startswith("CAMI")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for number in range(rows):
        status = rng.choice(("planned", "in_progress", "completed"))
        progress = {"planned": 0, "completed": 100}.get(status, rng.randrange(5, 95, 5))
        year = rng.randint(2019, 2026)
        writer.writerow([
            f"IMPORT-{number:06d}", f"[Demo] Imported activity {number}", description,
            status, progress, f"{year}-01-01", f"{year + 2}-12-31", rng.choice(organisations),
            rng.choice(organisations), "", ";".join(rng.sample(countries, 2)), "",
            ";".join(rng.sample(strategy, 2)), rng.choice(cami), "", "", "", "true",
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _copy(url: str) -> tuple[str, Any]:
    """A throwaway copy of the store at `url`, and how to remove it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = parsed.database or ""
        target = source.replace(".sqlite3", "-import.sqlite3")
        shutil.copyfile(source, target)
        return f"sqlite:///{target}", lambda: None
    name = f"{parsed.database}_import"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def import_seconds(url: str, scale: int, rows: int = 10_000) -> dict[str, Any]:
    copy, drop = _copy(url)
    try:
        data = activity_file(copy, rows)
        engine = make_engine(copy)
        with Session(engine) as session:
            started = time.perf_counter()
            report = import_file(
                session=session, data=data, actor=command_line_actor("bench"), name="bench.csv"
            )
            seconds = time.perf_counter() - started
        engine.dispose()
    finally:
        drop()
    return {"seconds": seconds, "rows": rows, "report": " ".join(report.lines())[:200]}
