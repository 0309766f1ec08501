"""One activity, as its own page shows it: its record, history, links, results and money.

Every function takes the activity's public id (`Activity.activity_id`, e.g. "A1") and
returns a frame, empty when the store holds no such activity. The page shows the whole
record whatever the shared filters say: a link to an activity opens that activity.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Float, String, case, cast, false, func, literal, select, true, union_all
from sqlmodel import Session

from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityItem,
    ActivityOrganisation,
    ActivityRegion,
    AuditEntry,
    Country,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    Output,
    ProgressUpdate,
    Region,
    Site,
    to_frame,
)


def _pk(activity_id: str) -> object:
    return select(Activity.c.id).where(Activity.c.activity_id == activity_id).scalar_subquery()


def activity_record(session: Session, *, activity_id: str) -> pd.DataFrame:
    """The activity's own fields, one row (none if unknown).

    Columns: activity_id, title, description, status, progress_pct (its latest progress
    update's, as every listing shows it), last_reported, start_date, end_date, lead,
    lead_slug, source_url, demo.
    """
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            Activity.c.description,
            Activity.c.status,
            Activity.c.progress_pct,
            Activity.c.last_reported,
            Activity.c.start_date,
            Activity.c.end_date,
            Organisation.c.name,
            Organisation.c.slug,
            Activity.c.source_url,
            Activity.c.demo,
        )
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .where(Activity.c.activity_id == activity_id)
    )
    frame = to_frame(
        session,
        statement,
        [
            "activity_id", "title", "description", "status", "progress_pct", "last_reported",
            "start_date", "end_date", "lead", "lead_slug", "source_url", "demo",
        ],
    )  # fmt: skip
    frame["demo"] = frame["demo"].astype(bool)
    frame["progress_pct"] = frame["progress_pct"].astype(float)
    return frame


def activity_updates(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its progress updates, newest first: date, status, progress_pct, note, source."""
    statement = (
        select(
            ProgressUpdate.c.date,
            ProgressUpdate.c.status,
            ProgressUpdate.c.progress_pct,
            ProgressUpdate.c.note,
            ProgressUpdate.c.source,
        )
        .where(ProgressUpdate.c.activity_id == _pk(activity_id))
        .order_by(ProgressUpdate.c.date.desc(), ProgressUpdate.c.id.desc())
    )
    frame = to_frame(session, statement, ["date", "status", "progress_pct", "note", "source"])
    frame["progress_pct"] = frame["progress_pct"].astype(float)
    return frame


# The order in which an activity's organisations are named.
ROLES = ("lead", "partner", "funder")


def activity_organisations(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Who takes part, lead first, then partners, then funders, each by name:
    role (lead, partner or funder), slug, name, demo (an invented organisation).

    A funder is an organisation linked as funder or with a funding record for the activity.
    """
    pk = _pk(activity_id)
    lead = select(
        literal("lead").label("role"), Activity.c.lead_organisation_id.label("org")
    ).where(Activity.c.id == pk, Activity.c.lead_organisation_id.is_not(None))
    linked = select(ActivityOrganisation.c.role, ActivityOrganisation.c.organisation_id).where(
        ActivityOrganisation.c.activity_id == pk
    )
    granted = select(literal("funder"), Funding.c.funder_id).where(Funding.c.activity_id == pk)
    roles = union_all(lead, linked, granted).subquery("roles")
    rank = case({role: number for number, role in enumerate(ROLES)}, value=roles.c.role, else_=9)
    statement = (
        select(roles.c.role, Organisation.c.slug, Organisation.c.name, Organisation.c.demo)
        .join(Organisation, Organisation.c.id == roles.c.org)
        # An organisation linked as funder and with funding records is named once.
        .group_by(
            roles.c.role,
            Organisation.c.slug,
            Organisation.c.name,
            Organisation.c.name_key,
            Organisation.c.demo,
        )
        .order_by(rank, Organisation.c.name_key, Organisation.c.slug)
    )
    frame = to_frame(session, statement, ["role", "slug", "name", "demo"])
    frame["demo"] = frame["demo"].astype(bool)
    return frame


def activity_items(session: Session, *, activity_id: str) -> pd.DataFrame:
    """The plan items it serves, plan by plan (by period, as `plans` lists them), in each
    plan's order: framework (its code), framework_name, code, title, provisional, weight."""
    statement = (
        select(
            Framework.c.code,
            Framework.c.name,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            ActivityItem.c.weight,
        )
        .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(ActivityItem.c.activity_id == _pk(activity_id))
        .order_by(
            Framework.c.period_start,
            Framework.c.code,
            FrameworkItem.c.sort_order,
            FrameworkItem.c.code,
        )
    )
    frame = to_frame(
        session,
        statement,
        ["framework", "framework_name", "code", "title", "provisional", "weight"],
    )
    frame["provisional"] = frame["provisional"].astype(bool)
    frame["weight"] = frame["weight"].astype(float)
    return frame


def activity_places(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Where it works: its range states (by name), then its PTCRs (by number).

    Columns: kind ("country" or "ptcr"), code (ISO3, or the PTCR's number as text), name,
    pending (a PTCR whose listing of the Pallas's cat is pending), latitude and longitude
    (a PTCR's centre point; empty for a country).
    """
    pk = _pk(activity_id)
    no_point = cast(None, Float)
    countries = (
        select(
            literal("country").label("kind"),
            Country.c.iso3.label("code"),
            Country.c.name.label("name"),
            false().label("pending"),
            no_point.label("latitude"),
            no_point.label("longitude"),
            literal(0).label("number"),
        )
        .join(ActivityCountry, ActivityCountry.c.country_iso3 == Country.c.iso3)
        .where(ActivityCountry.c.activity_id == pk)
    )
    regions = (
        select(
            literal("ptcr"),
            cast(Region.c.number, String),
            Region.c.name,
            case((Region.c.pallas_status == "pending", true()), else_=false()),
            Region.c.latitude,
            Region.c.longitude,
            Region.c.number,
        )
        .join(ActivityRegion, ActivityRegion.c.region_number == Region.c.number)
        .where(ActivityRegion.c.activity_id == pk)
    )
    places = union_all(countries, regions).subquery("places")
    statement = select(
        places.c.kind,
        places.c.code,
        places.c.name,
        places.c.pending,
        places.c.latitude,
        places.c.longitude,
    ).order_by(places.c.kind, places.c.number, places.c.name)
    frame = to_frame(
        session, statement, ["kind", "code", "name", "pending", "latitude", "longitude"]
    )
    frame["pending"] = frame["pending"].astype(bool)
    return frame


def activity_sites(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its recorded sites, in the order recorded: site (name), latitude, longitude."""
    statement = (
        select(Site.c.name, Site.c.latitude, Site.c.longitude)
        .where(Site.c.activity_id == _pk(activity_id))
        .order_by(Site.c.id)
    )
    return to_frame(session, statement, ["site", "latitude", "longitude"])


def activity_outputs(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its reported outputs, by indicator and date (undated last): indicator, value, unit,
    target, pct_of_target (value over target; empty without a target), date, note, source.
    Each row is one report; a later report of an indicator restates its running total."""
    pct = case(
        (Output.c.target > 0, 100.0 * Output.c.value / Output.c.target),
    )
    statement = (
        select(
            Output.c.indicator,
            Output.c.value,
            Output.c.unit,
            Output.c.target,
            pct,
            Output.c.date,
            Output.c.note,
            Output.c.source,
        )
        .where(Output.c.activity_id == _pk(activity_id))
        .order_by(Output.c.indicator, Output.c.date.asc().nulls_last(), Output.c.id)
    )
    return to_frame(
        session,
        statement,
        ["indicator", "value", "unit", "target", "pct_of_target", "date", "note", "source"],
    )


def activity_funding(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its funding records, by year (unknown year last), then funder: funder, funder_slug,
    year, amount, currency (both empty where the amount is not published), note, source."""
    statement = (
        select(
            Organisation.c.name,
            Organisation.c.slug,
            Funding.c.year,
            Funding.c.amount,
            Funding.c.currency,
            Funding.c.note,
            Funding.c.source,
        )
        .join(Organisation, Organisation.c.id == Funding.c.funder_id)
        .where(Funding.c.activity_id == _pk(activity_id))
        .order_by(Funding.c.year.asc().nulls_last(), Organisation.c.name_key, Funding.c.id)
    )
    frame = to_frame(
        session,
        statement,
        ["funder", "funder_slug", "year", "amount", "currency", "note", "source"],
    )
    frame["amount"] = pd.to_numeric(frame["amount"]).astype(float)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def activity_funding_totals(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its funding per currency, never added across currencies: currency, amount, grants.
    Records whose amount is not published come last as one row with currency and amount
    empty (grants: how many)."""
    statement = (
        select(Funding.c.currency, func.sum(Funding.c.amount), func.count())
        .where(Funding.c.activity_id == _pk(activity_id))
        .group_by(Funding.c.currency)
        .order_by(Funding.c.currency.asc().nulls_last())
    )
    frame = to_frame(session, statement, ["currency", "amount", "grants"])
    frame["amount"] = pd.to_numeric(frame["amount"]).astype(float)
    return frame


def activity_last_changed(session: Session, *, activity_id: str) -> pd.DataFrame:
    """Its latest change in the audit trail (none when nothing changed it since the data
    files were loaded): changed_at, via (form, import or cli), action, table, changes (how
    many changes the trail holds for it)."""
    mine = AuditEntry.c.activity_key == activity_id
    changes = select(func.count()).where(mine).scalar_subquery()
    statement = (
        select(
            AuditEntry.c.changed_at,
            AuditEntry.c.via,
            AuditEntry.c.action,
            AuditEntry.c.table_name,
            changes,
        )
        .where(mine)
        .order_by(AuditEntry.c.changed_at.desc(), AuditEntry.c.id.desc())
        .limit(1)
    )
    return to_frame(session, statement, ["changed_at", "via", "action", "table", "changes"])
