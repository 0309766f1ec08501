"""What the edit page offers: the codes a form may choose (with their labels), the activities
a partner may edit, the plan items to assess and their assessment history. Reads only: the
changes themselves are dashboard.editing's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from dashboard import models as m
from dashboard.provisional import PROVISIONAL, item_label


@dataclass(frozen=True)
class PlanChoice:
    """A plan's items as a form offers them: one picker per Framework row."""

    code: str
    short_name: str
    # The activity file's column of its items (Framework.items_column): problems with the
    # plan's links are named by it, in the form as in a file.
    column: str
    items: list[tuple[str, str]]


def form_choices(*, session: Session) -> dict[str, list[tuple[Any, str]]]:
    """(value, label) choices for the edit forms: organisations, countries, PTCRs, statuses."""
    return {
        "organisations": [
            (slug, f"{name} ({slug})")
            for slug, name in session.exec(
                select(m.Organisation.slug, m.Organisation.name).order_by(m.Organisation.name)
            ).all()
        ],
        "countries": [
            (iso3, f"{name} ({iso3})")
            for iso3, name in session.exec(
                select(m.Country.iso3, m.Country.name).order_by(m.Country.name)
            ).all()
        ],
        "regions": [
            (number, f"{number} {name}")
            for number, name in session.exec(
                select(m.Region.number, m.Region.name).order_by(col(m.Region.number))
            ).all()
        ],
        "statuses": [(status, status.replace("_", " ")) for status in m.ACTIVITY_STATUSES],
    }


def plan_choices(*, session: Session) -> list[PlanChoice]:
    """Every plan (in the frameworks' order) with its items as (code, label), in their order;
    an item of a provisional structure labelled so."""
    plans = session.exec(
        select(m.Framework.code, m.Framework.short_name, m.Framework.items_column).order_by(
            col(m.Framework.id)
        )
    ).all()
    items = session.exec(
        select(
            m.Framework.code,
            m.FrameworkItem.code,
            m.FrameworkItem.title,
            m.FrameworkItem.provisional,
        )
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .order_by(col(m.FrameworkItem.id))
    ).all()
    return [
        PlanChoice(
            code=plan,
            short_name=short_name,
            column=m.items_column_of(plan, column),
            items=[
                (code, item_label(code, title, provisional, width=None))
                for framework, code, title, provisional in items
                if framework == plan
            ],
        )
        for plan, short_name, column in plans
    ]


def activity_titles(
    *,
    session: Session,
    may_edit: Callable[[str | None, Iterable[str]], bool] | None = None,
) -> list[tuple[str, str]]:
    """(activity_id, title) of every activity, by id, or of those `may_edit(lead, partners)`
    allows (an actor's rule: auth.Actor.may_edit)."""
    rows = session.exec(
        select(m.Activity.id, m.Activity.activity_id, m.Activity.title, m.Organisation.slug)
        .join(
            m.Organisation,
            col(m.Organisation.id) == m.Activity.lead_organisation_id,
            isouter=True,
        )
        .order_by(m.Activity.activity_id)
    ).all()
    if may_edit is None:
        return [(key, title) for _, key, title, _ in rows]
    partners: dict[int, set[str]] = {}
    for activity_pk, slug in session.exec(
        select(m.ActivityOrganisation.activity_id, m.Organisation.slug)
        .join(m.Organisation, col(m.Organisation.id) == m.ActivityOrganisation.organisation_id)
        .where(m.ActivityOrganisation.role == "partner")
    ).all():
        partners.setdefault(activity_pk, set()).add(slug)
    return [
        (key, title)
        for pk, key, title, lead in rows
        if may_edit(lead, partners.get(pk or 0, set()))
    ]


def assessable_items(*, session: Session) -> list[tuple[str, str]]:
    """(code, label) of every plan item, in the frameworks' order: “CODE title · framework”,
    with “(provisional)” on the items of a provisional structure."""
    rows = session.exec(
        select(
            m.FrameworkItem.code,
            m.FrameworkItem.title,
            m.FrameworkItem.provisional,
            m.Framework.short_name,
        )
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .order_by(col(m.FrameworkItem.id))
    ).all()
    return [
        (code, f"{code} {title} · {framework}" + (f" {PROVISIONAL}" if provisional else ""))
        for code, title, provisional, framework in rows
    ]


ASSESSMENT_HISTORY_COLUMNS = ("date", "status", "note", "source", "recorded_by", "demo")


def assessment_history(*, session: Session, item: str) -> pd.DataFrame:
    """The assessments of a plan item (by code), newest first: the latest is its status."""
    rows = session.exec(
        select(m.ItemAssessment)
        .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ItemAssessment.item_id)
        .where(m.FrameworkItem.code == item)
        .order_by(col(m.ItemAssessment.date).desc(), col(m.ItemAssessment.id).desc())
    ).all()
    return pd.DataFrame(
        [[getattr(row, name) for name in ASSESSMENT_HISTORY_COLUMNS] for row in rows],
        columns=list(ASSESSMENT_HISTORY_COLUMNS),
    )
