"""The CAMI Priority Transboundary Conservation Regions (PTCRs) and the work under each."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, select
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityRegion,
    Framework,
    Region,
    RegionCountry,
    mean_progress,
    progress_at,
    to_frame,
)


def ptcr_listing(
    session: Session, *, filters: Filters, framework: str | None = None
) -> pd.DataFrame:
    """Each PTCR that lists the Pallas's cat (of the plan `framework` defines, or all), its
    member countries and the activities there.

    Columns: ptcr, name, pallas_status, countries (`;`-joined ISO3), countries_derived,
    activities (in scope on the filters' date), documented (of those, not demo), mean_progress.
    """
    state = progress_at(filters)
    work = (
        select(
            ActivityRegion.c.region_number,
            func.count().label("activities"),
            func.sum(case((Activity.c.demo, 0), else_=1)).label("documented"),
            mean_progress(state).label("mean_progress"),
        )
        .join(state, state.c.activity_id == ActivityRegion.c.activity_id)
        .join(Activity, Activity.c.id == ActivityRegion.c.activity_id)
        .group_by(ActivityRegion.c.region_number)
        .subquery("work")
    )
    statement = (
        select(
            Region.c.number,
            Region.c.name,
            Region.c.pallas_status,
            Region.c.countries_derived,
            func.coalesce(work.c.activities, 0),
            func.coalesce(work.c.documented, 0),
            work.c.mean_progress,
        )
        .outerjoin(work, work.c.region_number == Region.c.number)
        .order_by(Region.c.number)
    )
    if framework is not None:
        statement = statement.join(Framework, Framework.c.id == Region.c.framework_id).where(
            Framework.c.code == framework
        )
    frame = to_frame(
        session,
        statement,
        [
            "ptcr",
            "name",
            "pallas_status",
            "countries_derived",
            "activities",
            "documented",
            "mean_progress",
        ],
    )
    members: dict[int, list[str]] = {}
    for number, iso3 in session.execute(
        select(RegionCountry.c.region_number, RegionCountry.c.country_iso3).order_by(
            RegionCountry.c.region_number, RegionCountry.c.country_iso3
        )
    ):
        members.setdefault(int(number), []).append(str(iso3))
    frame.insert(3, "countries", [";".join(members.get(int(n), [])) for n in frame["ptcr"]])
    frame["mean_progress"] = (
        pd.to_numeric(frame["mean_progress"], errors="coerce").astype(float).round(1)
    )
    return frame
