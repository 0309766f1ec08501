"""An activity's history of changes, from the audit trail: who changed what, when, and how.

Any page can show it for one activity (the edit page does, under the form and in its own tab).
"""

from __future__ import annotations

import streamlit as st

from dashboard import audit
from dashboard.markup import literal
from dashboard.ui.store import session


def activity_history(activity_id: str) -> None:
    """An activity's recorded changes, newest first."""
    with session() as current:
        history = audit.activity_history(session=current, activity_key=activity_id)
    if history.empty:
        st.info(
            f"No recorded changes to {literal(activity_id)} yet. Changes made through the "
            "forms, an import or the command line appear here; the seed data has none."
        )
        return
    st.dataframe(
        history.iloc[::-1],
        hide_index=True,
        width="stretch",
        column_config={
            "changed_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
            "actor": "Who",
            "via": "How",
            "action": "Change",
            "table": "Table",
            "row": "Row",
            "changes": st.column_config.TextColumn("Values (before → after)", width="large"),
        },
    )
