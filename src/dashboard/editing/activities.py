"""Creating and changing activities with their links.

Each function validates first (every problem at once, named by field), checks that the actor may
edit the activity, writes, and adds the audit rows in the same transaction; the caller commits.
Activities carry a version: saving against an older one is refused with what changed since
(`UPDATE ... WHERE id = ? AND version = ?`). The row's values are the draft's own fields
(models.ActivityFields); its links are one row per organisation, place, plan item and site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col

from dashboard import audit
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.auditing import Outcome, activity_record, differences
from dashboard.editing.checks import check_activity
from dashboard.editing.drafts import ActivityDraft, ProgressDraft, percentage
from dashboard.editing.permissions import require_may_edit
from dashboard.editing.problems import EditConflictError, EditError, Problem, errors
from dashboard.editing.progress import (
    add_update,
    counted_value,
    sync_reported_dates,
    work_started,
)
from dashboard.editing.reference import Reference, load_reference
from dashboard.editing.stored import activity_pk, load_draft


def activity_row_values(draft: ActivityDraft, reference: Reference) -> dict[str, Any]:
    """The Activity table's own columns for `draft` (links are written separately)."""
    return {
        **draft.own_values(),
        "title_key": m.sort_key(draft.title),
        "progress_pct": percentage(draft.progress_pct),
        "lead_organisation_id": reference.organisations[draft.lead_organisation]
        if draft.lead_organisation
        else None,
    }


def link_rows(pk: int, draft: ActivityDraft, reference: Reference) -> list[Any]:
    """The link rows (items, countries, PTCRs, partners/funders, sites) of activity `pk`."""
    rows: list[Any] = []
    for code, weight in draft.all_items().items():
        rows.append(m.ActivityItem(activity_id=pk, item_id=reference.items[code][0], weight=weight))
    rows.extend(
        m.ActivityCountry(activity_id=pk, country_iso3=iso3) for iso3 in set(draft.countries)
    )
    rows.extend(m.ActivityRegion(activity_id=pk, region_number=n) for n in set(draft.ptcrs))
    for role, slugs in (("partner", draft.partners), ("funder", draft.funders)):
        rows.extend(
            m.ActivityOrganisation(
                activity_id=pk, organisation_id=reference.organisations[slug], role=role
            )
            for slug in dict.fromkeys(slugs)
        )
    rows.extend(
        m.Site(activity_id=pk, name=site.name, latitude=site.latitude, longitude=site.longitude)
        for site in draft.sites
    )
    return rows


LINK_TABLES: tuple[Any, ...] = (
    m.ActivityItem,
    m.ActivityCountry,
    m.ActivityRegion,
    m.ActivityOrganisation,
    m.Site,
)
# The audit record's fields held on the Activity row; a change to any other is a link's.
ROW_FIELDS = frozenset({*(use.name for use in m.activity_fields()), "lead_organisation"})


def first_state_date(draft: ActivityDraft, today: dt.date) -> dt.date:
    """The date an activity's own status is recorded on when it has no reported update."""
    if draft.status == "completed" and draft.end_date:
        return min(draft.end_date, today)
    return min(draft.start_date or today, today)


@dataclass(frozen=True)
class SaveResult:
    activity_id: str
    outcome: Outcome
    version: int
    changes: Mapping[str, tuple[Any, Any]]
    warnings: Sequence[Problem] = ()
    # The activity's primary key (None when nothing was written).
    pk: int | None = None


def save_activity(
    *,
    session: Session,
    draft: ActivityDraft,
    actor: Actor,
    base: ActivityDraft | None,
    reference: Reference | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> SaveResult:
    """Create (`base` None) or update an activity and its links; refuse a stale `base`.

    An update whose status or progress differs adds a ProgressUpdate dated today (history is
    never overwritten). An update that changes nothing writes nothing.
    """
    today = today or dt.date.today()
    reference = reference or load_reference(session=session)
    problems = check_activity(draft, reference)
    if errors(problems):
        raise EditError(errors(problems))
    warnings = [problem for problem in problems if problem.warning]
    draft = draft.normalised()
    current = load_draft(session=session, activity_id=draft.activity_id)
    if base is None:
        if current is not None:
            raise EditError([Problem("activity_id", f"{draft.activity_id} exists already")])
        require_may_edit(actor, draft)
        return _create_activity(session, draft, actor, reference, note, today, warnings)
    if current is None:
        raise EditError([Problem("activity_id", f"{draft.activity_id} no longer exists")])
    require_may_edit(actor, current, draft)
    if base.version != current.version:
        raise EditConflictError(draft.activity_id, differences(base, current, reference.plans))
    changes = differences(current, draft, reference.plans)
    if not changes:
        return SaveResult(draft.activity_id, "unchanged", current.version or 0, {}, warnings)
    pk = reference.activities.get(draft.activity_id) or activity_pk(session, draft.activity_id)
    # The version check and the write are one statement: of two saves, only one succeeds.
    updated = session.exec(
        update(m.Activity)
        .where(col(m.Activity.id) == pk, col(m.Activity.version) == base.version)
        .values(
            **activity_row_values(draft, reference),
            version=col(m.Activity.version) + 1,
            updated_at=dt.datetime.now(dt.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        latest = load_draft(session=session, activity_id=draft.activity_id)
        raise EditConflictError(
            draft.activity_id, differences(base, latest, reference.plans) if latest else {}
        )
    if changes.keys() - ROW_FIELDS:
        for table in LINK_TABLES:
            session.exec(delete(table).where(table.activity_id == pk))
        session.add_all(link_rows(pk, draft, reference))
    if "demo" in changes:
        sync_reported_dates(session, [pk])
    audit.record_update(
        session=session,
        actor=actor,
        table="activity",
        row_key=draft.activity_id,
        activity_key=draft.activity_id,
        changes=changes,
    )
    if {"status", "progress_pct"} & changes.keys():
        add_update(
            session,
            actor,
            pk,
            ProgressDraft(
                activity_id=draft.activity_id,
                date=today,
                progress_pct=draft.progress_pct,
                status=draft.status,
                note=note or f"set in the activity ({actor.via})",
                source=draft.source_url,
            ),
        )
    session.flush()
    session.expire_all()
    return SaveResult(draft.activity_id, "changed", (base.version or 0) + 1, changes, warnings)


def _create_activity(
    session: Session,
    draft: ActivityDraft,
    actor: Actor,
    reference: Reference,
    note: str,
    today: dt.date,
    warnings: Sequence[Problem],
) -> SaveResult:
    (result,) = create_activities(
        session=session, drafts=[draft], actor=actor, reference=reference, note=note, today=today
    )
    return dataclasses.replace(result, warnings=tuple(warnings))


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement per batch and return their new ids, in order."""
    if not rows:
        return []
    table = model.__table__
    # sort_by_parameter_order: the ids come back in the order of `rows` on every backend.
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [int(row[0]) for row in result]


def create_activities(
    *,
    session: Session,
    drafts: Sequence[ActivityDraft],
    actor: Actor,
    reference: Reference,
    note: str = "",
    today: dt.date | None = None,
) -> list[SaveResult]:
    """Create new, already checked activities with their links, first progress update and
    audit rows: a handful of multi-row statements whatever the number (form: one; import: all).
    """
    if not drafts:
        return []
    today = today or dt.date.today()
    drafts = [draft.normalised() for draft in drafts]
    now = dt.datetime.now(dt.UTC)
    ids = _insert_returning_ids(
        session,
        m.Activity,
        [
            {
                **activity_row_values(draft, reference),
                # The first progress update, written below, is dated so.
                "first_reported": first_state_date(draft, today),
                "last_reported": first_state_date(draft, today),
                "first_started": first_state_date(draft, today)
                if work_started(draft.status, draft.progress_pct)
                else None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for draft in drafts
        ],
    )
    links: dict[Any, list[dict[str, Any]]] = {}
    for pk, draft in zip(ids, drafts, strict=True):
        for row in link_rows(pk, draft, reference):
            links.setdefault(type(row), []).append(row.model_dump(exclude={"id"}))
    for model, rows in links.items():
        session.execute(insert(model.__table__), rows)
    progress = [
        ProgressDraft(
            activity_id=draft.activity_id,
            date=first_state_date(draft, today),
            progress_pct=draft.progress_pct,
            status=draft.status,
            note=note or f"state when the activity was created ({actor.via})",
            source=draft.source_url,
        )
        for draft in drafts
    ]
    update_ids = _insert_returning_ids(
        session,
        m.ProgressUpdate,
        [
            {
                "activity_id": pk,
                "date": first.date,
                "progress_pct": percentage(first.progress_pct),
                "status": first.status,
                "note": first.note,
                "source": first.source,
                "recorded_at": now,
                "demo": draft.demo,
                # The activity's first update: its change is the whole of its state.
                **dict(
                    zip(
                        ("value_change", "counted_change"),
                        counted_value(first.status, first.progress_pct),
                        strict=True,
                    )
                ),
            }
            for pk, first, draft in zip(ids, progress, drafts, strict=True)
        ],
    )
    entries = []
    for draft, first, update_id in zip(drafts, progress, update_ids, strict=True):
        entries.append(
            audit.entry(
                actor=actor,
                action="create",
                table="activity",
                row_key=draft.activity_id,
                activity_key=draft.activity_id,
                after=activity_record(draft, reference.plans),
            )
        )
        entries.append(
            audit.entry(
                actor=actor,
                action="insert",
                table="progressupdate",
                row_key=str(update_id),
                activity_key=draft.activity_id,
                after=first.record(),
            )
        )
    session.execute(insert(m.AuditEntry.__table__), entries)  # type: ignore[attr-defined]
    session.expire_all()
    return [
        SaveResult(
            draft.activity_id,
            "added",
            1,
            {
                name: (None, value)
                for name, value in activity_record(draft, reference.plans).items()
            },
            pk=pk,
        )
        for pk, draft in zip(ids, drafts, strict=True)
    ]
