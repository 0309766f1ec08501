"""Edit: partners create and change activities, record progress, funding and outputs, assess
plan items, import."""

import streamlit as st

from dashboard.ui import editor, layout, plan_admin, signin

layout.header(
    "Edit activities",
    "Every change is checked field by field, recorded with who made it, and shown on every "
    "page at once. Progress updates and assessments of plan items are kept as history, never "
    "overwritten.",
    cite=False,
)

with layout.guard("The edit page"):
    user = signin.current_user()
    if user is None:
        # A reload or a bookmarked link: sign in here, and the page opens where it was.
        st.info("Sign in to edit. Editing needs a partner account; viewing does not.")
        signin.sign_in_form()
        st.stop()
    st.caption(signin.describe(user))
    # Loading or replacing a plan is for admins only.
    admin = user.role == "admin"
    tasks = (*editor.TASKS, plan_admin.TASK) if admin else editor.TASKS
    tabs = st.tabs(tasks, key="task", bind="query-params", on_change="rerun")
    panels = (
        editor.activity_editor,
        editor.progress_form,
        editor.funding_form,
        editor.output_form,
        editor.assessment_form,
        editor.import_panel,
        editor.history_panel,
        *((plan_admin.panel,) if admin else ()),
    )
    for tab, panel in zip(tabs, panels, strict=True):
        if tab.open:
            with tab:
                panel(user)
