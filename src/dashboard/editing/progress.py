"""Progress is history: recording progress inserts a ProgressUpdate and refreshes the
activity's status and progress from its latest update. The dates and changes kept beside the
updates (first/last reported, first started, each update's change) are set here, by every path
that adds updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import case, func, or_, update
from sqlmodel import Session, col, select

from dashboard import audit
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing.auditing import Outcome
from dashboard.editing.checks import check_progress
from dashboard.editing.drafts import ProgressDraft, percentage
from dashboard.editing.permissions import require_may_edit
from dashboard.editing.problems import EditError, errors
from dashboard.editing.stored import activity_pk, activity_row, load_draft


def work_started(status: str, progress_pct: float | None) -> bool:
    """Whether a reported state says work is under way or done (in progress or completed,
    or any progress above 0): from the first such report, the plan items the activity
    serves count as started."""
    return status in m.WORK_STARTED_STATUSES or (progress_pct or 0) > 0


def sync_reported_dates(session: Session, pks: Sequence[int] | None = None) -> None:
    """Set Activity.first_reported and last_reported (the dates of each activity's earliest
    and latest progress updates) and first_started (of its earliest update reporting work
    under way), and give its
    updates its demo flag (of the activities `pks`, or of all): every path that adds updates
    or changes an activity's demo flag ends here."""
    update_table = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
    activity_table = m.Activity.__table__  # type: ignore[attr-defined]
    earliest = (
        select(func.min(update_table.c.date))
        .where(update_table.c.activity_id == activity_table.c.id)
        .scalar_subquery()
    )
    started = (
        select(func.min(update_table.c.date))
        .where(
            update_table.c.activity_id == activity_table.c.id,
            or_(
                update_table.c.status.in_(m.WORK_STARTED_STATUSES),
                update_table.c.progress_pct > 0,
            ),
        )
        .scalar_subquery()
    )
    latest = (
        select(func.max(update_table.c.date))
        .where(update_table.c.activity_id == activity_table.c.id)
        .scalar_subquery()
    )
    dates = update(activity_table).values(
        first_reported=earliest, first_started=started, last_reported=latest
    )
    demo = (
        select(activity_table.c.demo)
        .where(activity_table.c.id == update_table.c.activity_id)
        .scalar_subquery()
    )
    flags = update(update_table).values(demo=demo)
    if pks is not None:
        dates = dates.where(activity_table.c.id.in_(list(pks)))
        flags = flags.where(update_table.c.activity_id.in_(list(pks)))
    session.execute(dates)
    session.execute(flags)


def counted_value(status: str, progress_pct: float | None) -> tuple[float, int]:
    """(progress as a mean counts it, whether it is counted) for a state: completed counts
    100; cancelled, and a state with no percentage reported, are not counted (0, 0)."""
    if status == "completed":
        return 100.0, 1
    if status == "cancelled" or progress_pct is None:
        return 0.0, 0
    return float(progress_pct), 1


def sync_progress_changes(session: Session, pks: Sequence[int] | None = None) -> None:
    """Set each progress update's value_change and counted_change against the activity's
    update before it (of the activities `pks`, or of all): every path that adds updates
    ends here, so a back-dated update also corrects the change of the one after it."""
    update_table = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
    # As counted_value, in SQL.
    progress = case(
        (update_table.c.status == "completed", 100.0), else_=update_table.c.progress_pct
    )
    counted = case((update_table.c.status == "cancelled", 0), (progress.is_(None), 0), else_=1)
    window = {
        "partition_by": update_table.c.activity_id,
        "order_by": (update_table.c.date, update_table.c.id),
    }
    value = func.coalesce(progress, 0.0) * counted
    changes = select(
        update_table.c.id,
        (value - func.lag(value, 1, 0.0).over(**window)).label("value_change"),
        (counted - func.lag(counted, 1, 0).over(**window)).label("counted_change"),
    )
    if pks is not None:
        changes = changes.where(update_table.c.activity_id.in_(list(pks)))
    computed = changes.subquery("computed")
    session.execute(
        update(update_table)
        .where(update_table.c.id == computed.c.id)
        .values(value_change=computed.c.value_change, counted_change=computed.c.counted_change)
    )


def add_update(session: Session, actor: Actor, pk: int, draft: ProgressDraft) -> m.ProgressUpdate:
    update_row = m.ProgressUpdate(
        activity_id=pk,
        date=draft.date,
        progress_pct=percentage(draft.progress_pct),
        status=draft.status,
        note=draft.note,
        source=draft.source,
    )
    session.add(update_row)
    session.flush()
    sync_reported_dates(session, [pk])
    sync_progress_changes(session, [pk])
    audit.record(
        session=session,
        actor=actor,
        action="insert",
        table="progressupdate",
        row_key=str(update_row.id),
        activity_key=draft.activity_id,
        after=draft.record(),
    )
    return update_row


def record_progress(
    *,
    session: Session,
    draft: ProgressDraft,
    actor: Actor,
    today: dt.date | None = None,
) -> Outcome:
    """Add a progress update (never overwriting one) and refresh the activity's state.

    The activity's status and progress become those of its latest update (by date), so a
    back-dated update adds history without changing the current state.
    """
    current = load_draft(session=session, activity_id=draft.activity_id)
    problems = check_progress(
        draft, [current.activity_id] if current else [], today=today or dt.date.today()
    )
    if errors(problems):
        raise EditError(errors(problems))
    assert current is not None
    require_may_edit(actor, current)
    pk = activity_pk(session, draft.activity_id)
    add_update(session, actor, pk, draft)
    refresh_state(session=session, actor=actor, activity_id=draft.activity_id)
    return "added"


def refresh_state(*, session: Session, actor: Actor, activity_id: str) -> bool:
    """Set an activity's status and progress from its latest update; True if they changed."""
    row = activity_row(session, activity_id)
    assert row is not None
    assert row.id is not None
    latest = session.exec(
        select(m.ProgressUpdate)
        .where(m.ProgressUpdate.activity_id == row.id)
        .order_by(col(m.ProgressUpdate.date).desc(), col(m.ProgressUpdate.id).desc())
    ).first()
    if latest is None or (latest.status, latest.progress_pct) == (row.status, row.progress_pct):
        return False
    before = {"status": row.status, "progress_pct": percentage(row.progress_pct)}
    after = {"status": latest.status, "progress_pct": percentage(latest.progress_pct)}
    session.exec(
        update(m.Activity)
        .where(col(m.Activity.id) == row.id)
        .values(
            status=latest.status,
            progress_pct=latest.progress_pct,
            version=col(m.Activity.version) + 1,
            updated_at=dt.datetime.now(dt.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    audit.record(
        session=session,
        actor=actor,
        action="update",
        table="activity",
        row_key=activity_id,
        activity_key=activity_id,
        before=before,
        after=after,
    )
    return True
