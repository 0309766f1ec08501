"""The edit page's plan panel (admins): load or update a plan from files, or replace a plan's
tree with a crosswalk, each previewed (a dry run) before it is applied.

Both go through `dashboard.plan_files`, the code `dashboard framework` runs.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.auth import Actor
from dashboard.importer import ImportFileError
from dashboard.plan_files import PlanReport, import_plan, replace_plan
from dashboard.ui import data
from dashboard.ui.store import session

TASK = "Plans"


def panel(user: Actor) -> None:
    """Load or update a plan, or replace a plan's tree (admins only)."""
    if user.role != "admin":
        st.info("Loading or replacing a plan speaks for every partner: it takes an admin.")
        return
    load_panel(user)
    st.divider()
    replace_panel(user)


def _run(label: str, change: Callable[[bool], PlanReport], key: str) -> None:
    """Preview (a dry run) or apply `change`, and show what it did or why nothing was."""
    preview, apply = st.columns(2)
    # Both drawn on every run, so that a preview is followed by its Apply.
    previewed = preview.button("Preview", key=f"{key}_preview")
    applied = apply.button(label, type="primary", key=f"{key}_apply")
    if not (previewed or applied):
        return
    dry_run = not applied
    try:
        report = change(dry_run)
    except ImportFileError as rejected:
        st.error("**Nothing was written**: the store is unchanged.", icon=":material/error:")
        st.code("\n".join(rejected.lines()), language=None, wrap_lines=True)
        return
    if not dry_run:
        data.clear()
    st.success(
        ("Preview, nothing written: " if dry_run else "Done: ")
        + f"{report.changes} change{'' if report.changes == 1 else 's'}.",
        icon=":material/check_circle:",
    )
    st.code("\n".join(report.lines()), language=None, wrap_lines=True)


def _files(uploaded: list[UploadedFile] | UploadedFile | None) -> list[tuple[str, bytes]]:
    if uploaded is None:
        return []
    chosen = uploaded if isinstance(uploaded, list) else [uploaded]
    return [(file.name, file.getvalue()) for file in chosen]


def load_panel(user: Actor) -> None:
    """Add or update plans from a frameworks.csv and/or a framework_items.csv file."""
    st.subheader("Load or update a plan")
    st.markdown(
        "Upload a **frameworks.csv** and/or a **framework_items.csv** file, in the columns of "
        "`data/`. Each plan the items file names gets exactly its tree: items are added, edited "
        "or removed, but an item that activities or assessments still use is never removed. "
        "One error rejects everything; a repeat changes nothing."
    )
    uploaded = st.file_uploader(
        "Plan files (CSV)", type=["csv"], accept_multiple_files=True, key="plan_files"
    )
    files = _files(uploaded)
    if not files:
        return

    def change(dry_run: bool) -> PlanReport:
        with session() as current:
            return import_plan(session=current, files=files, actor=user, dry_run=dry_run)

    _run("Load", change, "plan_load")


def replace_panel(user: Actor) -> None:
    """Put a new tree in place of a plan's, moving links and assessments by a crosswalk."""
    st.subheader("Replace a plan's tree")
    st.markdown(
        "Upload the new tree (**framework_items.csv** columns) and a **crosswalk** "
        "(`old_code,new_code[,weight]`; one old item may map to several new ones). Every "
        "activity link and assessment of an old item moves to the new items its rows name; an "
        "old item that is still used and has no row refuses the whole replacement. The old "
        "items are kept as retired, with today's date. Preview lists every move."
    )
    plans = {plan.code: plan.name for plan in data.plan_list()}
    code = st.selectbox(
        "Plan", list(plans), format_func=lambda c: f"{plans[c]} ({c})", key="plan_replace_code"
    )
    items = st.file_uploader("New tree (CSV)", type=["csv"], key="plan_replace_items")
    crosswalk = st.file_uploader("Crosswalk (CSV)", type=["csv"], key="plan_replace_walk")
    if code is None or items is None or crosswalk is None:
        return
    tree, walk = _files(items)[0], _files(crosswalk)[0]

    def change(dry_run: bool) -> PlanReport:
        with session() as current:
            return replace_plan(
                session=current, framework=code, items=tree, crosswalk=walk, actor=user,
                dry_run=dry_run,
            )  # fmt: skip

    _run("Replace", change, "plan_replace")
