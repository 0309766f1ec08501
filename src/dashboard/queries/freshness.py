"""When the store's data last changed: the "data as of" line of every page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlmodel import Session

from dashboard.queries.scope import Activity, AuditEntry


def data_last_changed(session: Session) -> dt.datetime | None:
    """The latest of the audit trail's last entry and the last update of any activity (the
    data files' load, where nothing was changed since); None for an empty store."""
    latest = session.execute(
        select(
            select(func.max(AuditEntry.c.changed_at)).scalar_subquery(),
            select(func.max(Activity.c.updated_at)).scalar_subquery(),
        )
    ).one()
    known = [value for value in latest if value is not None]
    return max(known) if known else None
