"""An activity as the store holds it, read back as a draft with its version (what a change
is compared with and checked against)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.editing.drafts import ActivityDraft, ItemLinks, SiteDraft


def activity_row(session: Session, activity_id: str) -> m.Activity | None:
    return session.exec(select(m.Activity).where(m.Activity.activity_id == activity_id)).first()


def activity_pk(session: Session, activity_id: str) -> int:
    """The primary key of an activity known to exist."""
    row = activity_row(session, activity_id)
    assert row is not None
    assert row.id is not None
    return row.id


def load_draft(*, session: Session, activity_id: str) -> ActivityDraft | None:
    """An activity as it is stored now, with its version (None if there is no such activity)."""
    row = activity_row(session, activity_id)
    if row is None or row.id is None:
        return None
    pk = row.id
    lead = (
        session.exec(
            select(m.Organisation.slug).where(m.Organisation.id == row.lead_organisation_id)
        ).first()
        if row.lead_organisation_id
        else None
    )
    roles = session.exec(
        select(m.ActivityOrganisation.role, m.Organisation.slug)
        .join(m.Organisation, col(m.Organisation.id) == m.ActivityOrganisation.organisation_id)
        .where(m.ActivityOrganisation.activity_id == pk)
    ).all()
    linked = session.exec(
        select(m.Framework.code, m.FrameworkItem.code, m.ActivityItem.weight)
        .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ActivityItem.item_id)
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .where(m.ActivityItem.activity_id == pk)
    ).all()
    items: dict[str, ItemLinks] = {}
    for plan, code, weight in linked:
        items[plan] = (*items.get(plan, ()), (code, float(weight)))
    sites = session.exec(
        select(m.Site).where(m.Site.activity_id == pk).order_by(col(m.Site.id))
    ).all()
    draft = ActivityDraft(
        **{use.name: getattr(row, use.name) for use in m.activity_fields()},
        lead_organisation=lead,
        partners=tuple(slug for role, slug in roles if role == "partner"),
        funders=tuple(slug for role, slug in roles if role == "funder"),
        countries=tuple(
            session.exec(
                select(m.ActivityCountry.country_iso3).where(m.ActivityCountry.activity_id == pk)
            ).all()
        ),
        ptcrs=tuple(
            session.exec(
                select(m.ActivityRegion.region_number).where(m.ActivityRegion.activity_id == pk)
            ).all()
        ),
        items=items,
        sites=tuple(SiteDraft(s.latitude, s.longitude, s.name) for s in sites),
    )
    return draft.normalised().replace(version=row.version)
