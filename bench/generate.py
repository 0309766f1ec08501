"""Fill a store with N realistic, deterministic activities (random.Random(42)) for benchmarks.

    python -m bench.generate --activities 100000 --url sqlite:////tmp/bench-100k.sqlite3

The reference data (frameworks, items, range states, PTCRs, organisations) and the real
activities come from data/ as usual; the generated activities (`BENCH-…`) have the shape of
real ones: 1–4 framework links, 1–3 countries, a PTCR for half of them, a lead and 0–3 partners
or funders, one or two sites, about five progress updates, funding and outputs. Their work
spans 2010 to the 2030s, so that part of it ended before each plan began (the Strategy
2018–2028, the CAMI Work Programme 2026–2032: earlier work) and part overlaps its period.
They are not demo rows, except about one in twenty (DEMO_SHARE): the app shows real data by
default, and the benchmark measures that default view. Each framework item gets 0–6 dated
assessments (ItemAssessment, recorded_by ASSESSED_BY), a few of them demo.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session

from dashboard import models as m
from dashboard.db import make_engine
from dashboard.editing import sync_progress_changes, sync_reported_dates
from dashboard.seed import init_store
from dashboard.settings import Settings

STATUSES = ("planned", "in_progress", "completed", "on_hold", "cancelled")
STATUS_WEIGHTS = (15, 45, 30, 6, 4)
INDICATORS = (
    ("camera-trap nights", "nights", 500, 5000),
    ("people trained", "people", 5, 120),
    ("publications", "papers", 1, 6),
    ("herders reached", "people", 20, 600),
)
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "USD", "GBP")
BATCH = 5000
# The share of generated activities (and of assessments) that are demo data.
DEMO_SHARE = 0.05
# Marks the generated assessments, and so a store of this generator: bench/run.py regenerates a
# reused store without them (built before assessments existed, its activities all demo).
ASSESSED_BY = "bench-generate-2"
# Assessed statuses in the order an item moves through them.
ASSESSED_STATUSES = ("not_started", "started", "well_advanced", "completed")


def _table(model: type[m.SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _insert(session: Session, model: type[m.SQLModel], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(_table(model)), rows[start : start + BATCH])


def generate(engine: Engine, activities: int, *, seed: int = 42) -> dict[str, int]:
    """Add `activities` generated activities (and their links and history) to a seeded store."""
    rng = random.Random(seed)
    with Session(engine) as session:
        items = session.execute(
            select(m.FrameworkItem.id, m.Framework.code).join(m.Framework)
        ).all()
        strategy_items = [item for item, framework in items if framework == "strategy"]
        cami_items = [item for item, framework in items if framework == "cami"]
        countries = list(session.execute(select(m.Country.iso3)).scalars())
        regions = list(session.execute(select(m.Region.number)).scalars())
        organisations = list(session.execute(select(m.Organisation.id)).scalars())
        first_id = (
            session.execute(select(m.Activity.id).order_by(m.Activity.id.desc())).scalar() or 0
        ) + 1
        now = dt.datetime.now(dt.UTC)
        today = dt.date.today()
        rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "activity",
                "item",
                "country",
                "region",
                "organisation",
                "site",
                "update",
                "funding",
                "output",
            )
        }
        for offset in range(activities):
            key = first_id + offset
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            demo = rng.random() < DEMO_SHARE
            title = f"{'[Demo] ' if demo else ''}Generated activity {key}"
            # Starts from 2010 to the end of 2026, lasting half a year to eight years: some
            # ended before each plan began, most overlap one of them.
            start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 17))
            end = start + dt.timedelta(days=rng.randrange(180, 365 * 8))
            final = 100.0 if status == "completed" else float(rng.randrange(0, 96, 5))
            if status == "planned":
                final = 0.0
            rows["activity"].append(
                {
                    "id": key,
                    "activity_id": f"BENCH-{key:07d}",
                    "title": title,
                    "title_key": m.sort_key(title),
                    "description": "Benchmark data.",
                    "status": status,
                    "progress_pct": final,
                    "start_date": start,
                    "end_date": end,
                    "lead_organisation_id": rng.choice(organisations),
                    "source_url": "",
                    "demo": demo,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            linked = rng.sample(strategy_items, rng.randint(0, 2)) + rng.sample(
                cami_items, rng.randint(0, 2)
            )
            for item in linked or [rng.choice(strategy_items)]:
                rows["item"].append(
                    {
                        "activity_id": key,
                        "item_id": item,
                        "weight": rng.choice((1.0, 1.0, 0.5, 2.0)),
                    }
                )
            for iso3 in rng.sample(countries, rng.randint(1, 3)):
                rows["country"].append({"activity_id": key, "country_iso3": iso3})
            if rng.random() < 0.5:
                rows["region"].append({"activity_id": key, "region_number": rng.choice(regions)})
            for role in ("partner", "funder"):
                for organisation in rng.sample(organisations, rng.randint(0, 2)):
                    rows["organisation"].append(
                        {"activity_id": key, "organisation_id": organisation, "role": role}
                    )
            for _ in range(rng.randint(1, 2)):
                rows["site"].append(
                    {
                        "activity_id": key,
                        "name": "",
                        "latitude": rng.uniform(30, 52),
                        "longitude": rng.uniform(50, 118),
                    }
                )
            updates = rng.randint(3, 7)
            # Dates only move forward (ties at today keep id order), so the last update is the
            # latest, as the activity row's status says: the store's invariant.
            reported = start
            for step in range(updates):
                last = step == updates - 1
                if step:
                    reported += dt.timedelta(days=rng.randrange(60, 200))
                date = min(reported, today)
                rows["update"].append(
                    {
                        "activity_id": key,
                        "date": date,
                        "progress_pct": final if last else round(final * (step + 1) / updates, 1),
                        "status": status if last else ("planned" if step == 0 else "in_progress"),
                        "note": "",
                        "source": "benchmark",
                        "recorded_at": now,
                    }
                )
            if rng.random() < 0.8:
                rows["funding"].append(
                    {
                        "funder_id": rng.choice(organisations),
                        "activity_id": key,
                        "amount": Decimal(rng.randrange(1000, 80000, 500)),
                        "currency": rng.choice(CURRENCIES),
                        "year": start.year,
                        "note": "",
                        "source": "benchmark",
                        "demo": demo,
                    }
                )
            indicator, unit, low, high = rng.choice(INDICATORS)
            target = float(rng.randint(low, high))
            rows["output"].append(
                {
                    "activity_id": key,
                    "indicator": indicator,
                    "unit": unit,
                    "target": target,
                    "value": round(target * rng.uniform(0.2, 1.3)),
                    "date": start,
                    "note": "",
                    "source": "benchmark",
                    "demo": demo,
                }
            )
        rows["assessment"] = assessments(session, today, seed=seed, now=now)
        _insert(session, m.Activity, rows["activity"])
        _insert(session, m.ActivityItem, rows["item"])
        _insert(session, m.ActivityCountry, rows["country"])
        _insert(session, m.ActivityRegion, rows["region"])
        _insert(session, m.ActivityOrganisation, rows["organisation"])
        _insert(session, m.Site, rows["site"])
        _insert(session, m.ProgressUpdate, rows["update"])
        _insert(session, m.Funding, rows["funding"])
        _insert(session, m.Output, rows["output"])
        _insert(session, m.ItemAssessment, rows["assessment"])
        sync_reported_dates(session)
        sync_progress_changes(session)
        if engine.dialect.name == "postgresql":
            # Activities were given explicit ids: move the sequence past them for later inserts.
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('activity', 'id'), max(id)) FROM activity"
                )
            )
        session.commit()
    return {name: len(values) for name, values in rows.items()}


def assessments(
    session: Session, today: dt.date, *, seed: int, now: dt.datetime
) -> list[dict[str, Any]]:
    """0–6 dated assessments per framework item, from its plan's start to today, each status
    as far along as the one before or further (now and then not applicable), about one in
    twenty demo. A generator of its own, so that they do not move the activities."""
    rng = random.Random(seed + 1)
    items = session.execute(
        select(m.FrameworkItem.id, m.Framework.period_start)
        .join(m.Framework)
        .order_by(m.FrameworkItem.id)
    ).all()
    rows: list[dict[str, Any]] = []
    for item, first_year in items:
        begins = dt.date(int(first_year), 1, 1)
        if begins > today:
            continue
        span = (today - begins).days + 1
        dates = sorted(
            begins + dt.timedelta(days=rng.randrange(span)) for _ in range(rng.randint(0, 6))
        )
        level = 0
        for date in dates:
            level = min(level + rng.choice((0, 0, 1, 1, 2)), len(ASSESSED_STATUSES) - 1)
            status = "not_applicable" if rng.random() < 0.03 else ASSESSED_STATUSES[level]
            rows.append(
                {
                    "item_id": item,
                    "date": date,
                    "status": status,
                    "note": "Benchmark assessment.",
                    "source": "benchmark",
                    "demo": rng.random() < DEMO_SHARE,
                    "recorded_by": ASSESSED_BY,
                    "recorded_at": now,
                }
            )
    return rows


def has_current_shape(engine: Engine) -> bool:
    """Whether the store at `engine` was generated by this generator (it holds its
    assessments); a store built before cannot be brought up to it and is regenerated."""
    with Session(engine) as session:
        found = session.execute(
            select(m.ItemAssessment.id).where(m.ItemAssessment.recorded_by == ASSESSED_BY).limit(1)
        ).first()
    return found is not None


def build_store(url: str, activities: int) -> dict[str, int]:
    """A fresh store at `url`: migrated, seeded from data/, plus `activities` generated ones."""
    engine = make_engine(url)
    init_store(engine, Settings(database_url=url))
    counts = generate(engine, activities)
    # Fresh statistics, as a store that has lived a while would have.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument(
        "--url", required=True, help="an empty store (sqlite:///… or postgresql+psycopg://…)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    counts = build_store(args.url, args.activities)
    print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")


if __name__ == "__main__":
    main()
