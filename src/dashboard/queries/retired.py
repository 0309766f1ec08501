"""The items a plan's tree no longer has since a replacement (`dashboard framework replace`):
what they were, when they left and which items took their links and assessments."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlmodel import Session

from dashboard.queries.scope import Framework, RetiredItem, to_frame

RETIRED_COLUMNS = ["retired_on", "code", "title", "provisional", "replaced_by"]


def retired_items(session: Session, framework: str) -> pd.DataFrame:
    """The items replacements took out of the plan `framework`, oldest first. Columns:
    retired_on, code, title, provisional (of a provisional working structure), replaced_by
    (the crosswalk's rows for it, `CODE` or `CODE:weight` joined with `;`; empty when it had
    no links or assessments to move)."""
    statement = (
        select(
            RetiredItem.c.retired_on,
            RetiredItem.c.code,
            RetiredItem.c.title,
            RetiredItem.c.provisional,
            RetiredItem.c.replaced_by,
        )
        .join(Framework, Framework.c.id == RetiredItem.c.framework_id)
        .where(Framework.c.code == framework)
        .order_by(RetiredItem.c.retired_on, RetiredItem.c.id)
    )
    return to_frame(session, statement, RETIRED_COLUMNS)
